#pragma once
/// @file
/// Umbrella header: all of labelkit. Include the individual headers for faster builds.

#include "labelkit/version.hpp"

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/label_pool.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/softmax.hpp"
#include "labelkit/core/validate.hpp"

#include "labelkit/query/random.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
