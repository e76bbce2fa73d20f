#pragma once
/// @file
/// labelkit's exception hierarchy and the helpers that build its messages.
///
/// Every public function validates its input at the entry and throws a type derived from
/// labelkit::error. Messages read `labelkit: function(): what is wrong (got X, expected Y)` and
/// name the argument and the offending row, column or record.

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "labelkit/config.hpp"

LABELKIT_BEGIN_NAMESPACE

/// Root of every exception labelkit throws.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument has a value outside what the function accepts (NaN, negative k, bad label...).
class invalid_argument : public error {
 public:
  using error::error;
};

/// Two arguments, or an argument and the object's state, disagree in shape.
class dimension_mismatch : public invalid_argument {
 public:
  using invalid_argument::invalid_argument;
};

/// Text or a file could not be parsed (JSON, CSV, a checkpoint, an LLM reply).
class parse_error : public error {
 public:
  using error::error;
};

/// The call is not valid in the object's current state (e.g. predicting before fitting).
class state_error : public error {
 public:
  using error::error;
};

/// A numerical procedure could not produce a result (e.g. an optimiser diverged).
class numerical_error : public error {
 public:
  using error::error;
};

namespace detail {

/// Concatenates any streamable values into one string (std::format is not in every C++20
/// standard library we support).
template <class... Parts>
[[nodiscard]] std::string concat(const Parts&... parts) {
  std::ostringstream out;
  out.precision(17);
  (out << ... << parts);
  return out.str();
}

/// Builds the message `labelkit: function(): details...` and throws E with it.
template <class E = invalid_argument, class... Parts>
[[noreturn]] void fail(std::string_view function, const Parts&... parts) {
  throw E(concat("labelkit: ", function, "(): ", parts...));
}

}  // namespace detail
LABELKIT_END_NAMESPACE
