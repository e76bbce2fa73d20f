#pragma once
/// @file
/// Module header of labelkit/learner/. The active-learning loop and its simulation with learning
/// curves. Includes every public header of the area; include single headers for the smallest
/// builds.

#include "labelkit/learner/active_learner.hpp"
#include "labelkit/learner/simulation.hpp"
#include "labelkit/learner/stopping.hpp"
