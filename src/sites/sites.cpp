// Deployment hypotheses -> sites. All randomness is a stateless counter-based stream
// u(seed, stream, index) (SplitMix64 finaliser over the three words), so a site depends only on
// the seed and its own index: same seed => same sites, whatever the thread count or order.
#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <functional>
#include <optional>
#include <limits>
#include <memory>
#include <mutex>
#include <numbers>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <spdlog/spdlog.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/csv.hpp"
#include "skycover/core/random.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/sites/area_survey.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover {
namespace {

// Streams: one per use, so changing how one quantity is drawn never shifts another.
enum Stream : std::uint64_t { kCell = 1, kOffX, kOffY, kCentre, kGauss1, kGauss2, kCellRedraw };

std::string site_id(const DeploymentSpec& spec, std::size_t i) {
  return fmt::format("{}-{}", spec.id_prefix.empty() ? spec.system : spec.id_prefix, i + 1);
}

Site make_site(const DeploymentSpec& spec, std::string id, double x, double y, int default_missiles) {
  Site s;
  s.id = std::move(id);
  s.x_m = x;
  s.y_m = y;
  s.height_agl_m = spec.height_agl_m;
  s.system_index = spec.system_index;
  s.missiles = spec.missiles.value_or(default_missiles);
  return s;
}

Status empty_area(const DeploymentSpec& spec) {
  return Status::Invalid(fmt::format("{}: the analysis area has no valid terrain cells to place sites in; check [area] "
                                     "polygon and that it overlaps the DEM",
                                     spec.source));
}

// Transforms points from a source CRS to the terrain's, built once per file / deployment.
// No source CRS (CSV or centres without `crs`): points are already in terrain coordinates.
// A terrain without a CRS (local grid) cannot receive points from a georeferenced source:
// they are taken as local metres with a warning (and will usually land off the DEM).
class ToTerrain {
 public:
  static Result<ToTerrain> make(const OGRSpatialReference* src, const GridGeometry& g, const std::string& context) {
    ToTerrain t;
    t.context_ = context;
    if (!src) return t;
    if (g.crs_wkt.empty()) {
      spdlog::warn("{}: the terrain has no CRS, so coordinates are taken as its local metres, untransformed", context);
      return t;
    }
    OGRSpatialReference dst;
    if (dst.importFromWkt(g.crs_wkt.c_str()) != OGRERR_NONE) return Status::Internal("terrain CRS WKT could not be parsed");
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (src->IsSame(&dst)) return t;
    OGRSpatialReference s2(*src);
    s2.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    t.ct_.reset(OGRCreateCoordinateTransformation(&s2, &dst));
    if (!t.ct_)
      return Status::Invalid(fmt::format("{}: no transformation from its CRS to the terrain's: {}", context,
                                         last_gdal_error()));
    return t;
  }
  Result<std::pair<double, double>> operator()(double x, double y, std::string_view what) const {
    if (ct_ && !ct_->Transform(1, &x, &y))
      return Status::Invalid(fmt::format("{}: {} ({}, {}) cannot be transformed to the terrain CRS; check the crs "
                                         "(x = easting/longitude, y = northing/latitude)",
                                         context_, what, x, y));
    return std::pair{x, y};
  }

 private:
  std::shared_ptr<OGRCoordinateTransformation> ct_;
  std::string context_;
};

// Clustered: a centre picked with probability proportional to its weight, then an isotropic
// Gaussian offset (Box-Muller) of standard deviation sigma_m; positions outside the area (or on
// nodata) are rejected and redrawn from the next attempt's numbers, at most kMaxTries times.
// Whether cell (col, row) of the grid is inside the analysis area: the whole-grid mask, or a
// tiled run's survey. Placements that only ask this run the same way on both.
using InsideFn = std::function<bool(int col, int row)>;

std::optional<std::pair<int, int>> cell_on(const GridGeometry& g, double x, double y);

Result<std::vector<Site>> clustered_sites(const DeploymentSpec& spec, const GridGeometry& g, const InsideFn& inside,
                                          int default_missiles) {
  constexpr int kMaxTries = 1000;
  std::vector<ClusterCentre> centres = spec.centres;
  if (centres.empty())
    return Status::Invalid(fmt::format("{}: clustered hypothesis needs centres = [[x, y], ...]", spec.source));
  if (spec.crs) {
    SKYCOVER_ASSIGN_OR_RETURN(OGRSpatialReference src, parse_crs(*spec.crs, spec.source + " crs"));
    SKYCOVER_ASSIGN_OR_RETURN(ToTerrain to_terrain, ToTerrain::make(&src, g, spec.source + " centres"));
    for (auto& c : centres) {
      SKYCOVER_ASSIGN_OR_RETURN(auto xy, to_terrain(c.x, c.y, "centre"));
      c.x = xy.first;
      c.y = xy.second;
    }
  }
  double total_w = 0;
  for (const auto& c : centres) total_w += c.weight;
  std::vector<Site> out;
  for (int i = 0; i < spec.count; ++i) {
    bool placed = false;
    for (int a = 0; a < kMaxTries && !placed; ++a) {
      const std::uint64_t idx = static_cast<std::uint64_t>(i) * kMaxTries + a;
      double pick = u01(spec.seed, kCentre, idx) * total_w;
      std::size_t ci = 0;
      while (ci + 1 < centres.size() && pick >= centres[ci].weight) pick -= centres[ci++].weight;
      const double u1 = 1.0 - u01(spec.seed, kGauss1, idx);  // (0, 1]: log is finite
      const double u2 = u01(spec.seed, kGauss2, idx);
      const double r = spec.sigma_m * std::sqrt(-2.0 * std::log(u1));
      const double x = centres[ci].x + r * std::cos(2 * std::numbers::pi * u2);
      const double y = centres[ci].y + r * std::sin(2 * std::numbers::pi * u2);
      const auto cell = cell_on(g, x, y);
      if (!cell || !inside(cell->first, cell->second)) continue;
      out.push_back(make_site(spec, site_id(spec, out.size()), x, y, default_missiles));
      placed = true;
    }
    if (!placed)
      return Status::Invalid(fmt::format(
          "{}: could not place site {} of {} inside the area after {} tries: the cluster centres are too far "
          "from the area (or it is too small for sigma_m = {} m); move the centres into the area, or check their crs",
          spec.source, i + 1, spec.count, kMaxTries, spec.sigma_m));
  }
  return out;
}

// High ground: greedy, deterministic. Cells inside the area are ranked by elevation (highest
// first; ties by cell index) and taken in that order when at least min_separation_m from every
// site already taken. Default separation 0.5 * sqrt(area / count): half the spacing of a square
// lattice of `count` sites over the area, so the sites spread over several summits instead of
// crowding one. The seed is not used. Sites sit at cell centres.
//
// To avoid sorting every cell of a large DEM, cells are visited in elevation bands: a histogram
// of the area's elevations is walked from the top, a group of adjacent bins holding a few
// thousand cells is gathered, sorted and consumed, then the next group. Groups are disjoint
// elevation ranges in descending order, so the visiting order equals that of a full sort.
Result<std::vector<Site>> high_ground_sites(const DeploymentSpec& spec, const Terrain& terrain, const AreaMask& area,
                                            int default_missiles) {
  const auto& g = area.geometry;
  const auto& z = terrain.elevations_m();
  std::int64_t n_inside = 0;
  float zmin = std::numeric_limits<float>::infinity(), zmax = -zmin;
  for (std::size_t i = 0; i < area.inside.size(); ++i)
    if (area.inside[i]) ++n_inside, zmin = std::min(zmin, z[i]), zmax = std::max(zmax, z[i]);
  if (n_inside == 0) return empty_area(spec);
  const double area_m2 = static_cast<double>(n_inside) * g.cell_size_m * g.cell_size_m;
  const double sep = spec.min_separation_m > 0 ? spec.min_separation_m : 0.5 * std::sqrt(area_m2 / spec.count);

  constexpr int kBins = 4096;
  const double bin_scale = zmax > zmin ? kBins / (static_cast<double>(zmax) - zmin) : 0.0;
  auto bin_of = [&](float v) { return std::min(kBins - 1, static_cast<int>((v - zmin) * bin_scale)); };
  std::vector<std::int64_t> hist(kBins, 0);
  for (std::size_t i = 0; i < area.inside.size(); ++i)
    if (area.inside[i]) ++hist[bin_of(z[i])];

  // Bucket grid of side >= sep: a neighbour closer than sep lies in the 3x3 buckets around.
  const double bucket = std::max(sep, g.cell_size_m);
  std::unordered_map<std::int64_t, std::vector<std::size_t>> buckets;
  auto hkey = [](std::int64_t bx, std::int64_t by) { return bx * 1'000'003 + by; };
  std::vector<Site> out;
  const std::int64_t group_target = std::max<std::int64_t>(4096, std::int64_t{64} * spec.count);
  std::vector<std::int64_t> group;
  for (int hi = kBins - 1; hi >= 0 && static_cast<int>(out.size()) < spec.count;) {
    int lo = hi;
    std::int64_t n = hist[hi];
    while (lo > 0 && n < group_target) n += hist[--lo];
    group.clear();
    for (std::size_t i = 0; i < area.inside.size(); ++i)
      if (area.inside[i]) {
        const int b = bin_of(z[i]);
        if (b >= lo && b <= hi) group.push_back(static_cast<std::int64_t>(i));
      }
    std::stable_sort(group.begin(), group.end(), [&](std::int64_t a, std::int64_t b) { return z[a] > z[b]; });
    for (std::int64_t cell : group) {
      if (static_cast<int>(out.size()) == spec.count) break;
      const int col = static_cast<int>(cell % g.width), row = static_cast<int>(cell / g.width);
      const double x = g.cell_center_x_m(col), y = g.cell_center_y_m(row);
      const auto bx = static_cast<std::int64_t>(std::floor((x - g.origin_x_m) / bucket));
      const auto by = static_cast<std::int64_t>(std::floor((g.origin_y_m - y) / bucket));
      bool clear = true;
      for (std::int64_t dx = -1; dx <= 1 && clear; ++dx)
        for (std::int64_t dy = -1; dy <= 1 && clear; ++dy) {
          auto it = buckets.find(hkey(bx + dx, by + dy));
          if (it == buckets.end()) continue;
          for (std::size_t s : it->second)
            if (std::hypot(out[s].x_m - x, out[s].y_m - y) < sep) {
              clear = false;
              break;
            }
        }
      if (!clear) continue;
      buckets[hkey(bx, by)].push_back(out.size());
      out.push_back(make_site(spec, site_id(spec, out.size()), x, y, default_missiles));
    }
    hi = lo - 1;
  }
  if (static_cast<int>(out.size()) < spec.count)
    return Status::Invalid(fmt::format("{}: only {} of {} high-ground sites fit in the area at a minimum separation of "
                                       "{:.0f} m; lower min_separation_m or count",
                                       spec.source, out.size(), spec.count, sep));
  return out;
}

// Grid: lattice points x = origin_x + (i + 1/2) spacing, y = origin_y - (j + 1/2) spacing (anchored
// on the terrain's north-west corner) that fall in cells inside the area, in row-major order.
// count, if given and smaller than the lattice, keeps points floor(k * n / count), k = 0..count-1:
// an even thinning over the whole lattice, not its northern rows only.
Result<std::vector<Site>> grid_sites(const DeploymentSpec& spec, const GridGeometry& g, const InsideFn& inside,
                                     int default_missiles) {
  const double w_m = g.width * g.cell_size_m, h_m = g.height * g.cell_size_m;
  std::vector<std::pair<double, double>> pts;
  // Integer lattice indices (not an accumulating float step) so positions are exact multiples.
  const auto nj = static_cast<std::int64_t>(std::ceil(h_m / spec.spacing_m - 0.5));
  const auto ni = static_cast<std::int64_t>(std::ceil(w_m / spec.spacing_m - 0.5));
  for (std::int64_t j = 0; j < nj; ++j)
    for (std::int64_t i = 0; i < ni; ++i) {
      const double x = g.origin_x_m + (static_cast<double>(i) + 0.5) * spec.spacing_m;
      const double y = g.origin_y_m - (static_cast<double>(j) + 0.5) * spec.spacing_m;
      const auto cell = cell_on(g, x, y);
      if (cell && inside(cell->first, cell->second)) pts.emplace_back(x, y);
    }
  if (pts.empty())
    return Status::Invalid(fmt::format("{}: no grid point at spacing_m = {} falls inside the area; lower spacing_m",
                                       spec.source, spec.spacing_m));
  std::vector<Site> out;
  const std::size_t n = pts.size();
  const std::size_t keep = spec.count > 0 ? std::min<std::size_t>(n, spec.count) : n;
  for (std::size_t k = 0; k < keep; ++k) {
    const auto& p = pts[keep == n ? k : k * n / keep];
    out.push_back(make_site(spec, site_id(spec, out.size()), p.first, p.second, default_missiles));
  }
  return out;
}

// Per-site values read from a file obey the same bounds as the scenario's own
// [[deployments]] height_agl_m (0..1000 m) and missiles (whole number 1..1000); see scenario.cpp.
constexpr int kMaxMissilesPerSite = 1000;
constexpr double kMaxSiteHeightAglM = 1000;  // a launcher on a tower or a roof, not in the air

Status check_height_agl(double h, const std::string& where) {
  if (h >= 0 && h <= kMaxSiteHeightAglM) return Status::Ok();
  return Status::Invalid(fmt::format("{}: height_agl_m is {:.6g}; it must be 0 to {:g} (metres above the ground: the "
                                     "eye cannot be underground, and a launcher stands on a roof or tower at most)",
                                     where, h, kMaxSiteHeightAglM));
}

Result<int> check_missiles(double m, const std::string& where) {
  // Checked in double before any conversion: casting an out-of-range double to int is UB.
  if (m >= 1 && m <= kMaxMissilesPerSite && m == std::floor(m)) return static_cast<int>(m);
  return Status::Invalid(fmt::format("{}: missiles is {}; it must be a whole number from 1 to {}", where, m,
                                     kMaxMissilesPerSite));
}

struct RawPoint {
  std::string id;
  double x = 0, y = 0;
  std::optional<double> height_agl_m;
  std::optional<int> missiles;
};

// CSV with a header naming id, x, y and optionally height_agl_m, missiles (any order).
Result<std::vector<RawPoint>> read_csv_points(const std::filesystem::path& path, const std::string& context) {
  SKYCOVER_RETURN_IF_ERROR(check_input_file(path, fmt::format("{}: site file", context)));
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line))
    return Status::Invalid(fmt::format("{}: {} is empty; expected a header id,x,y[,height_agl_m][,missiles]", context,
                                       path.string()));
  const std::string header_line(strip_utf8_bom(line));
  const auto header = split_csv_line(header_line);
  auto col = [&](std::string_view name) -> int {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return static_cast<int>(i);
    return -1;
  };
  if (const std::string dup = duplicate_csv_column(header); !dup.empty())
    return Status::Invalid(fmt::format("{}: {} header names the column '{}' twice; keep one", context, path.string(), dup));
  const int ci = col("id"), cx = col("x"), cy = col("y"), ch = col("height_agl_m"), cm = col("missiles");
  if (ci < 0 || cx < 0 || cy < 0)
    return Status::Invalid(fmt::format("{}: {} header must name the columns id, x, y (got '{}')", context,
                                       path.string(), header_line));
  std::vector<RawPoint> pts;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
    const auto f = split_csv_line(line);
    auto field = [&](int c) -> std::string {
      return c >= 0 && c < static_cast<int>(f.size()) ? std::string(f[c]) : std::string();
    };
    auto num = [&](int c, const char* name) -> Result<double> {
      const std::string s = field(c);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !std::isfinite(v))
        return Status::Invalid(fmt::format("{}: {}:{}: column {} is '{}', expected a number", context, path.string(),
                                           lineno, name, s));
      return v;
    };
    RawPoint p;
    p.id = field(ci);
    SKYCOVER_ASSIGN_OR_RETURN(p.x, num(cx, "x"));
    SKYCOVER_ASSIGN_OR_RETURN(p.y, num(cy, "y"));
    if (ch >= 0 && !field(ch).empty()) {
      SKYCOVER_ASSIGN_OR_RETURN(double h, num(ch, "height_agl_m"));
      SKYCOVER_RETURN_IF_ERROR(check_height_agl(h, fmt::format("{}: {}:{}", context, path.string(), lineno)));
      p.height_agl_m = h;
    }
    if (cm >= 0 && !field(cm).empty()) {
      SKYCOVER_ASSIGN_OR_RETURN(double m, num(cm, "missiles"));
      SKYCOVER_ASSIGN_OR_RETURN(p.missiles, check_missiles(m, fmt::format("{}: {}:{}", context, path.string(), lineno)));
    }
    pts.push_back(std::move(p));
  }
  return pts;
}

// Points from any OGR vector (GeoJSON, GeoPackage, Shapefile...). Returns the layer CRS too.
Result<std::vector<RawPoint>> read_vector_points(const std::filesystem::path& path, const std::string& context,
                                                 std::optional<OGRSpatialReference>& layer_srs) {
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr ds,
                            open_vector_input(path, fmt::format("{}: site file", context),
                                              "GeoJSON, GeoPackage or Shapefile points (fields id, height_agl_m, "
                                              "missiles), or CSV with a header id,x,y"));
  std::vector<RawPoint> pts;
  int feature_index = 0;  // 0-based over the file, as GeoJSON viewers count "features[i]"
  for (OGRLayer* layer : ds->GetLayers()) {
    if (const auto* srs = layer->GetSpatialRef(); srs && !layer_srs) layer_srs = *srs;
    const OGRFeatureDefn* defn = layer->GetLayerDefn();
    const int fi = defn->GetFieldIndex("id"), fh = defn->GetFieldIndex("height_agl_m"),
              fm = defn->GetFieldIndex("missiles");
    layer->ResetReading();
    for (auto& feature : *layer) {
      const OGRGeometry* geom = feature->GetGeometryRef();
      if (!geom || wkbFlatten(geom->getGeometryType()) != wkbPoint)
        return Status::Invalid(fmt::format("{}: {}: feature {} is not a Point; site files hold points only", context,
                                           path.string(), feature->GetFID()));
      RawPoint p;
      p.id = fi >= 0 && feature->IsFieldSetAndNotNull(fi) ? feature->GetFieldAsString(fi)
                                                          : fmt::format("{}", feature->GetFID());
      p.x = geom->toPoint()->getX();
      p.y = geom->toPoint()->getY();
      const std::string where = fmt::format("{}: {}: feature {} (id '{}')", context, path.string(), feature_index, p.id);
      if (fh >= 0 && feature->IsFieldSetAndNotNull(fh)) {
        const double h = feature->GetFieldAsDouble(fh);
        SKYCOVER_RETURN_IF_ERROR(check_height_agl(h, where));
        p.height_agl_m = h;
      }
      if (fm >= 0 && feature->IsFieldSetAndNotNull(fm)) {
        // As a double: GetFieldAsInteger would saturate or truncate 1e12 or 2.5 silently.
        SKYCOVER_ASSIGN_OR_RETURN(p.missiles, check_missiles(feature->GetFieldAsDouble(fm), where));
      }
      ++feature_index;
      pts.push_back(std::move(p));
    }
  }
  return pts;
}

Result<std::vector<Site>> file_sites(const DeploymentSpec& spec, const GridGeometry& g, int default_missiles) {
  if (!spec.file) return Status::Invalid(fmt::format("{}: file deployment without a file", spec.source));
  const auto& path = *spec.file;
  const std::string ext = lower_extension(path);
  std::optional<OGRSpatialReference> srs;
  std::vector<RawPoint> raw;
  if (ext == ".csv" || ext == ".txt") {
    SKYCOVER_ASSIGN_OR_RETURN(raw, read_csv_points(path, spec.source));
  } else {
    SKYCOVER_ASSIGN_OR_RETURN(raw, read_vector_points(path, spec.source, srs));
  }
  if (spec.crs) {  // the scenario's crs wins over the file's own
    SKYCOVER_ASSIGN_OR_RETURN(OGRSpatialReference s, parse_crs(*spec.crs, spec.source + " crs"));
    srs = s;
  }
  SKYCOVER_ASSIGN_OR_RETURN(ToTerrain to_terrain, ToTerrain::make(srs ? &*srs : nullptr, g,
                                                                  fmt::format("{} ({})", spec.source, path.string())));
  std::vector<Site> out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const auto& p = raw[i];
    SKYCOVER_ASSIGN_OR_RETURN(auto xy, to_terrain(p.x, p.y, fmt::format("site '{}'", p.id)));
    Site s = make_site(spec, p.id.empty() ? site_id(spec, i) : p.id, xy.first, xy.second, default_missiles);
    if (p.height_agl_m) s.height_agl_m = *p.height_agl_m;
    if (p.missiles) s.missiles = *p.missiles;
    out.push_back(std::move(s));
  }
  if (out.empty()) return Status::Invalid(fmt::format("{}: {} holds no sites", spec.source, path.string()));
  return out;
}

}  // namespace

std::optional<LauncherPosition> launcher_position(const Site& site, const Terrain& terrain) {
  const auto cell = terrain.cell_of(site.x_m, site.y_m);
  if (!cell) return std::nullopt;
  const auto& g = terrain.geometry();
  LauncherPosition p;
  p.col = cell->first;
  p.row = cell->second;
  p.x_m = g.cell_center_x_m(p.col);
  p.y_m = g.cell_center_y_m(p.row);
  p.ground_msl_m = terrain.elevation_m(p.col, p.row);
  p.eye_msl_m = p.ground_msl_m + site.height_agl_m;
  return p;
}

std::string_view hypothesis_name(Hypothesis h) {
  switch (h) {
    case Hypothesis::kUniform: return "uniform";
    case Hypothesis::kClustered: return "clustered";
    case Hypothesis::kHighGround: return "high_ground";
    case Hypothesis::kGrid: return "grid";
    case Hypothesis::kFile: return "file";
  }
  return "unknown";
}

namespace {

// What the terrain and the area say at a site's cell.
struct PointInfo {
  bool valid = false;   // on the grid and not nodata
  double ground_m = 0;  // the cell's elevation
  bool inside = false;  // inside the analysis area
};

// Ground elevation from the site's cell; sites off the grid or on nodata are invalid (an error
// listing them, or dropped with a warning); file sites outside the area are kept with a warning.
Result<std::vector<Site>> finish_sites(const DeploymentSpec& spec, std::vector<Site> made,
                                       const std::vector<PointInfo>& info) {
  std::vector<Site> out;
  std::vector<std::string> bad, outside;
  for (std::size_t i = 0; i < made.size(); ++i) {
    Site& s = made[i];
    if (!info[i].valid) {
      bad.push_back(s.id);
      continue;
    }
    s.ground_msl_m = info[i].ground_m;
    s.readiness = spec.readiness;
    if (!info[i].inside) outside.push_back(s.id);
    out.push_back(std::move(s));
  }
  if (!bad.empty()) {
    const std::string list = fmt::format("{}", fmt::join(bad.begin(), bad.begin() + std::min<std::size_t>(bad.size(), 20), ", "));
    const std::string more = bad.size() > 20 ? fmt::format(" and {} more", bad.size() - 20) : "";
    if (!spec.drop_invalid_sites)
      return Status::OutOfRange(fmt::format("{}: {} site(s) lie off the DEM or on nodata: {}{}; fix their coordinates "
                                            "(and crs), or set drop_invalid_sites = true to drop them with a warning",
                                            spec.source, bad.size(), list, more));
    if (out.empty())  // nothing left to analyse: an answer of "0 % covered" would mislead
      return Status::OutOfRange(fmt::format("{}: all {} site(s) lie off the DEM or on nodata ({}{}), so none is left "
                                            "after drop_invalid_sites; check their coordinates and crs against the DEM",
                                            spec.source, bad.size(), list, more));
    spdlog::warn("{}: dropped {} site(s) off the DEM or on nodata: {}{}", spec.source, bad.size(), list, more);
  }
  // Generated sites always lie inside the area; sites read from a file may not. They are kept
  // (they still reach into the area) but do not count in the flat-ground expectation.
  if (spec.hypothesis == Hypothesis::kFile && !outside.empty())
    spdlog::warn("{}: {} of {} site(s) lie outside the analysis area ([area]): {}{}; they are kept and may cover "
                 "cells inside it, but do not count in the flat-ground expectation",
                 spec.source, outside.size(), out.size(),
                 fmt::join(outside.begin(), outside.begin() + std::min<std::size_t>(outside.size(), 20), ", "),
                 outside.size() > 20 ? fmt::format(" and {} more", outside.size() - 20) : std::string());
  return out;
}

// The cell of (x, y) on g (Terrain::cell_of's rule), or nullopt off the grid.
std::optional<std::pair<int, int>> cell_on(const GridGeometry& g, double x, double y) {
  const double c = std::floor(g.col_of(x)), r = std::floor(g.row_of(y));
  if (!(c >= 0 && r >= 0 && c < g.width && r < g.height)) return std::nullopt;
  return std::make_pair(static_cast<int>(c), static_cast<int>(r));
}

// The ground of grid cells, read one cell at a time (sites are few; each read decodes one block),
// each cell once. fetch() spreads a batch's reads over the ranks (each a contiguous run of the
// batch in Z-order) and shares them, so every rank knows every value; valid() reads a cell alone (every
// rank reads it: clustered and grid placements ask cell by cell). A read error is kept and
// reported by status().
class CellGround {
 public:
  CellGround(const TerrainSource& terrain, Collective& ranks) : terrain_(terrain), ranks_(ranks) {}

  Status fetch(const std::vector<std::pair<int, int>>& wanted) {
    std::vector<std::pair<int, int>> cells;  // those not known yet, each once (the same on every rank)
    for (const auto& [c, r] : wanted)
      if (!known_.contains(key(c, r))) cells.emplace_back(c, r);
    // In Z-order, so that the cells of one DEM block are read one after another and decode it
    // once (GDAL's block cache keeps it): a country's 5,000 sites fall in ~1,000 blocks of
    // 1024^2 (Copernicus GLO-30's COGs), each of which costs ~10 ms to decode.
    std::sort(cells.begin(), cells.end(), [](const auto& a, const auto& b) {
      return z_order(a.first, a.second) < z_order(b.first, b.second);
    });
    cells.erase(std::unique(cells.begin(), cells.end()), cells.end());
    if (cells.empty()) return Status::Ok();
    // Shared as the float's bits (>= 0), -1 for no terrain, and the lowest int64 where another
    // rank read it: the maximum over ranks is the reader's value.
    constexpr std::int64_t kNotMine = std::numeric_limits<std::int64_t>::min();
    std::vector<std::int64_t> bits(cells.size(), kNotMine);
    Status read = Status::Ok();
    // Each rank reads one contiguous run of the sorted cells (its blocks stay its own).
    const std::size_t n = cells.size(), ranks = static_cast<std::size_t>(ranks_.size());
    const std::size_t me = static_cast<std::size_t>(ranks_.rank());
    // Its threads read in parallel, each on a GDAL handle of its own (terrain_source.hpp), in
    // contiguous parts of the run. The error reported is the first in the run's order.
    std::mutex failed;
    std::size_t first_failed = n;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(me * n / ranks, (me + 1) * n / ranks, 16),
                      [&](const tbb::blocked_range<std::size_t>& part) {
                        for (std::size_t i = part.begin(); i != part.end(); ++i) {
                          auto z = read_cell(cells[i].first, cells[i].second);
                          if (z.ok()) {
                            bits[i] = std::isnan(*z) ? -1 : static_cast<std::int64_t>(std::bit_cast<std::uint32_t>(*z));
                            continue;
                          }
                          const std::lock_guard<std::mutex> lock(failed);
                          if (i < first_failed) first_failed = i, read = z.status();
                          return;
                        }
                      });
    SKYCOVER_RETURN_IF_ERROR(ranks_.agree(read));
    SKYCOVER_RETURN_IF_ERROR(ranks_.reduce(bits, Collective::Op::kMax));
    for (std::size_t i = 0; i < cells.size(); ++i)
      known_[key(cells[i].first, cells[i].second)] =
          bits[i] < 0 ? kNoTerrain : std::bit_cast<float>(static_cast<std::uint32_t>(bits[i]));
    return Status::Ok();
  }
  // NaN: no terrain (or a read error, kept for status()).
  float at(int col, int row) {
    if (const auto it = known_.find(key(col, row)); it != known_.end()) return it->second;
    auto z = read_cell(col, row);
    if (!z.ok()) {
      if (error_.ok()) error_ = z.status();
      return kNoTerrain;
    }
    return known_[key(col, row)] = *z;
  }
  bool valid(int col, int row) { return !std::isnan(at(col, row)); }
  const Status& status() const { return error_; }

 private:
  static constexpr float kNoTerrain = std::numeric_limits<float>::quiet_NaN();
  std::int64_t key(int col, int row) const {
    return std::int64_t{row} * terrain_.geometry().width + col;
  }
  Result<float> read_cell(int col, int row) const {
    SKYCOVER_ASSIGN_OR_RETURN(const Terrain z, terrain_.read({col, row, 1, 1}));
    return z.is_valid(0, 0) ? z.elevations_m()[0] : kNoTerrain;
  }
  const TerrainSource& terrain_;
  Collective& ranks_;
  std::unordered_map<std::int64_t, float> known_;
  Status error_ = Status::Ok();
};

// Uniform: a cell drawn uniformly among the cells of the area's shape (the survey's row runs),
// drawn again while it has no terrain (sea, voids), then a uniform position inside that cell:
// uniform density over the area's valid cells (to cell resolution at the boundary), with the
// elevation of only the drawn cells read. Draw 0 of site i is u(seed, kCell, i); redraws use their
// own stream, so an area without nodata places exactly what a draw-once rule places. The redraws
// go in rounds over the sites still unplaced, each round's reads spread over the ranks.
Result<std::vector<Site>> uniform_sites(const DeploymentSpec& spec, const AreaSurvey& survey, CellGround& ground,
                                        int default_missiles) {
  constexpr int kMaxDraws = 1000;
  const std::int64_t total = survey.inside_cells();
  if (total == 0) return empty_area(spec);
  const auto& g = survey.grid;
  std::vector<std::pair<int, int>> cell(static_cast<std::size_t>(std::max(0, spec.count)));
  std::vector<int> pending(cell.size());
  std::iota(pending.begin(), pending.end(), 0);
  for (int draw = 0; draw < kMaxDraws && !pending.empty(); ++draw) {
    std::vector<std::pair<int, int>> batch;
    for (const int i : pending) {
      const double u = draw == 0 ? u01(spec.seed, kCell, static_cast<std::uint64_t>(i))
                                 : u01(spec.seed, kCellRedraw, static_cast<std::uint64_t>(i) * kMaxDraws + draw);
      const auto k = static_cast<std::int64_t>(u * static_cast<double>(total));
      cell[static_cast<std::size_t>(i)] = survey.cell(std::min(k, total - 1));
      batch.push_back(cell[static_cast<std::size_t>(i)]);
    }
    SKYCOVER_RETURN_IF_ERROR(ground.fetch(batch));
    std::erase_if(pending, [&](int i) {
      const auto [c, r] = cell[static_cast<std::size_t>(i)];
      return ground.valid(c, r);
    });
  }
  if (!pending.empty())
    return Status::Invalid(fmt::format(
        "{}: could not place site {} of {}: {} cells drawn inside the area had no terrain (nodata: sea or voids); the "
        "[area] polygon covers almost no valid DEM cells: draw it over the land the DEM covers",
        spec.source, pending.front() + 1, spec.count, kMaxDraws));
  std::vector<Site> out;
  for (int i = 0; i < spec.count; ++i) {
    const auto [col, row] = cell[static_cast<std::size_t>(i)];
    const double x = g.origin_x_m + (col + u01(spec.seed, kOffX, i)) * g.cell_size_m;
    const double y = g.origin_y_m - (row + u01(spec.seed, kOffY, i)) * g.cell_size_m;
    out.push_back(make_site(spec, site_id(spec, out.size()), x, y, default_missiles));
  }
  return out;
}

}  // namespace

Result<std::vector<Site>> make_sites(const DeploymentSpec& spec, const Terrain& terrain, const AreaMask& area,
                                     int default_missiles, const AreaSurvey* shape) {
  if (spec.hypothesis != Hypothesis::kHighGround) {
    // The placement a tiled run makes, on the grid in memory: the same sites either way.
    const InMemoryTerrainSource source(terrain);
    if (shape) return make_sites(spec, source, *shape, default_missiles);
    SKYCOVER_ASSIGN_OR_RETURN(const AreaSurvey own, survey_area(AreaSource::from_mask(area), terrain.geometry(), 0));
    return make_sites(spec, source, own, default_missiles);
  }
  SKYCOVER_ASSIGN_OR_RETURN(auto made, high_ground_sites(spec, terrain, area, default_missiles));
  const bool area_on_grid = area.inside.size() == static_cast<std::size_t>(area.geometry.cell_count());
  std::vector<PointInfo> info;
  for (const Site& s : made) {
    PointInfo p;
    if (const auto cell = terrain.cell_of(s.x_m, s.y_m); cell && terrain.is_valid(cell->first, cell->second)) {
      p.valid = true;
      p.ground_m = terrain.elevation_m(cell->first, cell->second);
      p.inside = !area_on_grid || area.contains(cell->first, cell->second);
    }
    info.push_back(p);
  }
  return finish_sites(spec, std::move(made), info);
}

bool tileable(Hypothesis h) { return h != Hypothesis::kHighGround; }

Result<std::vector<Site>> make_sites(const DeploymentSpec& spec, const TerrainSource& terrain, const AreaSurvey& survey,
                                     int default_missiles, Collective* world) {
  if (!tileable(spec.hypothesis))
    return Status::Invalid(fmt::format(
        "{}: hypothesis '{}' places sites from the whole grid at once, and this run is tiled (--tile-cells, or the "
        "whole grid does not fit --memory-mb); tiled runs place uniform, clustered, grid and file deployments: use one "
        "of those, or raise --memory-mb so that the whole grid fits",
        spec.source, hypothesis_name(spec.hypothesis)));
  SoloCollective solo;
  CellGround ground(terrain, world ? *world : solo);
  // Inside: in the area's shape and on terrain (the cell's elevation read once, by every rank).
  const InsideFn in_area = [&](int c, int r) { return survey.inside(c, r) && ground.valid(c, r); };
  Result<std::vector<Site>> made = Status::Internal("unreachable");
  switch (spec.hypothesis) {
    case Hypothesis::kUniform: made = uniform_sites(spec, survey, ground, default_missiles); break;
    case Hypothesis::kClustered: made = clustered_sites(spec, terrain.geometry(), in_area, default_missiles); break;
    case Hypothesis::kGrid: made = grid_sites(spec, terrain.geometry(), in_area, default_missiles); break;
    case Hypothesis::kFile: made = file_sites(spec, terrain.geometry(), default_missiles); break;
    case Hypothesis::kHighGround: break;  // refused above
  }
  SKYCOVER_RETURN_IF_ERROR(ground.status());
  if (!made.ok()) return made.status();
  // Each site's cell: those not read yet (file sites) in one batch over the ranks.
  const GridGeometry& g = terrain.geometry();
  std::vector<std::pair<int, int>> cells;
  for (const Site& s : *made)
    if (const auto cell = cell_on(g, s.x_m, s.y_m)) cells.push_back(*cell);
  SKYCOVER_RETURN_IF_ERROR(ground.fetch(cells));
  std::vector<PointInfo> info(made->size());
  for (std::size_t i = 0; i < made->size(); ++i) {
    const auto cell = cell_on(g, (*made)[i].x_m, (*made)[i].y_m);
    if (!cell || !ground.valid(cell->first, cell->second)) continue;
    info[i] = {true, ground.at(cell->first, cell->second), survey.inside(cell->first, cell->second)};
  }
  return finish_sites(spec, std::move(made).value(), info);
}

}  // namespace skycover
