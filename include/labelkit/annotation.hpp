#pragma once
/// @file
/// Module header of labelkit/annotation/. Annotation management: tasks, the task queue, checkpoints
/// and Label Studio / JSON formats. Includes every public header of the area; include single
/// headers for the smallest builds.

#include "labelkit/annotation/checkpoint.hpp"
#include "labelkit/annotation/checkpoint_codec.hpp"
#include "labelkit/annotation/errors.hpp"
#include "labelkit/annotation/json_format.hpp"
#if defined(__unix__) || defined(__APPLE__)  // the journal needs POSIX files
#include "labelkit/annotation/journal.hpp"
#endif
#include "labelkit/annotation/label_studio.hpp"
#include "labelkit/annotation/label_studio_names.hpp"
#include "labelkit/annotation/label_studio_pairwise.hpp"
#include "labelkit/annotation/label_studio_queue.hpp"
#include "labelkit/annotation/label_studio_ranker.hpp"
#include "labelkit/annotation/label_studio_regions.hpp"
#include "labelkit/annotation/queue_options.hpp"
#include "labelkit/annotation/queue_state.hpp"
#include "labelkit/annotation/task.hpp"
#include "labelkit/annotation/task_import.hpp"
#include "labelkit/annotation/task_queue.hpp"
