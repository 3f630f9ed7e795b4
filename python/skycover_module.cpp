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
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "skycover/coverage/coverage.hpp"
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

  py::class_<Scenario>(m, "Scenario", "A parsed, checked scenario file")
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
