#pragma once
// Multi-label fields in labelkit-report (tools/labelkit_report.cpp): when an answer may hold
// several choices, the answers are sets, and agreement is measured on sets, never by making
// "politics|sports" a class of its own:
// - Krippendorff's alpha with the MASI distance (Passonneau 2006): for two answers A and B,
//   MASI(A, B) = 1 - J * M, with Jaccard J = |A ∩ B| / |A ∪ B| and monotonicity M = 1 if A = B,
//   2/3 if one is a subset of the other, 1/3 if they intersect otherwise, 0 if disjoint. (NLTK's
//   masi_distance rounds 2/3 and 1/3 to 0.67 and 0.33; this uses the paper's values.) Two empty
//   answers are at distance 0.
// - Per label: each label as a yes/no question (is it among the answer's choices?), with its
//   answer count and nominal Krippendorff's alpha.
// Not part of the library.
#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <exception>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "labelkit/agreement/krippendorff.hpp"

namespace labelkit_tools::report {

/// One annotator's set answer for one item (dense ids; labels ascending, distinct).
struct SetAnswer {
  Eigen::Index item = 0;
  Eigen::Index annotator = 0;
  std::vector<int> labels;
};

/// MASI distance of two ascending, distinct label lists (Passonneau 2006), in [0, 1].
inline double masi_distance(const std::vector<int>& a, const std::vector<int>& b) {
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++common;
      ++i;
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  const std::size_t united = a.size() + b.size() - common;
  if (united == 0) return 0.0;  // two empty answers agree
  double monotonicity = 0.0;
  if (common == a.size() && common == b.size()) {
    monotonicity = 1.0;
  } else if (common == std::min(a.size(), b.size())) {
    monotonicity = 2.0 / 3.0;
  } else if (common > 0) {
    monotonicity = 1.0 / 3.0;
  }
  return 1.0 - static_cast<double>(common) / static_cast<double>(united) * monotonicity;
}

/// One label of a multi-label field as a yes/no question.
struct LabelAgreement {
  int label = 0;             ///< Class index into the field's choice labels.
  Eigen::Index answers = 0;  ///< Answers that include the label.
  double share = 0.0;        ///< answers / all answers.
  double alpha = std::numeric_limits<double>::quiet_NaN();  ///< Nominal alpha on yes/no.
  std::string error;  ///< Why alpha could not be computed (empty: fine).
};

/// Set-valued agreement of a multi-label field.
struct SetAgreement {
  double masi_alpha = std::numeric_limits<double>::quiet_NaN();  ///< Alpha with MASI.
  std::string masi_error;              ///< Why it could not be computed (empty: fine).
  std::vector<LabelAgreement> labels;  ///< One per choice label, in label order.
};

/// Krippendorff's alpha with the MASI distance and per-label yes/no alpha, from set answers over
/// `n_items` items, `n_annotators` annotators and `n_labels` labels. Missing answers are missing
/// values (alpha's usual handling). O(answers + annotators * items * labels).
inline SetAgreement set_agreement(const std::vector<SetAnswer>& answers, Eigen::Index n_items,
                                  Eigen::Index n_annotators, int n_labels) {
  namespace ag = labelkit::agreement;
  SetAgreement out;
  const double missing = std::numeric_limits<double>::quiet_NaN();
  std::map<std::vector<int>, int> set_ids;
  std::vector<const std::vector<int>*> sets;
  Eigen::MatrixXd coded = Eigen::MatrixXd::Constant(n_annotators, n_items, missing);
  for (const auto& a : answers) {
    const auto [it, added] = set_ids.emplace(a.labels, static_cast<int>(sets.size()));
    if (added) sets.push_back(&it->first);
    coded(a.annotator, a.item) = it->second;
  }
  try {
    out.masi_alpha = ag::krippendorff_alpha(coded, [&](double c, double k) {
      return masi_distance(*sets[static_cast<std::size_t>(c)], *sets[static_cast<std::size_t>(k)]);
    });
  } catch (const std::exception& e) {
    out.masi_error = e.what();
  }
  for (int label = 0; label < n_labels; ++label) {
    LabelAgreement result;
    result.label = label;
    Eigen::MatrixXd yes_no = Eigen::MatrixXd::Constant(n_annotators, n_items, missing);
    for (const auto& a : answers) {
      const bool has = std::binary_search(a.labels.begin(), a.labels.end(), label);
      yes_no(a.annotator, a.item) = has ? 1.0 : 0.0;
      result.answers += has ? 1 : 0;
    }
    result.share = answers.empty()
                       ? 0.0
                       : static_cast<double>(result.answers) / static_cast<double>(answers.size());
    try {
      result.alpha = ag::krippendorff_alpha(yes_no, ag::Level::nominal);
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    out.labels.push_back(std::move(result));
  }
  return out;
}

}  // namespace labelkit_tools::report
