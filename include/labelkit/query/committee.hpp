#pragma once
/// @file
/// Query-by-committee scores (Seung, Opper & Sompolinsky 1992; Settles 2009, section 3.2) and
/// BALD (Houlsby et al. 2011; Gal, Islam & Ghahramani 2017) over the class probabilities of M
/// committee members: an ensemble, bagged models, or MC-dropout passes of one network.
///
/// Every function takes the members as a `std::span<const Mat>` of n x C probability matrices
/// (rows are items, columns classes; float or double; row- or column-major) — a
/// `std::vector<Eigen::MatrixXd>` or `std::vector<Eigen::MatrixXf>` is accepted as it is — and
/// returns one score per item as a column vector of the members' scalar type. A higher score
/// means "ask for this item first", so every score feeds `labelkit::query::top_k` directly.
///
/// Notation: p_m is member m's row for an item, q = (1/M) sum_m p_m the consensus, H the Shannon
/// entropy in nats with 0 ln 0 = 0 exactly, KL(p || q) = sum_c p_c ln(p_c / q_c), where terms
/// with p_c = 0 contribute 0 (and q_c > 0 wherever some p_c > 0, so nothing divides by zero).
///
/// Cost: one streaming pass over the members, O(M*n*C) time. The items are visited in blocks of
/// rows; per block the members are validated, then scored while the block is still in cache.
/// Row-major and column-major members are read in place, on the widest instruction set the CPU
/// has (chosen at run time). The only allocations are the result and a few block-sized buffers
/// (no n x C temporary per member). The logarithms have the error bound stated in
/// labelkit/query/detail/score_kernels.hpp (about 1e-14 absolute in double, 3e-7 in float).
///
/// @throws labelkit::invalid_argument if the committee is empty or a member has NaN, a value
///         outside [0, 1], or a row that does not sum to 1 (the message names `members[m]`, the
///         row and the column); labelkit::dimension_mismatch if a member's shape differs from
///         `members[0]`'s.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <iterator>
#include <limits>
#include <ranges>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/model.hpp"
#include "labelkit/core/parallel.hpp"
#include "labelkit/core/rows.hpp"
#include "labelkit/core/simd/dispatch.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/detail/score_kernels.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"
#include "labelkit/query/uncertainty.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// A committee member's matrix type: a dense Eigen matrix of float or double.
template <class Mat>
concept CommitteeMember =
    labelkit::detail::EigenDense<Mat> && std::is_floating_point_v<typename Mat::Scalar>;

/// Any contiguous range of committee members (std::vector, std::array, a fixed-extent span...)
/// other than the `std::span<const Mat>` the scores take directly.
template <class Members>
concept CommitteeRange = std::ranges::contiguous_range<Members> &&
    std::ranges::sized_range<Members> && CommitteeMember<std::ranges::range_value_t<Members>> &&
    !std::same_as<std::remove_cvref_t<Members>,
                  std::span<const std::ranges::range_value_t<Members>>>;

template <class Members>
[[nodiscard]] auto as_member_span(const Members& members) {
  using Mat = std::ranges::range_value_t<Members>;
  return std::span<const Mat>(std::ranges::data(members), std::ranges::size(members));
}

/// Rows per block: about 4096 entries per member block, a multiple of 16, between 16 and 512.
[[nodiscard]] inline Eigen::Index committee_block_rows(Eigen::Index classes) {
  const Eigen::Index rows = (Eigen::Index{4096} / std::max<Eigen::Index>(classes, 1)) / 16 * 16;
  return std::clamp<Eigen::Index>(rows, 16, 512);
}

/// Throws unless the committee is non-empty and every member has members[0]'s (non-empty)
/// shape. Returns the names "members[m]" used in later messages (built once, not per block).
template <class Mat>
std::vector<std::string> check_committee(std::span<const Mat> members, const char* function) {
  if (members.empty()) {
    labelkit::detail::fail(function, "'members' is empty (expected at least one committee member)");
  }
  std::vector<std::string> names;
  names.reserve(members.size());
  for (std::size_t m = 0; m < members.size(); ++m) {
    names.push_back(labelkit::detail::concat("members[", m, "]"));
  }
  labelkit::detail::check_probability_shape(members[0], function, names[0]);
  const Eigen::Index n = members[0].rows();
  const Eigen::Index c = members[0].cols();
  for (std::size_t m = 1; m < members.size(); ++m) {
    if (members[m].rows() != n || members[m].cols() != c) {
      labelkit::detail::fail<labelkit::dimension_mismatch>(
          function, "'", names[m], "' is ", members[m].rows(), " x ", members[m].cols(),
          " (expected ", n, " x ", c, ", the shape of 'members[0]')");
    }
  }
  return names;
}

/// True when a member can be read in place (strided memory with direct access).
template <class Mat>
inline constexpr bool member_in_memory = (Mat::Flags & Eigen::DirectAccessBit) != 0;

/// The one streaming kernel behind all five scores. Items are visited in blocks of rows; each
/// member's block is read once from memory, in place in either layout, validated and
/// accumulated in one vector sweep (lanes are rows) on the instruction set chosen at run time
/// (labelkit/core/simd/dispatch.hpp). The KL scores take a second look at each member's block,
/// which is still in cache. Logs: M*C + C per item for BALD and KL, C per item for consensus
/// entropy, M per item for vote entropy, with the logarithm and error bound of
/// labelkit/query/detail/score_kernels.hpp.
template <CommitteeScore Kind, class Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> committee_score(
    std::span<const Mat> members, const char* function, const Parallel& parallel) {
  using Scalar = typename Mat::Scalar;
  if constexpr (!member_in_memory<Mat>) {
    std::vector<Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>> evaluated(members.begin(),
                                                                                 members.end());
    return committee_score<Kind>(
        std::span<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>(evaluated), function,
        parallel);
  } else {
    constexpr bool kl = Kind == CommitteeScore::mean_kl || Kind == CommitteeScore::max_kl;
    constexpr bool vote = Kind == CommitteeScore::vote_entropy;
    const std::vector<std::string> names = check_committee(members, function);
    const auto n = static_cast<std::ptrdiff_t>(members[0].rows());
    const auto c = static_cast<std::ptrdiff_t>(members[0].cols());
    const auto m_count = static_cast<std::ptrdiff_t>(members.size());
    const auto m_scalar = static_cast<Scalar>(m_count);
    const SimdLevel level = simd_level();
    const std::ptrdiff_t group = simd_group_rows<Scalar>(level);
    const auto round_up = [group](std::ptrdiff_t rows) {
      return (rows + group - 1) / group * group;
    };
    const auto rows_of = [&](std::ptrdiff_t m, std::ptrdiff_t start) {
      const Mat& p = members[static_cast<std::size_t>(m)];
      return p.data() + start * static_cast<std::ptrdiff_t>(p.rowStride());
    };
    const auto row_stride = [&](std::ptrdiff_t m) {
      return static_cast<std::ptrdiff_t>(members[static_cast<std::size_t>(m)].rowStride());
    };
    const auto col_stride = [&](std::ptrdiff_t m) {
      return static_cast<std::ptrdiff_t>(members[static_cast<std::size_t>(m)].colStride());
    };
    Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(n);

    // Scores rows [begin, end); false if some member has an invalid row there.
    const auto score_rows = [&](std::ptrdiff_t begin, std::ptrdiff_t end) {
      // committee_block_rows is a multiple of 16, hence of every group size.
      const std::ptrdiff_t stride = std::min<std::ptrdiff_t>(
          committee_block_rows(static_cast<Eigen::Index>(c)), round_up(end - begin));
      const auto buffer = [](std::ptrdiff_t size) {
        return std::vector<Scalar>(static_cast<std::size_t>(size), Scalar(0));
      };
      // All buffers are column-major with leading dimension `stride` (rows of the block).
      std::vector<Scalar> sum = buffer(vote ? 0 : stride * c);          // sum of p, then q
      std::vector<Scalar> log_q = buffer(kl ? stride * c : 0);          // ln q
      std::vector<Scalar> self = buffer(kl ? stride * m_count : 0);     // sum_c p ln p, per member
      std::vector<Scalar> votes = buffer(vote ? stride * m_count : 0);  // class voted for
      std::vector<Scalar> acc = buffer(stride);  // BALD: sum_m sum_c p ln p; KL: mean/max
      bool valid = true;
      for (std::ptrdiff_t start = begin; start < end; start += stride) {
        const std::ptrdiff_t rows = std::min(stride, end - start);
        const std::ptrdiff_t padded = round_up(rows);
        if constexpr (!vote) std::fill(sum.begin(), sum.end(), Scalar(0));
        std::fill(acc.begin(), acc.end(), Scalar(0));

        // Pass 1: validate and accumulate each member's block.
        for (std::ptrdiff_t m = 0; m < m_count; ++m) {
          Scalar* plogp = nullptr;
          if constexpr (Kind == CommitteeScore::bald) plogp = acc.data();
          if constexpr (kl) plogp = self.data() + m * stride;
          Scalar* vote_column = vote ? votes.data() + m * stride : nullptr;
          valid =
              committee_member_rows<Kind>(level, rows_of(m, start), rows, c, row_stride(m),
                                          col_stride(m), sum.data(), stride, plogp, vote_column) &&
              valid;
        }

        Scalar* out = scores.data() + start;
        if constexpr (vote) {
          committee_vote_entropy(level, votes.data(), stride, padded, m_count, out, rows);
        } else {
          committee_consensus<Kind>(level, sum.data(), stride, padded, c, m_scalar, acc.data(),
                                    log_q.data(), out, rows);
          if constexpr (kl) {
            // Pass 2: each member's block again (from cache): KL = sum p ln p - sum p ln q.
            std::fill(acc.begin(), acc.end(), Scalar(0));  // KL >= 0: 0 also starts the max
            for (std::ptrdiff_t m = 0; m < m_count; ++m) {
              committee_kl_rows<Kind>(level, rows_of(m, start), rows, c, row_stride(m),
                                      col_stride(m), log_q.data(), stride, self.data() + m * stride,
                                      acc.data());
            }
            for (std::ptrdiff_t r = 0; r < rows; ++r) {
              // A mean of KLs is >= 0; clamp the rounding.
              out[r] = Kind == CommitteeScore::mean_kl
                           ? std::max(acc[static_cast<std::size_t>(r)] / m_scalar, Scalar(0))
                           : acc[static_cast<std::size_t>(r)];
            }
          }
        }
      }
      return valid;
    };

    bool valid = true;
    if (!parallel.enabled()) {
      valid = score_rows(std::ptrdiff_t{0}, n);
    } else {
      // Chunks start at multiples of the block rows, so each chunk cuts its blocks where the
      // serial pass does (and a row's score never depends on its block anyway).
      const std::size_t block = static_cast<std::size_t>(committee_block_rows(c));
      std::size_t grain =
          grain_of(parallel, default_grain(sizeof(Scalar) * static_cast<std::size_t>(c * m_count)));
      grain = (grain + block - 1) / block * block;
      std::vector<char> ok(chunk_count(static_cast<std::size_t>(n), grain), 1);
      for_each_chunk(parallel, static_cast<std::size_t>(n), grain,
                     [&](std::size_t chunk, std::size_t begin, std::size_t end) {
                       ok[chunk] = score_rows(static_cast<std::ptrdiff_t>(begin),
                                              static_cast<std::ptrdiff_t>(end))
                                       ? 1
                                       : 0;
                     });
      valid = std::find(ok.begin(), ok.end(), char{0}) == ok.end();
    }
    if (!valid) {
      for (std::size_t m = 0; m < members.size(); ++m) {
        check_probabilities(members[m], function, names[m]);  // names member, row, column
      }
    }
    return scores;
  }
}

}  // namespace detail
namespace query {

/// Vote entropy (Dagan & Engelson 1995): each member votes for its most probable class (ties to
/// the lower class); the score is the entropy of the vote shares, -sum_c (V_c/M) ln(V_c/M), in
/// nats, in [0, ln min(M, C)]. 0 when the committee is unanimous. O(M*n*C), one pass. With
/// `parallel` (an executor, see labelkit/core/parallel.hpp), fixed chunks of items are scored
/// concurrently; the scores are the serial ones, bit for bit.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> vote_entropy(
    std::span<const Mat> members, const Parallel& parallel = {}) {
  return detail::committee_score<detail::CommitteeScore::vote_entropy>(members, "vote_entropy",
                                                                       parallel);
}

/// Consensus entropy: H(q), the entropy of the members' mean probabilities (modAL's
/// consensus_entropy), in [0, ln C]. O(M*n*C), one pass. `parallel` as in `vote_entropy`.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> consensus_entropy(
    std::span<const Mat> members, const Parallel& parallel = {}) {
  return detail::committee_score<detail::CommitteeScore::consensus_entropy>(
      members, "consensus_entropy", parallel);
}

/// Mean KL disagreement (McCallum & Nigam 1998): (1/M) sum_m KL(p_m || q), >= 0. It equals
/// `bald` mathematically (the mean KL to the mean is the mutual information); it is computed
/// from the KL terms directly. O(M*n*C), one pass (two looks at each cached block). `parallel`
/// as in `vote_entropy`.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> mean_kl_disagreement(
    std::span<const Mat> members, const Parallel& parallel = {}) {
  return detail::committee_score<detail::CommitteeScore::mean_kl>(members, "mean_kl_disagreement",
                                                                  parallel);
}

/// Max KL disagreement: max_m KL(p_m || q), the most dissenting member's divergence from the
/// consensus (modAL's max_disagreement_sampling), >= 0. O(M*n*C), one pass. `parallel` as in
/// `vote_entropy`.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> max_kl_disagreement(
    std::span<const Mat> members, const Parallel& parallel = {}) {
  return detail::committee_score<detail::CommitteeScore::max_kl>(members, "max_kl_disagreement",
                                                                 parallel);
}

/// BALD (Houlsby et al. 2011): the mutual information between the label and the model,
/// H(q) - (1/M) sum_m H(p_m), estimated from M members (MC-dropout passes or an ensemble), in
/// [0, ln C]. Rounding of nearly equal members is clamped at 0. O(M*n*C), one pass. `parallel`
/// as in `vote_entropy`.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> bald(
    std::span<const Mat> members, const Parallel& parallel = {}) {
  return detail::committee_score<detail::CommitteeScore::bald>(members, "bald", parallel);
}

/// Vote entropy for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto vote_entropy(const Members& members, const Parallel& parallel = {}) {
  return vote_entropy(detail::as_member_span(members), parallel);
}
/// Consensus entropy for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto consensus_entropy(const Members& members, const Parallel& parallel = {}) {
  return consensus_entropy(detail::as_member_span(members), parallel);
}
/// Mean KL disagreement for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto mean_kl_disagreement(const Members& members, const Parallel& parallel = {}) {
  return mean_kl_disagreement(detail::as_member_span(members), parallel);
}
/// Max KL disagreement for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto max_kl_disagreement(const Members& members, const Parallel& parallel = {}) {
  return max_kl_disagreement(detail::as_member_span(members), parallel);
}
/// BALD for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto bald(const Members& members, const Parallel& parallel = {}) {
  return bald(detail::as_member_span(members), parallel);
}
}  // namespace query
namespace detail {

template <class...>
inline constexpr bool always_false_committee = false;

struct VoteEntropyScore {
  template <class Members>
  auto operator()(const Members& m) const {
    return query::vote_entropy(m);
  }
};
struct ConsensusEntropyScore {
  template <class Members>
  auto operator()(const Members& m) const {
    return query::consensus_entropy(m);
  }
};
struct MeanKlScore {
  template <class Members>
  auto operator()(const Members& m) const {
    return query::mean_kl_disagreement(m);
  }
};
struct MaxKlScore {
  template <class Members>
  auto operator()(const Members& m) const {
    return query::max_kl_disagreement(m);
  }
};
struct BaldScore {
  template <class Members>
  auto operator()(const Members& m) const {
    return query::bald(m);
  }
};

}  // namespace detail
namespace query {

/// Query by committee as an `ActiveLearner` strategy: scores the unlabeled items with
/// `score(model.predict_proba_members(unlabeled rows))` and returns the k highest (ties to the
/// lower item id). Needs a `labelkit::CommitteeModel` (an ensemble, a bagged committee, or a
/// network returning MC-dropout passes). O(M*n*C) plus the members' prediction cost.
template <class Score>
struct CommitteeSampling {
  Score score;  ///< Maps the M members' n x C probability matrices to n scores, higher = ask first.

  /// Scores `context.unlabeled` and returns the k best item ids.
  template <class M, class X>
  std::vector<Eigen::Index> operator()(const QueryContext<M, X>& context, Eigen::Index k) const {
    if constexpr (!CommitteeModel<M, X>) {
      static_assert(detail::always_false_committee<M, X>,
                    "labelkit: committee strategies (vote entropy, consensus entropy, KL "
                    "disagreement, BALD) need a labelkit::CommitteeModel: give the model "
                    "`predict_proba_members(const X&)` returning a std::vector of n x C Eigen "
                    "matrices, one per member");
      return {};
    } else {
      labelkit::detail::check_k(k, "CommitteeSampling");
      if (context.unlabeled.empty() || k == 0) return {};
      const auto candidates = select_rows(context.features, context.unlabeled);
      const auto members = context.model.predict_proba_members(candidates);
      return to_item_ids(top_k(score(members), k), context.unlabeled);
    }
  }
};

/// Vote-entropy query by committee.
inline constexpr CommitteeSampling<detail::VoteEntropyScore> vote_entropy_sampling{};
/// Consensus-entropy query by committee.
inline constexpr CommitteeSampling<detail::ConsensusEntropyScore> consensus_entropy_sampling{};
/// Mean KL-disagreement query by committee (McCallum & Nigam 1998).
inline constexpr CommitteeSampling<detail::MeanKlScore> mean_kl_disagreement_sampling{};
/// Max KL-disagreement query by committee (modAL's max disagreement).
inline constexpr CommitteeSampling<detail::MaxKlScore> max_kl_disagreement_sampling{};
/// BALD: mutual information over MC-dropout passes or ensemble members (Houlsby et al. 2011).
inline constexpr CommitteeSampling<detail::BaldScore> bald_sampling{};

}  // namespace query
LABELKIT_END_NAMESPACE
