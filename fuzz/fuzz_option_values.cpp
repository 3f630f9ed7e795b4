// Fuzz target: command-line option values: the numeric checks every command shares
// (apps/cli/validators.hpp) and hypothesis names (sweep --hypotheses).
#include <cstddef>
#include <cstdint>
#include <string>

#include "skycover/coverage/sweep.hpp"
#include "validators.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)skycover::parse_hypothesis(text, "--hypotheses");
  std::string a = text, b = text;
  (void)skycover::cli::positive_number()(a);
  (void)skycover::cli::non_negative_number()(b);
  return 0;
}
