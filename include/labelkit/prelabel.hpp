#pragma once
/// @file
/// Module header of labelkit/prelabel/. Pre-labeling: pre-labeler interfaces and adapters, LLM
/// prompts and replies, calibration, routing and acceptance. Includes every public header of the
/// area; include single headers for the smallest builds.

#include "labelkit/prelabel/acceptance.hpp"
#include "labelkit/prelabel/adapters.hpp"
#include "labelkit/prelabel/calibrated_prelabeler.hpp"
#include "labelkit/prelabel/calibration.hpp"
#include "labelkit/prelabel/histogram_binning.hpp"
#include "labelkit/prelabel/isotonic_calibrator.hpp"
#include "labelkit/prelabel/label_set.hpp"
#include "labelkit/prelabel/llm_prelabeler.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/prompt.hpp"
#include "labelkit/prelabel/reliability.hpp"
#include "labelkit/prelabel/reply_parser.hpp"
#include "labelkit/prelabel/routing.hpp"
#include "labelkit/prelabel/runner.hpp"
#include "labelkit/prelabel/temperature_scaling.hpp"
