// Fuzz target: the scenario TOML (shape guard, toml++, every field check). Any input must give a
// scenario or diagnostics, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string>

#include "skycover/scenario/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const skycover::ScenarioParse parsed = skycover::parse_scenario_text(text, "fuzz.toml");
  for (const auto& d : parsed.diagnostics) (void)d.to_string();
  return 0;
}
