#pragma once
/// @file
/// Span aggregation (named-entity recognition): several annotators' spans on a text become one
/// set of spans by converting every annotator's spans to BIO tags, one per token, aggregating
/// each token's tags with labelkit's categorical aggregators (majority vote, Dawid–Skene,
/// one-coin Dawid–Skene), and decoding the aggregated tags back to spans.
///
///   std::vector<labelkit::SpanAnnotation> spans = ...;               // item, annotator, [start,
///   end), label auto r = quality::aggregate_spans(spans, 2);                      // character
///   level, majority vote quality::SpanAggregationOptions o; o.tokens = {{0, {{0, 4}, {5, 9}, {10,
///   16}}}};                      // item 0's tokens o.aggregator =
///   quality::TagAggregator::dawid_skene; for (const auto& s : quality::aggregate_spans(spans, 2,
///   o).spans) { ... }

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "labelkit/config.hpp"
#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/index.hpp"
#include "labelkit/core/limits.hpp"
#include "labelkit/core/regions.hpp"
#include "labelkit/quality/aggregation.hpp"
#include "labelkit/quality/dawid_skene.hpp"
#include "labelkit/quality/majority_vote.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace quality {

/// Which tokens a span covers when its offsets do not fall on token boundaries.
enum class SpanAlignment {
  expand,    ///< Every token that shares at least one character with the span (spaCy's "expand").
  contract,  ///< Only the tokens wholly inside the span (spaCy's "contract").
  strict,    ///< The span must start at a token's start and end at a token's end, or it throws.
};

/// The categorical aggregator run over the per-token tags.
enum class TagAggregator {
  majority_vote,         ///< quality::majority_vote (ties to the lower tag: O first).
  dawid_skene,           ///< quality::dawid_skene with SpanAggregationOptions::dawid_skene.
  one_coin_dawid_skene,  ///< quality::one_coin_dawid_skene, same options.
};

/// A token of an item's text: characters [start, end).
struct TokenOffsets {
  Index start;  ///< First character, >= 0.
  Index end;    ///< One past the last character, > start.
};

/// The tokens of one item, in text order, not overlapping.
struct ItemTokens {
  Index item;                        ///< Item id.
  std::vector<TokenOffsets> tokens;  ///< Ascending, non-overlapping (gaps allowed).
};

/// Options of span_tags() and aggregate_spans().
struct SpanAggregationOptions {
  /// The tokens of each item. Empty: character level, item i's tokens are its characters
  /// [c, c + 1) for c < the largest span end on item i. Otherwise every item with a span must be
  /// listed, at most once.
  std::vector<ItemTokens> tokens = {};
  SpanAlignment alignment = SpanAlignment::expand;          ///< How spans map to tokens.
  TagAggregator aggregator = TagAggregator::majority_vote;  ///< Aggregator over the tags.
  DawidSkeneOptions dawid_skene = {};  ///< Options of the Dawid–Skene aggregators (gold ignored).
  /// Who read which item (see labelkit::AnnotatedItem); a reader who marked no span tags all the
  /// item's tokens O. Empty: every annotator of `spans` read every item of `spans`.
  std::vector<AnnotatedItem> annotated = {};
};

/// One token row of the tag table: token [start, end) of item `item`.
struct TokenRow {
  Index item;   ///< Item id.
  Index start;  ///< First character.
  Index end;    ///< One past the last character.

  /// Member-wise equality.
  friend bool operator==(const TokenRow&, const TokenRow&) = default;
};

/// The BIO tags of every reader on every token, as categorical answers: Annotation::item is a
/// row of `tokens`, Annotation::label a tag (see bio_tag()).
struct SpanTags {
  std::vector<TokenRow> tokens;     ///< Token rows, by item ascending, then text order.
  std::vector<Annotation> answers;  ///< One answer per (reader of the item, token of the item).
  Index dropped_spans = 0;          ///< Spans that covered no token (beyond the text, or contract).
  int n_tags = 0;                   ///< 2 · n_labels + 1.
};

/// One aggregated span.
struct AggregatedSpan {
  Index item;   ///< Item id.
  Index start;  ///< Start of its first token.
  Index end;    ///< End of its last token.
  int label;    ///< Entity type in [0, n_labels).
  /// Mean over its tokens of the aggregated posterior of the tag chosen (in [0, 1]).
  double confidence;

  /// Member-wise equality.
  friend bool operator==(const AggregatedSpan&, const AggregatedSpan&) = default;
};

/// Result of aggregate_spans().
struct SpanAggregationResult {
  /// The aggregated spans, by item ascending, then start.
  std::vector<AggregatedSpan> spans;
  std::vector<TokenRow> tokens;  ///< Row r of `tags` is token tokens[r].
  /// The token-level aggregation: `tags.items[r]` = r, posterior over the 2·n_labels + 1 tags
  /// (O = 0, B-k = 1 + 2k, I-k = 2 + 2k), labels = the aggregated tags, annotators.
  Aggregation tags;
  /// Dawid–Skene's confusion matrices over tags (ascending annotator id); empty for majority vote.
  std::vector<Eigen::MatrixXd> confusion;
  Index dropped_spans = 0;  ///< Input spans that covered no token.
};

/// The BIO tag of label `label`: 1 + 2·label for its first token (B), 2 + 2·label for the others
/// (I); tag 0 is O (outside every span).
[[nodiscard]] constexpr int bio_tag(int label, bool first_token) noexcept {
  return first_token ? 1 + 2 * label : 2 + 2 * label;
}

}  // namespace quality
namespace detail {

/// Validates `options.tokens` and returns, per item with tokens, its index in the list, sorted
/// by item id.
template <class = void>
std::vector<std::pair<Index, std::size_t>> index_item_tokens(
    const std::vector<quality::ItemTokens>& tokens, std::string_view function) {
  std::vector<std::pair<Index, std::size_t>> index;
  index.reserve(tokens.size());
  for (std::size_t r = 0; r < tokens.size(); ++r) {
    const auto& t = tokens[r].tokens;
    if (tokens[r].item < 0) {
      fail(function, "'options.tokens' entry ", r, " has a negative item id (got ", tokens[r].item,
           ")");
    }
    for (std::size_t k = 0; k < t.size(); ++k) {
      if (t[k].start < 0 || t[k].end <= t[k].start || (k > 0 && t[k].start < t[k - 1].end)) {
        fail(function, "'options.tokens' entry ", r, " (item ", tokens[r].item, ") token ", k,
             " has offsets [", t[k].start, ", ", t[k].end,
             ") (expected 0 <= start < end, after the previous token's end)");
      }
    }
    index.emplace_back(tokens[r].item, r);
  }
  std::sort(index.begin(), index.end());
  for (std::size_t r = 1; r < index.size(); ++r) {
    if (index[r].first == index[r - 1].first) {
      fail(function, "'options.tokens' lists item ", index[r].first, " twice");
    }
  }
  return index;
}

}  // namespace detail
namespace quality {

/// Converts spans to per-token BIO tags, one categorical answer per (reader, token).
///
/// Rules: item i's tokens are `options.tokens` (or its characters, see
/// SpanAggregationOptions::tokens). A span covers the tokens chosen by `options.alignment`; its
/// first covered token gets B-label, the others I-label; a reader's tokens covered by none of
/// their spans get O. Every reader of the item (see `options.annotated`) answers every token of
/// it. A span covering no token is dropped and counted. Two spans of one annotator that cover a
/// common token cannot be written in BIO and throw (flatten nested entities first).
///
/// Complexity O(N log N + T·R + N·t) for N spans, T tokens, R readers per item and t tokens per
/// span (a binary search per span).
/// @throws labelkit::invalid_argument as span_agreement() for the spans, if 2·n_labels + 1 >
///   labelkit::max_classes, a token list is invalid (offsets, order, an item listed twice), an
///   item with a span has no token list, a span is not on token boundaries under
///   SpanAlignment::strict, two spans of one annotator share a token (naming the record), or a
///   table would exceed labelkit::max_allocation_bytes.
template <class = void>
SpanTags span_tags(std::span<const SpanAnnotation> spans, int n_labels,
                   const SpanAggregationOptions& options = {}) {
  constexpr const char* function = "span_tags";
  detail::check_spans(spans, n_labels, function);
  detail::check_class_count(2 * static_cast<long long>(n_labels) + 1, function,
                            "2 * n_labels + 1 (the BIO tag count)");
  const auto readers = detail::region_readers(spans, options.annotated, function);
  const auto token_index = detail::index_item_tokens(options.tokens, function);
  const bool char_level = options.tokens.empty();
  // Span record indices sorted by (item, annotator, start, end, label, record).
  std::vector<std::size_t> order(spans.size());
  for (std::size_t r = 0; r < order.size(); ++r) order[r] = r;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const SpanAnnotation& a = spans[x];
    const SpanAnnotation& b = spans[y];
    if (a.item != b.item) return a.item < b.item;
    if (a.annotator != b.annotator) return a.annotator < b.annotator;
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    if (a.label != b.label) return a.label < b.label;
    return x < y;
  });
  SpanTags out;
  out.n_tags = 2 * n_labels + 1;
  std::vector<TokenOffsets> chars;
  std::vector<int> tags;
  std::size_t s = 0;  // position in order
  for (std::size_t r = 0; r < readers.size();) {
    const Index item = readers[r].item;
    std::size_t e = r;
    while (e < readers.size() && readers[e].item == item) ++e;
    // The item's spans are order[s .. s_end).
    while (s < order.size() && spans[order[s]].item < item) ++s;
    std::size_t s_end = s;
    while (s_end < order.size() && spans[order[s_end]].item == item) ++s_end;
    const std::vector<TokenOffsets>* toks = nullptr;
    if (char_level) {
      Index length = 0;
      for (std::size_t q = s; q < s_end; ++q) length = std::max(length, spans[order[q]].end);
      detail::check_allocation({static_cast<std::size_t>(length), e - r}, sizeof(Annotation),
                               function, "the character-level tag answers");
      chars.clear();
      for (Index c = 0; c < length; ++c) chars.push_back({c, c + 1});
      toks = &chars;
    } else {
      const auto it = std::lower_bound(token_index.begin(), token_index.end(),
                                       std::pair<Index, std::size_t>{item, 0});
      if (it != token_index.end() && it->first == item) {
        toks = &options.tokens[it->second].tokens;
      } else if (s_end > s) {
        detail::fail(function, "'spans' record ", order[s], " is on item ", item,
                     " which has no entry in 'options.tokens'");
      }
    }
    const std::size_t n_tokens = toks ? toks->size() : 0;
    detail::check_allocation({out.answers.size() + n_tokens * (e - r)}, sizeof(Annotation),
                             function, "the tag answers");
    const auto first_row = static_cast<Index>(out.tokens.size());
    for (std::size_t k = 0; k < n_tokens; ++k) {
      out.tokens.push_back({item, (*toks)[k].start, (*toks)[k].end});
    }
    std::size_t q = s;
    for (std::size_t rr = r; rr < e; ++rr) {
      const Index annotator = readers[rr].annotator;
      tags.assign(n_tokens, 0);
      std::vector<std::size_t> owner(n_tokens, 0);
      while (q < s_end && spans[order[q]].annotator < annotator) ++q;
      for (; q < s_end && spans[order[q]].annotator == annotator; ++q) {
        const std::size_t record = order[q];
        const SpanAnnotation& sp = spans[record];
        // First token ending after sp.start, then every token starting before sp.end.
        auto lo = std::partition_point(toks->begin(), toks->end(),
                                       [&](const TokenOffsets& t) { return t.end <= sp.start; });
        auto hi = std::partition_point(lo, toks->end(),
                                       [&](const TokenOffsets& t) { return t.start < sp.end; });
        if (options.alignment == SpanAlignment::strict &&
            (lo == hi || lo->start != sp.start || (hi - 1)->end != sp.end)) {
          detail::fail(function, "'spans' record ", record, " [", sp.start, ", ", sp.end,
                       ") does not start and end on token boundaries of item ", item,
                       " (SpanAlignment::strict)");
        }
        if (options.alignment == SpanAlignment::contract) {
          if (lo != hi && lo->start < sp.start) ++lo;
          if (lo != hi && (hi - 1)->end > sp.end) --hi;
        }
        if (lo >= hi) {
          ++out.dropped_spans;
          continue;
        }
        const auto k0 = static_cast<std::size_t>(lo - toks->begin());
        const auto k1 = static_cast<std::size_t>(hi - toks->begin());
        for (std::size_t k = k0; k < k1; ++k) {
          if (tags[k] != 0) {
            detail::fail(function, "'spans' records ", owner[k], " and ", record, " of annotator ",
                         annotator, " on item ", item,
                         " cover a common token (BIO tags cannot nest; flatten first)");
          }
          tags[k] = bio_tag(sp.label, k == k0);
          owner[k] = record;
        }
      }
      for (std::size_t k = 0; k < n_tokens; ++k) {
        out.answers.push_back({first_row + static_cast<Index>(k), annotator, tags[k]});
      }
    }
    s = s_end;
    r = e;
  }
  return out;
}

/// Decodes BIO tags to spans. `tags[r]` is the tag of token `tokens[r]`; tokens of one item
/// are consecutive rows in text order. B-k opens a span of label k; I-k continues the open span
/// if it has label k, otherwise opens one (the lenient reading of conlleval, the CoNLL-2000
/// shared task's evaluation script, and seqeval's default mode); O closes it. A span runs from
/// its first token's start to its last token's end. `confidence` is the mean of
/// `tag_confidence[r]` over its tokens (1 when `tag_confidence` is empty).
///
/// Complexity O(T) for T tokens.
/// @throws labelkit::invalid_argument if the sizes differ or a tag is outside [0, 2·n_labels].
template <class = void>
inline std::vector<AggregatedSpan> bio_spans(std::span<const TokenRow> tokens,
                                             std::span<const int> tags, int n_labels,
                                             std::span<const double> tag_confidence = {}) {
  constexpr const char* function = "bio_spans";
  if (tags.size() != tokens.size() ||
      (!tag_confidence.empty() && tag_confidence.size() != tokens.size())) {
    detail::fail<dimension_mismatch>(function, "'tags' has ", tags.size(), " and 'tag_confidence' ",
                                     tag_confidence.size(), " entries for ", tokens.size(),
                                     " tokens (expected one per token)");
  }
  std::vector<AggregatedSpan> out;
  bool open = false;
  double sum = 0;
  Index count = 0;
  const auto close = [&] {
    if (open) out.back().confidence = sum / static_cast<double>(count);
    open = false;
  };
  for (std::size_t r = 0; r < tokens.size(); ++r) {
    const int tag = tags[r];
    if (tag < 0 || tag > 2 * static_cast<long long>(n_labels)) {
      detail::fail(function, "'tags' entry ", r, " is ", tag,
                   " (expected 0 <= tag <= ", 2 * static_cast<long long>(n_labels), ")");
    }
    const double c = tag_confidence.empty() ? 1.0 : tag_confidence[r];
    const bool same_item = r > 0 && tokens[r].item == tokens[r - 1].item;
    if (!same_item) close();
    if (tag == 0) {
      close();
      continue;
    }
    const int label = (tag - 1) / 2;
    const bool inside = tag % 2 == 0;
    if (inside && open && out.back().label == label) {
      out.back().end = tokens[r].end;
      sum += c;
      ++count;
      continue;
    }
    close();
    out.push_back({tokens[r].item, tokens[r].start, tokens[r].end, label, 0.0});
    open = true;
    sum = c;
    count = 1;
  }
  close();
  return out;
}

/// Aggregates several annotators' spans into one set of spans per item: span_tags() converts
/// the spans to BIO tags per token, `options.aggregator` aggregates each token's tags as
/// categorical answers (tags are classes; the existing majority_vote / dawid_skene /
/// one_coin_dawid_skene run unchanged), and bio_spans() decodes the aggregated tags, with each
/// span's confidence the mean posterior of its tokens' chosen tags. Token-level aggregation of
/// sequence labels follows Nguyen et al. 2017 ("Aggregating and predicting sequence labels from
/// crowd annotations", ACL) and Rodrigues, Pereira & Ribeiro 2014 (crowd NER), minus their
/// sequence models: tokens are aggregated independently.
///
/// Complexity: span_tags(), then the aggregator on T·R answers over 2·n_labels + 1 classes.
/// @throws as span_tags(), and as the aggregator for its options.
template <class Scalar = double>
[[nodiscard]] SpanAggregationResult aggregate_spans(std::span<const SpanAnnotation> spans,
                                                    int n_labels,
                                                    const SpanAggregationOptions& options = {}) {
  SpanTags t = span_tags(spans, n_labels, options);
  SpanAggregationResult result;
  result.dropped_spans = t.dropped_spans;
  result.tokens = std::move(t.tokens);
  if (t.answers.empty()) {
    result.tags.posterior.resize(0, t.n_tags);
    return result;
  }
  switch (options.aggregator) {
    case TagAggregator::majority_vote: {
      auto mv = majority_vote<Scalar>(t.answers, t.n_tags);
      result.tags = std::move(static_cast<Aggregation&>(mv));
      break;
    }
    case TagAggregator::dawid_skene:
    case TagAggregator::one_coin_dawid_skene: {
      DawidSkeneOptions ds = options.dawid_skene;
      ds.gold.clear();
      auto r = options.aggregator == TagAggregator::dawid_skene
                   ? dawid_skene<Scalar>(t.answers, t.n_tags, std::move(ds))
                   : one_coin_dawid_skene<Scalar>(t.answers, t.n_tags, std::move(ds));
      result.confusion = std::move(r.confusion);
      result.tags = std::move(static_cast<Aggregation&>(r));
      break;
    }
  }
  // Every token row has at least one answer, so tags.items is 0 .. T-1.
  std::vector<double> confidence(result.tags.labels.size());
  for (std::size_t r = 0; r < confidence.size(); ++r) {
    confidence[r] = result.tags.posterior(static_cast<Eigen::Index>(r), result.tags.labels[r]);
  }
  result.spans = bio_spans(result.tokens, result.tags.labels, n_labels, confidence);
  return result;
}

}  // namespace quality
LABELKIT_END_NAMESPACE
