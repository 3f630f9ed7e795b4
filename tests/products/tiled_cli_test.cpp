// Through the CLI: a tiled coverage run (--tile-cells, or a DEM over --memory-mb) writes the same
// summary.json bytes as the whole-grid run, on a real reprojected DEM with an area polygon and
// uniform and file sites; a budget below one tile is refused with the smallest one that works.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

int run(const std::string& args, const fs::path& log) {
  const int rc = std::system(fmt::format("{} {} >{} 2>&1", SKYCOVER_CLI_PATH, args, log.string()).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string scenario_text() {
  return fmt::format(R"(
[terrain]
dem = "{0}/data/trinidad_sample.tif"
unit = "ft"
[area]
polygon = "{0}/examples/trinidad_area.geojson"
[[systems]]
name = "igla-s"
preset = "igla-s"
[[systems]]
name = "stinger"
preset = "stinger"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 30
seed = 4
[[deployments]]
system = "stinger"
file = "{0}/examples/trinidad_sites.csv"
crs = "EPSG:4326"
[analysis]
bands_agl_m = [50, 500]
bands_msl_m = [3000]
)",
                     SKYCOVER_SOURCE_DIR);
}

TEST(TiledCoverageCli, SameSummaryBytesAsTheWholeGridRun) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, scenario_text()).ok());
  ASSERT_EQ(run(fmt::format("coverage {} --summary-only --out {}", s.string(), (dir.path() / "whole").string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  for (const int tile : {64, 150}) {
    const fs::path out = dir.path() / fmt::format("t{}", tile);
    ASSERT_EQ(run(fmt::format("coverage {} --summary-only --tile-cells {} --threads 2 --out {}", s.string(), tile,
                              out.string()), dir.path() / "log"), 0)
        << read_file(dir.path() / "log").value();
    EXPECT_EQ(read_file(dir.path() / "whole" / "summary.json").value(), read_file(out / "summary.json").value())
        << "tile " << tile;
    const auto manifest = nlohmann::json::parse(read_file(out / "manifest.json").value());
    EXPECT_EQ(manifest["tiling"]["tile_cells"], tile);
    EXPECT_GT(manifest["tiling"]["tiles"].get<int>(), 1);
  }
  const auto summary = nlohmann::json::parse(read_file(dir.path() / "whole" / "summary.json").value());
  EXPECT_GT(summary["bands"][0]["fraction"].get<double>(), 0.0);
}

TEST(TiledCoverageCli, BudgetBelowOneTileNamesTheSmallestThatWorks) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, scenario_text()).ok());
  EXPECT_EQ(run(fmt::format("coverage {} --summary-only --memory-mb 64 --out {}", s.string(),
                            (dir.path() / "o").string()), dir.path() / "log"), 2);
  const std::string log = read_file(dir.path() / "log").value();
  EXPECT_NE(log.find("the smallest budget that works is"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.path() / "o"));
}

TEST(TiledCoverageCli, TiledProductsAreTheWholeGridRunsBytes) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, scenario_text()).ok());
  ASSERT_EQ(run(fmt::format("coverage {} --out {}", s.string(), (dir.path() / "whole").string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  ASSERT_EQ(run(fmt::format("coverage {} --tile-cells 96 --out {}", s.string(), (dir.path() / "tiled").string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  int compared = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "whole")) {
    const std::string name = e.path().filename().string();
    if (name == "manifest.json" || name == "report.html") continue;  // the tiling is recorded there
    ASSERT_TRUE(fs::exists(dir.path() / "tiled" / name)) << name;
    EXPECT_EQ(read_file(e.path()).value(), read_file(dir.path() / "tiled" / name).value()) << name;
    ++compared;
  }
  EXPECT_GE(compared, 18);  // rasters, polygons, maps, charts, summaries
  EXPECT_TRUE(fs::exists(dir.path() / "tiled" / "lowest_engageable_agl_m.tif"));
  EXPECT_TRUE(fs::exists(dir.path() / "tiled" / "report.html"));
  for (const auto& e : fs::directory_iterator(dir.path() / "tiled"))  // no temporary tile files left
    EXPECT_EQ(e.path().filename().string().find(".tiles.tif"), std::string::npos) << e.path();
}

TEST(TiledCoverageCli, TiledSweepHasTheWholeGridSweepsRows) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, scenario_text()).ok());
  for (const auto& [name, extra] : {std::pair{"whole", ""}, std::pair{"tiled", " --tile-cells 80"}})
    ASSERT_EQ(run(fmt::format("sweep {} --counts 0,10,40 --out {}{}", s.string(), (dir.path() / name).string(), extra),
                  dir.path() / "log"), 0)
        << read_file(dir.path() / "log").value();
  for (const char* name : {"sweep.json", "sweep.csv"})
    EXPECT_EQ(read_file(dir.path() / "whole" / name).value(), read_file(dir.path() / "tiled" / name).value()) << name;
  const auto rows = nlohmann::json::parse(read_file(dir.path() / "tiled" / "sweep.json").value());
  EXPECT_FALSE(rows.empty());
}

TEST(SweepCli, OnlyCountZeroFinishesWithEmptyCharts) {  // issue 9: it looped forever on the log axis
  test::TempDir dir;
  EXPECT_EQ(run(fmt::format("sweep {}/examples/basic.toml --counts 0 --out {}", SKYCOVER_SOURCE_DIR,
                            (dir.path() / "o").string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  EXPECT_TRUE(fs::exists(dir.path() / "o" / "sweep.json"));
}

TEST(TiledCoverageCli, HypothesesThatNeedTheWholeGridAreRefused) {
  test::TempDir dir;
  EXPECT_EQ(run(fmt::format("coverage {}/examples/trinidad.toml --summary-only --tile-cells 64 --out {}",
                            SKYCOVER_SOURCE_DIR, (dir.path() / "o").string()), dir.path() / "log"), 2);
  EXPECT_NE(read_file(dir.path() / "log").value().find("hypothesis 'high_ground'"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "o"));
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// A grid wider than the preview (2,100 cells > 2,048: one preview cell in 2): the tiled run's maps,
// GeoJSON and KML come from the preview, but with --exact-polygons its GeoPackage polygons are made
// from the full-resolution multiplicity rasters, so they are the whole-grid run's bytes (without
// it, the preview's); its GeoJSON is generalised by the preview's cell (`generalised_m` says so).
TEST(TiledCoverageCli, GeoPackagePolygonsAreFullResolutionBeyondThePreview) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, R"(
[terrain]
synthetic = { width = 2100, height = 40, cell_m = 30, relief_m = 300, seed = 5 }
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 12
seed = 2
[analysis]
bands_agl_m = [50, 1500]
)").ok());
  ASSERT_EQ(run(fmt::format("coverage {} --out {}", s.string(), (dir.path() / "whole").string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  ASSERT_EQ(run(fmt::format("coverage {} --tile-cells 512 --exact-polygons --out {}", s.string(),
                            (dir.path() / "tiled").string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  for (const char* name : {"coverage_agl_50m.gpkg", "coverage_agl_1500m.gpkg", "multiplicity_agl_50m.tif", "summary.json"})
    EXPECT_EQ(read_file(dir.path() / "whole" / name).value(), read_file(dir.path() / "tiled" / name).value()) << name;
  const auto tiled = nlohmann::json::parse(read_file(dir.path() / "tiled" / "coverage_agl_50m.geojson").value());
  const auto whole = nlohmann::json::parse(read_file(dir.path() / "whole" / "coverage_agl_50m.geojson").value());
  ASSERT_FALSE(tiled["features"].empty());
  EXPECT_EQ(tiled["features"][0]["properties"]["generalised_m"], "30");  // 2 x 30 m / 2
  EXPECT_EQ(whole["features"][0]["properties"]["generalised_m"], "15");
  ASSERT_EQ(run(fmt::format("coverage {} --tile-cells 512 --out {}", s.string(), (dir.path() / "preview").string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  EXPECT_NE(read_file(dir.path() / "whole" / "coverage_agl_50m.gpkg").value(),
            read_file(dir.path() / "preview" / "coverage_agl_50m.gpkg").value());
}

}  // namespace
}  // namespace skycover
