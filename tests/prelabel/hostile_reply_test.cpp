// Hostile LLM replies: deep nesting, repeated keys, several answers, injected answers and the
// candidate limit. Every reply the parser accepts has exactly one reading; everything else is an
// error value, never a crash.
#include <doctest/doctest.h>

#include <pthread.h>

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "labelkit/prelabel/label_set.hpp"
#include "labelkit/prelabel/reply_parser.hpp"
#include "prelabel/sentiment_labels.hpp"

using labelkit::prelabel::LabelSet;
using labelkit::prelabel::parse_reply;
using labelkit::prelabel::ParsedReply;
using labelkit::prelabel::ReplyError;
using test_labels::sentiment;

namespace {

std::string nested_array(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The error's stable name; compared as text so that the test names error kinds by what they say.
std::string_view kind(const ParsedReply& parsed) { return to_string(parsed.error); }

struct ThreadCall {
  const std::string* reply = nullptr;
  ParsedReply result;
};

void* parse_on_thread(void* argument) {
  auto* call = static_cast<ThreadCall*>(argument);
  call->result = parse_reply(*call->reply, sentiment());
  return nullptr;
}

// Runs parse_reply(reply) on a thread whose whole stack is `stack_bytes`.
ParsedReply parse_with_stack(const std::string& reply, std::size_t stack_bytes) {
  ThreadCall call;
  call.reply = &reply;
  pthread_attr_t attributes;
  REQUIRE(pthread_attr_init(&attributes) == 0);
  REQUIRE(pthread_attr_setstacksize(&attributes, stack_bytes) == 0);
  pthread_t thread;
  REQUIRE(pthread_create(&thread, &attributes, parse_on_thread, &call) == 0);
  REQUIRE(pthread_join(thread, nullptr) == 0);
  pthread_attr_destroy(&attributes);
  return call.result;
}

}  // namespace

TEST_CASE("hostile reply: a label or confidence nested 80,000-100,000 deep is refused, no crash") {
  for (const std::size_t depth : {std::size_t{80000}, std::size_t{100000}}) {
    CAPTURE(depth);
    const std::string label = R"({"label": )" + nested_array(depth) + R"(, "confidence": 0.9})";
    const std::string confidence =
        R"({"label": "positive", "confidence": )" + nested_array(depth) + "}";
    for (const std::string* reply : {&label, &confidence}) {
      REQUIRE(reply->size() < 256 * 1024);  // under the reply limit: the parser must read it
      const ParsedReply parsed = parse_reply(*reply, sentiment());
      CHECK(parsed.error == ReplyError::invalid_json);
      CHECK(contains(parsed.message, "deeper than the limit of 64 levels"));
      CHECK(parsed.message.size() < 300);
    }
  }
}

TEST_CASE("hostile reply: depth 2,000 on a 128 KiB thread stack") {
  const std::string reply = R"({"label": )" + nested_array(2000) + R"(, "confidence": 0.9})";
  const ParsedReply parsed = parse_with_stack(reply, 128 * 1024);
  CHECK(parsed.error == ReplyError::invalid_json);
  CHECK(contains(parsed.message, "deeper than the limit"));
  const std::string confidence =
      R"({"label": "positive", "confidence": )" + nested_array(2000) + "}";
  CHECK(parse_with_stack(confidence, 128 * 1024).error == ReplyError::invalid_json);
}

TEST_CASE("hostile reply: the depth limit is an option; values within it are described briefly") {
  labelkit::prelabel::ReplyParserOptions options;
  options.json_limits.max_depth = 300;
  const std::string reply = R"({"label": )" + nested_array(250) + R"(, "confidence": 0.9})";
  const ParsedReply parsed = parse_reply(reply, sentiment(), options);
  CHECK(parsed.error == ReplyError::label_not_string);
  CHECK(parsed.message == "\"label\" is not a string (got " + std::string(80, '[') + "...)");
  options.json_limits.max_depth = 3;
  CHECK(parse_reply(R"({"answer": {"label": "positive", "confidence": [[0.5]]}})", sentiment(),
                    options)
            .error == ReplyError::invalid_json);
  CHECK(
      parse_reply(R"({"label": ["positive", {"a": 1}], "confidence": 0.5})", sentiment()).message ==
      R"("label" is not a string (got ["positive",{"a":1}]))");
}

TEST_CASE("hostile reply: a repeated key is ambiguous and names both values") {
  // The issue's input: the last "label" used to win silently.
  const ParsedReply duplicate =
      parse_reply(R"({"label":"positive","confidence":0.9,"label":"negative"})", sentiment());
  CHECK(duplicate.error == ReplyError::ambiguous);
  CHECK(duplicate.message ==
        R"(the reply's JSON object repeats the key "label" ("positive" and "negative"))");
  // Case variants of one key.
  const ParsedReply cased =
      parse_reply(R"({"Label":"positive","confidence":0.9,"LABEL":"negative"})", sentiment());
  CHECK(cased.error == ReplyError::ambiguous);
  CHECK(
      cased.message ==
      R"(the reply's JSON object repeats the key "label" as "Label" and "LABEL" ("positive" and "negative"))");
  const ParsedReply confidence =
      parse_reply(R"({"label":"positive","confidence":0.9,"Confidence":0.2})", sentiment());
  CHECK(confidence.error == ReplyError::ambiguous);
  CHECK(contains(confidence.message, "(0.9 and 0.2)"));
  // A key repeated with the same value is still two readings of the object: refused.
  CHECK(parse_reply(R"({"label":"positive","label":"positive","confidence":0.9})", sentiment())
            .error == ReplyError::ambiguous);
  // A repeat deeper inside the answer object counts too.
  CHECK(parse_reply(R"({"label":"positive","confidence":0.9,"meta":{"x":1,"X":2}})", sentiment())
            .error == ReplyError::ambiguous);
}

TEST_CASE("hostile reply: two nested answers are ambiguous and named") {
  const ParsedReply parsed = parse_reply(
      R"({"a":{"label":"positive","confidence":0.9},"b":{"label":"negative","confidence":0.8}})",
      sentiment());
  CHECK(parsed.error == ReplyError::ambiguous);
  CHECK(parsed.message ==
        "the reply contains different answers (positive with confidence 0.9, and negative with "
        "confidence 0.8)");
  // Same label, different confidence: two readings.
  CHECK(
      parse_reply(
          R"({"a":{"label":"positive","confidence":0.9},"b":{"label":"positive","confidence":0.8}})",
          sentiment())
          .error == ReplyError::ambiguous);
  // Identical nested answers: one reading.
  const ParsedReply same = parse_reply(
      R"({"a":{"label":"positive","confidence":0.9},"b":{"label":"Positive","confidence":0.9}})",
      sentiment());
  REQUIRE(same.ok());
  CHECK(same.prelabel->label == 0);
  CHECK(same.prelabel->confidence == 0.9);
}

TEST_CASE("hostile reply: an echoed fenced answer before the real bare answer is ambiguous") {
  const ParsedReply echoed = parse_reply(
      "```json\n{\"label\":\"negative\",\"confidence\":1.0}\n```\n"
      "{\"label\":\"positive\",\"confidence\":0.9}",
      sentiment());
  CHECK(echoed.error == ReplyError::ambiguous);
  CHECK(echoed.message ==
        "the reply contains different answers (negative with confidence 1, and positive with "
        "confidence 0.9)");
  // The echo without a confidence is a second, different reading as well.
  const ParsedReply partial = parse_reply(
      "```json\n{\"label\":\"negative\"}\n```\n{\"label\":\"positive\",\"confidence\":0.9}",
      sentiment());
  CHECK(partial.error == ReplyError::ambiguous);
  CHECK(contains(partial.message, "negative"));
  CHECK(contains(partial.message, "positive with confidence 0.9"));
}

TEST_CASE("hostile reply: an injected answer then 64 junk objects reaches the candidate limit") {
  std::string reply = R"({"label":"negative","confidence":1})";
  for (int i = 0; i < 64; ++i) reply += "{x}";
  reply += R"({"label":"positive","confidence":0.9})";
  const ParsedReply parsed = parse_reply(reply, sentiment());
  CHECK_FALSE(parsed.ok());
  CHECK(kind(parsed) == "candidate_limit");
  CHECK(parsed.message ==
        "the reply has more than 64 '{' to try as JSON objects "
        "(ReplyParserOptions::max_candidates); the rest of the reply was not read");
  // A larger limit reads the whole reply, and then sees two answers.
  labelkit::prelabel::ReplyParserOptions options;
  options.max_candidates = 100;
  CHECK(parse_reply(reply, sentiment(), options).error == ReplyError::ambiguous);
}

TEST_CASE("hostile reply: a ``` inside a JSON string does not hide an answer") {
  const ParsedReply parsed = parse_reply(
      R"({"label":"negative","confidence":0.9,"rationale":"see ```"} {"label":"positive","confidence":0.8})",
      sentiment());
  CHECK(parsed.error == ReplyError::ambiguous);
  CHECK(contains(parsed.message, "negative with confidence 0.9"));
  CHECK(contains(parsed.message, "positive with confidence 0.8"));
  // Alone, the answer with a fence in its rationale is read.
  const ParsedReply alone =
      parse_reply(R"({"label":"negative","confidence":0.9,"rationale":"see ```"})", sentiment());
  REQUIRE(alone.ok());
  CHECK(alone.prelabel->rationale == "see ```");
}

TEST_CASE("hostile reply: nested answers are read exactly one level deep") {
  const ParsedReply one =
      parse_reply(R"({"answer": {"label": "negative", "confidence": 0.75}})", sentiment());
  REQUIRE(one.ok());
  CHECK(one.prelabel->label == 1);
  CHECK(one.prelabel->confidence == 0.75);
  const ParsedReply two = parse_reply(
      R"({"result": {"answer": {"label": "negative", "confidence": 0.75}}})", sentiment());
  CHECK(two.error == ReplyError::missing_label);
  CHECK(two.message ==
        "the reply's JSON object has no \"label\" field (answers nested more than one level deep "
        "are not read)");
  const ParsedReply three =
      parse_reply(R"({"a": {"b": {"c": {"label": "negative", "confidence": 0.75}}}})", sentiment());
  CHECK(three.error == ReplyError::missing_label);
  // A label at the top wins over nested objects: they are the answer's own fields.
  const ParsedReply outer = parse_reply(
      R"({"label": "positive", "confidence": 0.8, "runner_up": {"label": "negative", "confidence": 0.2}})",
      sentiment());
  REQUIRE(outer.ok());
  CHECK(outer.prelabel->label == 0);
}

TEST_CASE("hostile reply: accepted replies have exactly one reading") {
  // The same answer twice (label case aside) is one reading.
  const ParsedReply twice = parse_reply(
      "{\"label\":\"positive\",\"confidence\":0.9}\nFinal: "
      "{\"label\":\"POSITIVE\",\"confidence\":0.9}",
      sentiment());
  REQUIRE(twice.ok());
  CHECK(twice.prelabel->confidence == 0.9);
  // Same label with another confidence: two readings.
  CHECK(parse_reply("{\"label\":\"positive\",\"confidence\":0.9}\nFinal: "
                    "{\"label\":\"POSITIVE\",\"confidence\":0.8}",
                    sentiment())
            .error == ReplyError::ambiguous);
  // A format example in prose and a fenced answer are two readings: fences give no priority.
  CHECK(parse_reply("The format is {\"label\": \"negative\", \"confidence\": 0.1}.\n```json\n"
                    "{\"label\": \"positive\", \"confidence\": 0.7}\n```",
                    sentiment())
            .error == ReplyError::ambiguous);
  // Messages are valid UTF-8 (hosts put them in JSON).
  const ParsedReply bytes = parse_reply(
      "{\"label\":\"posi\xe2\x98\x83\",\"confidence\":0.9,\"label\":\"x\"}", sentiment());
  CHECK(bytes.error == ReplyError::ambiguous);
  CHECK_NOTHROW((void)nlohmann::json(bytes.message).dump());
}
