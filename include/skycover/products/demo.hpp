// `skycover demo`: the public 5,000-site claim tested at equal site density on bundled real terrain.
//
// N = round(5000 * A / 916,000 km^2) Igla-S sites (catalog preset: 6,000 m range, 3,500 m ceiling,
// Rosoboronexport) over the analysis area A of the demo DEM, placed under three hypotheses (uniform,
// clustered around two towns, high ground), plus a count sweep at the densities of 50 ... 20,000
// sites over Venezuela. Terrain, in order of preference: the USGS 3" DEM of Trinidad, Colorado from
// Debian's libncarg-data (/usr/share/ncarg/data/cdf/trinidad.nc, heights in feet), the bundled crop
// data/trinidad_sample.tif, else seeded synthetic terrain; the report says which was used.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "skycover/coverage/sweep.hpp"
#include "skycover/products/coverage_run.hpp"

namespace skycover {

inline constexpr double kClaimSites = 5000;
inline constexpr double kClaimAreaKm2 = 916000;

struct DemoOptions {
  std::filesystem::path out_dir = "skycover-demo";
  bool smoke = false;  // small and fast (tests): bundled crop at 300 m cells, two sweep points
  std::optional<std::filesystem::path> dem;  // use this DEM (heights in feet) instead of searching
  int threads = 0;
  bool show_progress = true;
  std::string command_line;
};

struct DemoTerrain {
  std::optional<std::filesystem::path> dem;  // empty: synthetic
  std::string description;                  // for the report
  std::optional<double> cell_size_m;
};
DemoTerrain choose_demo_terrain(const DemoOptions& options);

// Sites giving the claim's density over area_km2 (at least 1).
int claim_density_sites(double area_km2);
// The demo scenario (TOML) for `terrain` with `sites` uniform Igla-S sites.
std::string demo_scenario_text(const DemoTerrain& terrain, int sites);

struct DemoRun {
  Hypothesis hypothesis;
  CoverageResult result;
};

struct DemoOutcome {
  std::filesystem::path report;
  DemoTerrain terrain;
  double area_km2 = 0;
  int sites = 0;
  std::vector<DemoRun> runs;
  std::vector<SweepRow> sweep;
};

Result<DemoOutcome> run_demo(const DemoOptions& options);
// The headline table printed on stdout.
std::string demo_headline(const DemoOutcome& outcome);

}  // namespace skycover
