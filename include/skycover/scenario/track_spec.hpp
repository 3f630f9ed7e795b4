// Flight tracks as stated in a scenario ([[tracks]]) and raid settings ([raid]).
// Parsing of the TOML lives in the scenario stage; loading track files and all the
// exposure maths live in the exposure stage (exposure/track.hpp, exposure/exposure.hpp).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "skycover/systems/system.hpp"

namespace skycover {

enum class AltitudeReference { kAgl, kMsl };  // kAgl = terrain-following at constant height

struct TrackSpec {
  std::string id;
  // Either a file (GeoJSON LineString(s) or CSV waypoints with columns x,y[,altitude_m][,speed_mps])
  // or inline waypoints; coordinates in `crs` (default: the file's own CRS, else the terrain's).
  std::optional<std::filesystem::path> file;
  std::vector<std::array<double, 2>> waypoints;
  std::optional<std::string> crs;
  double speed_mps = 0;
  double altitude_m = 0;
  AltitudeReference altitude_reference = AltitudeReference::kAgl;
  TargetClass target_class = TargetClass::kCruiseMissile;
  int count = 1;            // raid: how many targets fly this track
  double interval_s = 0;    // raid: launch spacing between them
  std::string source;       // "scenario.toml:[[tracks]][1]" for messages
};

struct RaidSpec {
  int trials = 1000;
  std::uint64_t seed = 1;   // default: [analysis] seed
};

}  // namespace skycover
