// Coverage analysis: how much of the analysis area a set of sites can engage over, per altitude band.
//
// For each band (AGL or MSL) the engagement union (visibility stage) gives, per cell, how many sites
// can engage a target there. Counting only cells inside the area mask:
//   covered_km2 / fraction     cells engaged by >= 1 site
//   multiplicity[k]            cells engaged by exactly k sites (k = 0 .. max)
// and the gap to the flat-ground expectation is split in three by running the union twice more,
// with line of sight assumed clear (UnionOptions::terrain_masking = false): once on the real
// terrain ("clear LOS"), once on a flat copy of it ("flat, same sites": every valid cell and every
// site's ground set to one constant, the mean elevation of the cells inside the area mask; same
// sites, grid and area mask; no viewsheds, so cheap):
//   placement loss       = flat_expected_fraction - flat_same_sites_fraction
//                          (where the sites stand: clustering, lattice, overlap different from
//                           Poisson, sites near or outside the area edge, sampling noise)
//   relief/envelope loss = flat_same_sites_fraction - fraction_without_masking
//                          (the real relief against the envelope: ceiling above the site's ground,
//                           minimum altitude above the target's ground, slant range to higher or
//                           lower targets)
//   masking loss         = fraction_without_masking - fraction   (hills hiding targets)
// With a clutter layer ([terrain] clutter) the union runs once more with terrain masking and no
// clutter ("bare"), and the masking loss splits in two:
//   masking loss         = fraction_without_masking - fraction_without_clutter  (hills)
//   clutter loss         = fraction_without_clutter - fraction   (trees and buildings)
// The terms add up to flat_expected_fraction - fraction. For AGL bands the constant does not
// matter; for MSL bands the flat run puts the band at (altitude - constant) above the ground
// everywhere while the Poisson formula uses each site's own ground, so the placement part of an
// MSL band also holds that difference.
// The flat-ground expectation for N sites placed uniformly at random over area A is the Poisson
// coverage formula 1 - exp(-sum_i a_i / A), with a_i the horizontal area in which site i reaches a
// target at height h above flat ground: a_i = pi (max(0, Rmax^2 - dz^2) - max(0, Rmin^2 - dz^2)),
// dz = h - launcher height, zero outside [min_altitude, ceiling] (for Rmin = 0 and dz = h this is
// the claim's pi (R^2 - h^2)). N counts only the sites standing inside the area mask (sites read
// from a file may lie outside it; they still cover cells inside but would inflate the density
// N / A). All counts are integers: results do not depend on thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "skycover/core/collective.hpp"
#include "skycover/core/status.hpp"
#include "skycover/scenario/scenario.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"
#include "skycover/terrain/projection.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"
#include "skycover/visibility/engagement_union.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover {

struct BandCoverage {
  AltitudeBand band;
  std::int64_t area_cells = 0;      // cells inside the area mask
  std::int64_t covered_cells = 0;   // of those, engaged by >= 1 site
  double area_km2 = 0;
  double covered_km2 = 0;
  double fraction = 0;              // covered_cells / area_cells
  std::vector<std::int64_t> multiplicity;  // [k] = cells engaged by exactly k sites
  // Line of sight assumed clear (only when CoverageOptions::split_masking).
  std::optional<double> covered_km2_without_masking;
  std::optional<double> fraction_without_masking;
  std::optional<double> flat_same_sites_fraction;  // clear LOS on the flat copy of the terrain
  std::optional<double> placement_loss_fraction;   // flat_expected_fraction - flat_same_sites_fraction
  std::optional<double> relief_envelope_loss_fraction;  // flat_same_sites_fraction - fraction_without_masking
  std::optional<double> masking_loss_fraction;     // fraction_without_masking - fraction (- clutter loss)
  // Terrain masking without clutter (only when the terrain has clutter and split_masking).
  std::optional<double> fraction_without_clutter;
  std::optional<double> clutter_loss_fraction;     // fraction_without_clutter - fraction
  // Poisson formula (see above); always set.
  std::optional<double> flat_expected_fraction;
  // Readiness a (every site the same): the mean over the area of the probability that a target
  // over a cell is engageable, 1 - (1 - a)^k with k sites able to reach it, exact from the
  // multiplicity histogram: sum_k m_k (1 - (1 - a)^k) / area_cells. Equal to `fraction` at a = 1.
  // Readiness that differs between sites (classes a_c): 1 - prod_c (1 - a_c)^k_c per cell, with
  // k_c the sites of class c able to reach it, summed per cell in units of 2^-30 (exact to 1e-9
  // per cell, and the same bytes for any tiling). Always set.
  std::optional<double> engageable_probability;
};

struct CoverageResult {
  std::vector<BandCoverage> bands;
  int site_count = 0;
  int sites_in_area = 0;  // of those, standing inside the area mask (the Poisson N)
  std::optional<double> readiness;  // the sites' common readiness; unset when it differs between them
  std::vector<double> readiness_levels;  // the distinct readiness values of the sites, ascending
  double area_km2 = 0;
  bool clutter = false;  // the terrain carried a clutter layer that blocked lines of sight
  std::optional<double> flat_ground_msl_m;  // ground level of the flat run (split_masking only)
  // The analysis CRS's worst distance and area error over the grid (none for a local grid).
  std::optional<ProjectionError> projection;
  // The union with terrain masking (lowest engageable height, per-band site counts) for products;
  // empty unless CoverageOptions::keep_union.
  std::optional<EngagementUnion> engagement;
  // Wall seconds per phase (manifest only: timings are not results and vary from run to run).
  struct Phases {
    double read_s = 0;     // terrain and area reads of the tile pass
    double masked_s = 0, clear_s = 0, flat_s = 0;  // the three unions, all tiles
    double bare_s = 0;  // the union without clutter (clutter only)
  } phases;
};

struct CoverageOptions {
  int threads = 0;               // 0 = all cores; results identical for any value
  bool split_masking = true;     // run the union twice more without terrain masking (real, flat)
  bool keep_union = false;       // whole-grid inputs: keep the masked union in the result (products need it)
  bool use_reference_kernel = false;
  // Side of the square tiles the grid is cut into (grid/tiling.hpp); 0 = one tile over the grid.
  // Every result is the same bytes for any value.
  int tile_cells = 0;
  // Called once per tile, in tile order, with the masked union over that tile, the tile's area
  // mask and terrain (products write rasters window by window, and sample previews, from them).
  // An error stops the run.
  std::function<Status(const TileRect& tile, const EngagementUnion& masked, const AreaMask& area, const Terrain& terrain)>
      on_tile;
  // The processes the tiles are spread over (tile t runs on rank tile_owner(t, ranks)); null = this
  // process alone. Every rank gets the same result: histograms and flags are summed over ranks.
  // on_tile is called on each rank for its own tiles; with keep_union, rank 0 receives the others'
  // tiles of the union. Every result is the same bytes for any rank count.
  Collective* collective = nullptr;
  // Site runs done and their total (a site counts once per run and per tile its range reaches),
  // from worker threads, possibly out of order.
  std::function<void(std::int64_t done, std::int64_t total)> on_progress;
};

struct CoverageInputs {
  const Terrain& terrain;
  const AreaMask& area;
  const std::vector<Site>& sites;
  const std::vector<SystemSpec>& systems;
  std::vector<AltitudeBand> bands;
  VisibilityModel model;
};

// The tiled form: terrain and area read window by window, so the grid is never held whole.
struct TiledCoverageInputs {
  const TerrainSource& terrain;
  const AreaSource& area;
  const std::vector<Site>& sites;
  const std::vector<SystemSpec>& systems;
  std::vector<AltitudeBand> bands;
  VisibilityModel model;
};

// The bands of an [analysis] section: AGL bands first, then MSL bands, each in the order given.
std::vector<AltitudeBand> analysis_bands(const AnalysisSpec& analysis);
VisibilityModel analysis_visibility(const AnalysisSpec& analysis);

// The engine: tile by tile (CoverageOptions::tile_cells), each tile reading terrain over the tile
// plus a halo of twice the longest range, running the masked, clear and flat unions on that
// window with the sites that reach the tile, and adding integer histograms. The flat run's ground
// level, the mean area elevation, is summed from the same reads; the flat runs follow the tile
// pass on flat windows (no terrain read), so each tile is read once.
Result<CoverageResult> compute_coverage(const TiledCoverageInputs& inputs, const CoverageOptions& options = {});
// Whole grid in memory: the engine over in-memory sources (keep_union assembles the tiles).
Result<CoverageResult> compute_coverage(const CoverageInputs& inputs, const CoverageOptions& options = {});
Result<CoverageResult> compute_coverage(const PreparedScenario& prepared, const CoverageOptions& options = {});

// Count covered cells and the multiplicity histogram of band `band_index` of `u` inside `area`.
BandCoverage summarize_band(const EngagementUnion& u, std::size_t band_index, const AreaMask& area);

// Horizontal area (km^2) within which `site` reaches a target at height `target_agl_m` above flat
// ground level with the site's own ground (see the header comment).
double flat_reach_area_km2(const SystemSpec& system, const Site& site, double target_agl_m);
// Poisson flat-ground expectation 1 - exp(-sum_i a_i / A) for `band` over all of `sites` (MSL
// bands use each site's own ground as the flat ground level). compute_coverage passes only the
// sites inside the area mask (sites_inside_area).
// Mean engageable probability over an area from its multiplicity histogram ([k] = cells k sites
// reach) when each site is ready with probability `readiness`, independently.
double engageable_probability(const std::vector<std::int64_t>& multiplicity, std::int64_t area_cells, double readiness);
// The readiness classes of a run: the distinct readiness values, ascending. The masked union runs
// once per class (the memory plan counts one union per class, from the deployments' values).
std::vector<double> readiness_classes(std::vector<double> readiness);
// The readiness every site shares (1 for none), or nullopt when it differs between them.
std::optional<double> common_readiness(const std::vector<Site>& sites);

double flat_expected_fraction(const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                              const AltitudeBand& band, double area_km2);

// The sites whose cell lies inside the area mask, in order.
std::vector<Site> sites_inside_area(const std::vector<Site>& sites, const AreaMask& area);
// Mean elevation of the valid cells inside the area mask (of all valid cells if it is empty):
// the ground level of the flat-ground run. Summed exactly (fixed point, 2^-24 m, in 128 bits),
// so the mean is the same bits however the grid is cut into tiles.
double mean_area_elevation_m(const Terrain& terrain, const AreaMask& area);

// "agl" / "msl".
const char* height_reference_name(HeightReference reference);

}  // namespace skycover
