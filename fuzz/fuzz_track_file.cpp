// Fuzz target: track files, CSV waypoints (x, y[, altitude_m, speed_mps]) and GeoJSON
// LineStrings, chosen by the first byte; read and sampled over a small terrain (no NaN or huge
// coordinate may reach a float-to-int conversion).
#include "fuzz_support.hpp"
#include "skycover/exposure/track.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool csv = data[0] % 2 == 0;
  const auto path = skycover::fuzz::write_input(data + 1, size - 1, csv ? "track.csv" : "track.geojson");
  skycover::TrackSpec spec;
  spec.id = "fuzz";
  spec.file = path;
  spec.speed_mps = 200;
  spec.altitude_m = 100;
  spec.source = "fuzz";
  (void)skycover::load_tracks({spec}, skycover::fuzz::small_terrain());
  return 0;
}
