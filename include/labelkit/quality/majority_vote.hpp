#pragma once
/// @file
/// Majority vote and weighted majority vote over long-format annotations, and CrowdState, the
/// mergeable part of a crowd that items sharded with their answers do not hold locally.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/answer_set.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/id_map.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/mergeable.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/detail/crowd.hpp"
#include "labelkit/quality/gold_label.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {
struct CrowdStateAccess;
}  // namespace detail
namespace quality {

/// Result of majority_vote() and weighted_majority_vote(): the shared Aggregation (items in
/// ascending id, vote shares as posterior, labels with ties to the lowest label, annotators,
/// lookup by id) and the vote counts.
struct MajorityVoteResult : Aggregation {
  Eigen::MatrixXd votes;  ///< items x classes vote counts (sums of weights if weighted).
};

/// One annotator's weight for weighted_majority_vote().
struct AnnotatorWeight {
  Eigen::Index annotator;  ///< Annotator id, as in Annotation::annotator.
  double weight;           ///< Finite, >= 0.
};

}  // namespace quality
namespace detail {

/// The vote result of `items` and `annotators` from weighted counts: labels by argmax,
/// posterior by row shares.
template <class Matrix>
quality::MajorityVoteResult finish_vote(std::vector<Eigen::Index> items,
                                        std::vector<Eigen::Index> annotators, Matrix votes) {
  quality::MajorityVoteResult result;
  result.items = std::move(items);
  result.annotators = std::move(annotators);
  result.labels = argmax_rows(votes);
  result.posterior = normalise_rows(votes);
  result.votes = std::move(votes);
  return result;
}

}  // namespace detail
namespace quality {

/// The mergeable state of a crowd sharded by items (every answer of an item on one shard): what
/// a shard cannot know alone. A vote or an E-step is local to an item; the list of annotators,
/// their answer counts, the answers per class and the item count are not. Satisfies
/// labelkit::MergeableState; all fields are integers, so merges are exact, associative and
/// commutative. majority_vote() takes its annotators from the state of all its answers (one
/// shard), distributed::majority_vote() from the merged state; Dawid–Skene sizes its confusion
/// matrices and priors from it.
///
/// Shards must hold disjoint items (the item counts add); answers of one annotator may be on any
/// shard.
class CrowdState {
 public:
  /// The state of no answers over `n_classes` classes.
  /// @throws labelkit::invalid_argument unless 2 <= n_classes <= labelkit::max_classes.
  explicit CrowdState(int n_classes = 2) : per_class_(checked_classes(n_classes), 0) {}

  /// The state of one shard's answers. O(N + A log A) for N answers and A annotators (O(N) for
  /// compact ids).
  /// @throws labelkit::invalid_argument as majority_vote() (bad class count, negative id, label
  ///   out of range; the message names the record).
  template <class = void>
  [[nodiscard]] static CrowdState of(std::span<const Annotation> annotations, int n_classes) {
    constexpr const char* function = "CrowdState::of";
    detail::check_annotations(annotations, n_classes, function, detail::EmptyInput::accept);
    const auto items = IdMap::from_ids(detail::MemberRange<&Annotation::item>{annotations},
                                       function, "annotations");
    return of_checked(annotations, n_classes, items.size());
  }

  /// Merges another shard's state (whose items are not in this one).
  /// @throws labelkit::dimension_mismatch if the class counts differ;
  ///   labelkit::numerical_error if a count would overflow int64.
  template <class = void>
  void merge(const CrowdState& other) {
    constexpr const char* function = "CrowdState::merge";
    if (other.per_class_.size() != per_class_.size()) {
      detail::fail<dimension_mismatch>(function, "the states have ", per_class_.size(), " and ",
                                       other.per_class_.size(), " classes");
    }
    std::vector<Eigen::Index> ids;
    std::vector<std::int64_t> answers;
    ids.reserve(annotators_.size() + other.annotators_.size());
    answers.reserve(ids.capacity());
    std::size_t a = 0;
    std::size_t b = 0;
    while (a < annotators_.size() || b < other.annotators_.size()) {
      if (b == other.annotators_.size() ||
          (a < annotators_.size() && annotators_[a] < other.annotators_[b])) {
        ids.push_back(annotators_[a]);
        answers.push_back(answers_[a++]);
      } else if (a == annotators_.size() || other.annotators_[b] < annotators_[a]) {
        ids.push_back(other.annotators_[b]);
        answers.push_back(other.answers_[b++]);
      } else {
        ids.push_back(annotators_[a]);
        answers.push_back(detail::add_counts(answers_[a++], other.answers_[b++], function));
      }
    }
    std::vector<std::int64_t> per_class = per_class_;
    for (std::size_t k = 0; k < per_class.size(); ++k)
      per_class[k] = detail::add_counts(per_class[k], other.per_class_[k], function);
    const std::int64_t n_items = detail::add_counts(n_items_, other.n_items_, function);
    annotators_ = std::move(ids);
    answers_ = std::move(answers);
    per_class_ = std::move(per_class);
    n_items_ = n_items;
  }

  /// Distinct annotator ids, ascending.
  [[nodiscard]] const std::vector<Eigen::Index>& annotators() const noexcept { return annotators_; }
  /// Answers of each annotator of annotators() (same order).
  [[nodiscard]] const std::vector<std::int64_t>& answers_per_annotator() const noexcept {
    return answers_;
  }
  /// Answers with each label 0..C-1.
  [[nodiscard]] const std::vector<std::int64_t>& answers_per_class() const noexcept {
    return per_class_;
  }
  /// Distinct items (summed over shards).
  [[nodiscard]] std::int64_t n_items() const noexcept { return n_items_; }
  /// The number of classes C.
  [[nodiscard]] int n_classes() const noexcept { return static_cast<int>(per_class_.size()); }

  /// Tag "LKCROWD1", version 1, then C, the item count, the C class counts, the annotator count
  /// A and A (id, answers) pairs in ascending id.
  template <class = void>
  [[nodiscard]] std::vector<std::byte> to_bytes() const {
    detail::ByteWriter w("LKCROWD1", 1);
    w.i64(static_cast<std::int64_t>(per_class_.size()));
    w.i64(n_items_);
    for (const std::int64_t v : per_class_) w.i64(v);
    w.u64(annotators_.size());
    for (std::size_t j = 0; j < annotators_.size(); ++j) {
      w.i64(static_cast<std::int64_t>(annotators_[j]));
      w.i64(answers_[j]);
    }
    return std::move(w).take();
  }

  /// Reads to_bytes()' output.
  /// @throws labelkit::parse_error for a wrong tag or version, C outside [2, max_classes], a
  ///   negative count, annotator ids negative or not strictly ascending, an annotator with no
  ///   answer, more entries than the buffer holds, or trailing bytes.
  template <class = void>
  [[nodiscard]] static CrowdState from_bytes(std::span<const std::byte> bytes) {
    constexpr const char* function = "CrowdState::from_bytes";
    constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
    detail::ByteReader r(bytes, "LKCROWD1", 1, function);
    const std::int64_t c = r.i64();
    if (c < 2 || c > labelkit::max_classes)
      r.fail_at("the class count is outside [2, max_classes]");
    CrowdState s(static_cast<int>(c));
    s.n_items_ = r.non_negative(max, "the item count");
    for (auto& v : s.per_class_) v = r.non_negative(max, "a class count");
    const std::size_t n = r.count(16, max, "the annotator count");
    s.annotators_.resize(n);
    s.answers_.resize(n);
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t id = r.non_negative(std::numeric_limits<Eigen::Index>::max(), "an id");
      if (j > 0 && id <= s.annotators_[j - 1]) r.fail_at("annotator ids are not ascending");
      s.annotators_[j] = static_cast<Eigen::Index>(id);
      s.answers_[j] = r.non_negative(max, "an annotator's answer count");
      if (s.answers_[j] == 0) r.fail_at("an annotator has no answer");
    }
    r.finish();
    return s;
  }

  /// Equal states.
  friend bool operator==(const CrowdState&, const CrowdState&) = default;

 private:
  friend struct detail::CrowdStateAccess;

  static std::size_t checked_classes(int n_classes) {
    detail::check_n_classes(n_classes, "CrowdState");
    return static_cast<std::size_t>(n_classes);
  }

  // The state of validated annotations whose distinct items number n_items.
  template <class = void>
  static CrowdState of_checked(std::span<const Annotation> annotations, int n_classes,
                               Eigen::Index n_items) {
    CrowdState s(n_classes);
    const auto annotators = IdMap::from_ids(
        detail::MemberRange<&Annotation::annotator>{annotations}, "CrowdState::of", "annotations");
    s.annotators_ = annotators.ids();
    s.answers_.assign(s.annotators_.size(), 0);
    for (const Annotation& a : annotations) {
      ++s.answers_[static_cast<std::size_t>(annotators.find(a.annotator))];
      ++s.per_class_[static_cast<std::size_t>(a.label)];
    }
    s.n_items_ = static_cast<std::int64_t>(n_items);
    return s;
  }

  std::vector<std::int64_t> per_class_;
  std::int64_t n_items_ = 0;
  std::vector<Eigen::Index> annotators_;
  std::vector<std::int64_t> answers_;
};

}  // namespace quality
namespace detail {

/// Builds a CrowdState from annotations already validated and an item count already known.
struct CrowdStateAccess {
  /// CrowdState::of without validating again.
  template <class = void>
  static quality::CrowdState of_checked(std::span<const Annotation> annotations, int n_classes,
                                        Eigen::Index n_items) {
    return quality::CrowdState::of_checked(annotations, n_classes, n_items);
  }
};

/// Majority vote over one shard's answers (annotations validated by the caller), whose items
/// are `items`, with the annotators of `crowd` (the state of every shard; of this one alone in
/// the serial case): the votes of this shard's items and the crowd's annotators.
template <class Scalar>
quality::MajorityVoteResult majority_vote_shard(std::span<const Annotation> annotations,
                                                int n_classes, const IdMap& items,
                                                const quality::CrowdState& crowd,
                                                std::string_view function) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  check_tables(2, items.size(), n_classes, function, "the items x classes vote table");
  Matrix votes = Matrix::Zero(items.size(), n_classes);
  for (const Annotation& a : annotations) votes(items.find(a.item), a.label) += 1;
  return finish_vote(items.ids(), crowd.annotators(), std::move(votes));
}

}  // namespace detail
namespace quality {

/// Majority vote: for each item, the label given most often (every answer counts, repeated
/// answers by one annotator included); ties go to the lowest label, as in crowd-kit.
///
/// Ids need not be dense. No annotations give an empty result (no items, no annotators, a
/// 0 x n_classes posterior), as in crowd-kit. The one-shard case of distributed::majority_vote:
/// the votes of the items, and the annotators of CrowdState::of(annotations). Complexity
/// O(N + I·C) time for N records, I items and C classes (O(N log N) when ids are sparse).
/// @throws labelkit::invalid_argument if n_classes < 2, or a record has a negative id or a
///   label outside [0, n_classes) (the message names the record).
/// @tparam Scalar the scalar of the vote table (double; a template parameter so that the
///   function is compiled only where it is used).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult majority_vote(std::span<const Annotation> annotations,
                                               int n_classes) {
  constexpr const char* function = "majority_vote";
  detail::check_annotations(annotations, n_classes, function, detail::EmptyInput::accept);
  const auto items =
      IdMap::from_ids(detail::MemberRange<&Annotation::item>{annotations}, function, "annotations");
  detail::check_tables(2, items.size(), n_classes, function, "the items x classes vote table");
  const auto crowd = detail::CrowdStateAccess::of_checked(annotations, n_classes, items.size());
  return detail::majority_vote_shard<Scalar>(annotations, n_classes, items, crowd, function);
}

/// Majority vote over an AnswerSet (e.g. `queue.answer_set()`): every answer counts, and each
/// gold item takes its known label with a one-hot posterior (its `votes` row is left as counted);
/// an item with several gold labels gets the vote shares among them and the largest of them.
/// @throws as majority_vote(annotations, n_classes), and for a gold label out of range.
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult majority_vote(const AnswerSet& answers) {
  detail::check_answer_set(answers, "majority_vote");
  auto result = majority_vote<Scalar>(answers.answers, answers.n_classes());
  (void)detail::gold_label_sets(answers.gold, IdMap{}, answers.n_classes(), "majority_vote");
  detail::clamp_gold_rows(result, answers.gold);
  return result;
}

/// What weighted_majority_vote() and gold_majority_vote() do with an answer whose annotator
/// has no weight (crowd-kit's `on_missing_skill`).
enum class MissingWeight {
  error,   ///< Throw, naming the first such answer (crowd-kit's "error", its default).
  ignore,  ///< Drop such answers; throw if an item is left without answers ("ignore").
  value,   ///< Give such annotators WeightedVoteOptions::default_weight ("value").
};

/// Options of weighted_majority_vote() and gold_majority_vote().
struct WeightedVoteOptions {
  MissingWeight on_missing = MissingWeight::error;  ///< Annotators without a weight.
  double default_weight = 0;  ///< Their weight under MissingWeight::value; finite, >= 0.
};

/// Result of gold_majority_vote(): the weighted vote (items, posterior, labels, annotators,
/// votes) and the weights used.
struct GoldMajorityVoteResult : MajorityVoteResult {
  /// Weight of each annotator of `annotators` (same order): the accuracy on gold items, or
  /// options.default_weight for an annotator without gold answers (MissingWeight::value).
  Eigen::VectorXd skills;
  /// Answers on gold items of each annotator of `annotators` (0: the skill is the default).
  std::vector<Eigen::Index> n_gold;
};

}  // namespace quality
namespace detail {

/// The weighted vote shared by weighted_majority_vote() and gold_majority_vote(): `weight` holds
/// one weight per dense annotator of the crowd, or a negative value for "no weight", which
/// options.on_missing resolves. Annotators all of whose answers are dropped (ignore) are left out
/// of the result's annotators.
template <class Scalar>
quality::MajorityVoteResult weighted_vote(const Crowd& crowd, std::vector<double> weight,
                                          std::span<const Annotation> annotations,
                                          const quality::WeightedVoteOptions& options,
                                          std::string_view function) {
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
  check_nonnegative(options.default_weight, function, "options.default_weight");
  const int c = crowd.n_classes;
  check_tables(2, crowd.n_items(), c, function, "the items x classes vote table");
  if (options.on_missing == quality::MissingWeight::error) {
    for (std::size_t r = 0; r < annotations.size(); ++r) {  // names the first such record
      if (weight[static_cast<std::size_t>(crowd.annotators.find(annotations[r].annotator))] < 0) {
        fail(function, "'annotations' record ", r, " names annotator ", annotations[r].annotator,
             " who has no weight (use MissingWeight::ignore or MissingWeight::value to accept "
             "such answers)");
      }
    }
  }
  Matrix votes = Matrix::Zero(crowd.n_items(), c);
  std::vector<char> used(static_cast<std::size_t>(crowd.n_annotators()), 0);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    bool counted = false;
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      const auto j = static_cast<std::size_t>(crowd.annotator[s]);
      double w = weight[j];
      if (w < 0) {
        if (options.on_missing == quality::MissingWeight::ignore) continue;
        w = options.default_weight;  // MissingWeight::value (error was refused above)
      }
      votes(i, crowd.label[s]) += w;
      used[j] = 1;
      counted = true;
    }
    if (!counted) {
      fail(function, "item ", crowd.items.id(i),
           " has no answer by an annotator with a weight (MissingWeight::ignore drops them all)");
    }
  }
  auto result = finish_vote(crowd.items.ids(), crowd.annotators.ids(), std::move(votes));
  if (options.on_missing == quality::MissingWeight::ignore) {
    result.annotators.clear();
    for (Eigen::Index j = 0; j < crowd.n_annotators(); ++j) {
      if (used[static_cast<std::size_t>(j)] != 0)
        result.annotators.push_back(crowd.annotators.id(j));
    }
  }
  return result;
}

}  // namespace detail
namespace quality {

/// Weighted majority vote: votes(i, k) = sum of the weights of the annotators who answered k
/// on item i; the label is the argmax (ties to the lowest label). An item whose answers all have
/// weight 0 gets label 0 and a uniform posterior. An annotator without a weight is handled by
/// options.on_missing (crowd-kit's MajorityVote(on_missing_skill=...)): an error by default, or
/// their answers dropped (an item left without answers is an error), or options.default_weight.
/// No annotations give an empty result.
///
/// Complexity O(N + I·C + W) for W weights.
/// @throws labelkit::invalid_argument as majority_vote(), and if a weight or the default weight
///   is negative or not finite, an annotator id appears twice in `weights`, an annotator has no
///   weight (MissingWeight::error; the message names the record) or an item has no weighted
///   answer left (MissingWeight::ignore; the message names the item).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] MajorityVoteResult weighted_majority_vote(std::span<const Annotation> annotations,
                                                        int n_classes,
                                                        std::span<const AnnotatorWeight> weights,
                                                        WeightedVoteOptions options = {}) {
  constexpr const char* function = "weighted_majority_vote";
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  std::vector<double> w(static_cast<std::size_t>(crowd.n_annotators()), -1.0);
  for (std::size_t r = 0; r < weights.size(); ++r) {
    if (!std::isfinite(weights[r].weight) || weights[r].weight < 0) {
      detail::fail(function, "'weights' record ", r, " has a weight that is negative or not ",
                   "finite (got ", weights[r].weight, ")");
    }
    const Eigen::Index j = crowd.annotators.find(weights[r].annotator);
    if (j < 0) continue;
    if (w[static_cast<std::size_t>(j)] >= 0) {
      detail::fail(function, "'weights' record ", r, " repeats annotator ", weights[r].annotator);
    }
    w[static_cast<std::size_t>(j)] = weights[r].weight;
  }
  return detail::weighted_vote<Scalar>(crowd, std::move(w), annotations, options, function);
}

/// Gold majority vote (crowd-kit's GoldMajorityVote): each annotator's weight is their accuracy
/// on the gold items, skill_j = (answers of j on gold items equal to one of the item's gold
/// labels) / (answers of j on gold items); then weighted_majority_vote() with these weights over
/// every answer, gold items included (their labels are voted, not clamped, as in crowd-kit).
///
/// An item may have several gold labels (several records in `gold`): an answer equal to any of
/// them is right, as in crowd-kit (tests/aggregation/test_majority_vote.py::
/// test_gold_mv_multiple_gt). An annotator who answered no gold item has no weight and is handled
/// by options.on_missing (an error by default, as in crowd-kit). Gold records for items nobody
/// answered are ignored. Repeated answers by one annotator on one gold item each count here;
/// crowd-kit counts each distinct (item, annotator, label) once. No annotations give an empty
/// result.
///
/// Complexity O(N + G log G + I·C) for G gold records.
/// @throws labelkit::invalid_argument as weighted_majority_vote(), and for a gold record with a
///   negative item id or a label outside [0, n_classes).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] GoldMajorityVoteResult gold_majority_vote(std::span<const Annotation> annotations,
                                                        std::span<const GoldLabel> gold,
                                                        int n_classes,
                                                        WeightedVoteOptions options = {}) {
  constexpr const char* function = "gold_majority_vote";
  const auto crowd =
      detail::make_crowd(annotations, n_classes, function, detail::EmptyInput::accept);
  const auto labels = detail::gold_label_sets(gold, crowd.items, n_classes, function);
  const auto n_annotators = static_cast<std::size_t>(crowd.n_annotators());
  std::vector<Eigen::Index> answered(n_annotators, 0);
  std::vector<Eigen::Index> right(n_annotators, 0);
  for (Eigen::Index i = 0; i < crowd.n_items(); ++i) {
    const auto first = labels.start[static_cast<std::size_t>(i)];
    const auto last = labels.start[static_cast<std::size_t>(i) + 1];
    if (first == last) continue;
    for (Eigen::Index a = crowd.begin(i); a < crowd.end(i); ++a) {
      const auto s = static_cast<std::size_t>(a);
      const auto j = static_cast<std::size_t>(crowd.annotator[s]);
      ++answered[j];
      for (auto g = first; g < last; ++g) {
        if (labels.label[static_cast<std::size_t>(g)] == crowd.label[s]) {
          ++right[j];
          break;
        }
      }
    }
  }
  std::vector<double> w(n_annotators, -1.0);
  for (std::size_t j = 0; j < n_annotators; ++j) {
    if (answered[j] > 0) {
      w[j] = static_cast<double>(right[j]) / static_cast<double>(answered[j]);
    }
  }
  GoldMajorityVoteResult result;
  static_cast<MajorityVoteResult&>(result) =
      detail::weighted_vote<Scalar>(crowd, w, annotations, options, function);
  result.skills.resize(static_cast<Eigen::Index>(result.annotators.size()));
  result.n_gold.resize(result.annotators.size());
  for (std::size_t r = 0; r < result.annotators.size(); ++r) {
    const auto j = static_cast<std::size_t>(crowd.annotators.find(result.annotators[r]));
    result.skills(static_cast<Eigen::Index>(r)) = w[j] >= 0 ? w[j] : options.default_weight;
    result.n_gold[r] = answered[j];
  }
  return result;
}

/// Gold majority vote over an AnswerSet (e.g. `queue.answer_set()`): weights from its answers
/// on its gold items. @throws as gold_majority_vote(annotations, gold, n_classes, options).
/// @tparam Scalar as majority_vote(annotations, n_classes).
template <class Scalar = double>
[[nodiscard]] GoldMajorityVoteResult gold_majority_vote(const AnswerSet& answers,
                                                        WeightedVoteOptions options = {}) {
  detail::check_answer_set(answers, "gold_majority_vote");
  return gold_majority_vote<Scalar>(answers.answers, answers.gold, answers.n_classes(), options);
}

}  // namespace quality
LABELKIT_END_NAMESPACE
