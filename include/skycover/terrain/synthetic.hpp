// Seeded synthetic terrain: a fractal (fBm) surface with ridges and valleys, for tests,
// benchmarks and scenarios without a real DEM. Same parameters + seed => same bytes.
//
// The surface is defined cell by cell (every lattice value is a stateless hash), so any window can
// be generated on its own, seamlessly and in parallel: a window's cells are the same bits as the
// same cells of the whole grid. That is what lets `terrain synth` write a 1e9-cell country tile by
// tile and a tiled run read a synthetic scenario's windows without holding the grid.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

struct SyntheticTerrainParams {
  int width = 512;
  int height = 512;
  double cell_size_m = 30.0;
  double relief_m = 800.0;   // peak-to-trough height range (see SyntheticSurface for grids > 2^24 cells)
  double base_elevation_m = 200.0;
  double roughness = 0.5;    // fBm persistence (gain per octave); 0.5 ~ Hurst 1, realistic mountains
  std::uint64_t seed = 1;
  // Georeference: UTM zone 19N (Venezuela/Caribbean) by default so products open in a GIS.
  int epsg = 32619;
  double origin_x_m = 500000.0;
  double origin_y_m = 1200000.0;
};

// Largest synthetic grid generated *whole*, in cells: 400 M float32 cells = 1.6 GB of elevations,
// before the per-band rasters a whole-grid analysis adds. Windows (SyntheticSurface, `terrain
// synth`, tiled runs) have no such limit.
inline constexpr std::int64_t kMaxSyntheticCells = 400'000'000;

// Grids up to this many cells are normalised on every cell (the stated relief is exact); larger ones
// on a 1024 x 1024 lattice of sample cells spread over the grid.
inline constexpr std::int64_t kExactNormalisationCells = std::int64_t{1} << 24;

// Ok, or an invalid-input error naming `context` (e.g. "--width x --height") when
// width * height exceeds kMaxSyntheticCells.
Status check_synthetic_size(const SyntheticTerrainParams& params, const std::string& context);

// The grid the parameters describe (size, cells, origin, CRS), without generating any cell.
GridGeometry synthetic_geometry(const SyntheticTerrainParams& params);

// The surface of a parameter set, any window on demand.
//
// Elevation = base + relief * (f - f_lo) / (f_hi - f_lo), where f is the fBm value of a cell and
// [f_lo, f_hi] its range over the grid. Up to kExactNormalisationCells cells the range is taken
// over every cell, so the elevations span exactly [base, base + relief]. Beyond that it is taken
// over a 1024 x 1024 lattice of cells spread evenly over the grid (f depends only on the
// parameters, so every window agrees): the extremes of the grid may then pass the stated range by
// a few per cent of the relief, which is documented in docs/terrain.md.
class SyntheticSurface {
 public:
  explicit SyntheticSurface(const SyntheticTerrainParams& params);

  const GridGeometry& geometry() const { return geometry_; }
  // Elevations (m) of `rect`, row-major, into out[0 .. rect.cell_count()). The rectangle may
  // reach past the grid (the surface continues). Parallel over 256 x 256 blocks.
  void fill(const TileRect& rect, float* out) const;
  Terrain read(const TileRect& rect) const;
  // The fBm value of one cell from the lattice hashes directly: the definition the block
  // generator reproduces bit for bit (tests compare the two).
  float fbm_at(int col, int row) const;

 private:
  SyntheticTerrainParams params_;
  GridGeometry geometry_;
  double fbm_lo_ = 0, fbm_span_ = 1;
};

// The whole grid. The caller checks the size first (check_synthetic_size).
Terrain make_synthetic_terrain(const SyntheticTerrainParams& params);

// A TerrainSource that generates each window it is asked for (no grid held, no size limit).
std::unique_ptr<TerrainSource> make_synthetic_source(const SyntheticTerrainParams& params);

}  // namespace skycover
