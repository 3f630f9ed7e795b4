// `skycover viewshed`: the line-of-sight primitive for one site, as a float32 GeoTIFF.
#include <chrono>
#include <cmath>
#include <ctime>
#include <memory>

#include <fmt/format.h>
#include <ogr_spatialref.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"
#include "skycover/terrain/clutter.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace skycover::cli {
namespace {

struct ViewshedArgs {
  std::string dem, out, site_crs, clutter;
  std::vector<std::string> sites;
  bool timing = false;
  double height_agl_m = 2, max_range_m = 6000, refraction_k = 0.13;
  bool feet = false, reference = false;
};

// "X,Y" in `crs` (empty = the terrain's CRS) -> terrain CRS metres.
Result<std::pair<double, double>> site_in_terrain_crs(const std::string& text, const std::string& crs,
                                                      const GridGeometry& grid) {
  double x = 0, y = 0;
  if (!parse_xy(text, x, y))  // checked at parsing (xy_pair); kept for callers outside the CLI parser
    return Status::Invalid(fmt::format("--site '{}': expected X,Y (two numbers separated by a comma)", text));
  if (crs.empty()) return std::make_pair(x, y);
  auto src = parse_crs(crs, "--site-crs");
  if (!src.ok()) return src.status();
  OGRSpatialReference dst;
  if (grid.crs_wkt.empty() || dst.importFromWkt(grid.crs_wkt.c_str()) != OGRERR_NONE)
    return Status::Invalid("--site-crs: the DEM has no usable CRS to transform the site into; give --site in grid metres");
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src.value(), &dst));
  if (!ct || !ct->Transform(1, &x, &y))
    return Status::Invalid(fmt::format("--site '{}': cannot transform from {} to the DEM's CRS: {}", text, crs,
                                       last_gdal_error()));
  return std::make_pair(x, y);
}

// CPU seconds of this process (benchmarks on shared machines: wall time includes waiting).
double process_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

int run_viewshed(const ViewshedArgs& a) {
  const bool many = a.sites.size() > 1;
  if (many && a.out.find("{}") == std::string::npos)
    return report(Status::Invalid(fmt::format(
        "--out '{}': with {} --site options the output name needs a '{{}}' placeholder for the site number "
        "(e.g. viewshed_{{}}.tif)",
        a.out, a.sites.size())));
  TerrainLoadOptions opts;
  opts.unit = a.feet ? ElevationUnit::kFeet : ElevationUnit::kMetres;
  // The DEM is opened, not loaded: each site reads only the window its range reaches.
  auto source = open_terrain_source(a.dem, opts);
  if (!source.ok()) return report(source.status());
  if (!a.clutter.empty()) {  // heights in metres above ground, warped onto the DEM's grid
    source = with_clutter(std::move(source).value(), ClutterSpec{a.clutter, {}});
    if (!source.ok()) return report(Status(source.status().code(), "--clutter: " + source.status().message()));
  }
  const GridGeometry& tg = (*source)->geometry();
  VisibilityModel m;
  m.refraction_k = a.refraction_k;
  ViewshedEngine engine(m, static_cast<int>(a.sites.size()));
  double kernel_s = 0, kernel_cpu_s = 0;
  std::int64_t total_in_range = 0;
  for (std::size_t i = 0; i < a.sites.size(); ++i) {
    auto xy = site_in_terrain_crs(a.sites[i], a.site_crs, tg);
    if (!xy.ok()) return report(xy.status());
    // The site's cell and the (2R+1)^2 cells around it (R = floor(range / cell), the kernel's
    // window), clipped to the grid: all the terrain this viewshed depends on.
    const double col = std::floor(tg.col_of(xy->first)), row = std::floor(tg.row_of(xy->second));
    if (!(col >= 0 && row >= 0 && col < tg.width && row < tg.height))
      return report(Status::OutOfRange(fmt::format("viewshed: site ({:.1f}, {:.1f}) lies outside the DEM; give "
                                                   "coordinates in the DEM's CRS (or pass --site-crs)",
                                                   xy->first, xy->second)));
    const int radius = static_cast<int>(std::min(std::floor(a.max_range_m / tg.cell_size_m), 1e6));
    const TileRect win = TileRect{static_cast<int>(col), static_cast<int>(row), 1, 1}.expanded(radius).intersect(tg.full_rect());
    auto terrain = (*source)->read(win);
    if (!terrain.ok()) return report(terrain.status());
    Observer o;
    // The cell's centre: the window's own geometry then finds the same cell as the whole grid's.
    o.x_m = tg.cell_center_x_m(static_cast<int>(col));
    o.y_m = tg.cell_center_y_m(static_cast<int>(row));
    o.height_agl_m = a.height_agl_m;
    o.max_range_m = a.max_range_m;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = process_cpu_s();
    auto w = engine.compute(*terrain, o, a.reference);
    kernel_cpu_s += process_cpu_s() - c0;
    kernel_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!w.ok()) return report(w.status());
    const GridGeometry g = terrain->geometry().window({w->col0, w->row0, w->width, w->height});
    std::string out = a.out;
    if (many) out.replace(out.find("{}"), 2, std::to_string(i));
    const Status st = write_float_raster(out, g, w->min_visible_agl_m, false,
                                         "minimum visible height above ground (m); nodata = out of range or no DEM");
    if (!st.ok()) return report(st);
    std::int64_t in_range = 0, visible = 0;
    for (float v : w->min_visible_agl_m)
      if (!std::isnan(v)) ++in_range, visible += v <= 0.f;
    total_in_range += in_range;
    say(fmt::format("wrote {} ({}x{} cells; eye {:.1f} m; {:.1f} % of {} in-range cells visible at ground level)\n", out,
               w->width, w->height, w->eye_msl_m, in_range ? 100.0 * visible / in_range : 0.0, in_range));
  }
  if (a.timing)
    say(fmt::format("timing: {} {} viewshed(s), {} in-range site-cells, kernel {:.6f} s ({:.2f} ns per site-cell), "
               "cpu {:.6f} s\n",
               a.sites.size(), a.reference ? "reference" : "fast", total_in_range, kernel_s,
               total_in_range ? kernel_s * 1e9 / total_in_range : 0.0, kernel_cpu_s));
  return 0;
}

}  // namespace

void add_visibility_commands(CLI::App& app, int& exit_code) {
  auto a = std::make_shared<ViewshedArgs>();
  auto* v = app.add_subcommand("viewshed",
                               "Minimum visible height above ground around one site (gdal_viewshed GROUND mode "
                               "semantics, with Earth curvature and refraction), as a float32 GeoTIFF");
  v->add_option("--dem", a->dem, "Any GDAL raster")->required();
  v->add_option("--site", a->sites,
                "Site position X,Y (default: in the DEM's CRS as loaded; lat/lon DEMs load as local UTM). "
                "Repeat for a batch; --out then needs a {} placeholder")
      ->required()
      ->check(xy_pair())
      ->allow_extra_args(false);
  v->add_option("--site-crs", a->site_crs, "CRS of --site, e.g. EPSG:4326 (x = longitude, y = latitude)");
  // The same plausible bounds as a scenario's (docs/scenario.md).
  v->add_option("--height-agl-m", a->height_agl_m, "Eye height above the site's ground (m, 0 to 1000)")
      ->check(number_between(0, 1000, true, "between 0 and 1000 m"));
  v->add_option("--max-range-m", a->max_range_m, "Horizontal radius to compute (m, up to 1,000 km)")
      ->check(number_between(1e-3, 1e6, true, "between 0.001 and 1,000,000 m"));
  v->add_option("--refraction-k", a->refraction_k, "Refraction coefficient k (drop = d^2 (1-k) / 2R), -1 <= k < 1")
      ->check(number_between(-1, 1, false, "at least -1 and below 1 (k = 1 is a flat Earth's optics)"));
  v->add_flag("--feet", a->feet, "DEM elevations are in feet");
  v->add_option("--clutter", a->clutter,
                "Raster of tree and building heights above ground (m; any GDAL raster and CRS): rays see ground + "
                "clutter, the eye stays at ground + height, a target must clear its cell's clutter")
      ->check(non_empty_path());
  v->add_flag("--reference", a->reference, "Use the exact (slow, O(R^3)) reference kernel");
  v->add_option("--out", a->out, "Output GeoTIFF (written atomically)")->required()->check(non_empty_path());
  v->add_flag("--timing", a->timing, "Print the kernel time (excluding DEM loading and writing)");
  v->callback([a, &exit_code] { exit_code = run_viewshed(*a); });
}

}  // namespace skycover::cli
