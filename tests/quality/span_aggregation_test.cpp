#include <doctest/doctest.h>

#include <vector>

#include "labelkit/core/annotation.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/core/regions.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/quality/span_aggregation.hpp"

using labelkit::Annotation;
using labelkit::SpanAnnotation;
using labelkit::quality::aggregate_spans;
using labelkit::quality::AggregatedSpan;
using labelkit::quality::bio_spans;
using labelkit::quality::span_tags;
using labelkit::quality::SpanAggregationOptions;
using labelkit::quality::SpanAlignment;
using labelkit::quality::TagAggregator;
using labelkit::quality::TokenRow;

namespace {

// "John lives in New York": John [0,4) lives [5,10) in [11,13) New [14,17) York [18,22).
// Labels PER = 0, LOC = 1; tags O = 0, B-PER = 1, I-PER = 2, B-LOC = 3, I-LOC = 4.
//   annotator 1: John PER, "New York" LOC  -> tags 1 0 0 3 4
//   annotator 2: John PER, "New" LOC       -> tags 1 0 0 3 0
//   annotator 3: "New York" LOC            -> tags 0 0 0 3 4
// Majority per token: B-PER (2/3), O, O, B-LOC (3/3), I-LOC (2/3) -> spans
//   [0,4) PER with confidence 2/3, [14,22) LOC with confidence (1 + 2/3) / 2 = 5/6.
SpanAggregationOptions spanagg_tokens() {
  SpanAggregationOptions o;
  o.tokens = {{7, {{0, 4}, {5, 10}, {11, 13}, {14, 17}, {18, 22}}}};
  return o;
}
std::vector<SpanAnnotation> spanagg_example() {
  return {
      {7, 1, 0, 4, 0}, {7, 1, 14, 22, 1}, {7, 2, 0, 4, 0}, {7, 2, 14, 17, 1}, {7, 3, 14, 22, 1}};
}

}  // namespace

TEST_CASE("span_tags writes one BIO tag per reader and token, by the documented rules") {
  const auto t = span_tags(spanagg_example(), 2, spanagg_tokens());
  CHECK(t.n_tags == 5);
  REQUIRE(t.tokens.size() == 5);
  CHECK(t.tokens[3] == TokenRow{7, 14, 17});
  const std::vector<Annotation> expected = {
      {0, 1, 1}, {1, 1, 0}, {2, 1, 0}, {3, 1, 3}, {4, 1, 4},  //
      {0, 2, 1}, {1, 2, 0}, {2, 2, 0}, {3, 2, 3}, {4, 2, 0},  //
      {0, 3, 0}, {1, 3, 0}, {2, 3, 0}, {3, 3, 3}, {4, 3, 4}};
  CHECK(t.answers == expected);
  CHECK(t.dropped_spans == 0);
}

TEST_CASE("aggregate_spans by majority vote: the hand-worked example") {
  const auto r = aggregate_spans(spanagg_example(), 2, spanagg_tokens());
  REQUIRE(r.spans.size() == 2);
  CHECK(r.spans[0].item == 7);
  CHECK(r.spans[0].start == 0);
  CHECK(r.spans[0].end == 4);
  CHECK(r.spans[0].label == 0);
  CHECK(r.spans[0].confidence == doctest::Approx(2.0 / 3).epsilon(1e-15));
  CHECK(r.spans[1].start == 14);
  CHECK(r.spans[1].end == 22);
  CHECK(r.spans[1].label == 1);
  CHECK(r.spans[1].confidence == doctest::Approx(5.0 / 6).epsilon(1e-15));
  CHECK(r.tags.labels == std::vector<int>{1, 0, 0, 3, 4});
  CHECK(r.confusion.empty());
  // The token level is exactly labelkit's majority vote on the tag answers.
  const auto t = span_tags(spanagg_example(), 2, spanagg_tokens());
  const auto mv = labelkit::quality::majority_vote(t.answers, t.n_tags);
  CHECK(mv.labels == r.tags.labels);
  CHECK(mv.posterior == r.tags.posterior);
}

TEST_CASE("aggregate_spans: a reader who marked nothing votes O on every token") {
  auto o = spanagg_tokens();
  o.annotated = {{7, 1}, {7, 2}, {7, 3}, {7, 4}, {7, 5}};
  // Five readers: John has 2 PER votes of 5 -> O; New 3 of 5 -> B-LOC; York 2 of 5 -> O.
  const auto r = aggregate_spans(spanagg_example(), 2, o);
  REQUIRE(r.spans.size() == 1);
  CHECK(r.spans[0].start == 14);
  CHECK(r.spans[0].end == 17);
  CHECK(r.spans[0].confidence == doctest::Approx(0.6).epsilon(1e-15));
}

TEST_CASE("aggregate_spans at character level, and the three alignments") {
  // No tokens: characters. Annotators 1, 2 mark [0,3), annotator 3 marks [0,4): char 3 -> O.
  const std::vector<SpanAnnotation> s = {{0, 1, 0, 3, 0}, {0, 2, 0, 3, 0}, {0, 3, 0, 4, 0}};
  const auto r = aggregate_spans(s, 1);
  REQUIRE(r.tokens.size() == 4);
  REQUIRE(r.spans.size() == 1);
  CHECK(r.spans[0] == AggregatedSpan{0, 0, 3, 0, 1.0});

  // Tokens [0,4) [5,9): span [1,7) covers parts of both.
  SpanAggregationOptions o;
  o.tokens = {{0, {{0, 4}, {5, 9}}}};
  const std::vector<SpanAnnotation> mid = {{0, 1, 1, 7, 0}};
  auto e = aggregate_spans(mid, 1, o);
  REQUIRE(e.spans.size() == 1);
  CHECK(e.spans[0].start == 0);
  CHECK(e.spans[0].end == 9);
  o.alignment = SpanAlignment::contract;
  const auto c = aggregate_spans(mid, 1, o);
  CHECK(c.spans.empty());
  CHECK(c.dropped_spans == 1);
  o.alignment = SpanAlignment::strict;
  CHECK_THROWS_AS(aggregate_spans(mid, 1, o), labelkit::invalid_argument);
  const std::vector<SpanAnnotation> aligned = {{0, 1, 5, 9, 0}};
  CHECK(aggregate_spans(aligned, 1, o).spans.size() == 1);
  // A span in the gap between tokens covers none: dropped (expand), refused (strict).
  o.alignment = SpanAlignment::expand;
  const std::vector<SpanAnnotation> gap = {{0, 1, 4, 5, 0}};
  CHECK(aggregate_spans(gap, 1, o).dropped_spans == 1);
}

TEST_CASE("bio_spans decodes leniently: I after O or another label opens a span") {
  const std::vector<TokenRow> tokens = {{0, 0, 1}, {0, 2, 3}, {0, 4, 5}, {0, 6, 7},
                                        {0, 8, 9}, {1, 0, 1}, {1, 2, 3}};
  // I-PER I-PER O B-LOC I-PER | I-LOC I-LOC (a new item closes the span)
  const std::vector<int> tags = {2, 2, 0, 3, 2, 4, 4};
  const auto s = bio_spans(tokens, tags, 2);
  REQUIRE(s.size() == 4);
  CHECK(s[0] == AggregatedSpan{0, 0, 3, 0, 1.0});
  CHECK(s[1] == AggregatedSpan{0, 6, 7, 1, 1.0});
  CHECK(s[2] == AggregatedSpan{0, 8, 9, 0, 1.0});
  CHECK(s[3] == AggregatedSpan{1, 0, 3, 1, 1.0});
  const std::vector<int> bad = {0, 0, 0, 0, 0, 0, 5};
  CHECK_THROWS_AS(bio_spans(tokens, bad, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(bio_spans(tokens, std::vector<int>{0}, 2), labelkit::dimension_mismatch);
}

TEST_CASE("aggregate_spans with Dawid-Skene reuses dawid_skene over the tags") {
  auto o = spanagg_tokens();
  o.aggregator = TagAggregator::dawid_skene;
  const auto r = aggregate_spans(spanagg_example(), 2, o);
  REQUIRE(r.confusion.size() == 3);
  CHECK(r.confusion[0].rows() == 5);
  const auto t = span_tags(spanagg_example(), 2, o);
  const auto ds = labelkit::quality::dawid_skene(t.answers, t.n_tags, o.dawid_skene);
  CHECK(ds.labels == r.tags.labels);
  CHECK(ds.posterior == r.tags.posterior);
  std::vector<double> conf;
  for (std::size_t k = 0; k < ds.labels.size(); ++k) {
    conf.push_back(ds.posterior(static_cast<Eigen::Index>(k), ds.labels[k]));
  }
  CHECK(r.spans == bio_spans(t.tokens, ds.labels, 2, conf));
  o.aggregator = TagAggregator::one_coin_dawid_skene;
  CHECK(aggregate_spans(spanagg_example(), 2, o).confusion.size() == 3);
}

TEST_CASE("aggregate_spans: no spans and no readers give an empty result") {
  const std::vector<SpanAnnotation> none;
  const auto r = aggregate_spans(none, 2);
  CHECK(r.spans.empty());
  CHECK(r.tokens.empty());
  CHECK(r.tags.posterior.cols() == 5);
}

TEST_CASE("span_tags refuses hostile spans and token lists, naming the record") {
  using V = std::vector<SpanAnnotation>;
  // One annotator's overlapping spans cannot be BIO tags.
  CHECK_THROWS_WITH_AS(span_tags(V{{0, 1, 0, 5, 0}, {0, 1, 3, 8, 1}}, 2),
                       "labelkit: span_tags(): 'spans' records 0 and 1 of annotator 1 on item 0 "
                       "cover a common token (BIO tags cannot nest; flatten first)",
                       labelkit::invalid_argument);
  CHECK_THROWS_AS(span_tags(V{{0, 1, 7, 3, 0}}, 2), labelkit::invalid_argument);
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 40000), labelkit::invalid_argument);
  // A character-level table from an absurd offset is refused before it is allocated.
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, labelkit::Index{1} << 60, 0}}, 2),
                  labelkit::invalid_argument);
  SpanAggregationOptions o;
  o.tokens = {{0, {{0, 4}, {3, 6}}}};  // overlapping tokens
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  o.tokens = {{0, {{0, 4}}}, {0, {{0, 4}}}};  // item listed twice
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  o.tokens = {{1, {{0, 4}}}};  // item 0 has no tokens
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  o.tokens = {{0, {{-2, 4}}}};
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
  o.tokens = {{-1, {{0, 4}}}};
  CHECK_THROWS_AS(span_tags(V{{0, 1, 0, 3, 0}}, 2, o), labelkit::invalid_argument);
}

TEST_CASE("aggregate_spans: majority ties go to the lower tag, so O beats any entity") {
  // Two readers of "ab cd": annotator 1 marks "ab" PER, annotator 2 marks "ab" LOC and "cd"
  // PER. Token "ab": B-PER (1) vs B-LOC (3) -> B-PER; token "cd": O (0) vs B-PER (1) -> O.
  SpanAggregationOptions o;
  o.tokens = {{0, {{0, 2}, {3, 5}}}};
  const std::vector<SpanAnnotation> s = {{0, 1, 0, 2, 0}, {0, 2, 0, 2, 1}, {0, 2, 3, 5, 0}};
  const auto r = aggregate_spans(s, 2, o);
  CHECK(r.tags.labels == std::vector<int>{1, 0});
  REQUIRE(r.spans.size() == 1);
  CHECK(r.spans[0] == AggregatedSpan{0, 0, 2, 0, 0.5});
}
