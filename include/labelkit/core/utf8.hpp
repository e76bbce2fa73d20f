#pragma once
/// @file
/// UTF-8 well-formedness, for names and texts that must survive a JSON round trip. A vocabulary
/// header: no Eigen, no nlohmann_json.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE
namespace detail {

/// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
[[nodiscard]] constexpr bool valid_utf8(std::string_view text) noexcept {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t extra = 0;
    std::uint32_t code = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0U) == 0xC0U) {
      extra = 1, code = c & 0x1FU, min = 0x80;
    } else if ((c & 0xF0U) == 0xE0U) {
      extra = 2, code = c & 0x0FU, min = 0x800;
    } else if ((c & 0xF8U) == 0xF0U) {
      extra = 3, code = c & 0x07U, min = 0x10000;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xC0U) != 0x80U) return false;
      code = (code << 6U) | (d & 0x3FU);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace detail
LABELKIT_END_NAMESPACE
