#include "skycover/products/demo.hpp"

#include <sstream>

#include <toml++/toml.h>

#include <fmt/format.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <memory>

#include "skycover/core/atomic_file.hpp"
#include "skycover/products/output_dir.hpp"
#include "skycover/products/summary.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

constexpr const char* kNcargDem = "/usr/share/ncarg/data/cdf/trinidad.nc";

struct Town {
  const char* name;
  double lon_deg, lat_deg, weight;
};
// Cluster centres (EPSG:4326). The full DEM holds Trinidad and Walsenburg; the bundled crop
// (105.167-104.767 W, 37.267-37.667 N) holds Walsenburg and La Veta but not Trinidad.
constexpr Town kFullTowns[] = {{"Trinidad", -104.50, 37.17, 2}, {"Walsenburg", -104.78, 37.62, 1}};
constexpr Town kSampleTowns[] = {{"Walsenburg", -104.79, 37.62, 1}, {"La Veta", -105.01, 37.51, 1}};
constexpr double kClusterSigmaM = 5000;
// Counts of the sweep as sites over Venezuela's 916,000 km^2; scaled to the demo area.
constexpr double kNationalCounts[] = {50, 500, 1000, 2000, 5000, 10000, 20000};
constexpr double kSmokeNationalCounts[] = {500, 5000};

fs::path sample_dem() { return fs::path(SKYCOVER_SOURCE_DIR) / "data" / "trinidad_sample.tif"; }

bool is_sample(const DemoTerrain& t) { return t.dem && t.dem->filename() == "trinidad_sample.tif"; }

std::vector<Town> towns_for(const DemoTerrain& t) {
  if (!t.dem) return {};
  if (is_sample(t)) return {std::begin(kSampleTowns), std::end(kSampleTowns)};
  return {std::begin(kFullTowns), std::end(kFullTowns)};
}

}  // namespace

DemoTerrain choose_demo_terrain(const DemoOptions& o) {
  DemoTerrain t;
  if (o.dem) {
    // Absolute: the scenario is written into the output folder, and its paths are relative to it.
    t.dem = fs::absolute(*o.dem);
    t.description = fmt::format("DEM {} (heights in feet), given with --dem", o.dem->string());
  } else if (!o.smoke && fs::exists(kNcargDem)) {
    t.dem = kNcargDem;
    t.description = fmt::format(
        "USGS 3 arc-second DEM of Trinidad, Colorado (106-104 W, 37-38 N; heights in feet; public domain), from "
        "Debian's libncarg-data ({}), reprojected to UTM 13N", kNcargDem);
  } else if (fs::exists(sample_dem())) {
    t.dem = sample_dem();
    t.description = fmt::format(
        "bundled 480x480-cell crop of the USGS 3 arc-second Trinidad DEM (Spanish Peaks, Colorado; feet) at {}",
        sample_dem().string());
  } else {
    t.description = "seeded synthetic fractal terrain (no real DEM found: install libncarg-data with scripts/setup-deps)";
  }
  if (o.smoke) t.cell_size_m = 300;
  return t;
}

int claim_density_sites(double area_km2) {
  return std::max(1, static_cast<int>(std::lround(kClaimSites * area_km2 / kClaimAreaKm2)));
}

std::string demo_scenario_text(const DemoTerrain& t, int sites) {
  std::string terrain;
  if (t.dem) {
    // A TOML string with every character escaped as TOML needs (quotes, backslashes, controls).
    std::ostringstream quoted;
    quoted << toml::value<std::string>(t.dem->generic_string());
    terrain = fmt::format("dem = {}\nunit = \"ft\"\n", quoted.str());
    if (t.cell_size_m) terrain += fmt::format("cell_size_m = {:g}\n", *t.cell_size_m);
  } else {
    terrain = "synthetic = { width = 1200, height = 1000, cell_m = 100, relief_m = 2500, seed = 5 }\n";
  }
  std::string clusters;
  for (const auto& town : towns_for(t))
    clusters += fmt::format("#   {} ({:.2f}, {:.2f}), weight {:g}\n", town.name, town.lon_deg, town.lat_deg, town.weight);
  return fmt::format(R"(# skycover built-in demo: the public claim of 5,000 Igla-S launchers over Venezuela
# (916,000 km2) tested at the SAME SITE DENSITY on real terrain.
#   Igla-S: 6,000 m range, 3,500 m ceiling (Rosoboronexport; catalog preset "igla-s").
#   Sites here: N = round(5000 * A / 916000) = {sites} over this DEM's valid area A.
# Terrain: {desc}
# `skycover demo` runs this scenario as written (uniform), then with the first deployment's
# hypothesis overridden to clustered (Gaussian, sigma {sigma:g} m, centres in EPSG:4326 below) and
# high_ground, and a count sweep at the densities of 50 ... 20,000 sites over Venezuela.
{clusters}
[terrain]
{terrain}
[[systems]]
name = "igla-s"
preset = "igla-s"

[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = {sites}
height_agl_m = 2
seed = 2025

[analysis]
bands_agl_m = [50, 150, 500, 1500, 3000]
refraction_k = 0.13
seed = 2025
)",
                     fmt::arg("sites", sites), fmt::arg("desc", t.description), fmt::arg("sigma", kClusterSigmaM),
                     fmt::arg("clusters", clusters), fmt::arg("terrain", terrain));
}

namespace {

Result<PreparedScenario> prepare_text(const std::string& text, const fs::path& path) {
  ScenarioParse parsed = parse_scenario_text(text, path);
  if (!parsed.scenario) {
    std::string msg = "the built-in demo scenario does not parse (a bug):";
    for (const auto& d : parsed.diagnostics) msg += "\n  " + d.to_string();
    return Status::Internal(msg);
  }
  return prepare_scenario(*parsed.scenario);
}

// Towns as cluster centres (lon/lat) and as labelled map points (terrain CRS).
struct TownLayers {
  std::optional<ClusterSettings> clusters;
  std::vector<map::MapPoint> landmarks;
};

Result<TownLayers> town_layers(const DemoTerrain& t, const Terrain& terrain) {
  TownLayers out;
  const auto towns = towns_for(t);
  if (towns.empty() || terrain.geometry().crs_wkt.empty()) {
    // Synthetic terrain: two centres at a third and two thirds of the grid, in its own CRS.
    const auto& g = terrain.geometry();
    ClusterSettings c;
    c.sigma_m = kClusterSigmaM;
    for (double f : {1.0 / 3, 2.0 / 3}) {
      c.centres.push_back({g.origin_x_m + f * g.width * g.cell_size_m, g.origin_y_m - f * g.height * g.cell_size_m, 1});
      out.landmarks.push_back({c.centres.back().x, c.centres.back().y, fmt::format("centre {}", c.centres.size()),
                               {0.1, 0.2, 0.8}, 4});
    }
    out.clusters = c;
    return out;
  }
  ClusterSettings c;
  c.crs = "EPSG:4326";
  c.sigma_m = kClusterSigmaM;
  SKYCOVER_ASSIGN_OR_RETURN(OGRSpatialReference wgs84, parse_crs("EPSG:4326", "demo towns"));
  OGRSpatialReference dst;
  dst.importFromWkt(terrain.geometry().crs_wkt.c_str());
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&wgs84, &dst));
  if (!ct) return Status::Internal(fmt::format("demo: cannot transform lon/lat to the DEM CRS: {}", last_gdal_error()));
  for (const auto& town : towns) {
    c.centres.push_back({town.lon_deg, town.lat_deg, town.weight});
    double x = town.lon_deg, y = town.lat_deg;
    if (ct->Transform(1, &x, &y)) out.landmarks.push_back({x, y, town.name, {0.1, 0.2, 0.8}, 4.5});
  }
  out.clusters = c;
  return out;
}

std::vector<int> sweep_counts(double area_km2, bool smoke) {
  std::vector<int> counts;
  auto add = [&](double national) {
    const int n = std::max(1, static_cast<int>(std::lround(national * area_km2 / kClaimAreaKm2)));
    if (counts.empty() || counts.back() != n) counts.push_back(n);
  };
  if (smoke) {
    for (double c : kSmokeNationalCounts) add(c);
  } else {
    for (double c : kNationalCounts) add(c);
  }
  return counts;
}

void add_demo_intro(HtmlReport& report, const DemoOutcome& o) {
  report.raw_html(fmt::format(
      R"(<p>The public claim: Venezuela has "no less than 5,000" Igla-S man-portable SAMs in key positions (late 2025;
unverified). Igla-S reaches 6,000 m slant range and 3,500 m altitude (Rosoboronexport). Over 916,000 km<sup>2</sup>
that is one launcher per {:.0f} km<sup>2</sup>. This demo places the <b>same density</b> on real terrain:
<b>{} sites over {:.0f} km<sup>2</sup></b> and asks how much of the sky they can actually engage.</p>
<p><b>Terrain used:</b> {}.</p>)",
      kClaimAreaKm2 / kClaimSites, o.sites, o.area_km2, html_escape(o.terrain.description)));
}

// " The same sites clustered: 6.5 % (fewer than uniform); high_ground: 22.4 % (fewer than uniform)."
std::string other_hypotheses_sentence(const DemoOutcome& o) {
  std::string out;
  const double base = o.runs.front().result.bands.front().fraction;
  for (std::size_t i = 1; i < o.runs.size(); ++i) {
    const double f = o.runs[i].result.bands.front().fraction;
    out += fmt::format("{}{}: {:.1f} % ({} than uniform)", out.empty() ? " The same count placed " : "; ",
                       hypothesis_name(o.runs[i].hypothesis), f * 100, f < base ? "less" : "more");
  }
  return out.empty() ? out : out + ".";
}

void add_headline_table(HtmlReport& report, const DemoOutcome& o) {
  if (o.runs.empty()) return;
  std::vector<std::string> header = {"band", "flat ground (Poisson)"};
  for (const auto& r : o.runs) header.push_back(std::string(hypothesis_name(r.hypothesis)));
  header.push_back("terrain masking loss (uniform)");
  std::vector<std::vector<std::string>> rows;
  const auto& first = o.runs.front().result;
  for (std::size_t b = 0; b < first.bands.size(); ++b) {
    std::vector<std::string> row = {band_label(first.bands[b].band),
                                    fmt::format("{:.1f}%", first.bands[b].flat_expected_fraction.value_or(NAN) * 100)};
    for (const auto& r : o.runs) row.push_back(fmt::format("{:.1f}%", r.result.bands[b].fraction * 100));
    row.push_back(fmt::format("{:.1f} points", first.bands[b].masking_loss_fraction.value_or(NAN) * 100));
    rows.push_back(std::move(row));
  }
  report.table(header, rows,
               fmt::format("Share of the area that at least one of {} Igla-S sites can engage (claim density)", o.sites));
  const BandCoverage& low = first.bands.front();
  report.paragraph(fmt::format(
      "Reading it: the flat-ground column is the claim's quick check, 1 - exp(-N pi r^2 / A) for these {} sites over "
      "{:.0f} km2, the claim's density: {:.1f} % at {}. Over this real terrain, the "
      "sites placed uniformly at random can engage a target at {} over {:.1f} % of the area. Of the gap, "
      "{:.1f} points are placement and area edges (the same sites on flat ground reach {:.1f} %), {:.1f} points the "
      "envelope over real relief, and {:.1f} points terrain masking.{}",
      o.sites, o.area_km2, low.flat_expected_fraction.value_or(NAN) * 100, band_label(low.band), band_label(low.band),
      low.fraction * 100, low.placement_loss_fraction.value_or(NAN) * 100,
      low.flat_same_sites_fraction.value_or(NAN) * 100, low.relief_envelope_loss_fraction.value_or(NAN) * 100,
      low.masking_loss_fraction.value_or(NAN) * 100, other_hypotheses_sentence(o)));
}

}  // namespace

namespace {

// Everything the demo's steps share once the terrain is loaded.
struct DemoContext {
  const DemoOptions& options;
  PreparedScenario prepared;
  std::string scenario_text;
  RunInfo run;
  std::vector<std::uint8_t> hillshade;
  TownLayers towns;
};

// Phase 1 loads the terrain to learn its area; phase 2 parses the scenario with the claim-density
// count and reuses the same terrain and area (only the count differs).
Result<DemoContext> load_demo(const DemoOptions& opt, DemoOutcome& o) {
  o.terrain = choose_demo_terrain(opt);
  if (opt.dem && !fs::exists(*o.terrain.dem))
    return Status::IoError(fmt::format("--dem {}: no such file (looked for {})", opt.dem->string(),
                                       o.terrain.dem->string()));
  const fs::path scenario_path = opt.out_dir / "scenario.toml";
  SKYCOVER_ASSIGN_OR_RETURN(PreparedScenario probe, prepare_text(demo_scenario_text(o.terrain, 1), scenario_path));
  o.area_km2 = probe.area.area_km2();
  o.sites = claim_density_sites(o.area_km2);
  std::string text = demo_scenario_text(o.terrain, o.sites);
  ScenarioParse parsed = parse_scenario_text(text, scenario_path);
  if (!parsed.scenario) return Status::Internal("the built-in demo scenario with its site count does not parse (a bug)");
  PreparedScenario p{std::move(*parsed.scenario), std::move(probe.terrain), std::move(probe.area),
                     std::move(probe.shape), {}};
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(scenario_path, text));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(p.scenario, opt.command_line));
  run.terrain_description = o.terrain.description;
  SKYCOVER_ASSIGN_OR_RETURN(auto shade, map::hillshade(p.terrain));
  SKYCOVER_ASSIGN_OR_RETURN(TownLayers towns, town_layers(o.terrain, p.terrain));
  return DemoContext{opt, std::move(p), std::move(text), std::move(run), std::move(shade), std::move(towns)};
}

// Coverage and products for one hypothesis at the claim density, in out_dir/<hypothesis>/.
Result<CoverageProductFiles> run_hypothesis(const DemoContext& c, Hypothesis h, DemoOutcome& o) {
  const auto& p = c.prepared;
  SKYCOVER_ASSIGN_OR_RETURN(auto sites, place_sites(p.scenario, p.terrain, p.area, p.shape,
                                                    DeploymentOverride{h, o.sites, c.towns.clusters}));
  CoverageRunSettings s;
  s.out_dir = c.options.out_dir / hypothesis_name(h);
  s.run = c.run;
  s.title = fmt::format("{}: {} Igla-S sites", hypothesis_name(h), sites.size());
  s.show_progress = c.options.show_progress;
  s.threads = c.options.threads;
  s.hillshade = &c.hillshade;
  s.landmarks = c.towns.landmarks;
  SKYCOVER_ASSIGN_OR_RETURN(auto out, run_coverage(p, sites, s));
  o.runs.push_back({h, std::move(out.result)});
  return std::move(out.products);
}

SweepRunSettings demo_sweep_settings(const DemoContext& c, const DemoOutcome& o) {
  SweepRunSettings sw;
  sw.out_dir = c.options.out_dir / "sweep";
  sw.run = c.run;
  sw.spec.counts = sweep_counts(o.area_km2, c.options.smoke);
  sw.spec.hypotheses = {Hypothesis::kUniform, Hypothesis::kClustered, Hypothesis::kHighGround};
  sw.spec.clusters = c.towns.clusters;
  sw.presentation.reference_count = o.sites;
  sw.presentation.reference_label = "claim density (5,000 over 916,000 km2)";
  sw.presentation.equivalent_scale = kClaimAreaKm2 / o.area_km2;
  sw.presentation.equivalent_label = "same density over 916,000 km2";
  sw.show_progress = c.options.show_progress;
  sw.threads = c.options.threads;
  return sw;
}

}  // namespace

Result<DemoOutcome> run_demo(const DemoOptions& options) {
  // Staged: a failure leaves no partial new folder (see output_dir.hpp).
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(options.out_dir));
  DemoOptions opt = options;
  opt.out_dir = dir.path();
  DemoOutcome o;
  SKYCOVER_ASSIGN_OR_RETURN(DemoContext c, load_demo(opt, o));
  // The manifest and report name the scenario where it will lie, not the staging folder.
  const std::string staged = dir.path().string(), final_dir = dir.target().string();
  for (auto& f : c.run.inputs)
    if (f.path.rfind(staged, 0) == 0) f.path = final_dir + f.path.substr(staged.size());
  std::vector<CoverageProductFiles> products;
  for (Hypothesis h : {Hypothesis::kUniform, Hypothesis::kClustered, Hypothesis::kHighGround}) {
    SKYCOVER_ASSIGN_OR_RETURN(auto files, run_hypothesis(c, h, o));
    products.push_back(std::move(files));
  }
  const SweepRunSettings sw = demo_sweep_settings(c, o);
  SweepProductFiles sweep_files;
  SKYCOVER_ASSIGN_OR_RETURN(o.sweep, run_sweep_products(c.prepared, sw, &sweep_files));

  HtmlReport report("skycover demo: 5,000 Igla-S at equal density on real terrain");
  add_demo_intro(report, o);
  add_headline_table(report, o);
  add_claim_check_explanation(report);
  // One interactive map for the three runs (same terrain and area): a view per hypothesis.
  web::MapSpec map = products.front().map;
  for (std::size_t i = 1; i < products.size(); ++i)
    map.views.insert(map.views.end(), products[i].map.views.begin(), products[i].map.views.end());
  report.heading("Map: the three deployments, band by band", 2);
  SKYCOVER_RETURN_IF_ERROR(report.interactive_map(map));
  for (std::size_t i = 0; i < products.size(); ++i) {
    const std::string name(hypothesis_name(o.runs[i].hypothesis));
    SKYCOVER_RETURN_IF_ERROR(add_coverage_section(report, o.runs[i].result, products[i],
                                                  fmt::format("{}: {} Igla-S sites", name, o.runs[i].result.site_count),
                                                  name, false));
  }
  add_sweep_section(report, o.sweep, sweep_files, sw.presentation);
  add_provenance_section(report, c.run, c.scenario_text);
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(opt.out_dir / "report.html", report.html()));
  SKYCOVER_RETURN_IF_ERROR(write_manifest(opt.out_dir, c.run,
                                          {{"demo", {{"sites", o.sites}, {"area_km2", o.area_km2},
                                                     {"terrain", o.terrain.description}}}}));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  o.report = dir.target() / "report.html";
  return o;
}

std::string demo_headline(const DemoOutcome& o) {
  std::string out = fmt::format("Terrain: {}\n{} Igla-S sites over {:.0f} km2 (the density of 5,000 over 916,000 km2)\n\n",
                                o.terrain.description, o.sites, o.area_km2);
  if (o.runs.empty()) return out;
  out += fmt::format("{:<12} {:>10}", "band", "flat");
  for (const auto& r : o.runs) out += fmt::format(" {:>12}", hypothesis_name(r.hypothesis));
  out += "\n";
  const auto& first = o.runs.front().result;
  for (std::size_t b = 0; b < first.bands.size(); ++b) {
    out += fmt::format("{:<12} {:>9.1f}%", band_label(first.bands[b].band),
                       first.bands[b].flat_expected_fraction.value_or(NAN) * 100);
    for (const auto& r : o.runs) out += fmt::format(" {:>11.1f}%", r.result.bands[b].fraction * 100);
    out += "\n";
  }
  out += "(share of the area at least one site can engage; flat = Poisson expectation on flat ground)\n";
  const BandCoverage& low = first.bands.front();
  out += fmt::format(
      "uniform at {}: Poisson {:.1f}% -> same sites on flat ground {:.1f}% -> clear line of sight {:.1f}% -> result "
      "{:.1f}%\n  (placement/edge {:.1f}, relief/envelope {:.1f}, terrain masking {:.1f} points)\n",
      band_label(low.band), low.flat_expected_fraction.value_or(NAN) * 100,
      low.flat_same_sites_fraction.value_or(NAN) * 100, low.fraction_without_masking.value_or(NAN) * 100,
      low.fraction * 100, low.placement_loss_fraction.value_or(NAN) * 100,
      low.relief_envelope_loss_fraction.value_or(NAN) * 100, low.masking_loss_fraction.value_or(NAN) * 100);
  return out;
}

}  // namespace skycover
