#pragma once
/// @file
/// Confidence routing: a global or per-class threshold sends each pre-label to auto-accept or
/// human review; `choose_threshold` / `choose_class_thresholds` pick thresholds from already
/// reviewed items so that auto-accepted items reach a target precision with the largest coverage.

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/prelabeler.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Where an item ends up after a pre-labeling run.
enum class Outcome {
  auto_accepted,  ///< The pre-label is taken as the label without review.
  needs_review,   ///< A human reviews the item (the pre-label, if any, is shown as a suggestion).
  failed,         ///< The pre-labeler could not label the item; see the failure reason.
};

/// "auto_accepted", "needs_review" or "failed".
[[nodiscard]] constexpr std::string_view to_string(Outcome outcome) noexcept {
  switch (outcome) {
    case Outcome::auto_accepted:
      return "auto_accepted";
    case Outcome::needs_review:
      return "needs_review";
    case Outcome::failed:
      return "failed";
  }
  return "unknown";
}

}  // namespace prelabel
namespace detail {
inline void check_threshold(double threshold, std::string_view function, std::string_view argument,
                            std::ptrdiff_t position = -1) {
  if (!(threshold >= 0.0 && threshold <= 1.0)) {
    if (position >= 0) {
      labelkit::detail::fail(function, "'", argument, "' entry ", position,
                             " is outside [0, 1] (got ", threshold, ")");
    }
    labelkit::detail::fail(function, "'", argument, "' is outside [0, 1] (got ", threshold, ")");
  }
}
}  // namespace detail
namespace prelabel {

/// Sends a valid PreLabel to `auto_accepted` when it has a label and its confidence is at least
/// the threshold of its class, and to `needs_review` otherwise (including label -1, "no
/// answer"). A class without a threshold (nullopt) is never auto-accepted.
///
/// Thresholds are inclusive: confidence >= t accepts, so t = 0 accepts every labeled item and
/// t = 1 only confidence exactly 1. The default-constructed router reviews everything.
class Router {
 public:
  /// Reviews every item (no auto-accept).
  Router() = default;

  /// One threshold for all classes. @throws labelkit::invalid_argument if outside [0, 1] or NaN.
  explicit Router(double threshold) : global_(threshold) {
    detail::check_threshold(threshold, "Router", "threshold");
  }

  /// One threshold per class (entry c for class c); nullopt disables auto-accept for that class.
  /// @throws labelkit::invalid_argument if `per_class` is empty or an entry is outside [0, 1].
  template <class = void>
  explicit Router(std::vector<std::optional<double>> per_class) : per_class_(std::move(per_class)) {
    if (per_class_.empty()) {
      labelkit::detail::fail("Router", "'per_class' is empty (expected one threshold per class)");
    }
    for (std::size_t c = 0; c < per_class_.size(); ++c) {
      if (per_class_[c]) {
        detail::check_threshold(*per_class_[c], "Router", "per_class",
                                static_cast<std::ptrdiff_t>(c));
      }
    }
  }

  /// One threshold per class (entry c for class c).
  /// @throws labelkit::invalid_argument if `per_class` is empty or an entry is outside [0, 1].
  template <class = void>
  explicit Router(const std::vector<double>& per_class)
      : Router(std::vector<std::optional<double>>(per_class.begin(), per_class.end())) {}

  /// A router that never auto-accepts.
  [[nodiscard]] static Router review_all() { return {}; }

  /// Number of classes the router has thresholds for, or 0 for a global (or review-all) router.
  [[nodiscard]] int n_classes() const noexcept { return static_cast<int>(per_class_.size()); }

  /// The threshold applied to class `c`, or nullopt if that class is never auto-accepted.
  [[nodiscard]] std::optional<double> threshold(int c) const noexcept {
    if (!per_class_.empty()) {
      if (c < 0 || c >= n_classes()) return std::nullopt;
      return per_class_[static_cast<std::size_t>(c)];
    }
    return global_;
  }

  /// auto_accepted or needs_review for a valid PreLabel. O(1).
  [[nodiscard]] Outcome route(const PreLabel& p) const noexcept {
    if (!p.has_label()) return Outcome::needs_review;
    const std::optional<double> t = threshold(p.label);
    return (t && p.confidence >= *t) ? Outcome::auto_accepted : Outcome::needs_review;
  }

 private:
  std::optional<double> global_;
  std::vector<std::optional<double>> per_class_;
};

/// A threshold chosen from reviewed items, and what it achieves on them.
struct ThresholdChoice {
  std::optional<double> threshold{};  ///< nullopt: no threshold reaches the target.
  Eigen::Index accepted = 0;          ///< Reviewed items it would have auto-accepted.
  Eigen::Index correct = 0;           ///< ... of which the pre-label was right.
  Eigen::Index considered = 0;        ///< Items the choice was made over (coverage denominator).

  /// correct / accepted (1 when nothing is accepted: no wrong label gets through).
  [[nodiscard]] double precision() const noexcept {
    return accepted == 0 ? 1.0 : static_cast<double>(correct) / static_cast<double>(accepted);
  }
  /// accepted / considered (0 when nothing was considered).
  [[nodiscard]] double coverage() const noexcept {
    return considered == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(considered);
  }
};

}  // namespace prelabel
namespace detail {

template <class = void>
void check_reviewed(std::span<const prelabel::ReviewedItem> reviewed, int n_classes,
                    std::string_view function) {
  for (std::size_t i = 0; i < reviewed.size(); ++i) {
    const prelabel::ReviewedItem& r = reviewed[i];
    if (r.predicted < -1 || (n_classes > 0 && r.predicted >= n_classes)) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has predicted label ",
                             r.predicted, " (expected -1 <= predicted",
                             n_classes > 0 ? labelkit::detail::concat(" < ", n_classes) : "", ")");
    }
    if (r.final_label < 0 || (n_classes > 0 && r.final_label >= n_classes)) {
      labelkit::detail::fail(function, "'reviewed' record ", i, " has final label ", r.final_label,
                             " (expected 0 <= final_label",
                             n_classes > 0 ? labelkit::detail::concat(" < ", n_classes) : "", ")");
    }
    if (!(r.confidence >= 0.0 && r.confidence <= 1.0)) {
      labelkit::detail::fail(function, "'reviewed' record ", i,
                             " has confidence outside [0, 1] (got ", r.confidence, ")");
    }
  }
}

inline void check_target(double target_precision, Eigen::Index min_accepted,
                         std::string_view function) {
  if (!(target_precision >= 0.0 && target_precision <= 1.0)) {
    labelkit::detail::fail(function, "'target_precision' is outside [0, 1] (got ", target_precision,
                           ")");
  }
  if (min_accepted < 1) {
    labelkit::detail::fail(function, "'min_accepted' must be at least 1 (got ", min_accepted, ")");
  }
}

/// The lowest threshold over (confidence, correct) pairs whose accepted set reaches the target.
/// Sorts by confidence descending and walks groups of equal confidence: O(m log m).
template <class = void>
prelabel::ThresholdChoice lowest_threshold(std::vector<std::pair<double, bool>>& scored,
                                           double target_precision, Eigen::Index min_accepted,
                                           Eigen::Index considered) {
  std::sort(scored.begin(), scored.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  prelabel::ThresholdChoice best;
  best.considered = considered;
  Eigen::Index accepted = 0;
  Eigen::Index correct = 0;
  for (std::size_t i = 0; i < scored.size();) {
    const double t = scored[i].first;
    for (; i < scored.size() && scored[i].first == t; ++i) {
      ++accepted;
      if (scored[i].second) ++correct;
    }
    // correct / accepted >= target, without dividing.
    if (accepted >= min_accepted &&
        static_cast<double>(correct) >= target_precision * static_cast<double>(accepted)) {
      best.threshold = t;
      best.accepted = accepted;
      best.correct = correct;
    }
  }
  return best;
}

}  // namespace detail
namespace prelabel {

/// The global threshold t with the largest coverage on `reviewed` such that the auto-accepted
/// items (label >= 0 and confidence >= t) have precision >= `target_precision` and number at
/// least `min_accepted`. Items with no answer (predicted -1) count in the coverage denominator
/// but are never accepted. The precision of a confidence prefix is not monotone in t, so every
/// distinct confidence is tried; the lowest qualifying one wins. Returns a nullopt threshold if
/// none qualifies. Precision here is measured on the reviewed sample: choose `min_accepted` large
/// enough (e.g. 50) for the estimate to mean something. O(n log n).
/// @throws labelkit::invalid_argument if target_precision is outside [0, 1], min_accepted < 1,
/// or a record has predicted < -1, final_label < 0 or confidence outside [0, 1].
template <class = void>
[[nodiscard]] ThresholdChoice choose_threshold(std::span<const ReviewedItem> reviewed,
                                               double target_precision,
                                               Eigen::Index min_accepted = 1) {
  detail::check_target(target_precision, min_accepted, "choose_threshold");
  detail::check_reviewed(reviewed, 0, "choose_threshold");
  std::vector<std::pair<double, bool>> scored;
  scored.reserve(reviewed.size());
  for (const ReviewedItem& r : reviewed) {
    if (r.predicted >= 0) scored.emplace_back(r.confidence, r.correct());
  }
  return detail::lowest_threshold(scored, target_precision, min_accepted,
                                  static_cast<Eigen::Index>(reviewed.size()));
}

/// Per-class thresholds and the router built from them.
struct ClassThresholds {
  Router router{};                           ///< Per-class router (nullopt classes: always review).
  std::vector<ThresholdChoice> per_class{};  ///< Choice for items predicted as class c.
  Eigen::Index accepted = 0;                 ///< Total auto-accepted on the reviewed items.
  Eigen::Index correct = 0;                  ///< ... of which right.
  Eigen::Index considered = 0;               ///< All reviewed items.

  /// correct / accepted over all classes (1 when nothing is accepted).
  [[nodiscard]] double precision() const noexcept {
    return accepted == 0 ? 1.0 : static_cast<double>(correct) / static_cast<double>(accepted);
  }
  /// accepted / considered.
  [[nodiscard]] double coverage() const noexcept {
    return considered == 0 ? 0.0 : static_cast<double>(accepted) / static_cast<double>(considered);
  }
};

/// For each class c, `choose_threshold` over the reviewed items *predicted* as c: the lowest
/// threshold at which those items reach `target_precision` (with at least `min_accepted` of
/// them). Every class meeting the target on its own makes the union meet it too, and each class
/// gets its own operating point, so coverage is usually higher than with one global threshold
/// when the pre-labeler is better calibrated on some classes than others. Classes where no
/// threshold qualifies get nullopt (always reviewed). O(n log n + C).
/// @throws labelkit::invalid_argument if n_classes < 1, target_precision is outside [0, 1],
/// min_accepted < 1, or a record is out of range.
template <class = void>
[[nodiscard]] ClassThresholds choose_class_thresholds(std::span<const ReviewedItem> reviewed,
                                                      int n_classes, double target_precision,
                                                      Eigen::Index min_accepted = 1) {
  if (n_classes < 1) {
    labelkit::detail::fail("choose_class_thresholds", "'n_classes' must be at least 1 (got ",
                           n_classes, ")");
  }
  detail::check_target(target_precision, min_accepted, "choose_class_thresholds");
  detail::check_reviewed(reviewed, n_classes, "choose_class_thresholds");
  std::vector<std::vector<std::pair<double, bool>>> by_class(static_cast<std::size_t>(n_classes));
  for (const ReviewedItem& r : reviewed) {
    if (r.predicted >= 0) {
      by_class[static_cast<std::size_t>(r.predicted)].emplace_back(r.confidence, r.correct());
    }
  }
  ClassThresholds out;
  out.considered = static_cast<Eigen::Index>(reviewed.size());
  std::vector<std::optional<double>> thresholds;
  for (auto& scored : by_class) {
    ThresholdChoice choice =
        detail::lowest_threshold(scored, target_precision, min_accepted, out.considered);
    thresholds.push_back(choice.threshold);
    out.accepted += choice.accepted;
    out.correct += choice.correct;
    out.per_class.push_back(choice);
  }
  out.router = Router(std::move(thresholds));
  return out;
}

}  // namespace prelabel
LABELKIT_END_NAMESPACE
