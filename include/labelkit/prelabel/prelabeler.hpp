#pragma once
/// @file
/// The pre-labeling contract: `PreLabel` (one proposed label) and `PreLabeler<Item>` (the
/// abstract interface a host implements with an LLM, a local model or rules).
///
/// labelkit does no I/O here. A host derives from `PreLabeler<Item>` (or uses the adapters in
/// `labelkit/prelabel/adapters.hpp`), and labelkit runs it in batches
/// (`labelkit/prelabel/runner.hpp`), routes its output to auto-accept or human review
/// (`routing.hpp`), calibrates its confidences (`calibration.hpp`) and measures whether it helps
/// (`acceptance.hpp`).

#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// One proposed label for one item.
///
/// - `label`: an index into the label set (0..C-1), or -1 for "no answer" (the pre-labeler
///   abstains; the item goes to human review).
/// - `confidence`: the pre-labeler's confidence that `label` is right, in [0, 1]. For a
///   probabilistic model this is the largest class probability; for an LLM, the stated
///   confidence (calibrate it: `calibration.hpp`).
/// - `probabilities`: optional class distribution (size C, entries in [0, 1], sum 1); empty when
///   unknown.
/// - `rationale`: optional free text (e.g. the LLM's reason); labelkit never interprets it.
/// - `failure`: empty on success. A pre-labeler that could not label one item of a batch (an LLM
///   reply that did not parse, say) sets a reason here instead of throwing for the whole batch;
///   the runner retries that item and, when retries run out, reports it as failed with this
///   reason.
struct PreLabel {
  int label = -1;                       ///< Index into the label set, or -1 for "no answer".
  double confidence = 0.0;              ///< In [0, 1].
  std::vector<double> probabilities{};  ///< Optional: one entry per class, or empty.
  std::string rationale{};              ///< Optional free text.
  std::string failure{};                ///< Non-empty: this item could not be labeled (why).

  /// Whether the pre-labeler proposed a label (label >= 0 and no failure).
  [[nodiscard]] bool has_label() const noexcept { return label >= 0 && failure.empty(); }
};

/// The interface a host implements: label a batch of items.
///
/// `label_batch(items)` returns exactly one `PreLabel` per item, in the same order. It may throw
/// (a network error, a timeout): the runner catches any exception, retries the batch a bounded
/// number of times and finally reports the batch's items as failed with the exception's message.
/// A wrong-length result or an invalid PreLabel (label outside [-1, C), confidence outside [0, 1]
/// or NaN, malformed probabilities) is treated the same way.
///
/// **Thread safety.** With `RunOptions::concurrency == 1` (the default) the runner calls
/// `label_batch` from the calling thread only, one batch at a time. With `concurrency = N > 1`
/// it calls `label_batch` on the *same object* from up to N threads at once, with disjoint
/// batches: the implementation must then be safe to call concurrently (no unsynchronised
/// mutable state — use a mutex, per-call state, or thread-safe clients). The adapters in
/// `adapters.hpp` document what they guarantee.
///
/// The class is abstract with no templates in its vtable beyond `Item` itself, so a host can
/// implement it across a library boundary. Typical `Item` types: `std::string` (texts for an
/// LLM), `Eigen::Index` (row ids into a feature matrix), a host struct.
template <class Item>
class PreLabeler {
 public:
  /// The type of the items this pre-labeler labels.
  using item_type = Item;

  virtual ~PreLabeler() = default;

  /// One PreLabel per item of `items`, in order. May throw; see the class comment.
  virtual std::vector<PreLabel> label_batch(std::span<const Item> items) = 0;

 protected:
  /// Only derived classes construct, copy or move the (stateless) base.
  PreLabeler() = default;
  /// Copies the (stateless) base.
  PreLabeler(const PreLabeler&) = default;
  /// Moves the (stateless) base.
  PreLabeler(PreLabeler&&) noexcept = default;
  /// Copy-assigns the (stateless) base.
  PreLabeler& operator=(const PreLabeler&) = default;
  /// Move-assigns the (stateless) base.
  PreLabeler& operator=(PreLabeler&&) noexcept = default;
};

/// An item after human review, the input of threshold selection, calibration and acceptance
/// tracking: what the pre-labeler proposed (`predicted`, -1 for no answer), with which
/// confidence, and the label the reviewer settled on (`final_label`, >= 0).
struct ReviewedItem {
  int predicted = -1;       ///< The pre-label (index into the label set) or -1.
  double confidence = 0.0;  ///< The pre-label's confidence, in [0, 1].
  int final_label = -1;     ///< The reviewed (true) label, 0..C-1.

  /// Whether the pre-label was right.
  [[nodiscard]] bool correct() const noexcept { return predicted >= 0 && predicted == final_label; }
};

}  // namespace prelabel
namespace detail {

/// Why `p` is not a valid PreLabel for a label set of `n_classes` classes, or nullopt if it is.
/// Checks: failure empty (else returns the failure), label in [-1, n_classes), confidence finite
/// in [0, 1], probabilities empty or of size n_classes with entries in [0, 1] summing to 1 within
/// 1e-6. O(C).
[[nodiscard]] inline std::optional<std::string> prelabel_problem(const prelabel::PreLabel& p,
                                                                 int n_classes) {
  if (!p.failure.empty()) return p.failure;
  if (p.label < -1 || p.label >= n_classes) {
    return labelkit::detail::concat("label out of range (got ", p.label,
                                    ", expected -1 <= label < ", n_classes, ")");
  }
  if (!(p.confidence >= 0.0 && p.confidence <= 1.0)) {
    return labelkit::detail::concat("confidence outside [0, 1] (got ", p.confidence, ")");
  }
  if (!p.probabilities.empty()) {
    if (p.probabilities.size() != static_cast<std::size_t>(n_classes)) {
      return labelkit::detail::concat("probabilities has ", p.probabilities.size(),
                                      " entries (expected ", n_classes, ")");
    }
    double sum = 0.0;
    for (std::size_t c = 0; c < p.probabilities.size(); ++c) {
      const double v = p.probabilities[c];
      if (!(v >= 0.0 && v <= 1.0)) {
        return labelkit::detail::concat("probabilities[", c, "] outside [0, 1] (got ", v, ")");
      }
      sum += v;
    }
    if (!(std::abs(sum - 1.0) <= 1e-6)) {
      return labelkit::detail::concat("probabilities do not sum to 1 (got ", sum, ")");
    }
  }
  return std::nullopt;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
