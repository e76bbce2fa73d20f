// libFuzzer target for the byte readers of labelkit's mergeable states (what a distributed run
// receives from other processes). The first byte selects the state: AlphaState, CohenState,
// FleissState, ReliabilityState or TopKAccumulator<double>; the rest is the buffer. Any input gives
// either a state or a labelkit::error; anything else aborts. A state that was read must then work:
// round-trip to an equal state, merge with a copy of itself, and give its coefficient (or a
// labelkit::error).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "labelkit/agreement/alpha_state.hpp"
#include "labelkit/agreement/kappa_states.hpp"
#include "labelkit/core/error.hpp"
#include "labelkit/prelabel/reliability.hpp"
#include "labelkit/quality/confident_learning.hpp"
#include "labelkit/quality/detail/em.hpp"
#include "labelkit/quality/majority_vote.hpp"
#include "labelkit/query/streaming.hpp"

namespace {

template <class State, class Use>
void exercise(std::span<const std::byte> bytes, Use&& use) {
  std::optional<State> read;
  try {
    read.emplace(State::from_bytes(bytes));
  } catch (const labelkit::error&) {
    return;  // refused: the expected outcome for most inputs
  }
  State& s = *read;
  if (!(State::from_bytes(s.to_bytes()) == s)) std::abort();
  try {
    s.merge(State(s));
    use(s);
  } catch (const labelkit::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data + 1), size - 1);
  using labelkit::agreement::Level;
  switch (data[0] % 9) {
    case 0:
      exercise<labelkit::agreement::AlphaState>(bytes, [](const auto& s) {
        for (const Level level : {Level::nominal, Level::ordinal, Level::interval, Level::ratio}) {
          try {
            (void)s.alpha_parts(level);
          } catch (const labelkit::error&) {
          }
        }
        (void)s.coincidences();
      });
      break;
    case 1:
      exercise<labelkit::agreement::CohenState>(bytes, [](const auto& s) { (void)s.estimate(); });
      break;
    case 2:
      exercise<labelkit::agreement::FleissState>(bytes, [](const auto& s) { (void)s.kappa(); });
      break;
    case 3:
      exercise<labelkit::prelabel::ReliabilityState>(bytes, [](const auto& s) { (void)s.table(); });
      break;
    case 4:
      exercise<labelkit::query::TopKAccumulator<double>>(bytes,
                                                         [](const auto& s) { (void)s.ids(); });
      break;
    case 5:
      exercise<labelkit::quality::CrowdState>(bytes, [](const auto& s) {
        (void)s.annotators();
        (void)s.n_items();
      });
      break;
    case 6:
      exercise<labelkit::detail::EmStatistics>(bytes, [](const auto& s) {
        for (std::size_t k = 0; k < s.size(); ++k) (void)s.value(k);
        (void)s.evidence();
      });
      break;
    case 7:
      exercise<labelkit::quality::ThresholdState>(bytes,
                                                  [](const auto& s) { (void)s.thresholds(); });
      break;
    default:
      exercise<labelkit::quality::ConfidentJointState>(bytes,
                                                       [](const auto& s) { (void)s.joint(); });
      break;
  }
  return 0;
}
