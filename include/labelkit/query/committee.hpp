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
/// rows; per block the members are validated, then scored while the block is still in cache. The
/// only allocations are the result and a few block-sized buffers (no n x C temporary per
/// member).
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
#include "labelkit/core/rows.hpp"
#include "labelkit/core/validate.hpp"
#include "labelkit/query/uncertainty_sampling.hpp"
#include "labelkit/query/select.hpp"
#include "labelkit/query/strategy.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// A committee member's matrix type: a dense Eigen matrix of float or double.
template <class Mat>
concept CommitteeMember = labelkit::detail::EigenDense<Mat> &&
                          std::is_floating_point_v<typename Mat::Scalar>;

/// Any contiguous range of committee members (std::vector, std::array, a fixed-extent span...)
/// other than the `std::span<const Mat>` the scores take directly.
template <class Members>
concept CommitteeRange =
    std::ranges::contiguous_range<Members> && std::ranges::sized_range<Members> &&
    CommitteeMember<std::ranges::range_value_t<Members>> &&
    !std::same_as<std::remove_cvref_t<Members>,
                  std::span<const std::ranges::range_value_t<Members>>>;

template <class Members>
[[nodiscard]] auto as_member_span(const Members& members) {
  using Mat = std::ranges::range_value_t<Members>;
  return std::span<const Mat>(std::ranges::data(members), std::ranges::size(members));
}

enum class CommitteeScore { vote_entropy, consensus_entropy, mean_kl, max_kl, bald };

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

// The block kernels below use Eigen's packet primitives (Eigen::internal, stable across Eigen
// 3.3-3.4 and used the same way by Eigen's own kernels): Eigen 3.4 does not vectorise select()
// or comparisons in array expressions. Packet types such as __m128 carry attributes that GCC
// warns about when they are template arguments; Eigen silences the same warning for its code.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif

/// A block of rows of one member, column-major: entry (r, j) is data[r + j * stride].
template <class Scalar>
struct MemberBlock {
  const Scalar* data;
  Eigen::Index stride;
  Eigen::Index rows;
  Eigen::Index cols;
};

/// Pass 1 over one member's block, one sweep over its columns with a packet of rows in
/// registers: validates every row (entries in [0, 1], sum within the tolerance; NaN makes the
/// sum NaN and fails) and accumulates what the score needs:
/// - vote entropy: the row's vote (argmax, ties to the lower class) into `vote`;
/// - the others: the probabilities into the consensus sum (column j at sum + j * sum_stride);
/// - BALD: sum_c p ln p added to `plogp`; KL: sum_c p ln p stored into `plogp`.
/// x ln x uses ln(max(x, smallest normal)): 0 ln 0 = 0 exactly, and only subnormal x see the
/// floor (moving x ln x by less than 1e-36). Returns false if a row is invalid.
template <CommitteeScore Kind, class Scalar>
bool member_block_kernel(const MemberBlock<Scalar>& b, Scalar* sum, Eigen::Index sum_stride,
                         Scalar* plogp, Scalar* vote) {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<Scalar>::type;
  constexpr Eigen::Index size = ei::packet_traits<Scalar>::size;
  constexpr bool votes = Kind == CommitteeScore::vote_entropy;
  constexpr bool logs = Kind != CommitteeScore::vote_entropy &&
                        Kind != CommitteeScore::consensus_entropy;
  const Scalar floor_value = std::numeric_limits<Scalar>::min();
  const Scalar tolerance_value = labelkit::detail::probability_sum_tolerance<Scalar>();
  const Packet floor = ei::pset1<Packet>(floor_value);
  const Packet tolerance = ei::pset1<Packet>(tolerance_value);
  const Packet zero = ei::pset1<Packet>(Scalar(0));
  const Packet one = ei::pset1<Packet>(Scalar(1));
  const Packet all_true = ei::pcmp_le(zero, zero);
  Packet valid = all_true;
  Eigen::Index i = 0;
  for (; i + size <= b.rows; i += size) {
    const Scalar* column = b.data + i;
    Packet low = one, high = zero, total = zero, h = zero;
    Packet best = ei::ploadu<Packet>(column), label = zero;
    for (Eigen::Index j = 0; j < b.cols; ++j, column += b.stride) {
      const Packet v = ei::ploadu<Packet>(column);
      // Each column is its own stream; prefetching 256 bytes ahead roughly halves the stalls.
      ei::prefetch(column + 256 / sizeof(Scalar));
      low = ei::pmin(low, v);
      total = ei::padd(total, v);
      if constexpr (votes) {
        const Packet better = ei::pcmp_lt(best, v);  // strict: ties stay with the lower class
        label = ei::pselect(better, ei::pset1<Packet>(static_cast<Scalar>(j)), label);
        best = ei::pmax(best, v);  // also the row's largest entry
      } else {
        high = ei::pmax(high, v);
        Scalar* s = sum + i + j * sum_stride;
        ei::pstoreu(s, ei::padd(ei::ploadu<Packet>(s), v));
        if constexpr (logs) h = ei::padd(h, ei::pmul(v, ei::plog(ei::pmax(v, floor))));
      }
    }
    if constexpr (votes) high = best;
    valid = ei::pand(valid, ei::pand(ei::pand(ei::pcmp_le(zero, low), ei::pcmp_le(high, one)),
                                     ei::pcmp_le(ei::pabs(ei::psub(total, one)), tolerance)));
    if constexpr (votes) ei::pstoreu(vote + i, label);
    if constexpr (Kind == CommitteeScore::bald) ei::pstoreu(plogp + i, ei::padd(ei::ploadu<Packet>(plogp + i), h));
    if constexpr (logs && Kind != CommitteeScore::bald) ei::pstoreu(plogp + i, h);
  }
  bool all_valid = !ei::predux_any(ei::pandnot(all_true, valid));
  for (; i < b.rows; ++i) {
    Scalar low = 1, high = 0, total = 0, h = 0, best = b.data[i], label = 0;
    for (Eigen::Index j = 0; j < b.cols; ++j) {
      const Scalar v = b.data[i + j * b.stride];
      low = std::min(low, v);
      high = std::max(high, v);
      total += v;
      if constexpr (votes) {
        if (v > best) {
          best = v;
          label = static_cast<Scalar>(j);
        }
      } else {
        sum[i + j * sum_stride] += v;
        if constexpr (logs) h += v * std::log(std::max(v, floor_value));
      }
    }
    all_valid = all_valid && low >= Scalar(0) && high <= Scalar(1) &&
                std::abs(total - Scalar(1)) <= tolerance_value;
    if constexpr (votes) vote[i] = label;
    if constexpr (Kind == CommitteeScore::bald) plogp[i] += h;
    if constexpr (logs && Kind != CommitteeScore::bald) plogp[i] = h;
  }
  return all_valid;
}

/// agree[r] += (v[r] == w[r]) for r < rows.
template <class Scalar>
void count_agreement(const Scalar* v, const Scalar* w, Scalar* agree, Eigen::Index rows) {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<Scalar>::type;
  constexpr Eigen::Index size = ei::packet_traits<Scalar>::size;
  const Packet one = ei::pset1<Packet>(Scalar(1));
  Eigen::Index r = 0;
  for (; r + size <= rows; r += size) {
    const Packet same = ei::pcmp_eq(ei::ploadu<Packet>(v + r), ei::ploadu<Packet>(w + r));
    ei::pstoreu(agree + r, ei::padd(ei::ploadu<Packet>(agree + r), ei::pand(same, one)));
  }
  for (; r < rows; ++r) agree[r] += v[r] == w[r] ? Scalar(1) : Scalar(0);
}

#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/// x ln x with 0 ln 0 = 0 exactly, vectorised (see member_block_kernel for the floor).
template <class Column>
[[nodiscard]] auto x_log_x(const Column& x) {
  using Scalar = typename Column::Scalar;
  return x * x.max(std::numeric_limits<Scalar>::min()).log();
}

/// True when a member's columns can be read in place (column-major, contiguous columns).
template <class Mat>
inline constexpr bool readable_in_place =
    !Mat::IsRowMajor && (Mat::Flags & Eigen::DirectAccessBit) != 0 &&
    Mat::InnerStrideAtCompileTime == 1;

/// The one streaming kernel behind all five scores. Items are visited in blocks of rows; each
/// member's block is read once from memory (in place when column-major, else through a small
/// column-major copy), validated and accumulated in one packet sweep. The KL scores take a
/// second look at each member's block, which is still in cache. Logs: M*C + C per item for
/// BALD and KL, C per item for consensus entropy, none for vote entropy.
template <CommitteeScore Kind, class Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> committee_score(
    std::span<const Mat> members, const char* function) {
  using Scalar = typename Mat::Scalar;
  using Buffer = Eigen::Array<Scalar, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
  using Column = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  using BlockMap = Eigen::Map<const Buffer, 0, Eigen::OuterStride<>>;
  constexpr bool kl = Kind == CommitteeScore::mean_kl || Kind == CommitteeScore::max_kl;
  constexpr bool vote = Kind == CommitteeScore::vote_entropy;
  const std::vector<std::string> names = check_committee(members, function);
  const Eigen::Index n = members[0].rows();
  const Eigen::Index c = members[0].cols();
  const auto m_count = static_cast<Eigen::Index>(members.size());
  const auto m_scalar = static_cast<Scalar>(m_count);
  const Eigen::Index block_rows = std::min(committee_block_rows(c), n);
  const Scalar tiny = std::numeric_limits<Scalar>::min();

  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> scores(n);
  Buffer copy;                   // column-major copy of a member's block (if not in place)
  Buffer sum;                    // sum of the members' probabilities, then the consensus q
  Buffer log_q;                  // ln q (KL scores)
  Buffer self;                   // sum_c p ln p per (row, member) (KL scores)
  Buffer votes;                  // vote entropy: class voted for, per (row, member)
  Column acc(block_rows);        // per-row accumulator
  Column work(block_rows);       // per-row scratch
  std::vector<Scalar> vote_term;  // -(1/M) ln(v/M) for v = 0..M members agreeing
  if constexpr (!readable_in_place<Mat>) copy.resize(block_rows, c);
  if constexpr (!vote) sum.resize(block_rows, c);
  if constexpr (kl) {
    log_q.resize(block_rows, c);
    self.resize(block_rows, m_count);
  }
  if constexpr (vote) {
    votes.resize(block_rows, m_count);
    vote_term.resize(static_cast<std::size_t>(m_count) + 1);
    for (Eigen::Index v = 1; v <= m_count; ++v) {
      vote_term[static_cast<std::size_t>(v)] =
          v == m_count ? Scalar(0) : -std::log(static_cast<Scalar>(v) / m_scalar) / m_scalar;
    }
  }

  for (Eigen::Index start = 0; start < n; start += block_rows) {
    const Eigen::Index rows = std::min(block_rows, n - start);
    // Member m's rows [start, start + rows) as a column-major block.
    const auto block_of = [&](std::size_t m) -> MemberBlock<Scalar> {
      if constexpr (readable_in_place<Mat>) {
        return {members[m].data() + start, members[m].outerStride(), rows, c};
      } else {
        copy.topRows(rows) = members[m].middleRows(start, rows).array();
        return {copy.data(), copy.rows(), rows, c};
      }
    };
    auto a = acc.head(rows);
    if constexpr (!vote) sum.topRows(rows).setZero();
    if constexpr (Kind == CommitteeScore::bald) a.setZero();

    // Pass 1: validate and accumulate each member's block.
    for (std::size_t m = 0; m < members.size(); ++m) {
      const auto mi = static_cast<Eigen::Index>(m);
      Scalar* plogp = nullptr;
      if constexpr (Kind == CommitteeScore::bald) plogp = acc.data();
      if constexpr (kl) plogp = self.col(mi).data();
      Scalar* vote_column = nullptr;
      if constexpr (vote) vote_column = votes.col(mi).data();
      if (!member_block_kernel<Kind>(block_of(m), sum.data(), sum.rows(), plogp, vote_column)) {
        // Names the member, row and column.
        labelkit::detail::check_probability_block(members[m].middleRows(start, rows), start,
                                                  function, names[m]);
      }
    }

    auto out = scores.segment(start, rows).array();
    if constexpr (vote) {
      // With n_m members agreeing with member m, the vote shares give
      // H = -sum_c (V_c/M) ln(V_c/M) = -(1/M) sum_m ln(n_m/M): one table lookup per member.
      a.setZero();
      Scalar* g = work.data();
      for (Eigen::Index m = 0; m < m_count; ++m) {
        const Scalar* v = votes.col(m).data();
        work.head(rows).setZero();
        for (Eigen::Index other = 0; other < m_count; ++other) {
          count_agreement(v, votes.col(other).data(), g, rows);
        }
        for (Eigen::Index r = 0; r < rows; ++r) {
          a(r) += vote_term[static_cast<std::size_t>(g[r])];
        }
      }
      out = a;
    } else {
      auto q = sum.topRows(rows);
      q /= m_scalar;
      auto h = work.head(rows);
      if constexpr (Kind == CommitteeScore::consensus_entropy || Kind == CommitteeScore::bald) {
        h.setZero();
        for (Eigen::Index j = 0; j < c; ++j) h -= x_log_x(q.col(j));  // H(q)
        if constexpr (Kind == CommitteeScore::consensus_entropy) {
          out = h;
        } else {
          // H(q) - (1/M) sum_m H(p_m) >= 0 by Jensen; clamp the rounding of equal members.
          out = (h + a / m_scalar).max(Scalar(0));
        }
      } else {
        // KL(p || q) = sum_c p ln p - sum_c p ln q; q > 0 wherever p > 0, and where q = 0 the
        // floored log is finite and multiplies p = 0.
        auto lq = log_q.topRows(rows);
        lq = q.max(tiny).log();
        a.setZero();  // KL >= 0, so 0 also starts the maximum
        // Pass 2: each member's block again (from cache), no logs.
        for (std::size_t m = 0; m < members.size(); ++m) {
          const MemberBlock<Scalar> b = block_of(m);
          const BlockMap p(b.data, rows, c, Eigen::OuterStride<>(b.stride));
          h.setZero();  // sum_c p ln q
          for (Eigen::Index j = 0; j < c; ++j) h += p.col(j) * lq.col(j);
          const auto divergence = self.col(static_cast<Eigen::Index>(m)).head(rows) - h;
          if constexpr (Kind == CommitteeScore::mean_kl) {
            a += divergence;
          } else {
            a = a.max(divergence);
          }
        }
        if constexpr (Kind == CommitteeScore::mean_kl) {
          out = (a / m_scalar).max(Scalar(0));  // a mean of KLs is >= 0; clamp the rounding
        } else {
          out = a;
        }
      }
    }
  }
  return scores;
}

}  // namespace detail
namespace query {

/// Vote entropy (Dagan & Engelson 1995): each member votes for its most probable class (ties to
/// the lower class); the score is the entropy of the vote shares, -sum_c (V_c/M) ln(V_c/M), in
/// nats, in [0, ln min(M, C)]. 0 when the committee is unanimous. O(M*n*C), one pass.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> vote_entropy(
    std::span<const Mat> members) {
  return detail::committee_score<detail::CommitteeScore::vote_entropy>(members, "vote_entropy");
}

/// Consensus entropy: H(q), the entropy of the members' mean probabilities (modAL's
/// consensus_entropy), in [0, ln C]. O(M*n*C), one pass.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> consensus_entropy(
    std::span<const Mat> members) {
  return detail::committee_score<detail::CommitteeScore::consensus_entropy>(members,
                                                                           "consensus_entropy");
}

/// Mean KL disagreement (McCallum & Nigam 1998): (1/M) sum_m KL(p_m || q), >= 0. It equals
/// `bald` mathematically (the mean KL to the mean is the mutual information); it is computed
/// from the KL terms directly. O(M*n*C), one pass (two looks at each cached block).
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> mean_kl_disagreement(
    std::span<const Mat> members) {
  return detail::committee_score<detail::CommitteeScore::mean_kl>(members, "mean_kl_disagreement");
}

/// Max KL disagreement: max_m KL(p_m || q), the most dissenting member's divergence from the
/// consensus (modAL's max_disagreement_sampling), >= 0. O(M*n*C), one pass.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> max_kl_disagreement(
    std::span<const Mat> members) {
  return detail::committee_score<detail::CommitteeScore::max_kl>(members, "max_kl_disagreement");
}

/// BALD (Houlsby et al. 2011): the mutual information between the label and the model,
/// H(q) - (1/M) sum_m H(p_m), estimated from M members (MC-dropout passes or an ensemble), in
/// [0, ln C]. Rounding of nearly equal members is clamped at 0. O(M*n*C), one pass.
/// @throws see the file comment.
template <detail::CommitteeMember Mat>
[[nodiscard]] Eigen::Matrix<typename Mat::Scalar, Eigen::Dynamic, 1> bald(
    std::span<const Mat> members) {
  return detail::committee_score<detail::CommitteeScore::bald>(members, "bald");
}

/// Vote entropy for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto vote_entropy(const Members& members) {
  return vote_entropy(detail::as_member_span(members));
}
/// Consensus entropy for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto consensus_entropy(const Members& members) {
  return consensus_entropy(detail::as_member_span(members));
}
/// Mean KL disagreement for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto mean_kl_disagreement(const Members& members) {
  return mean_kl_disagreement(detail::as_member_span(members));
}
/// Max KL disagreement for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto max_kl_disagreement(const Members& members) {
  return max_kl_disagreement(detail::as_member_span(members));
}
/// BALD for any contiguous range of members: `std::vector<Eigen::MatrixXd>`,
/// `std::vector<Eigen::MatrixXf>`, `std::array`, a fixed-extent or non-const span.
template <detail::CommitteeRange Members>
[[nodiscard]] auto bald(const Members& members) {
  return bald(detail::as_member_span(members));
}

}  // namespace query
namespace detail {

template <class...>
inline constexpr bool always_false_committee = false;

struct VoteEntropyScore {
  template <class Members>
  auto operator()(const Members& m) const { return query::vote_entropy(m); }
};
struct ConsensusEntropyScore {
  template <class Members>
  auto operator()(const Members& m) const { return query::consensus_entropy(m); }
};
struct MeanKlScore {
  template <class Members>
  auto operator()(const Members& m) const { return query::mean_kl_disagreement(m); }
};
struct MaxKlScore {
  template <class Members>
  auto operator()(const Members& m) const { return query::max_kl_disagreement(m); }
};
struct BaldScore {
  template <class Members>
  auto operator()(const Members& m) const { return query::bald(m); }
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
