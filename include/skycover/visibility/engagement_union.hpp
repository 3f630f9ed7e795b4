// Union over many sites: per terrain cell, the lowest height at which *some* site can engage a
// target there (line of sight + full envelope), and per altitude band the number of sites that
// can engage. Multi-threaded with TBB; results are bitwise identical for any thread count
// (per-cell minima and integer counts do not depend on summation order).
//
// Geometry (docs/visibility.md): each site's eye is the viewshed's, the centre of the site's DEM
// cell at that cell's elevation + height_agl_m (Site::ground_msl_m is not consulted); envelope
// distances are measured from there. Clutter on the terrain blocks lines of sight as in the
// viewshed (detail::add_clutter) and changes nothing else: bands, eyes and ceilings stay on the
// bare elevation. Sites must stand on valid cells of the terrain and name a
// valid system (otherwise an error lists their ids). Arithmetic of the envelope test is float.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover {

enum class HeightReference { kAgl, kMsl };

struct AltitudeBand {
  HeightReference reference = HeightReference::kAgl;
  double altitude_m = 0;  // above the target's ground (AGL) or above the vertical datum (MSL)
};

struct EngagementUnion;

struct UnionOptions {
  int threads = 0;                  // 0 = TBB default (all cores)
  bool terrain_masking = true;      // false: line of sight assumed clear (envelope and ground still apply)
  bool use_reference_kernel = false;  // tests: the exact slow viewshed
  // With terrain masking, whether the terrain's clutter layer (if any) blocks lines of sight.
  // false: the bare terrain's masking alone (the report's split of terrain and clutter masking).
  bool clutter = true;
  std::function<void(std::int64_t sites_done)> on_progress;  // called from worker threads
  // The cells to compute, in the terrain's (col, row); unset = the whole terrain. A tile run passes
  // the terrain of tile + halo and output = the tile: the grids then cover the tile only, sites
  // whose range disc misses it are skipped, and the tile's bytes equal the whole-grid run's there
  // when the halo is at least twice the longest range (grid/tiling.hpp).
  std::optional<TileRect> output;
  // A union no longer needed whose grids this one takes over (moved from): their memory is already
  // paged in, so a run over many tiles does not fault in and zero fresh pages for every union
  // (about a third of a country run's time went there). Contents are overwritten; null = allocate.
  EngagementUnion* recycle = nullptr;
  // false: only the band counts (lowest_engageable_agl_m stays empty). A summary needs no more,
  // and the height grid costs 12 bytes of memory traffic per cell (fill, fold, NaN pass).
  bool lowest_height = true;
};

struct EngagementUnion {
  GridGeometry geometry;  // the terrain's, cut to UnionOptions::output
  // Lowest engageable height above ground (m) per cell; NaN where no site can engage at any height.
  // Empty when UnionOptions::lowest_height is false.
  std::vector<float> lowest_engageable_agl_m;
  std::vector<AltitudeBand> bands;
  // site_count[b][cell]: how many sites can engage a target at band b over that cell.
  std::vector<std::vector<std::uint16_t>> site_count;
};

// The radius in cells of a system's range window on cells of `cell_size_m` (the viewshed
// kernel's: floor(max_range_m / cell_size_m)); a site changes cells at most this far away.
// `max_radius_cells`: the grid's larger side, beyond which no cell of it lies (a 300 km range on a
// small DEM needs no 10,000-cell window, halo or memory plan).
int range_radius_cells(const SystemSpec& system, double cell_size_m, int max_radius_cells = 1 << 30);

Result<EngagementUnion> engagement_union(const Terrain& terrain, const std::vector<Site>& sites,
                                         const std::vector<SystemSpec>& systems,
                                         const std::vector<AltitudeBand>& bands, const VisibilityModel& model,
                                         const UnionOptions& options = {});

}  // namespace skycover
