// Sites (launcher positions) and the deployment hypotheses that generate them.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "skycover/core/collective.hpp"
#include "skycover/core/status.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {

struct Site {
  std::string id;
  double x_m = 0;            // in the terrain's projected CRS
  double y_m = 0;
  double ground_msl_m = 0;   // terrain elevation at the site (cell value)
  double height_agl_m = 2;   // launcher/eye height above ground
  int system_index = 0;      // index into Scenario::systems
  int missiles = 1;          // ready missiles at this site
  // Probability that the site is manned and ready at a given moment ([[deployments]] readiness):
  // coverage reports the chance a cell is engageable, raids draw each site's availability per trial.
  double readiness = 1;
  double eye_msl_m() const { return ground_msl_m + height_agl_m; }
};

// Where a site's launcher is taken to stand in every computation that looks from it: the
// coverage union, the viewshed, exposure windows, intercepts and raids. The grid resolves
// nothing finer than a cell, and the viewshed must put its eye on a cell, so the launcher is
// the centre of the terrain cell holding (x_m, y_m), on that cell's elevation, eye
// height_agl_m above it. Using the true (x_m, y_m) for ranges but the cell for line of sight
// would make exposure and coverage disagree near the minimum and maximum range.
struct LauncherPosition {
  int col = 0, row = 0;       // the site's cell
  double x_m = 0, y_m = 0;    // its centre
  double ground_msl_m = 0;    // its elevation (NaN on nodata)
  double eye_msl_m = 0;       // ground_msl_m + site.height_agl_m
};

// nullopt when the site lies off the grid.
std::optional<LauncherPosition> launcher_position(const Site& site, const Terrain& terrain);

// The analysis area rasterised on the terrain grid: 1 = inside the area polygon and not nodata.
struct AreaMask {
  GridGeometry geometry;
  std::vector<std::uint8_t> inside;
  std::int64_t inside_count() const;
  bool contains(int col, int row) const {
    return geometry.contains_cell(col, row) && inside[static_cast<std::size_t>(row) * geometry.width + col] != 0;
  }
  double area_km2() const { return static_cast<double>(inside_count()) * geometry.cell_area_km2(); }
};

// Whole DEM (all valid cells) when `polygon_path` is empty; else cells whose centres fall in the
// GeoJSON (or any OGR vector) polygons, reprojected to the terrain CRS, rasterised with GDAL.
Result<AreaMask> make_area_mask(const Terrain& terrain, const std::optional<std::filesystem::path>& polygon_path);

// The analysis area, window by window (tiled runs): the polygons are read and reprojected once,
// then rasterised on each window's own geotransform; or an area mask already in memory, cut.
// Either way read(rect, terrain) is the mask of make_area_mask over the whole grid, cut to rect
// (the whole-grid run is the one-tile case). Copies share the polygons.
class AreaSource {
 public:
  // Polygons (or the whole valid terrain when polygon_path is empty) on the grid `grid`.
  static Result<AreaSource> open(const GridGeometry& grid, const std::optional<std::filesystem::path>& polygon_path);
  // A mask in memory (must outlive the source).
  static AreaSource from_mask(const AreaMask& mask);
  // The mask over `rect` of the grid; `terrain` holds that window's elevations (nodata is outside).
  Result<AreaMask> read(const TileRect& rect, const Terrain& terrain) const;
  // The area's shape alone over `rect` (whose own geometry is `window`), without the terrain: 1
  // where a cell's centre lies inside a polygon (every cell without polygons; the mask itself for
  // a mask in memory). read() is this AND valid terrain.
  Result<std::vector<std::uint8_t>> read_shape(const GridGeometry& window, const TileRect& rect) const;

 private:
  struct Polygons;
  std::shared_ptr<const Polygons> polygons_;  // null: the whole valid terrain (or mask_)
  const AreaMask* mask_ = nullptr;
  std::string where_;
};

enum class Hypothesis { kUniform, kClustered, kHighGround, kGrid, kFile };

// The scenario-file spelling: "uniform", "clustered", "high_ground", "grid", "file".
std::string_view hypothesis_name(Hypothesis h);

struct ClusterCentre {
  double x = 0, y = 0;  // in `centres_crs` (default: the terrain CRS)
  double weight = 1;
};

struct DeploymentSpec {
  std::string system;  // name of an entry in the scenario's [[systems]]
  int system_index = 0;
  Hypothesis hypothesis = Hypothesis::kUniform;
  std::optional<std::filesystem::path> file;  // CSV/GeoJSON points for kFile
  std::optional<std::string> crs;             // CRS of file points / centres; default terrain CRS (files: their own)
  int count = 0;
  double spacing_m = 0;                        // grid lattice spacing
  std::vector<ClusterCentre> centres;          // clustered
  double sigma_m = 0;                          // clustered: Gaussian spread around each centre
  double height_agl_m = 2;
  std::optional<int> missiles;                 // default: system's missiles_per_site
  std::uint64_t seed = 1;
  bool drop_invalid_sites = false;             // drop (with a warning) sites off the DEM / on nodata
  std::string source;                          // "scenario.toml:[[deployments]][2]" for messages
  std::string id_prefix;                       // generated site ids are "<id_prefix>-<n>"; default: system
  double min_separation_m = 0;                 // high_ground: 0 = 0.5 * sqrt(area / count)
  double readiness = 1;                        // share of the sites ready at a given moment, 0..1
};

struct AreaSurvey;

// Generate or read the sites of one deployment. Reproducible from spec.seed; respects the area
// mask and nodata. Off-DEM / nodata sites are an error listing their ids unless drop_invalid_sites.
// All hypotheses but high_ground run the tiled placement below on the grid in memory, so a
// whole-grid run places the same sites as a tiled one; `shape` is the area's shape
// (survey_area over the [area] polygons), null = the mask itself.
Result<std::vector<Site>> make_sites(const DeploymentSpec& spec, const Terrain& terrain, const AreaMask& area,
                                     int default_missiles, const AreaSurvey* shape = nullptr);

// Whether a hypothesis can be placed tile by tile (below): all but high_ground (which ranks every
// cell's elevation against its neighbourhood).
bool tileable(Hypothesis h);
// Sites from the area's shape (area_survey.hpp), reading the elevation of only the cells they
// need: uniform placement draws the k-th cell of the shape's row runs and draws again where there
// is no terrain; clustered and grid placements ask whether a cell is in the shape and on terrain;
// each site's elevation is a one-cell read (a batch spread over `world`'s ranks, then shared:
// every rank gets the same sites). high_ground: an error that says so.
Result<std::vector<Site>> make_sites(const DeploymentSpec& spec, const TerrainSource& terrain, const AreaSurvey& survey,
                                     int default_missiles,
                                     Collective* world = nullptr);

}  // namespace skycover
