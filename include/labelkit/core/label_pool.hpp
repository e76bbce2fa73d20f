#pragma once
/// @file
/// Which items of a pool are labeled, with which label, and which are not.

#include <cstddef>
#include <span>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"

LABELKIT_BEGIN_NAMESPACE

/// The labeled/unlabeled split of a pool of n items (item ids 0..n-1).
///
/// label, unlabel, relabel and is_labeled are O(1). Iteration order is stable: `labeled()` lists
/// items in the order they were labeled (so refits see the same training order every run) and
/// `unlabeled()` lists items in ascending id order. Labels are class indices >= 0.
class LabelPool {
 public:
  /// A pool of n unlabeled items.
  /// @throws labelkit::invalid_argument if n < 0.
  explicit LabelPool(Index n = 0) {
    if (n < 0) detail::fail("LabelPool", "'n' is negative (got ", n, ")");
    const auto size = static_cast<std::size_t>(n);
    labels_.assign(size, unlabeled_mark);
    next_.assign(size, none);
    prev_.assign(size, none);
  }

  /// Number of items in the pool.
  [[nodiscard]] Index size() const noexcept { return static_cast<Index>(labels_.size()); }
  /// Number of labeled items.
  [[nodiscard]] Index labeled_count() const noexcept { return labeled_count_; }
  /// Number of unlabeled items.
  [[nodiscard]] Index unlabeled_count() const noexcept { return size() - labeled_count_; }

  /// Whether item `i` has a label. @throws labelkit::invalid_argument if i is out of range.
  [[nodiscard]] bool is_labeled(Index i) const {
    check_item(i, "is_labeled");
    return labels_[static_cast<std::size_t>(i)] != unlabeled_mark;
  }

  /// The label of item `i`. @throws labelkit::state_error if it is unlabeled.
  [[nodiscard]] int label(Index i) const {
    check_item(i, "label");
    const int value = labels_[static_cast<std::size_t>(i)];
    if (value == unlabeled_mark) {
      detail::fail<state_error>("LabelPool::label", "item ", i, " is not labeled");
    }
    return value;
  }

  /// Labels item `i`, or changes its label if it already has one (keeping its place in the
  /// labeled order). @throws labelkit::invalid_argument if i is out of range or label < 0.
  void set_label(Index i, int label) {
    check_item(i, "set_label");
    if (label < 0) {
      detail::fail("LabelPool::set_label", "'label' is negative for item ", i, " (got ", label,
                   ")");
    }
    const auto at = static_cast<std::size_t>(i);
    if (labels_[at] == unlabeled_mark) link_at_tail(i);
    labels_[at] = label;
  }

  /// Removes the label of item `i` (no-op if it has none).
  /// @throws labelkit::invalid_argument if i is out of range.
  void unlabel(Index i) {
    check_item(i, "unlabel");
    const auto at = static_cast<std::size_t>(i);
    if (labels_[at] == unlabeled_mark) return;
    unlink(i);
    labels_[at] = unlabeled_mark;
  }

  /// Labeled items in the order they were labeled. O(labeled_count).
  [[nodiscard]] std::vector<Index> labeled() const {
    std::vector<Index> out;
    out.reserve(static_cast<std::size_t>(labeled_count_));
    for (Index i = head_; i != none; i = next_[static_cast<std::size_t>(i)]) out.push_back(i);
    return out;
  }

  /// Labels of `labeled()`, in the same order.
  [[nodiscard]] std::vector<int> labeled_labels() const {
    std::vector<int> out;
    out.reserve(static_cast<std::size_t>(labeled_count_));
    for (Index i = head_; i != none; i = next_[static_cast<std::size_t>(i)]) {
      out.push_back(labels_[static_cast<std::size_t>(i)]);
    }
    return out;
  }

  /// Unlabeled items in ascending id order. O(n).
  [[nodiscard]] std::vector<Index> unlabeled() const {
    std::vector<Index> out;
    out.reserve(static_cast<std::size_t>(unlabeled_count()));
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      if (labels_[i] == unlabeled_mark) out.push_back(static_cast<Index>(i));
    }
    return out;
  }

 private:
  static constexpr int unlabeled_mark = -1;
  static constexpr Index none = -1;

  void check_item(Index i, const char* method) const {
    if (i < 0 || i >= size()) {
      detail::fail(detail::concat("LabelPool::", method), "item ", i,
                   " is out of range (pool size ", size(), ")");
    }
  }

  void link_at_tail(Index i) {
    const auto at = static_cast<std::size_t>(i);
    prev_[at] = tail_;
    next_[at] = none;
    if (tail_ == none) {
      head_ = i;
    } else {
      next_[static_cast<std::size_t>(tail_)] = i;
    }
    tail_ = i;
    ++labeled_count_;
  }

  void unlink(Index i) {
    const auto at = static_cast<std::size_t>(i);
    const Index before = prev_[at];
    const Index after = next_[at];
    if (before == none) {
      head_ = after;
    } else {
      next_[static_cast<std::size_t>(before)] = after;
    }
    if (after == none) {
      tail_ = before;
    } else {
      prev_[static_cast<std::size_t>(after)] = before;
    }
    --labeled_count_;
  }

  std::vector<int> labels_;
  std::vector<Index> next_;  // intrusive list of labeled items, in labeling order
  std::vector<Index> prev_;
  Index head_ = none;
  Index tail_ = none;
  Index labeled_count_ = 0;
};

LABELKIT_END_NAMESPACE
