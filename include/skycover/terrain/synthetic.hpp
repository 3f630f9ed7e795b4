// Seeded synthetic terrain: a fractal (fBm) surface with ridges and valleys, for tests,
// benchmarks and scenarios without a real DEM. Same parameters + seed => same bytes.
#pragma once
#include <cstdint>

#include "skycover/terrain/terrain.hpp"

namespace skycover {

struct SyntheticTerrainParams {
  int width = 512;
  int height = 512;
  double cell_size_m = 30.0;
  double relief_m = 800.0;   // peak-to-trough height range
  double base_elevation_m = 200.0;
  double roughness = 0.5;    // fBm persistence (gain per octave); 0.5 ~ Hurst 1, realistic mountains
  std::uint64_t seed = 1;
  // Georeference: UTM zone 19N (Venezuela/Caribbean) by default so products open in a GIS.
  int epsg = 32619;
  double origin_x_m = 500000.0;
  double origin_y_m = 1200000.0;
};

Terrain make_synthetic_terrain(const SyntheticTerrainParams& params);

}  // namespace skycover
