// Fuzz target: command-line option values: the numeric checks every command shares
// (apps/cli/validators.hpp), --site's X,Y, hypothesis names (sweep --hypotheses), and the
// terminal-safe text every message goes through (which must leave no control byte behind).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "skycover/core/terminal_text.hpp"
#include "skycover/coverage/sweep.hpp"
#include "validators.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)skycover::parse_hypothesis(text, "--hypotheses");
  std::string a = text, b = text, c = text;
  (void)skycover::cli::positive_number()(a);
  (void)skycover::cli::non_negative_number()(b);
  (void)skycover::cli::xy_pair()(c);
  for (char ch : skycover::terminal_safe(text)) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u < 0x20 && ch != '\n' && ch != '\t') || u == 0x7F) std::abort();
  }
  return 0;
}
