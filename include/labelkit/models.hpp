#pragma once
/// @file
/// Module header of labelkit/models/. The built-in probabilistic classifiers (logistic regression,
/// Gaussian naive Bayes). Includes every public header of the area; include single headers for the
/// smallest builds.

#include "labelkit/models/bagging.hpp"
#include "labelkit/models/kmeans.hpp"
#include "labelkit/models/logistic_regression.hpp"
#include "labelkit/models/naive_bayes.hpp"
