// libFuzzer target for labelkit::prelabel::parse_reply: any byte string must give either a
// valid PreLabel with exactly one reading or a parse-error value with a short message — never an
// exception, a crash, undefined behaviour or a hang. One reading: an accepted reply reads the same
// when the parser may try more candidates, and the same twice over (an identical second answer
// adds no reading). The first input byte picks one of a few label sets so that unicode and
// whitespace-laden names are exercised too.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "labelkit/prelabel/label_set.hpp"
#include "labelkit/prelabel/prompt.hpp"
#include "labelkit/prelabel/reply_parser.hpp"

namespace {

const labelkit::prelabel::LabelSet& label_set(unsigned which) {
  static const labelkit::prelabel::LabelSet sets[] = {
      labelkit::prelabel::LabelSet{"positive", "negative", "Mixed Feelings"},
      labelkit::prelabel::LabelSet{"Café", "猫", "Ünïcode Label", "x"},
      labelkit::prelabel::LabelSet{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
  };
  return sets[which % 3];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& labels = label_set(data[0]);
  const std::string_view reply(reinterpret_cast<const char*>(data + 1), size - 1);
  labelkit::prelabel::ParsedReply parsed;
  try {
    parsed = labelkit::prelabel::parse_reply(reply, labels);
  } catch (...) {
    std::abort();  // the parser must never throw
  }
  if (parsed.ok()) {
    const auto& p = *parsed.prelabel;
    if (p.label < 0 || p.label >= labels.size()) std::abort();
    if (!(p.confidence >= 0.0 && p.confidence <= 1.0)) std::abort();
    if (parsed.error != labelkit::prelabel::ReplyError::none || !parsed.message.empty()) {
      std::abort();
    }
    // Reading the whole reply with a larger candidate limit finds no second reading.
    labelkit::prelabel::ReplyParserOptions wide;
    wide.max_candidates = 4096;
    const auto again = labelkit::prelabel::parse_reply(reply, labels, wide);
    if (!again.ok() || again.prelabel->label != p.label ||
        again.prelabel->confidence != p.confidence) {
      std::abort();
    }
  } else {
    if (parsed.error == labelkit::prelabel::ReplyError::none || parsed.message.empty() ||
        parsed.message.size() > 1024) {
      std::abort();
    }
    // Messages are valid UTF-8: the strict dump throws otherwise.
    try {
      (void)nlohmann::json(parsed.message).dump();
    } catch (...) {
      std::abort();
    }
  }
  // The prompt builder takes the same bytes as an item: the user message must parse back.
  const std::string user = labelkit::prelabel::user_message(reply);
  const auto body = nlohmann::json::parse(user.substr(user.find('{')), nullptr, false);
  if (body.is_discarded() || !body.contains("item") || !body["item"].is_string()) std::abort();
  return 0;
}
