// Air-defence system descriptions at the level of public data: an engagement envelope,
// reaction time, average missile speed, inventory, and user-stated kill probabilities.
// Deliberately nothing else (no seeker, guidance or signature models; see DEVELOPERS.md).
#pragma once
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skycover/core/status.hpp"

namespace skycover {

enum class TargetClass { kCruiseMissile = 0, kDrone, kHelicopter, kAircraft };
inline constexpr std::array<std::string_view, 4> kTargetClassNames = {"cruise_missile", "drone", "helicopter",
                                                                       "aircraft"};
std::optional<TargetClass> parse_target_class(std::string_view name);
inline std::string_view to_string(TargetClass c) { return kTargetClassNames[static_cast<int>(c)]; }

// Single-shot kill probability per target class. Never silently defaulted: each value is
// either stated by the user or comes from an explicitly labelled illustrative set.
struct KillProbabilities {
  std::array<std::optional<double>, 4> pk;  // indexed by TargetClass
  std::string provenance;                   // "none stated", "user" or "illustrative: <why>"
  std::optional<double> for_class(TargetClass c) const { return pk[static_cast<int>(c)]; }
};

// One source citation for a figure in the catalog.
struct Citation {
  std::string figure;  // e.g. "max_range_m"
  std::string source;  // publication / exporter page, as precise as public data allows
};

struct SystemSpec {
  std::string name;                 // preset name or user label
  double min_range_m = 0;           // minimum slant range from launcher to target
  double max_range_m = 0;           // maximum slant range
  double min_altitude_m = 0;        // lowest target height above the *target's own* ground
  double max_altitude_m = 0;        // ceiling: target height above the *site's* ground
  double reaction_time_s = 0;       // detection-to-launch delay
  double missile_speed_mps = 0;     // average missile speed over its flight
  int missiles_per_site = 1;        // ready missiles per site (raids)
  KillProbabilities pk;
  std::vector<Citation> sources;    // where each public figure comes from
};

// Built-in presets (igla-s, igla, stinger, mistral, starstreak, rbs-70) with sources.
const std::vector<SystemSpec>& system_catalog();
// Preset by name (case-insensitive); the error lists the known names.
Result<SystemSpec> find_preset(std::string_view name);
std::vector<std::string> preset_names();
// Citation of `figure` (e.g. "max_range_m") in system.sources, or nullptr.
const Citation* find_citation(const SystemSpec& system, std::string_view figure);

// The labelled illustrative kill-probability set selected by `pk_set = "illustrative"`.
// Its provenance starts with "illustrative:" and says it is not a measured figure.
KillProbabilities illustrative_kill_probabilities();
// Kill probability for `target`, or an InvalidInput error telling the user to state it.
// Presets carry none ("none stated"): a stage that needs pk calls this at use time.
Result<double> require_pk(const SystemSpec& system, TargetClass target);

}  // namespace skycover
