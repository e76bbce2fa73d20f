#pragma once
/// @file
/// Module header of labelkit/quality/. Label quality: aggregation of crowd answers (majority vote,
/// Dawid-Skene, GLAD, MACE, ...), gold standards, consistency and confident learning. Includes
/// every public header of the area; include single headers for the smallest builds.

#include "labelkit/quality/activelab.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/box_fusion.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/consensus.hpp"
#include "labelkit/quality/consistency.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/glad.hpp"
#include "labelkit/quality/gold_label.hpp"
#include "labelkit/quality/gold_standard.hpp"
#include "labelkit/quality/kos.hpp"
#include "labelkit/quality/mace.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/mmsr.hpp"
#include "labelkit/quality/multilabel_issues.hpp"
#include "labelkit/quality/preferences.hpp"
#include "labelkit/quality/report.hpp"
#include "labelkit/quality/span_aggregation.hpp"
#include "labelkit/quality/wawa.hpp"
#include "labelkit/quality/zero_based_skill.hpp"
