// Numeric option checks with plain messages ("must be > 0 (got -30)"), shared by every command.
// CLI11's PositiveNumber / NonNegativeNumber print the whole double range instead
// ("not in range 0.000000 to 1797693134862315708...").
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace skycover::cli {

namespace detail {
// "" when `text` is a finite number satisfying `ok`, else the message CLI11 shows after the option name.
template <typename Pred>
std::string check_number(const std::string& text, Pred ok, const char* requirement) {
  double v = 0;
  if (!CLI::detail::lexical_cast(text, v) || !std::isfinite(v))
    return fmt::format("must be a number {} (got '{}')", requirement, text);
  if (!ok(v)) return fmt::format("must be {} (got {})", requirement, text);
  return {};
}
}  // namespace detail

inline CLI::Validator positive_number() {
  return CLI::Validator([](std::string& s) { return detail::check_number(s, [](double v) { return v > 0; }, "> 0"); },
                        "> 0", "POSITIVE");
}

inline CLI::Validator non_negative_number() {
  return CLI::Validator([](std::string& s) { return detail::check_number(s, [](double v) { return v >= 0; }, ">= 0"); },
                        ">= 0", "NONNEGATIVE");
}

// "X,Y": two finite numbers separated by a comma (spaces allowed), as --site takes them.
inline bool parse_xy(const std::string& text, double& x, double& y) {
  char comma = 0, extra = 0;
  return std::sscanf(text.c_str(), "%lf %c %lf %c", &x, &comma, &y, &extra) == 3 && comma == ',' &&
         std::isfinite(x) && std::isfinite(y);
}

inline CLI::Validator xy_pair() {
  return CLI::Validator(
      [](std::string& s) {
        double x = 0, y = 0;
        return parse_xy(s, x, y) ? std::string()
                                 : fmt::format("expected X,Y: two numbers separated by a comma (got '{}')", s);
      },
      "X,Y", "XY");
}

// A path option given as "" (which would otherwise mean "the default" or the current folder).
inline CLI::Validator non_empty_path() {
  return CLI::Validator([](std::string& s) { return s.empty() ? std::string("must not be empty: give a path") : std::string(); },
                        "PATH", "NONEMPTY");
}

// A seed: a whole number 0 to 2^63 - 1, as in scenarios (a negative one would wrap silently).
inline CLI::Validator seed_value() {
  return CLI::Validator(
      [](std::string& s) {
        std::int64_t v = 0;
        if (!CLI::detail::lexical_cast(s, v) || v < 0)
          return fmt::format("must be a whole number from 0 to 9223372036854775807 (got '{}')", s);
        return std::string();
      },
      "0..2^63-1", "SEED");
}

// A finite number in [lo, hi] (or [lo, hi) when !hi_inclusive); `requirement` says so in the message.
inline CLI::Validator number_between(double lo, double hi, bool hi_inclusive, const char* requirement) {
  return CLI::Validator(
      [=](std::string& s) {
        return detail::check_number(s, [=](double v) { return v >= lo && (hi_inclusive ? v <= hi : v < hi); },
                                    requirement);
      },
      requirement, "NUMBER");
}

}  // namespace skycover::cli
