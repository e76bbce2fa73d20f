#pragma once
/// @file
/// A committee from one model type: `BaggingCommittee<Factory>` trains M members, each on a
/// seeded bootstrap resample of the labeled items (Breiman 1996; query-by-bagging, Abe & Mamitsuka
/// 1998), and satisfies `labelkit::Model` and `labelkit::CommitteeModel`, so vote entropy, KL
/// disagreement and BALD work with any single model type.
///
///     auto committee = labelkit::models::BaggingCommittee(
///         [] { return labelkit::models::LogisticRegression(1.0); }, /*members=*/5, /*seed=*/7);
///     committee.fit(x, labels);
///     auto members = committee.predict_proba_members(pool);  // 5 matrices, n x C each
///
/// A bootstrap resample may miss classes. Every member still reports all C classes (C = the
/// committee's class count: the constructor's `classes`, or the largest label + 1):
/// - if the factory is callable with the class count (`factory(Eigen::Index C)`), each member is
///   built for C classes and trained on the original labels; it must return n x C;
/// - otherwise the resample's present classes are renumbered 0..c-1 for the member, and its
///   n x c output is spread back into the C columns, with probability 0 for the absent classes;
///   a resample with one class yields a member that predicts that class with probability 1
///   (no fit).

#include <Eigen/Core>
#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/random.hpp"
#include "labelkit/core/rows.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

template <class Factory>
auto make_member(Factory& factory, Eigen::Index classes) {
  if constexpr (std::invocable<Factory&, Eigen::Index>) {
    return factory(classes);
  } else {
    (void)classes;
    return factory();
  }
}

}  // namespace detail
namespace models {

/// M models from `factory`, each fitted on a bootstrap resample (n draws with replacement) of the
/// training set. `predict_proba` is the mean of the members' probabilities,
/// `predict_proba_members` returns each member's. Draws come from `labelkit::Random(seed)`, one
/// split stream per member, so the committee is reproducible and member m's resample does not
/// depend on M. Cost: M fits on n items each; prediction M times a member's.
///
/// @tparam Factory callable as `factory()` or `factory(Eigen::Index classes)`, returning a model
///         with `fit(x, labels)` and `predict_proba(x)`.
template <class Factory>
class BaggingCommittee {
 public:
  /// The member model type: what `factory()` or `factory(classes)` returns.
  using Member =
      std::remove_cvref_t<decltype(detail::make_member(std::declval<Factory&>(), Eigen::Index{}))>;

  /// The probability matrix type for features X: the member's scalar, dynamic n x C.
  template <class X>
  using ProbabilityMatrix =
      Eigen::Matrix<typename std::remove_cvref_t<decltype(std::declval<Member&>().predict_proba(
                        std::declval<const X&>()))>::Scalar,
                    Eigen::Dynamic, Eigen::Dynamic>;

  /// @param factory makes one member model per call; called at `fit`.
  /// @param members the committee size M, >= 1.
  /// @param seed seeds the bootstrap resamples.
  /// @param classes the class count C, or 0 to take the largest training label + 1 at `fit`.
  /// @throws labelkit::invalid_argument if members < 1, or classes < 0 or > labelkit::max_classes.
  BaggingCommittee(Factory factory, Eigen::Index members, std::uint64_t seed = 0,
                   Eigen::Index classes = 0)
      : factory_(std::move(factory)), members_(members), seed_(seed), classes_(classes) {
    if (members < 1) {
      labelkit::detail::fail("BaggingCommittee", "'members' must be at least 1 (got ", members,
                             ")");
    }
    if (classes < 0) {
      labelkit::detail::fail("BaggingCommittee", "'classes' is negative (got ", classes, ")");
    }
    if (classes > 0) labelkit::detail::check_class_count(classes, "BaggingCommittee", "classes");
  }

  /// Fits every member on its bootstrap resample of (x, labels). The resamples depend only on
  /// the seed and n, so fitting twice on the same data gives the same committee.
  /// @throws labelkit::dimension_mismatch if x and labels differ in length;
  ///         labelkit::invalid_argument if labels is empty, or a label is negative, >= classes or
  ///         >= labelkit::max_classes (naming its position); whatever a member's fit throws.
  template <class X>
  void fit(const X& x, const std::vector<int>& labels) {
    const Eigen::Index n = row_count(x);
    if (n != static_cast<Eigen::Index>(labels.size())) {
      labelkit::detail::fail<dimension_mismatch>("BaggingCommittee::fit", "'x' has ", n,
                                                 " rows but 'labels' has ", labels.size());
    }
    if (n == 0) labelkit::detail::fail("BaggingCommittee::fit", "'labels' is empty");
    int largest = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] < 0) {
        labelkit::detail::fail("BaggingCommittee::fit", "'labels' entry ", i, " is negative (got ",
                               labels[i], ")");
      }
      if (labels[i] >= max_classes) {
        labelkit::detail::fail("BaggingCommittee::fit", "'labels' entry ", i,
                               " is out of range (got ", labels[i],
                               ", expected label < labelkit::max_classes = ", max_classes, ")");
      }
      if (classes_ > 0 && labels[i] >= classes_) {
        labelkit::detail::fail("BaggingCommittee::fit", "'labels' entry ", i,
                               " is out of range (got ", labels[i],
                               ", expected label < classes = ", classes_, ")");
      }
      largest = std::max(largest, labels[i]);
    }
    fitted_classes_ = classes_ > 0 ? classes_ : Eigen::Index{largest} + 1;
    Random random(seed_);
    fitted_.clear();
    fitted_.reserve(static_cast<std::size_t>(members_));
    std::vector<Eigen::Index> rows(static_cast<std::size_t>(n));
    std::vector<int> member_labels(static_cast<std::size_t>(n));
    for (Eigen::Index m = 0; m < members_; ++m) {
      Random stream = random.split();
      for (auto& row : rows) {
        row = static_cast<Eigen::Index>(stream.uniform_index(static_cast<std::uint64_t>(n)));
      }
      FittedMember member;
      if constexpr (std::invocable<Factory&, Eigen::Index>) {
        for (std::size_t r = 0; r < rows.size(); ++r) {
          member_labels[r] = labels[static_cast<std::size_t>(rows[r])];
        }
      } else {
        // Renumber the present classes 0..c-1 in ascending order.
        std::vector<int> dense(static_cast<std::size_t>(fitted_classes_), -1);
        for (const Eigen::Index row : rows)
          dense[static_cast<std::size_t>(labels[static_cast<std::size_t>(row)])] = 0;
        for (int c = 0; c < static_cast<int>(dense.size()); ++c) {
          if (dense[static_cast<std::size_t>(c)] == 0) {
            dense[static_cast<std::size_t>(c)] = static_cast<int>(member.classes.size());
            member.classes.push_back(c);
          }
        }
        for (std::size_t r = 0; r < rows.size(); ++r) {
          member_labels[r] =
              dense[static_cast<std::size_t>(labels[static_cast<std::size_t>(rows[r])])];
        }
      }
      if (member.classes.size() != 1) {
        member.model.emplace(detail::make_member(factory_, fitted_classes_));
        member.model->fit(select_rows(x, rows), member_labels);
      }
      fitted_.push_back(std::move(member));
    }
  }

  /// Each member's class probabilities for the rows of x: M matrices, n x C (rows are items).
  /// @throws labelkit::state_error before `fit`; labelkit::dimension_mismatch if a member
  ///         returns the wrong shape.
  template <class X>
  [[nodiscard]] auto predict_proba_members(const X& x) {
    using Matrix = ProbabilityMatrix<X>;
    if (fitted_.empty()) {
      labelkit::detail::fail<state_error>("BaggingCommittee::predict_proba_members",
                                          "the committee is not fitted (call fit first)");
    }
    const Eigen::Index n = row_count(x);
    std::vector<Matrix> result;
    result.reserve(fitted_.size());
    for (std::size_t m = 0; m < fitted_.size(); ++m) {
      FittedMember& member = fitted_[m];
      if (!member.model) {  // one-class resample: that class with probability 1
        Matrix p = Matrix::Zero(n, fitted_classes_);
        p.col(member.classes.front()).setOnes();
        result.push_back(std::move(p));
        continue;
      }
      const auto raw = member.model->predict_proba(x);
      const Eigen::Index expected = member.classes.empty()
                                        ? fitted_classes_
                                        : static_cast<Eigen::Index>(member.classes.size());
      if (raw.rows() != n || raw.cols() != expected) {
        labelkit::detail::fail<dimension_mismatch>(
            "BaggingCommittee::predict_proba_members", "member ", m, " returned ", raw.rows(),
            " x ", raw.cols(), " probabilities (expected ", n, " x ", expected, ")");
      }
      if (member.classes.empty()) {
        result.push_back(raw.template cast<typename Matrix::Scalar>());
      } else {
        Matrix p = Matrix::Zero(n, fitted_classes_);
        for (std::size_t c = 0; c < member.classes.size(); ++c) {
          p.col(member.classes[c]) =
              raw.col(static_cast<Eigen::Index>(c)).template cast<typename Matrix::Scalar>();
        }
        result.push_back(std::move(p));
      }
    }
    return result;
  }

  /// The committee's class probabilities: the mean of the members' (n x C, rows are items).
  /// @throws as `predict_proba_members`.
  template <class X>
  [[nodiscard]] ProbabilityMatrix<X> predict_proba(const X& x) {
    auto members = predict_proba_members(x);
    ProbabilityMatrix<X> mean = std::move(members.front());
    for (std::size_t m = 1; m < members.size(); ++m) mean += members[m];
    mean /= static_cast<typename ProbabilityMatrix<X>::Scalar>(members.size());
    return mean;
  }

  /// Number of members.
  [[nodiscard]] Eigen::Index size() const noexcept { return members_; }
  /// Class count of the last fit (0 before).
  [[nodiscard]] Eigen::Index classes() const noexcept { return fitted_classes_; }

 private:
  struct FittedMember {
    std::optional<Member> model;
    std::vector<int> classes;  ///< Member column c -> committee class; empty = identity.
  };

  Factory factory_;
  Eigen::Index members_;
  std::uint64_t seed_;
  Eigen::Index classes_;
  Eigen::Index fitted_classes_ = 0;
  std::vector<FittedMember> fitted_;
};

}  // namespace models
LABELKIT_END_NAMESPACE
