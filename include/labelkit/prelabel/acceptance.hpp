#pragma once
/// @file
/// Acceptance tracking: after human review, how often pre-labels were accepted, the confusion of
/// pre-labels against final labels per class, and the annotation effort saved — so a host can
/// see whether pre-labeling helps.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Cost of one item for a reviewer, in any unit (seconds, or relative to labeling from scratch).
/// Set these from your own timings; the defaults are placeholders in "from scratch = 1" units.
struct EffortModel {
  double label = 1.0;    ///< Labeling an item with no pre-label (or a "no answer" one).
  double confirm = 0.3;  ///< Reviewing a pre-label and accepting it.
  double correct = 1.1;  ///< Reviewing a pre-label, rejecting it and choosing the right label.
  double auto_accepted = 0.0;  ///< An auto-accepted item (0, or the cost of a spot check).
};

/// Per-class acceptance: of the items pre-labeled as class c, how many were kept.
struct ClassAcceptance {
  Eigen::Index predicted = 0;  ///< Reviewed items pre-labeled c.
  Eigen::Index accepted = 0;   ///< ... whose final label is c.
  Eigen::Index actual = 0;     ///< Reviewed items whose final label is c.

  /// accepted / predicted (the pre-labeler's precision on c; 0 if never predicted).
  [[nodiscard]] double precision() const noexcept {
    return predicted == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(predicted);
  }
  /// accepted / actual (its recall on c; 0 if c never occurs).
  [[nodiscard]] double recall() const noexcept {
    return actual == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(actual);
  }
};

/// What review made of the pre-labels.
struct AcceptanceReport {
  Eigen::Index reviewed = 0;       ///< Items a human reviewed.
  Eigen::Index accepted = 0;       ///< Reviewed items whose pre-label was kept.
  Eigen::Index corrected = 0;      ///< Reviewed items whose pre-label was changed.
  Eigen::Index no_answer = 0;      ///< Reviewed items with no pre-label (label -1).
  Eigen::Index auto_accepted = 0;  ///< Items taken without review (not in the confusion).
  /// (C + 1) x C counts: row = pre-label (row C = no answer), column = final label.
  Eigen::Matrix<Eigen::Index, Eigen::Dynamic, Eigen::Dynamic> confusion{};
  std::vector<ClassAcceptance> per_class{};  ///< One entry per class.
  double effort_without = 0.0;               ///< Cost of labeling every item from scratch.
  double effort_with = 0.0;                  ///< Cost with pre-labels (EffortModel).

  /// accepted / (accepted + corrected): how often a shown pre-label was right (0 if none shown).
  [[nodiscard]] double accept_rate() const noexcept {
    const Eigen::Index shown = accepted + corrected;
    return shown == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(shown);
  }
  /// effort_without - effort_with (negative: pre-labeling cost more than it saved).
  [[nodiscard]] double effort_saved() const noexcept { return effort_without - effort_with; }
  /// effort_saved / effort_without (0 when there were no items).
  [[nodiscard]] double effort_saved_fraction() const noexcept {
    return effort_without == 0.0 ? 0.0 : effort_saved() / effort_without;
  }
};

/// Accept rate, per-class confusion of pre-labels vs final labels, and effort saved.
///
/// `reviewed` are the items a human reviewed (pre-label, confidence, final label);
/// `auto_accepted` is the number of items taken without review, which count as costing
/// `effort.auto_accepted` each and `effort.label` each without pre-labeling (their correctness
/// is unknown here: spot-check a sample and include it in `reviewed` to measure it).
///   effort_without = (reviewed + auto_accepted) * label
///   effort_with    = accepted * confirm + corrected * correct + no_answer * label
///                    + auto_accepted * effort.auto_accepted.
/// O(n + C^2).
/// @throws labelkit::invalid_argument if n_classes < 1, auto_accepted < 0, an effort cost is
/// negative or not finite, or a record has predicted outside [-1, C) or final_label outside
/// [0, C).
/// @tparam Count the count type of the confusion matrix (Eigen::Index; a template parameter so
///   that the function is compiled only where it is used).
template <class Count = Eigen::Index>
[[nodiscard]] AcceptanceReport acceptance_report(std::span<const ReviewedItem> reviewed,
                                                 int n_classes, Eigen::Index auto_accepted = 0,
                                                 const EffortModel& effort = {}) {
  constexpr std::string_view function = "acceptance_report";
  if (n_classes < 1) {
    labelkit::detail::fail(function, "'n_classes' must be at least 1 (got ", n_classes, ")");
  }
  if (auto_accepted < 0) {
    labelkit::detail::fail(function, "'auto_accepted' is negative (got ", auto_accepted, ")");
  }
  for (const double cost : {effort.label, effort.confirm, effort.correct, effort.auto_accepted}) {
    if (!(cost >= 0.0 && std::isfinite(cost))) {
      labelkit::detail::fail(function, "an 'effort' cost is negative or not finite (got ", cost,
                             ")");
    }
  }
  AcceptanceReport out;
  out.confusion =
      Eigen::Matrix<Count, Eigen::Dynamic, Eigen::Dynamic>::Zero(n_classes + 1, n_classes);
  out.per_class.resize(static_cast<std::size_t>(n_classes));
  for (std::size_t i = 0; i < reviewed.size(); ++i) {
    const ReviewedItem& r = reviewed[i];
    if (r.predicted < -1 || r.predicted >= n_classes) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has predicted label ",
                             r.predicted, " (expected -1 <= predicted < ", n_classes, ")");
    }
    if (r.final_label < 0 || r.final_label >= n_classes) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has final label ", r.final_label,
                             " (expected 0 <= final_label < ", n_classes, ")");
    }
    const int row = r.predicted < 0 ? n_classes : r.predicted;
    ++out.confusion(row, r.final_label);
    ++out.per_class[static_cast<std::size_t>(r.final_label)].actual;
    if (r.predicted < 0) {
      ++out.no_answer;
    } else {
      ++out.per_class[static_cast<std::size_t>(r.predicted)].predicted;
      if (r.correct()) {
        ++out.accepted;
        ++out.per_class[static_cast<std::size_t>(r.predicted)].accepted;
      } else {
        ++out.corrected;
      }
    }
  }
  out.reviewed = static_cast<Eigen::Index>(reviewed.size());
  out.auto_accepted = auto_accepted;
  const auto count = [](Eigen::Index k) { return static_cast<double>(k); };
  out.effort_without = count(out.reviewed + auto_accepted) * effort.label;
  out.effort_with = count(out.accepted) * effort.confirm + count(out.corrected) * effort.correct +
                    count(out.no_answer) * effort.label +
                    count(auto_accepted) * effort.auto_accepted;
  return out;
}

/// Collects review outcomes one at a time (as reviewers finish items) and reports on them.
/// The collected items also feed `choose_class_thresholds` and the calibrators. Not
/// thread-safe: guard it with the host's own lock if reviews arrive on several threads.
class AcceptanceTracker {
 public:
  /// @throws labelkit::invalid_argument if n_classes < 1.
  explicit AcceptanceTracker(int n_classes) : n_classes_(n_classes) {
    if (n_classes < 1) {
      labelkit::detail::fail("AcceptanceTracker", "'n_classes' must be at least 1 (got ", n_classes,
                             ")");
    }
  }

  /// Records one reviewed item. O(1) amortised.
  /// @throws labelkit::invalid_argument if predicted is outside [-1, C), final_label outside
  /// [0, C) or confidence outside [0, 1].
  template <class = void>
  void record(int predicted, double confidence, int final_label) {
    if (predicted < -1 || predicted >= n_classes_ || final_label < 0 || final_label >= n_classes_ ||
        !(confidence >= 0.0 && confidence <= 1.0)) {
      labelkit::detail::fail("AcceptanceTracker::record", "bad record (predicted ", predicted,
                             ", confidence ", confidence, ", final_label ", final_label,
                             "; expected -1 <= predicted < ", n_classes_,
                             ", 0 <= confidence <= 1, 0 <= final_label < ", n_classes_, ")");
    }
    reviewed_.push_back(ReviewedItem{predicted, confidence, final_label});
  }

  /// Records one reviewed item from the PreLabel that was shown.
  template <class = void>
  void record(const PreLabel& shown, int final_label) {
    record(shown.has_label() ? shown.label : -1, shown.has_label() ? shown.confidence : 0.0,
           final_label);
  }

  /// Counts items accepted without review (for the effort figures).
  void add_auto_accepted(Eigen::Index count) {
    if (count < 0) {
      labelkit::detail::fail("AcceptanceTracker::add_auto_accepted", "'count' is negative (got ",
                             count, ")");
    }
    auto_accepted_ += count;
  }

  /// The report so far. O(n + C^2).
  /// @tparam Count as acceptance_report().
  template <class Count = Eigen::Index>
  [[nodiscard]] AcceptanceReport report(const EffortModel& effort = {}) const {
    return acceptance_report<Count>(reviewed_, n_classes_, auto_accepted_, effort);
  }

  /// Everything recorded, in order.
  [[nodiscard]] std::span<const ReviewedItem> reviewed() const noexcept { return reviewed_; }

  /// Number of classes.
  [[nodiscard]] int n_classes() const noexcept { return n_classes_; }

 private:
  int n_classes_;
  std::vector<ReviewedItem> reviewed_;
  Eigen::Index auto_accepted_ = 0;
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
