#pragma once
/// @file
/// Module header of labelkit/pipeline/. The seams between the areas: pre-labels routed into the
/// task queue, final labels assembled from gold, auto-accepted pre-labels and aggregates, and
/// their export. Includes every public header of the area; include single headers for the
/// smallest builds.

#include "labelkit/pipeline/export.hpp"
#include "labelkit/pipeline/final_label.hpp"
#include "labelkit/pipeline/final_labels.hpp"
#include "labelkit/pipeline/prelabel_tasks.hpp"
