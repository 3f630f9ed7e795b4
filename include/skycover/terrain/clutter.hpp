// Clutter: trees and buildings on the ground, as obstruction heights (m) per terrain cell.
//
// `[terrain] clutter` names a raster in any GDAL format and CRS (docs/visibility.md "Clutter"):
//  * heights: each pixel is the obstruction's height above the ground in metres (a canopy-height
//    or nDSM raster). Warped onto the terrain grid with GDAL's `average` resampling (a 30 m cell
//    over 1 m lidar heights gets their mean; at equal cells the value itself).
//  * classes: each pixel is a land-cover class code (e.g. ESA WorldCover: 10 trees, 50 built-up),
//    mapped to heights by a table the user states. Warped with `mode` (the cell's commonest
//    class), then mapped; classes not in the table have no clutter.
// Nodata, and cells the raster does not cover, have no clutter. Negative heights (nDSM noise)
// count as 0; a height above kMaxClutterM is refused (a DEM given as clutter, or feet).
//
// The clutter is read window by window with the terrain (`with_clutter`), with the exact
// transformer (-et 0) as the terrain's own warp: a window's cells equal the whole grid's there,
// so tiled runs stay bitwise identical to whole-grid ones.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

// Taller than any building or tree (Burj Khalifa is 828 m): a raster with such heights is not clutter.
inline constexpr double kMaxClutterM = 1000.0;

struct ClutterSpec {
  std::filesystem::path raster;
  // Land-cover class -> obstruction height (m); empty: the raster holds heights in metres.
  std::vector<std::pair<std::int64_t, double>> class_heights_m;
};

// `ground` with `spec`'s clutter attached to every window it reads (has_clutter() true). The raster
// is opened and warped onto ground's grid here (lazily: nothing is read until a window is).
// Errors name the clutter file: missing, unreadable, no overlap with the terrain, or not warpable.
Result<std::unique_ptr<TerrainSource>> with_clutter(std::unique_ptr<TerrainSource> ground, const ClutterSpec& spec);

// The whole-grid form: `ground` with the clutter of its grid attached.
Result<Terrain> with_clutter(Terrain ground, const ClutterSpec& spec);

}  // namespace skycover
