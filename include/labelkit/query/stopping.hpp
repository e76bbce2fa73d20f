#pragma once
/// @file
/// Forwarding header: the stopping criteria act on a learner and live in
/// labelkit/learner/stopping.hpp (namespace `labelkit`); the `labelkit::query::` names below are
/// the same entities.

#include "labelkit/config.hpp"
#include "labelkit/learner/stopping.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

using labelkit::ExpectedErrorStop;
using labelkit::LabelBudget;
using labelkit::MaxUncertaintyStop;
using labelkit::StabilizingPredictions;
using labelkit::stop_when_any;
using labelkit::StopWhenAny;

}  // namespace query
LABELKIT_END_NAMESPACE
