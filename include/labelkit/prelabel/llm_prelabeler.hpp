#pragma once
/// @file
/// `LlmPreLabeler`: a PreLabeler over texts that builds a prompt per item, hands it to a
/// host-supplied completion function (the host's LLM client: HTTP, local model, a cache, a
/// canned stand-in) and parses the reply. labelkit itself does no I/O.

#include <exception>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "labelkit/config.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/label_set.hpp"
#include "labelkit/prelabel/prelabeler.hpp"
#include "labelkit/prelabel/prompt.hpp"
#include "labelkit/prelabel/reply_parser.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace prelabel {

/// Labels texts with an LLM reached through `complete(prompt) -> reply text`.
///
/// For each item: `build_prompt(labels, item, options)`, `complete(prompt)`,
/// `parse_reply(reply, labels)`. A reply that does not parse gives a PreLabel whose `failure`
/// says why ("unparseable reply (unknown_label): ..."), so the runner retries that item alone
/// and finally reports it failed; the rest of the batch is kept. An exception (derived from
/// std::exception) thrown by `complete` for one item — a network error, a timeout — is handled
/// the same way ("complete() threw: ..."), so one flaky call does not fail its batch-mates;
/// other exceptions propagate and fail the batch.
///
/// Thread safety: the adapter's own state is immutable after construction; concurrent calls are
/// safe when `complete` is safe to call concurrently.
class LlmPreLabeler final : public PreLabeler<std::string> {
 public:
  /// The host's LLM call: the prompt in, the reply text out.
  using Complete = std::function<std::string(const Prompt&)>;

  /// A constructor template whose parameter is always the default, so that the prompt builder
  /// and the reply parser are compiled only in translation units that construct an
  /// LlmPreLabeler, not in every one that includes this header.
  /// @tparam Json the JSON type of the prompts and of the reply parser (nlohmann::json).
  /// @throws labelkit::invalid_argument if `complete` is empty.
  template <class Json = nlohmann::json>
  LlmPreLabeler(LabelSet labels, Complete complete, PromptOptions options = {},
                ReplyParserOptions parser_options = {})
      : labels_(std::move(labels)),
        complete_(std::move(complete)),
        options_(std::move(options)),
        parser_options_(parser_options),
        label_batch_(&LlmPreLabeler::label_batch_with<Json>) {
    if (!complete_) labelkit::detail::fail("LlmPreLabeler", "'complete' is empty");
  }

  /// The label set replies are parsed against.
  [[nodiscard]] const LabelSet& labels() const noexcept { return labels_; }

  std::vector<PreLabel> label_batch(std::span<const std::string> items) override {
    return label_batch_(*this, items);
  }

 private:
  LabelSet labels_;
  Complete complete_;
  PromptOptions options_;
  ReplyParserOptions parser_options_;
  std::vector<PreLabel> (*label_batch_)(const LlmPreLabeler&, std::span<const std::string>);

  // The body of label_batch, for the JSON type chosen at construction.
  template <class Json>
  static std::vector<PreLabel> label_batch_with(const LlmPreLabeler& self,
                                                std::span<const std::string> items) {
    std::vector<PreLabel> out;
    out.reserve(items.size());
    const std::string system = system_message<Json>(self.labels_, self.options_);
    for (const std::string& item : items) {
      std::string reply;
      try {
        reply = self.complete_(Prompt{system, user_message<Json>(item)});
      } catch (const std::exception& e) {
        PreLabel failed;
        failed.failure = labelkit::detail::concat("complete() threw: ", e.what());
        out.push_back(std::move(failed));
        continue;
      }
      ParsedReply parsed = parse_reply<Json>(reply, self.labels_, self.parser_options_);
      if (parsed.ok()) {
        out.push_back(std::move(*parsed.prelabel));
      } else {
        PreLabel failed;
        failed.failure = labelkit::detail::concat("unparseable reply (", to_string(parsed.error),
                                                  "): ", parsed.message);
        out.push_back(std::move(failed));
      }
    }
    return out;
  }
};

}  // namespace prelabel
LABELKIT_END_NAMESPACE
