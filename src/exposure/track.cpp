#include "skycover/exposure/track.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/csv.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

double Track::length_m() const {
  double s = 0;
  for (std::size_t i = 1; i < samples.size(); ++i)
    s += std::hypot(samples[i].x_m - samples[i - 1].x_m, samples[i].y_m - samples[i - 1].y_m);
  return s;
}

namespace {

std::string track_label(const TrackSpec& spec) {
  return spec.source.empty() ? fmt::format("track '{}'", spec.id) : fmt::format("{} (track '{}')", spec.source, spec.id);
}

struct CtDeleter {
  void operator()(OGRCoordinateTransformation* ct) const { OGRCoordinateTransformation::DestroyCT(ct); }
};
using CtPtr = std::unique_ptr<OGRCoordinateTransformation, CtDeleter>;

// Transform waypoints from `src` into the terrain CRS in place. No-op when src is unset.
Status reproject(std::vector<TrackWaypoint>& pts, const OGRSpatialReference* src, const std::string& terrain_crs_wkt,
                 const std::string& what) {
  if (src == nullptr) return Status::Ok();
  if (terrain_crs_wkt.empty()) {
    return Status::Invalid(fmt::format(
        "{}: coordinates are in a CRS but the terrain has none (a local metric grid); give the track in the "
        "terrain's grid coordinates and remove 'crs'",
        what));
  }
  OGRSpatialReference dst;
  if (dst.importFromWkt(terrain_crs_wkt.c_str()) != OGRERR_NONE)
    return Status::Internal(fmt::format("{}: the terrain CRS could not be parsed", what));
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  if (src->IsSame(&dst)) return Status::Ok();
  CtPtr ct(OGRCreateCoordinateTransformation(src, &dst));
  if (!ct) {
    return Status::Invalid(
        fmt::format("{}: cannot transform from the track's CRS to the terrain's: {}", what, last_gdal_error()));
  }
  for (std::size_t i = 0; i < pts.size(); ++i) {
    double x = pts[i].x_m, y = pts[i].y_m;
    if (!ct->Transform(1, &x, &y) || !std::isfinite(x) || !std::isfinite(y)) {
      return Status::Invalid(fmt::format("{}: waypoint {} ({}, {}) cannot be transformed to the terrain CRS; "
                                         "check the coordinates and the CRS (lon/lat order for EPSG:4326 is x=lon)",
                                         what, i + 1, pts[i].x_m, pts[i].y_m));
    }
    pts[i].x_m = x;
    pts[i].y_m = y;
  }
  return Status::Ok();
}

void append_line(const OGRLineString& line, std::vector<TrackWaypoint>& out) {
  for (int i = 0; i < line.getNumPoints(); ++i) out.push_back({line.getX(i), line.getY(i), {}, {}});
}

Result<std::vector<TrackWaypoint>> read_vector_track(const TrackSpec& spec, const std::string& terrain_crs_wkt) {
  const fs::path& path = *spec.file;
  const std::string what = fmt::format("{}: file {}", track_label(spec), path.string());
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr ds,
                            open_vector_input(path, fmt::format("{}: file", track_label(spec)),
                                              "GeoJSON with a LineString, or CSV with columns "
                                              "x,y[,altitude_m][,speed_mps]"));
  // One track = one line feature. Several features (or the parts of a MultiLineString that do
  // not meet end to start) are separate lines: joining them would invent a leg between them
  // that nobody flew, so it is an error instead of a guess (docs/exposure.md, "Track files").
  std::vector<TrackWaypoint> pts;
  const OGRSpatialReference* file_srs = nullptr;
  int line_features = 0;
  for (OGRLayer* layer : ds->GetLayers()) {
    if (!file_srs) file_srs = layer->GetSpatialRef();
    for (const auto& feature : *layer) {
      const OGRGeometry* g = feature->GetGeometryRef();
      if (!g) continue;
      const auto type = wkbFlatten(g->getGeometryType());
      if (type != wkbLineString && type != wkbMultiLineString)
        return Status::Invalid(fmt::format(
            "{}: feature {} has geometry type {}, expected LineString or MultiLineString", what,
            static_cast<long long>(feature->GetFID()), OGRGeometryTypeToName(g->getGeometryType())));
      if (++line_features > 1)
        return Status::Invalid(fmt::format(
            "{}: holds more than one line feature; a track file must hold exactly one LineString (or one "
            "MultiLineString whose parts join end to start), since joining separate lines would invent legs "
            "between them. Put each line in its own file and its own [[tracks]] entry, or merge them into one "
            "LineString",
            what));
      if (type == wkbLineString) {
        append_line(*g->toLineString(), pts);
        continue;
      }
      int part = 0;
      for (const OGRLineString* line : *g->toMultiLineString()) {
        if (part > 0 && !pts.empty() && line->getNumPoints() > 0 &&
            (line->getX(0) != pts.back().x_m || line->getY(0) != pts.back().y_m))
          return Status::Invalid(fmt::format(
              "{}: MultiLineString part {} starts at ({}, {}) but part {} ends at ({}, {}); only parts that join "
              "end to start form one track. Split the parts into separate [[tracks]] entries, or close the gap",
              what, part + 1, line->getX(0), line->getY(0), part, pts.back().x_m, pts.back().y_m));
        append_line(*line, pts);
        ++part;
      }
    }
  }
  if (pts.size() < 2)
    return Status::Invalid(fmt::format("{}: found {} line vertices; a track needs a LineString with >= 2 points", what,
                                       pts.size()));
  OGRSpatialReference srs;
  const OGRSpatialReference* src = nullptr;
  if (spec.crs) {
    SKYCOVER_ASSIGN_OR_RETURN(srs, parse_crs(*spec.crs, track_label(spec) + ": crs"));
    src = &srs;
  } else if (file_srs) {
    srs = *file_srs;
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    src = &srs;
  }
  SKYCOVER_RETURN_IF_ERROR(reproject(pts, src, terrain_crs_wkt, what));
  return pts;
}

// CSV waypoints. Parsed by hand (not OGR) so errors can name the line and column.
Result<std::vector<TrackWaypoint>> read_csv_track(const TrackSpec& spec, const std::string& terrain_crs_wkt) {
  const fs::path& path = *spec.file;
  SKYCOVER_ASSIGN_OR_RETURN(std::string text, read_file(path, fmt::format("{}: file", track_label(spec))));
  const std::string file = path.string();
  std::istringstream in(std::string(strip_utf8_bom(text)));
  std::string line;
  int lineno = 0;
  int cx = -1, cy = -1, calt = -1, cspeed = -1;
  bool have_header = false;
  std::vector<TrackWaypoint> pts;
  while (std::getline(in, line)) {
    ++lineno;
    std::string_view lv = trim_csv_field(line);
    if (lv.empty() || lv.front() == '#') continue;
    auto cols = split_csv_line(lv);
    if (!have_header) {
      if (const std::string dup = duplicate_csv_column(cols); !dup.empty())
        return Status::Invalid(fmt::format("{}:{}: the header names the column '{}' twice; keep one ({})", file, lineno,
                                           dup, track_label(spec)));
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
        if (cols[i] == "x") cx = i;
        else if (cols[i] == "y") cy = i;
        else if (cols[i] == "altitude_m") calt = i;
        else if (cols[i] == "speed_mps") cspeed = i;
      }
      if (cx < 0 || cy < 0) {
        return Status::Invalid(fmt::format("{}:{}: header must name columns x and y (optionally altitude_m, "
                                           "speed_mps), e.g. 'x,y,altitude_m,speed_mps' ({})",
                                           file, lineno, track_label(spec)));
      }
      have_header = true;
      continue;
    }
    auto number = [&](int col, const char* name) -> Result<std::optional<double>> {
      if (col < 0) return std::optional<double>{};
      if (col >= static_cast<int>(cols.size()) || cols[col].empty()) {
        if (col == cx || col == cy)
          return Status::Invalid(fmt::format("{}:{}: column '{}' is empty; every waypoint needs x and y", file,
                                             lineno, name));
        return std::optional<double>{};
      }
      double v = 0;
      const auto sv = cols[col];
      auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), v);
      if (ec != std::errc() || p != sv.data() + sv.size() || !std::isfinite(v))
        return Status::Invalid(fmt::format("{}:{}: column '{}': '{}' is not a number", file, lineno, name, sv));
      return std::optional<double>{v};
    };
    TrackWaypoint w;
    SKYCOVER_ASSIGN_OR_RETURN(auto x, number(cx, "x"));
    SKYCOVER_ASSIGN_OR_RETURN(auto y, number(cy, "y"));
    SKYCOVER_ASSIGN_OR_RETURN(w.altitude_m, number(calt, "altitude_m"));
    SKYCOVER_ASSIGN_OR_RETURN(w.speed_mps, number(cspeed, "speed_mps"));
    w.x_m = *x;
    w.y_m = *y;
    if (w.speed_mps && !(*w.speed_mps > 0))
      return Status::Invalid(fmt::format("{}:{}: column 'speed_mps' must be > 0, got {}", file, lineno, *w.speed_mps));
    pts.push_back(w);
  }
  if (pts.size() < 2)
    return Status::Invalid(fmt::format("{}: {} waypoint rows; a track needs at least 2 ({})", file, pts.size(),
                                       track_label(spec)));
  OGRSpatialReference srs;
  if (spec.crs) {
    SKYCOVER_ASSIGN_OR_RETURN(srs, parse_crs(*spec.crs, track_label(spec) + ": crs"));
    SKYCOVER_RETURN_IF_ERROR(reproject(pts, &srs, terrain_crs_wkt, fmt::format("{}: file {}", track_label(spec), file)));
  }
  return pts;
}

bool is_csv(const fs::path& p) {
  const std::string ext = lower_extension(p);
  return ext == ".csv" || ext == ".txt";
}

}  // namespace

Result<std::vector<TrackWaypoint>> read_track_waypoints(const TrackSpec& spec, const std::string& terrain_crs_wkt) {
  if (spec.file) {
    if (!fs::exists(*spec.file))
      return Status::Invalid(fmt::format("{}: track file {} does not exist (paths are relative to the scenario file)",
                                         track_label(spec), spec.file->string()));
    return is_csv(*spec.file) ? read_csv_track(spec, terrain_crs_wkt) : read_vector_track(spec, terrain_crs_wkt);
  }
  std::vector<TrackWaypoint> pts;
  for (const auto& w : spec.waypoints) pts.push_back({w[0], w[1], {}, {}});
  if (pts.size() < 2)
    return Status::Invalid(fmt::format("{}: waypoints: a track needs at least 2 waypoints, got {}", track_label(spec),
                                       pts.size()));
  if (spec.crs) {
    OGRSpatialReference srs;
    SKYCOVER_ASSIGN_OR_RETURN(srs, parse_crs(*spec.crs, track_label(spec) + ": crs"));
    SKYCOVER_RETURN_IF_ERROR(reproject(pts, &srs, terrain_crs_wkt, track_label(spec) + ": waypoints"));
  }
  return pts;
}

Result<Track> sample_track(const TrackSpec& spec, const std::vector<TrackWaypoint>& waypoints_in,
                           const Terrain& terrain, const TrackSampling& sampling) {
  const std::string label = track_label(spec);
  // Every waypoint a finite point on the terrain, before anything is computed from it: a NaN or
  // 1e300 coordinate would otherwise turn into a sample count by an undefined float-to-int
  // conversion (and a leg across the DEM is at most its diagonal, which bounds the samples).
  const GridGeometry& g = terrain.geometry();
  const double x0 = g.origin_x_m, x1 = g.origin_x_m + g.width * g.cell_size_m;
  const double y1 = g.origin_y_m, y0 = g.origin_y_m - g.height * g.cell_size_m;
  for (std::size_t i = 0; i < waypoints_in.size(); ++i) {
    const auto& w = waypoints_in[i];
    if (!(w.x_m >= x0 && w.x_m <= x1 && w.y_m >= y0 && w.y_m <= y1))
      return Status::OutOfRange(fmt::format(
          "{}: waypoint {} ({:.6g}, {:.6g}) is not a point on the terrain (x {:.0f}..{:.0f}, y {:.0f}..{:.0f} in the "
          "terrain CRS); check its coordinates and the track's crs",
          label, i + 1, w.x_m, w.y_m, x0, x1, y0, y1));
    if ((w.altitude_m && !std::isfinite(*w.altitude_m)) || (w.speed_mps && !std::isfinite(*w.speed_mps)))
      return Status::Invalid(fmt::format("{}: waypoint {} has a non-finite altitude or speed; give numbers", label, i + 1));
  }
  // Drop repeated points (zero-length legs carry no time and would divide by zero).
  std::vector<TrackWaypoint> wps;
  for (const auto& w : waypoints_in) {
    if (!wps.empty() && w.x_m == wps.back().x_m && w.y_m == wps.back().y_m) {
      if (w.altitude_m) wps.back().altitude_m = w.altitude_m;
      if (w.speed_mps) wps.back().speed_mps = w.speed_mps;
      continue;
    }
    wps.push_back(w);
  }
  if (wps.size() < 2)
    return Status::Invalid(fmt::format("{}: the track has fewer than 2 distinct waypoints", label));
  if (!(spec.altitude_m >= 0) && spec.altitude_reference == AltitudeReference::kAgl)
    return Status::Invalid(fmt::format("{}: altitude_m must be >= 0 above ground, got {}", label, spec.altitude_m));
  const double step = sampling.max_step_m > 0 ? sampling.max_step_m : 0.5 * terrain.cell_size_m();

  Track track;
  track.id = spec.id;
  track.target_class = spec.target_class;
  track.count = spec.count;
  track.interval_s = spec.interval_s;
  track.source = spec.source;

  auto make_sample = [&](double t, double x, double y, double alt, std::size_t leg) -> Result<TrackSample> {
    const double ground = terrain.elevation_bilinear_m(x, y);
    if (std::isnan(ground)) {
      return Status::OutOfRange(fmt::format(
          "{}: point ({:.1f}, {:.1f}) on leg {} (waypoint {} to {}) is off the DEM or over nodata; keep the track "
          "inside the terrain (x {:.0f}..{:.0f}, y {:.0f}..{:.0f} in the terrain CRS)",
          label, x, y, leg + 1, leg + 1, leg + 2, terrain.geometry().origin_x_m,
          terrain.geometry().origin_x_m + terrain.width() * terrain.cell_size_m(),
          terrain.geometry().origin_y_m - terrain.height() * terrain.cell_size_m(), terrain.geometry().origin_y_m));
    }
    TrackSample s{t, x, y, 0, ground};
    if (spec.altitude_reference == AltitudeReference::kAgl) {
      if (alt < 0)
        return Status::Invalid(fmt::format("{}: altitude {} m above ground on leg {} is negative", label, alt, leg + 1));
      s.z_msl_m = ground + alt;
    } else {
      if (alt < ground) {
        return Status::Invalid(fmt::format(
            "{}: at ({:.1f}, {:.1f}) on leg {} the track flies at {:.1f} m MSL, below the ground ({:.1f} m); raise "
            "altitude_m or use altitude_reference = \"agl\" for terrain-following",
            label, x, y, leg + 1, alt, ground));
      }
      s.z_msl_m = alt;
    }
    return s;
  };

  double t = 0;
  for (std::size_t leg = 0; leg + 1 < wps.size(); ++leg) {
    const auto& a = wps[leg];
    const auto& b = wps[leg + 1];
    const double speed = a.speed_mps.value_or(spec.speed_mps);
    if (!(speed > 0) || !std::isfinite(speed)) {
      return Status::Invalid(fmt::format("{}: speed on leg {} is {} m/s; set speed_mps > 0 for the track (or in the "
                                         "CSV's speed_mps column)",
                                         label, leg + 1, speed));
    }
    const double alt_a = a.altitude_m.value_or(spec.altitude_m);
    const double alt_b = b.altitude_m.value_or(spec.altitude_m);
    const double len = std::hypot(b.x_m - a.x_m, b.y_m - a.y_m);
    const auto n = static_cast<std::int64_t>(std::ceil(len / step));
    if (n > 50'000'000)
      return Status::Invalid(fmt::format("{}: leg {} is {:.0f} km long; sampling it every {} m is too many samples",
                                         label, leg + 1, len / 1000, step));
    const std::int64_t first = leg == 0 ? 0 : 1;  // the leg's start is the previous leg's end
    for (std::int64_t k = first; k <= n; ++k) {
      const double f = static_cast<double>(k) / static_cast<double>(n);
      const double x = k == n ? b.x_m : a.x_m + (b.x_m - a.x_m) * f;
      const double y = k == n ? b.y_m : a.y_m + (b.y_m - a.y_m) * f;
      SKYCOVER_ASSIGN_OR_RETURN(TrackSample s, make_sample(t + len * f / speed, x, y, alt_a + (alt_b - alt_a) * f, leg));
      track.samples.push_back(s);
    }
    t += len / speed;
  }
  return track;
}

Result<Track> load_track(const TrackSpec& spec, const Terrain& terrain, const TrackSampling& sampling) {
  SKYCOVER_ASSIGN_OR_RETURN(auto wps, read_track_waypoints(spec, terrain.geometry().crs_wkt));
  return sample_track(spec, wps, terrain, sampling);
}

Result<std::vector<Track>> load_tracks(const std::vector<TrackSpec>& specs, const Terrain& terrain,
                                       const TrackSampling& sampling) {
  std::vector<Track> out;
  out.reserve(specs.size());
  for (const auto& s : specs) {
    SKYCOVER_ASSIGN_OR_RETURN(Track t, load_track(s, terrain, sampling));
    out.push_back(std::move(t));
  }
  return out;
}

TrackSample position_at(const Track& track, double t_s) {
  const auto& s = track.samples;
  if (t_s <= s.front().t_s) return s.front();
  if (t_s >= s.back().t_s) return s.back();
  const auto it = std::upper_bound(s.begin(), s.end(), t_s, [](double t, const TrackSample& a) { return t < a.t_s; });
  const auto& b = *it;
  const auto& a = *(it - 1);
  const double f = (t_s - a.t_s) / (b.t_s - a.t_s);
  auto lerp = [f](double u, double v) { return u + (v - u) * f; };
  return {t_s, lerp(a.x_m, b.x_m), lerp(a.y_m, b.y_m), lerp(a.z_msl_m, b.z_msl_m), lerp(a.ground_msl_m, b.ground_msl_m)};
}

}  // namespace skycover
