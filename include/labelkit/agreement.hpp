#pragma once
/// @file
/// Module header of labelkit/agreement/. Inter-annotator agreement: Cohen, Scott, Fleiss, Gwet,
/// Krippendorff, with their estimates and interpretation. Includes every public header of the area;
/// include single headers for the smallest builds.

#include "labelkit/agreement/alpha_state.hpp"
#include "labelkit/agreement/bangdiwala.hpp"
#include "labelkit/agreement/boxes.hpp"
#include "labelkit/agreement/cohen.hpp"
#include "labelkit/agreement/comparisons.hpp"
#include "labelkit/agreement/estimate.hpp"
#include "labelkit/agreement/fleiss.hpp"
#include "labelkit/agreement/gwet.hpp"
#include "labelkit/agreement/interpret.hpp"
#include "labelkit/agreement/kappa_states.hpp"
#include "labelkit/agreement/kendall_w.hpp"
#include "labelkit/agreement/krippendorff.hpp"
#include "labelkit/agreement/krippendorff_types.hpp"
#include "labelkit/agreement/multi_rater.hpp"
#include "labelkit/agreement/records.hpp"
#include "labelkit/agreement/scott.hpp"
#include "labelkit/agreement/spans.hpp"
#include "labelkit/agreement/tables.hpp"
#include "labelkit/agreement/unitizing_alpha.hpp"
