#pragma once
/// @file
/// Stream-based selective sampling: items arrive one at a time and each is asked for (sent to
/// an annotator) or skipped at once, from its uncertainty score, under a label budget. This is
/// how live traffic is labeled; modAL's stream-based example asks when
/// `classifier_uncertainty >= 0.4`, a fixed threshold.
///
///     labelkit::query::StreamSampler sampler({.rule = labelkit::query::StreamThreshold::adaptive,
///                                             .threshold = 0.3, .window = 1000, .budget = 50});
///     for (const auto& item : stream) {
///       const double u = labelkit::query::entropy(model.predict_proba(item))(0);
///       if (sampler.offer(u)) send_to_annotator(item);
///     }
///
/// Three rules decide on a score u (any uncertainty score, higher = more uncertain):
/// - `fixed`: ask when u >= threshold.
/// - `budgeted`: ask when u ranks among the `budget` highest of the last `window` scores
///   (itself included; ties count in its favour), i.e. u reaches the running (1 - budget/window)
///   quantile, so about budget/window of the items are asked whatever the scores' scale.
/// - `adaptive`: the variable-uncertainty rule of Žliobaitė, Bifet, Pfahringer & Holmes 2014
///   ("Active learning with drifting streaming data", IEEE TNNLS 25(1), Algorithm 3), written
///   for uncertainty instead of confidence: ask when u >= θ, then θ ← θ(1 + step) after an ask
///   and θ ← θ(1 − step) after a skip, so the threshold follows the stream's uncertainty level.
///
/// With `window` > 0 every rule also keeps the label budget: at most `budget` asks among any
/// `window` consecutive arrivals. An item that the rule would ask for while the budget is spent
/// is skipped, and (as in Žliobaitė et al.) the adaptive threshold is then left unchanged.
///
/// Cost per item: O(1) amortised for `fixed` and `adaptive`, O(window) for `budgeted`; memory
/// O(window). Deterministic (no random choice).

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <deque>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace query {

/// How a `StreamSampler` turns a score into ask-or-skip (see the file comment).
enum class StreamThreshold {
  fixed,     ///< ask when the score >= threshold
  budgeted,  ///< ask when the score is among the `budget` highest of the last `window`
  adaptive,  ///< ask when the score >= θ; θ rises after an ask and falls after a skip
};

/// Options of `StreamSampler`.
struct StreamSamplingOptions {
  StreamThreshold rule = StreamThreshold::fixed;  ///< The decision rule.
  double threshold = 0.5;   ///< fixed: the threshold; adaptive: its start value (> 0).
  double step = 0.01;       ///< adaptive: relative change of θ per item, in [0, 1).
  Eigen::Index window = 0;  ///< Arrivals per budget window; 0 = no label budget.
  Eigen::Index budget = 0;  ///< Asks allowed in any `window` consecutive arrivals.
};

/// One ask-or-skip decision.
struct StreamDecision {
  bool ask = false;           ///< Send the item to an annotator.
  bool budget_spent = false;  ///< The rule said ask but the window's budget was spent.
  double threshold = 0.0;     ///< The threshold the score was compared with (fixed/adaptive).
};

/// Ask-or-skip decisions over a stream of uncertainty scores (see the file comment). Not
/// thread-safe: one sampler per stream, or a lock around `offer`.
class StreamSampler {
 public:
  /// @throws labelkit::invalid_argument if threshold is not finite (or not > 0 for adaptive),
  ///         step is not in [0, 1), window or budget is negative, window > 0 with budget < 1 or
  ///         budget > window, or the budgeted rule has window < 1.
  explicit StreamSampler(StreamSamplingOptions options = {})
      : options_(options), threshold_(options.threshold) {
    constexpr const char* function = "StreamSampler";
    if (!std::isfinite(options.threshold)) {
      detail::fail(function, "'threshold' is not finite (got ", options.threshold, ")");
    }
    if (options.rule == StreamThreshold::adaptive && !(options.threshold > 0.0)) {
      detail::fail(function, "'threshold' must be > 0 for the adaptive rule (got ",
                   options.threshold, ")");
    }
    if (!(options.step >= 0.0 && options.step < 1.0)) {
      detail::fail(function, "'step' must lie in [0, 1) (got ", options.step, ")");
    }
    if (options.window < 0 || options.budget < 0) {
      detail::fail(function, "'window' and 'budget' must be >= 0 (got ", options.window, " and ",
                   options.budget, ")");
    }
    if (options.rule == StreamThreshold::budgeted && options.window < 1) {
      detail::fail(function, "the budgeted rule needs 'window' >= 1 (got ", options.window, ")");
    }
    if (options.window > 0 && (options.budget < 1 || options.budget > options.window)) {
      detail::fail(function, "'budget' must lie in [1, window = ", options.window, "] (got ",
                   options.budget, ")");
    }
  }

  /// Decides for the next arriving item from its uncertainty score; true = ask.
  /// @throws labelkit::invalid_argument if the score is NaN (nothing is recorded).
  template <class = void>
  bool offer(double score) {
    return decide(score).ask;
  }

  /// Decides for the next arriving item and says why. O(1) amortised (O(window) for budgeted).
  /// @throws labelkit::invalid_argument if the score is NaN (nothing is recorded).
  template <class = void>
  StreamDecision decide(double score) {
    if (std::isnan(score)) {
      detail::fail("StreamSampler::offer", "'score' is NaN (item ", seen_, " of the stream)");
    }
    const Eigen::Index now = seen_;
    StreamDecision decision;
    decision.threshold = threshold_;
    bool wanted = false;
    switch (options_.rule) {
      case StreamThreshold::fixed:
      case StreamThreshold::adaptive:
        wanted = score >= threshold_;
        break;
      case StreamThreshold::budgeted: {
        Eigen::Index higher = 0;
        for (const double s : recent_) higher += s > score ? 1 : 0;
        wanted = higher < options_.budget;
        recent_.push_back(score);
        if (static_cast<Eigen::Index>(recent_.size()) >= options_.window) recent_.pop_front();
        break;
      }
    }
    if (options_.window > 0) {
      while (!asks_.empty() && asks_.front() <= now - options_.window) asks_.pop_front();
    }
    const bool spent =
        options_.window > 0 && static_cast<Eigen::Index>(asks_.size()) >= options_.budget;
    decision.ask = wanted && !spent;
    decision.budget_spent = wanted && spent;
    if (options_.rule == StreamThreshold::adaptive && !decision.budget_spent) {
      threshold_ *= decision.ask ? 1.0 + options_.step : 1.0 - options_.step;
    }
    if (decision.ask) {
      ++asked_;
      if (options_.window > 0) asks_.push_back(now);
    }
    ++seen_;
    return decision;
  }

  /// Decides for a batch of arriving items in order (entry i arrives before entry i + 1);
  /// returns the positions asked for. Same as calling `offer` on each.
  /// @throws labelkit::invalid_argument if a score is NaN (the items before it are recorded).
  template <class Derived>
  std::vector<Eigen::Index> offer_all(const Eigen::DenseBase<Derived>& scores) {
    std::vector<Eigen::Index> asked;
    for (Eigen::Index i = 0; i < scores.size(); ++i) {
      if (offer(static_cast<double>(scores.derived()(i)))) asked.push_back(i);
    }
    return asked;
  }

  /// The current threshold (the adaptive rule's θ; the fixed threshold otherwise).
  [[nodiscard]] double threshold() const noexcept { return threshold_; }
  /// Items offered so far.
  [[nodiscard]] Eigen::Index seen() const noexcept { return seen_; }
  /// Items asked for so far.
  [[nodiscard]] Eigen::Index asked() const noexcept { return asked_; }
  /// The options in use.
  [[nodiscard]] const StreamSamplingOptions& options() const noexcept { return options_; }

 private:
  StreamSamplingOptions options_;
  double threshold_;
  Eigen::Index seen_ = 0;
  Eigen::Index asked_ = 0;
  std::deque<Eigen::Index> asks_;  ///< arrival numbers of the asks in the current window
  std::deque<double> recent_;      ///< budgeted: the last window - 1 scores
};

}  // namespace query
LABELKIT_END_NAMESPACE
