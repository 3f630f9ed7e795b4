// The `skycover` Python module: a thin front end over libskycover (DEVELOPERS.md: all logic stays
// in the C++ library). Arrays are handed to numpy without copying where the C++ object owns them
// (the numpy array keeps its Python owner alive); Status errors become Python exceptions carrying
// the library's message: ValueError for bad input, OSError for I/O, RuntimeError for bugs. The GIL
// is released around every computation that can take long.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "skycover/core/interrupt.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/products/coverage_run.hpp"
#include "skycover/products/exposure_run.hpp"
#include "skycover/products/jobs.hpp"
#include "skycover/products/summary.hpp"
#include "skycover/scenario/scenario.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/version.hpp"
#include "skycover/visibility/viewshed.hpp"

namespace py = pybind11;
using namespace skycover;

namespace {

[[noreturn]] void raise_status(const Status& status) {
  PyObject* type = PyExc_RuntimeError;
  switch (status.code()) {
    case StatusCode::kInvalidInput:
    case StatusCode::kOutOfRange: type = PyExc_ValueError; break;
    case StatusCode::kIoError: type = PyExc_OSError; break;
    case StatusCode::kOk:
    case StatusCode::kInternal: break;
  }
  PyErr_SetString(type, status.message().c_str());
  throw py::error_already_set();
}

template <typename T>
T unwrap(Result<T>&& result) {
  if (!result.ok()) raise_status(result.status());
  return std::move(result).value();
}

// Run `fn` without the GIL (it must not touch Python objects), then unwrap its Result with the GIL held.
template <typename Fn>
auto without_gil(Fn&& fn) {
  auto result = [&] {
    py::gil_scoped_release release;
    return fn();
  }();
  return unwrap(std::move(result));
}

// A read-only 2-D float32 view of `values` (row-major height x width) owned by `owner`.
py::array_t<float> grid_view(const std::vector<float>& values, int width, int height, py::handle owner) {
  const auto row_bytes = static_cast<py::ssize_t>(width * sizeof(float));
  py::array_t<float> a({static_cast<py::ssize_t>(height), static_cast<py::ssize_t>(width)},
                       {row_bytes, static_cast<py::ssize_t>(sizeof(float))}, values.data(), owner);
  a.attr("flags").attr("writeable") = false;  // the library's data: mutating it would be surprising
  return a;
}

ElevationUnit parse_unit(const std::string& unit) {
  if (unit == "m") return ElevationUnit::kMetres;
  if (unit == "ft") return ElevationUnit::kFeet;
  raise_status(Status::Invalid("unit='" + unit + "': expected 'm' (metres) or 'ft' (international feet)"));
}

Terrain terrain_from_array(const py::array_t<float, py::array::c_style | py::array::forcecast>& elevation_m,
                           double cell_size_m, double origin_x_m, double origin_y_m, std::string crs_wkt) {
  if (elevation_m.ndim() != 2)
    raise_status(Status::Invalid("elevation_m: expected a 2-D array (rows north to south, columns west to east)"));
  if (!(cell_size_m > 0) || !std::isfinite(cell_size_m))
    raise_status(Status::Invalid("cell_size_m: expected a positive number of metres"));
  GridGeometry g;
  g.height = static_cast<int>(elevation_m.shape(0));
  g.width = static_cast<int>(elevation_m.shape(1));
  g.cell_size_m = cell_size_m;
  g.origin_x_m = origin_x_m;
  g.origin_y_m = origin_y_m;
  g.crs_wkt = std::move(crs_wkt);
  return Terrain(std::move(g), std::vector<float>(elevation_m.data(), elevation_m.data() + elevation_m.size()));
}

py::dict band_dict(const BandCoverage& b) {
  py::dict d;
  d["reference"] = std::string(height_reference_name(b.band.reference));
  d["altitude_m"] = b.band.altitude_m;
  d["covered_km2"] = b.covered_km2;
  d["area_km2"] = b.area_km2;
  d["fraction"] = b.fraction;
  d["covered_cells"] = b.covered_cells;
  d["area_cells"] = b.area_cells;
  d["multiplicity"] = b.multiplicity;
  d["fraction_without_masking"] = b.fraction_without_masking;
  d["flat_expected_fraction"] = b.flat_expected_fraction;
  d["flat_same_sites_fraction"] = b.flat_same_sites_fraction;
  d["placement_loss_fraction"] = b.placement_loss_fraction;
  d["relief_envelope_loss_fraction"] = b.relief_envelope_loss_fraction;
  d["masking_loss_fraction"] = b.masking_loss_fraction;
  d["fraction_without_clutter"] = b.fraction_without_clutter;
  d["clutter_loss_fraction"] = b.clutter_loss_fraction;
  d["engageable_probability"] = b.engageable_probability;
  return d;
}

// A Scenario object or a path to a scenario file -> PreparedScenario.
PreparedScenario prepare_any(const py::object& scenario) {
  if (py::isinstance<Scenario>(scenario)) {
    const auto& s = scenario.cast<const Scenario&>();
    return without_gil([&] { return prepare_scenario(s); });
  }
  const auto path = scenario.cast<std::filesystem::path>();
  return without_gil([&]() -> Result<PreparedScenario> {
    auto s = load_scenario(path);
    if (!s.ok()) return s.status();
    return prepare_scenario(*s);
  });
}

// A Python progress callback, progress(stage: str, done: int, total: int), called from the
// library's worker threads with the GIL taken, at most every 0.5 % per stage. If it raises
// (KeyboardInterrupt included: it also checks for Ctrl-C), the work is stopped as by Ctrl-C and the
// exception is raised when the call returns. Use one per run.
class PythonProgress {
 public:
  explicit PythonProgress(py::object callback) : callback_(std::move(callback)) { clear_interrupt(); }
  ~PythonProgress() { clear_interrupt(); }
  PythonProgress(const PythonProgress&) = delete;
  PythonProgress& operator=(const PythonProgress&) = delete;

  ProgressObserver observer() {
    if (callback_.is_none()) return {};
    return [this](const std::string& stage, std::int64_t done, std::int64_t total) { report(stage, done, total); };
  }
  // After the run, with the GIL held: the callback's exception, if it raised one.
  void raise_if_failed() {
    if (error_) {
      error_->restore();
      error_.reset();
      throw py::error_already_set();
    }
  }

 private:
  void report(const std::string& stage, std::int64_t done, std::int64_t total) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (error_) return;
    const std::int64_t permille = total > 0 ? 1000 * std::min(done, total) / total : 0;
    if (stage == stage_ && permille < permille_ + 5 && done < total) return;
    stage_ = stage;
    permille_ = permille;
    py::gil_scoped_acquire gil;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      callback_(stage, done, total);
    } catch (py::error_already_set& e) {
      error_ = std::make_unique<py::error_already_set>(std::move(e));
      request_interrupt();
    }
  }

  py::object callback_;
  std::mutex mutex_;
  std::string stage_;
  std::int64_t permille_ = -1000;
  std::unique_ptr<py::error_already_set> error_;
};

// Run `fn` without the GIL, then raise the callback's exception if it raised one, else unwrap.
template <typename Fn>
auto with_progress(PythonProgress& progress, Fn&& fn) {
  auto result = [&] {
    py::gil_scoped_release release;
    return fn();
  }();
  progress.raise_if_failed();
  return unwrap(std::move(result));
}

template <typename T>
py::array_t<T> numpy(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

const std::string& site_id(const std::vector<Site>& sites, int i) {
  return sites.at(static_cast<std::size_t>(i)).id;
}

py::dict coverage_dict(const CoverageResult& r) {
  py::dict d;
  py::list bands;
  std::vector<double> altitude, fraction, clear, flat, covered_km2;
  std::vector<std::string> reference;
  for (const BandCoverage& b : r.bands) {
    bands.append(band_dict(b));
    reference.emplace_back(height_reference_name(b.band.reference));
    altitude.push_back(b.band.altitude_m);
    fraction.push_back(b.fraction);
    covered_km2.push_back(b.covered_km2);
    clear.push_back(b.fraction_without_masking.value_or(NAN));
    flat.push_back(b.flat_expected_fraction.value_or(NAN));
  }
  d["bands"] = bands;
  d["reference"] = reference;
  d["altitude_m"] = numpy(altitude);
  d["fraction"] = numpy(fraction);
  d["covered_km2"] = numpy(covered_km2);
  d["fraction_without_masking"] = numpy(clear);
  d["flat_expected_fraction"] = numpy(flat);
  d["site_count"] = r.site_count;
  d["sites_in_area"] = r.sites_in_area;
  d["readiness"] = r.readiness;
  d["clutter"] = r.clutter;
  d["area_km2"] = r.area_km2;
  return d;
}

// Placement draws: per band the statistics, and the per-draw fractions as a numpy array
// (draws x bands) for plotting.
py::dict draws_dict(const std::vector<PlacementDraw>& draws) {
  py::list bands;
  const auto summary = summarise_draws(draws);
  py::array_t<double> fractions({static_cast<py::ssize_t>(draws.size()), static_cast<py::ssize_t>(summary.size())});
  auto f = fractions.mutable_unchecked<2>();
  for (std::size_t b = 0; b < summary.size(); ++b) {
    const BandDrawSummary& s = summary[b];
    for (std::size_t d = 0; d < s.fractions.size(); ++d) f(static_cast<py::ssize_t>(d), static_cast<py::ssize_t>(b)) = s.fractions[d];
    py::list shares;
    for (const DrawStatistics& m : s.multiplicity_share)
      shares.append(py::dict(py::arg("mean") = m.mean, py::arg("sd") = m.sd,
                             py::arg("ci95") = py::make_tuple(m.ci95_lo, m.ci95_hi)));
    bands.append(py::dict(py::arg("reference") = std::string(height_reference_name(s.band.reference)),
                          py::arg("altitude_m") = s.band.altitude_m, py::arg("mean") = s.fraction.mean,
                          py::arg("sd") = s.fraction.sd,
                          py::arg("ci95") = py::make_tuple(s.fraction.ci95_lo, s.fraction.ci95_hi),
                          py::arg("multiplicity_share") = shares));
  }
  return py::dict(py::arg("count") = draws.size(), py::arg("bands") = bands, py::arg("fraction") = fractions);
}

py::dict exposure_dict(const TrackAnalysis& a, const TrackExposure& e) {
  const Track& track = a.tracks.at(static_cast<std::size_t>(e.track));
  const auto& sites = a.prepared.sites;
  py::dict d;
  d["id"] = track.id;
  d["target_class"] = std::string(to_string(track.target_class));
  d["duration_s"] = track.duration_s();
  d["length_m"] = track.length_m();
  d["sites_engaging"] = e.sites_engaging;
  d["sites_with_shots"] = e.sites_with_shots;
  d["exposed_time_s"] = e.exposed_time_s;
  d["expected_shots"] = e.expected_shots;
  d["survival_probability"] = e.survival;
  std::vector<double> t, x, y, z, ground;
  for (const TrackSample& sm : track.samples) {
    t.push_back(sm.t_s), x.push_back(sm.x_m), y.push_back(sm.y_m), z.push_back(sm.z_msl_m);
    ground.push_back(sm.ground_msl_m);
  }
  d["samples"] = py::dict(py::arg("t_s") = numpy(t), py::arg("x_m") = numpy(x), py::arg("y_m") = numpy(y),
                          py::arg("z_msl_m") = numpy(z), py::arg("ground_msl_m") = numpy(ground));
  py::list windows;
  for (int wi : e.windows) {
    const EngagementWindow& w = a.windows.at(static_cast<std::size_t>(wi));
    windows.append(py::dict(py::arg("site") = site_id(sites, w.site), py::arg("site_index") = w.site,
                            py::arg("start_s") = w.start_s, py::arg("end_s") = w.end_s,
                            py::arg("earliest_launch_s") = w.earliest_launch_s,
                            py::arg("launches") = w.launch_count(), py::arg("intercept_s") = numpy(w.intercept_s)));
  }
  d["windows"] = windows;
  std::vector<int> site_index;
  std::vector<std::string> site_ids;
  std::vector<double> launch, intercept, ix, iy, iz, iagl, pk;
  for (const Shot& sh : e.shots) {
    site_index.push_back(sh.site);
    site_ids.push_back(site_id(sites, sh.site));
    launch.push_back(sh.launch_s), intercept.push_back(sh.intercept_s);
    ix.push_back(sh.intercept_point.x_m), iy.push_back(sh.intercept_point.y_m), iz.push_back(sh.intercept_point.z_msl_m);
    iagl.push_back(sh.intercept_point.agl_m()), pk.push_back(sh.pk);
  }
  d["shots"] = py::dict(py::arg("site") = site_ids, py::arg("site_index") = numpy(site_index),
                        py::arg("launch_s") = numpy(launch), py::arg("intercept_s") = numpy(intercept),
                        py::arg("x_m") = numpy(ix), py::arg("y_m") = numpy(iy), py::arg("z_msl_m") = numpy(iz),
                        py::arg("agl_m") = numpy(iagl), py::arg("pk") = numpy(pk));
  return d;
}

py::dict raid_dict(const TrackAnalysis& a, const RaidRun& run) {
  const RaidResult& r = run.result;
  py::dict d;
  d["trials"] = r.trials;
  d["seed"] = r.seed;
  d["targets"] = r.targets;
  d["survivors_histogram"] = numpy(r.survivors_histogram);
  d["missiles_histogram"] = numpy(r.missiles_histogram);
  d["mean_survivors"] = r.mean_survivors;
  d["sd_survivors"] = r.sd_survivors;
  d["mean_survivors_ci95"] = py::make_tuple(r.mean_ci95_lo, r.mean_ci95_hi);
  d["survivors_p025_p975"] = py::make_tuple(r.survivors_p025, r.survivors_p975);
  d["mean_missiles"] = r.mean_missiles;
  d["missiles_p025_p975"] = py::make_tuple(r.missiles_p025, r.missiles_p975);
  py::dict site_missiles;
  for (std::size_t p = 0; p < run.plan.sites.size() && p < r.site_missiles_total.size(); ++p)
    site_missiles[py::str(site_id(a.prepared.sites, run.plan.sites[p]))] = r.site_missiles_total[p];
  d["site_missiles"] = site_missiles;
  py::list targets;
  for (std::size_t k = 0; k < run.plan.targets.size(); ++k) {
    const RaidTarget& t = run.plan.targets[k];
    const double survived = k < r.target_survived.size() && r.trials > 0
                                ? static_cast<double>(r.target_survived[k]) / static_cast<double>(r.trials)
                                : NAN;
    targets.append(py::dict(py::arg("track") = a.tracks.at(static_cast<std::size_t>(t.track)).id,
                            py::arg("copy") = t.copy, py::arg("offset_s") = t.offset_s,
                            py::arg("survival") = survived));
  }
  d["per_target"] = targets;
  return d;
}

// Loaded or given: a Scenario object, or a path to a scenario file.
Scenario scenario_of(const py::object& scenario) {
  if (py::isinstance<Scenario>(scenario)) return scenario.cast<Scenario>();
  const auto path = scenario.cast<std::filesystem::path>();
  return without_gil([&] { return load_scenario(path); });
}

JobOptions job_options(const Scenario& sc, const py::object& out, int threads, std::int64_t memory_mb,
                       ProgressObserver observer) {
  // No bar (the caller's callback reports progress); out None: the scenario's [output] dir.
  return JobOptions{.scenario = sc.path,
                    .out = out.is_none() ? std::filesystem::path() : out.cast<std::filesystem::path>(),
                    .threads = threads,
                    .memory_mb = memory_mb,
                    .tile_cells = 0,
                    .command_line = "python: skycover",
                    .show_progress = false,
                    .on_progress = std::move(observer)};
}

py::dict exposure_of(const Scenario& sc, bool unlimited, std::int64_t memory_mb, py::object progress_cb) {
  PythonProgress progress(std::move(progress_cb));
  auto observer = progress.observer();
  auto analysis = std::make_shared<TrackAnalysis>(
      with_progress(progress, [&] { return analyse_tracks(sc, memory_mb << 20, observer, false); }));
  ExposureOptions opt;
  opt.unlimited_missiles = unlimited;
  const auto exposures = without_gil(
      [&] { return analyse_exposure(analysis->tracks, analysis->windows, analysis->prepared.sites, sc.systems, opt); });
  py::dict out;
  py::list tracks;
  for (const TrackExposure& e : exposures) tracks.append(exposure_dict(*analysis, e));
  out["tracks"] = tracks;
  out["sites"] = static_cast<py::ssize_t>(analysis->prepared.sites.size());
  return out;
}

}  // namespace

PYBIND11_MODULE(skycover, m) {
  m.doc() = "skycover: air-defence sky coverage over real terrain (thin binding of libskycover)";
  m.attr("__version__") = kVersion;

  // --- terrain -------------------------------------------------------------------------------
  py::class_<Terrain>(m, "Terrain",
                      "North-up elevation grid in a metric CRS with square cells; NaN = nodata. Row 0 is the "
                      "northern edge.")
      .def(py::init(&terrain_from_array), py::arg("elevation_m"), py::arg("cell_size_m"),
           py::arg("origin_x_m") = 0.0, py::arg("origin_y_m") = 0.0, py::arg("crs_wkt") = "",
           "Terrain from a 2-D array of elevations (m); origin = north-west corner of cell (0, 0)")
      .def_property_readonly(
          "elevation_m",
          [](py::object self) {
            const auto& t = self.cast<const Terrain&>();
            return grid_view(t.elevations_m(), t.width(), t.height(), self);
          },
          "2-D float32 array (rows x columns), read-only view; NaN = nodata")
      .def_property_readonly("width", &Terrain::width)
      .def_property_readonly("height", &Terrain::height)
      .def_property_readonly("cell_size_m", &Terrain::cell_size_m)
      .def_property_readonly("origin_x_m", [](const Terrain& t) { return t.geometry().origin_x_m; })
      .def_property_readonly("origin_y_m", [](const Terrain& t) { return t.geometry().origin_y_m; })
      .def_property_readonly("crs_wkt", [](const Terrain& t) { return t.geometry().crs_wkt; })
      .def_property_readonly("valid_cell_count", &Terrain::valid_cell_count)
      .def("cell_center_m",
           [](const Terrain& t, int col, int row) {
             return std::make_pair(t.geometry().cell_center_x_m(col), t.geometry().cell_center_y_m(row));
           },
           py::arg("col"), py::arg("row"), "(x_m, y_m) of the centre of cell (col, row)")
      .def("save",
           [](const Terrain& t, const std::filesystem::path& path) {
             const Status st = [&] {
               py::gil_scoped_release release;
               return write_terrain(path, t);
             }();
             if (!st.ok()) raise_status(st);
           },
           py::arg("path"), "Write as a float32 GeoTIFF (atomically)")
      .def("__repr__", [](const Terrain& t) {
        return "<skycover.Terrain " + std::to_string(t.width()) + "x" + std::to_string(t.height()) + " cells of " +
               std::to_string(t.cell_size_m()) + " m>";
      });

  m.def(
      "load_terrain",
      [](const std::filesystem::path& path, const std::string& unit, std::optional<double> cell_size_m,
         std::optional<std::string> crs) {
        TerrainLoadOptions o;
        o.unit = parse_unit(unit);
        o.cell_size_m = cell_size_m;
        o.target_crs = std::move(crs);
        return without_gil([&] { return load_terrain(path, o); });
      },
      py::arg("path"), py::arg("unit") = "m", py::arg("cell_size_m") = py::none(), py::arg("crs") = py::none(),
      "Load band 1 of any GDAL raster; lat/lon DEMs are reprojected to local UTM. unit: 'm' or 'ft'.");

  m.def(
      "synthetic_terrain",
      [](int width, int height, double cell_size_m, double relief_m, std::uint64_t seed, double base_elevation_m,
         double roughness, int epsg, double origin_x_m, double origin_y_m) {
        if (width < 2 || height < 2) raise_status(Status::Invalid("width, height: expected at least 2 cells"));
        if (!(cell_size_m > 0)) raise_status(Status::Invalid("cell_size_m: expected a positive number of metres"));
        if (!(relief_m >= 0)) raise_status(Status::Invalid("relief_m: expected a non-negative number of metres"));
        SyntheticTerrainParams p;
        p.width = width;
        p.height = height;
        p.cell_size_m = cell_size_m;
        p.relief_m = relief_m;
        p.seed = seed;
        p.base_elevation_m = base_elevation_m;
        p.roughness = roughness;
        p.epsg = epsg;
        p.origin_x_m = origin_x_m;
        p.origin_y_m = origin_y_m;
        if (Status st = check_synthetic_size(p, "width x height"); !st.ok()) raise_status(st);
        py::gil_scoped_release release;
        return make_synthetic_terrain(p);
      },
      py::arg("width"), py::arg("height"), py::arg("cell_size_m") = 30.0, py::arg("relief_m") = 800.0,
      py::arg("seed") = 1, py::arg("base_elevation_m") = 200.0, py::arg("roughness") = 0.5,
      py::arg("epsg") = 32619, py::arg("origin_x_m") = 500000.0, py::arg("origin_y_m") = 1200000.0,
      "Seeded fractal terrain (same parameters and seed => same elevations)");

  // --- visibility ----------------------------------------------------------------------------
  py::class_<ViewshedWindow>(m, "Viewshed", "Minimum visible height above ground around one site")
      .def_property_readonly(
          "min_visible_agl_m",
          [](py::object self) {
            const auto& w = self.cast<const ViewshedWindow&>();
            return grid_view(w.min_visible_agl_m, w.width, w.height, self);
          },
          "2-D float32 array over the window (read-only view); NaN = out of range, off the grid or nodata")
      .def_readonly("col0", &ViewshedWindow::col0, "terrain column of the window's column 0")
      .def_readonly("row0", &ViewshedWindow::row0, "terrain row of the window's row 0")
      .def_readonly("width", &ViewshedWindow::width)
      .def_readonly("height", &ViewshedWindow::height)
      .def_readonly("eye_msl_m", &ViewshedWindow::eye_msl_m);

  m.def(
      "viewshed",
      [](const Terrain& terrain, double x_m, double y_m, double height_agl_m, double max_range_m, double refraction_k,
         bool reference) {
        Observer o;
        o.x_m = x_m;
        o.y_m = y_m;
        o.height_agl_m = height_agl_m;
        o.max_range_m = max_range_m;
        VisibilityModel model;
        model.refraction_k = refraction_k;
        return without_gil([&] {
          return reference ? viewshed_reference(terrain, o, model) : viewshed(terrain, o, model);
        });
      },
      py::arg("terrain"), py::arg("x_m"), py::arg("y_m"), py::arg("height_agl_m") = 2.0,
      py::arg("max_range_m") = 6000.0, py::arg("refraction_k") = 0.13, py::arg("reference") = false,
      "Viewshed of one site at (x_m, y_m) in the terrain's CRS (same model as `skycover viewshed`); "
      "reference=True uses the exact, slow kernel");

  // --- scenario ------------------------------------------------------------------------------
  py::class_<Diagnostic>(m, "Diagnostic", "One problem found in a scenario file")
      .def_property_readonly("kind", [](const Diagnostic& d) { return std::string(to_string(d.kind)); })
      .def_readonly("file", &Diagnostic::file)
      .def_readonly("line", &Diagnostic::line)
      .def_readonly("column", &Diagnostic::column)
      .def_readonly("field", &Diagnostic::field)
      .def_readonly("message", &Diagnostic::message)
      .def_readonly("hint", &Diagnostic::hint)
      .def("__str__", &Diagnostic::to_string)
      .def("__repr__", [](const Diagnostic& d) { return "<skycover.Diagnostic " + d.to_string() + ">"; });

  m.def(
      "validate",
      [](const std::filesystem::path& path) {
        py::gil_scoped_release release;
        return parse_scenario_file(path).diagnostics;
      },
      py::arg("path"), "Every problem in a scenario file (an empty list when it is valid)");

  py::class_<Scenario>(m, "Scenario",
                       "A parsed, checked scenario file: load it, look at it, run every analysis on it and write "
                       "its products. Long calls release the GIL; `progress(stage, done, total)` callbacks are "
                       "called from worker threads, and raising in one stops the run")
      .def(py::init([](const std::filesystem::path& path) { return without_gil([&] { return load_scenario(path); }); }),
           py::arg("path"), "Load and check a scenario file (ValueError lists every problem)")
      .def_static(
          "validate",
          [](const std::filesystem::path& path) {
            py::gil_scoped_release release;
            return parse_scenario_file(path).diagnostics;
          },
          py::arg("path"), "Every problem in a scenario file (an empty list when it is valid)")
      .def("prepare", [](const Scenario& s) { return without_gil([&] { return prepare_scenario(s); }); },
           "The terrain, area and sites (a PreparedScenario)")
      .def(
          "coverage",
          [](const Scenario& s, int threads, bool split_masking, py::object progress_cb) {
            PythonProgress progress(std::move(progress_cb));
            auto observer = progress.observer();
            const CoverageResult r = with_progress(progress, [&]() -> Result<CoverageResult> {
              SKYCOVER_ASSIGN_OR_RETURN(const PreparedScenario p, prepare_scenario(s));
              CoverageOptions o;
              o.threads = threads ? threads : s.analysis.threads;
              o.split_masking = split_masking;
              return compute_coverage_with_progress(CoverageInputs{p.terrain, p.area, p.sites, s.systems,
                                                                   analysis_bands(s.analysis), analysis_visibility(s.analysis)},
                                                    o, observer, "coverage", false);
            });
            return coverage_dict(r);
          },
          py::arg("threads") = 0, py::arg("split_masking") = true, py::arg("progress") = py::none(),
          "Coverage per band: a dict with 'bands' (list of dicts) and numpy arrays altitude_m, fraction, "
          "covered_km2, fraction_without_masking, flat_expected_fraction (one entry per band, in order); "
          "identical for any threads")
      .def(
          "exposure",
          [](const Scenario& s, bool unlimited, std::int64_t memory_mb, py::object progress) {
            return exposure_of(s, unlimited, memory_mb, std::move(progress));
          },
          py::arg("unlimited_missiles") = false, py::arg("memory_mb") = 2048, py::arg("progress") = py::none(),
          "Exposure of every track: {'tracks': [dict per track: id, target_class, sites_engaging, exposed_time_s, "
          "expected_shots, survival_probability, samples (numpy t_s, x_m, y_m, z_msl_m, ground_msl_m), windows (list of dicts), "
          "shots (numpy site_index, launch_s, intercept_s, x_m, y_m, z_msl_m, agl_m, pk; site ids)]}")
      .def(
          "raid",
          [](const Scenario& s, std::optional<std::int64_t> trials, std::optional<std::uint64_t> seed,
             std::int64_t memory_mb, py::object progress_cb) {
            PythonProgress progress(std::move(progress_cb));
            auto observer = progress.observer();
            const auto analysis = std::make_shared<TrackAnalysis>(
                with_progress(progress, [&] { return analyse_tracks(s, memory_mb << 20, observer, false); }));
            const RaidRun run = with_progress(progress, [&] {
              return simulate_raid(*analysis, trials.value_or(s.raid.trials), seed.value_or(s.raid.seed), observer,
                                   false);
            });
            return raid_dict(*analysis, run);
          },
          py::arg("trials") = py::none(), py::arg("seed") = py::none(), py::arg("memory_mb") = 2048,
          py::arg("progress") = py::none(),
          "Monte Carlo raid: survivors_histogram and missiles_histogram (numpy), mean_survivors, sd_survivors, "
          "mean_survivors_ci95, survivors_p025_p975, site_missiles, per_target survival; bitwise reproducible "
          "from the seed")
      .def(
          "write_coverage",
          [](const Scenario& s, py::object out, int threads, std::int64_t memory_mb, bool summary_only, int draws,
             bool exact_polygons, py::object progress_cb) {
            PythonProgress progress(std::move(progress_cb));
            auto job = job_options(s, out, threads, memory_mb, progress.observer());
            job.draws = draws;
            job.exact_polygons = exact_polygons;
            const CoverageJobOutput r = with_progress(progress, [&] { return run_coverage_job(job, summary_only); });
            py::dict d = coverage_dict(r.result);
            d["out_dir"] = r.out_dir;
            d["tiled"] = r.tiled;
            if (!r.draws.empty()) d["draws"] = draws_dict(r.draws);
            return d;
          },
          py::arg("out") = py::none(), py::arg("threads") = 0, py::arg("memory_mb") = 2048,
          py::arg("summary_only") = false, py::arg("draws") = 1, py::arg("exact_polygons") = false,
          py::arg("progress") = py::none(),
          "`skycover coverage`: the same folder (summary, GeoTIFFs, polygons, maps, report.html, manifest), "
          "tiled when the DEM exceeds memory_mb (exact_polygons: --exact-polygons); returns the coverage dict and "
          "out_dir")
      .def(
          "write_sweep",
          [](const Scenario& s, const std::vector<int>& counts, const std::vector<std::string>& hypotheses,
             py::object out, int threads, std::int64_t memory_mb, int draws, std::optional<double> claimed_count,
             const std::vector<std::string>& reach, py::object progress_cb) {
            std::vector<Hypothesis> hyps;
            for (const auto& h : hypotheses) hyps.push_back(unwrap(parse_hypothesis(h, "hypotheses")));
            PythonProgress progress(std::move(progress_cb));
            auto job = job_options(s, out, threads, memory_mb, progress.observer());
            job.draws = draws;
            job.claimed_count = claimed_count;
            for (const auto& r : reach) job.targets.push_back(unwrap(parse_coverage_target(r)));
            const SweepJobOutput r = with_progress(progress, [&] { return run_sweep_job(job, counts, hyps); });
            py::list rows;
            for (const SweepRow& row : r.rows) {
              py::dict d = coverage_dict(row.coverage);
              d["hypothesis"] = std::string(hypothesis_name(row.hypothesis));
              d["count"] = row.count;
              if (!row.draws.empty()) {
                py::list bands;
                for (const BandDrawSummary& b : row.draws)
                  bands.append(py::dict(py::arg("mean") = b.fraction.mean, py::arg("sd") = b.fraction.sd,
                                        py::arg("ci95") = py::make_tuple(b.fraction.ci95_lo, b.fraction.ci95_hi),
                                        py::arg("fractions") = b.fractions));
                d["draws"] = bands;
              }
              rows.append(std::move(d));
            }
            const auto readings = unwrap(sweep_readings(r.rows, r.presentation));
            return py::dict(py::arg("rows") = rows, py::arg("out_dir") = r.out_dir,
                            py::arg("readings") = readings_text(readings, r.presentation));
          },
          py::arg("counts"), py::arg("hypotheses") = std::vector<std::string>{}, py::arg("out") = py::none(),
          py::arg("threads") = 0, py::arg("memory_mb") = 2048, py::arg("draws") = 1,
          py::arg("claimed_count") = py::none(), py::arg("reach") = std::vector<std::string>{},
          py::arg("progress") = py::none(),
          "`skycover sweep`: coverage against the site count of the first deployment; returns its rows (with "
          "draws > 1 each row's 'draws': per band mean, sd, ci95 and the draws' fractions) and the readings "
          "(claimed_count: the curves read at that count; reach: 'SHARE@BAND' targets, e.g. '50%@agl_1000m')")
      .def(
          "write_exposure",
          [](const Scenario& s, py::object out, bool unlimited, std::int64_t memory_mb, py::object progress_cb) {
            PythonProgress progress(std::move(progress_cb));
            auto observer = progress.observer();
            const std::filesystem::path dir = out.is_none() ? std::filesystem::path() : out.cast<std::filesystem::path>();
            const StageRunOutput r = with_progress(progress, [&] {
              return exposure_command(s.path, dir, unlimited, "python: skycover", memory_mb << 20, observer);
            });
            return py::dict(py::arg("summary") = r.summary, py::arg("out_dir") = r.directory);
          },
          py::arg("out") = py::none(), py::arg("unlimited_missiles") = false, py::arg("memory_mb") = 2048,
          py::arg("progress") = py::none(), "`skycover exposure`: writes its folder; returns the summary and out_dir")
      .def(
          "write_raid",
          [](const Scenario& s, py::object out, std::optional<std::int64_t> trials, std::optional<std::uint64_t> seed,
             std::int64_t memory_mb, py::object progress_cb) {
            PythonProgress progress(std::move(progress_cb));
            auto observer = progress.observer();
            const std::filesystem::path dir = out.is_none() ? std::filesystem::path() : out.cast<std::filesystem::path>();
            const StageRunOutput r = with_progress(progress, [&] {
              return raid_command(s.path, dir, trials, seed, "python: skycover", memory_mb << 20, observer);
            });
            return py::dict(py::arg("summary") = r.summary, py::arg("out_dir") = r.directory);
          },
          py::arg("out") = py::none(), py::arg("trials") = py::none(), py::arg("seed") = py::none(),
          py::arg("memory_mb") = 2048, py::arg("progress") = py::none(),
          "`skycover raid`: writes its folder; returns the summary and out_dir")
      .def("__repr__", [](const Scenario& s) { return "<skycover.Scenario " + s.path.string() + ">"; })
      .def_property_readonly("path", [](const Scenario& s) { return s.path; })
      .def_property_readonly("sha256", [](const Scenario& s) { return s.sha256; })
      .def_property_readonly("output_dir", [](const Scenario& s) { return s.output_dir; })
      .def_property_readonly("seed", [](const Scenario& s) { return s.analysis.seed; })
      .def_property_readonly("bands_agl_m", [](const Scenario& s) { return s.analysis.bands_agl_m; })
      .def_property_readonly("bands_msl_m", [](const Scenario& s) { return s.analysis.bands_msl_m; })
      .def_property_readonly("system_names", [](const Scenario& s) {
        std::vector<std::string> names;
        for (const auto& sys : s.systems) names.push_back(sys.name);
        return names;
      });

  m.def(
      "load_scenario", [](const std::filesystem::path& path) { return without_gil([&] { return load_scenario(path); }); },
      py::arg("path"), "Parse and check a scenario file; ValueError lists every problem");

  py::class_<PreparedScenario>(m, "PreparedScenario", "A scenario made concrete: terrain, area mask, sites")
      .def_property_readonly("scenario", [](const PreparedScenario& p) { return p.scenario; })
      .def_property_readonly(
          "terrain", [](const PreparedScenario& p) -> const Terrain& { return p.terrain; },
          py::return_value_policy::reference_internal)
      .def_property_readonly("area_km2", [](const PreparedScenario& p) { return p.area.area_km2(); })
      .def_property_readonly(
          "sites",
          [](const PreparedScenario& p) {
            py::list out;
            for (const Site& s : p.sites) {
              py::dict d;
              d["id"] = s.id;
              d["x_m"] = s.x_m;
              d["y_m"] = s.y_m;
              d["ground_msl_m"] = s.ground_msl_m;
              d["height_agl_m"] = s.height_agl_m;
              d["system"] = p.scenario.systems.at(static_cast<std::size_t>(s.system_index)).name;
              out.append(std::move(d));
            }
            return out;
          },
          "list of dicts: id, x_m, y_m, ground_msl_m, height_agl_m, system");

  m.def("prepare", &prepare_any, py::arg("scenario"),
        "Load the terrain, rasterise the area and place the sites of a Scenario (or a scenario path)");

  m.def(
      "exposure",
      [](const py::object& scenario, bool unlimited, std::int64_t memory_mb, py::object progress) {
        return exposure_of(scenario_of(scenario), unlimited, memory_mb, std::move(progress));
      },
      py::arg("scenario"), py::arg("unlimited_missiles") = false, py::arg("memory_mb") = 2048,
      py::arg("progress") = py::none(), "Scenario.exposure of a Scenario or a scenario path");

  // --- coverage ------------------------------------------------------------------------------
  m.def(
      "coverage",
      [](py::object scenario, int threads, bool split_masking) {
        // Hold a Python reference to the prepared scenario while the GIL is released.
        const py::object holder =
            py::isinstance<PreparedScenario>(scenario) ? scenario : py::cast(prepare_any(scenario));
        const auto& prepared = holder.cast<const PreparedScenario&>();
        CoverageOptions o;
        o.threads = threads;
        o.split_masking = split_masking;
        const CoverageResult r = without_gil([&] { return compute_coverage(prepared, o); });
        py::list bands;
        for (const BandCoverage& b : r.bands) bands.append(band_dict(b));
        return bands;
      },
      py::arg("scenario"), py::arg("threads") = 0, py::arg("split_masking") = true,
      "Coverage per altitude band of a PreparedScenario, Scenario or scenario path, as a list of dicts "
      "(reference, altitude_m, covered_km2, area_km2, fraction, multiplicity, ...); identical for any threads");
}
