#pragma once
/// @file
/// Module header of labelkit/core/. Core vocabulary: the index type, errors, ids (integer and
/// string), the label pool, the Model concept, rows, random numbers, validation, softmax, JSON and
/// size limits. Includes every public header of the area; include single headers for the smallest
/// builds.

#include "labelkit/config.hpp"
#include "labelkit/fwd.hpp"
#include "labelkit/version.hpp"

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/comparison.hpp"
#include "labelkit/core/duplicates.hpp"
#include "labelkit/core/eigen.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/exact_sum.hpp"
#include "labelkit/core/gold_label.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/id_names.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/interval.hpp"
#include "labelkit/core/json.hpp"
#include "labelkit/core/label_pool.hpp"
#include "labelkit/core/label_set.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/multilabel_model.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/regions.hpp"
#include "labelkit/core/regressor.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/core/utf8.hpp"
#include "labelkit/core/validate.hpp"
