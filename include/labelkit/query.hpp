#pragma once
/// @file
/// Module header of labelkit/query/. Query strategies for pool-based active learning: uncertainty,
/// committees, diversity, density, hybrids, stopping rules and selection. Includes every public
/// header of the area; include single headers for the smallest builds.

#include "labelkit/query/any_strategy.hpp"
#include "labelkit/query/badge.hpp"
#include "labelkit/query/bagging.hpp"
#include "labelkit/query/committee.hpp"
#include "labelkit/query/density.hpp"
#include "labelkit/query/diversity.hpp"
#include "labelkit/query/error_reduction.hpp"
#include "labelkit/query/expected_model_change.hpp"
#include "labelkit/query/hybrid.hpp"
#include "labelkit/query/kmeans.hpp"
#include "labelkit/query/mc_dropout.hpp"
#include "labelkit/query/multilabel.hpp"
#include "labelkit/query/multilabel_sampling.hpp"
#include "labelkit/query/pool_round.hpp"
#include "labelkit/query/random.hpp"
#include "labelkit/query/ranked_batch.hpp"
#include "labelkit/query/regression.hpp"
#include "labelkit/query/regression_model_change.hpp"
#include "labelkit/query/scored.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/stopping.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/stream_sampling.hpp"
#include "labelkit/query/streaming.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
