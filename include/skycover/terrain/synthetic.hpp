// Seeded synthetic terrain: a fractal (fBm) surface with ridges and valleys, for tests,
// benchmarks and scenarios without a real DEM. Same parameters + seed => same bytes.
#pragma once
#include <cstdint>
#include <string>

#include "skycover/core/status.hpp"
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

// Largest synthetic grid, in cells: 400 M float32 cells = 1.6 GB of elevations, before the
// per-band rasters an analysis adds. 20,000 x 20,000 cells (600 km square at 30 m) fits.
// Larger requests are refused up front instead of failing with an out-of-memory error later.
inline constexpr std::int64_t kMaxSyntheticCells = 400'000'000;

// Ok, or an invalid-input error naming `context` (e.g. "--width x --height") when
// width * height exceeds kMaxSyntheticCells.
Status check_synthetic_size(const SyntheticTerrainParams& params, const std::string& context);

// The grid the parameters describe (size, cells, origin, CRS), without generating any cell.
GridGeometry synthetic_geometry(const SyntheticTerrainParams& params);

// The caller checks the size first (check_synthetic_size).
Terrain make_synthetic_terrain(const SyntheticTerrainParams& params);

}  // namespace skycover
