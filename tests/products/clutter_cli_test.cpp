// [terrain] clutter through the CLI: the summary splits clutter masking from terrain masking (the
// loss terms still add up to the Poisson gap), a tiled run writes the whole-grid run's bytes, a
// zero clutter raster gives the rasters of no clutter, and scenario mistakes get clear errors.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

int run(const std::string& args, const fs::path& log) {
  const int rc = std::system(fmt::format("{} {} >{} 2>&1", SKYCOVER_CLI_PATH, args, log.string()).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

SyntheticTerrainParams terrain_params() {
  SyntheticTerrainParams p;
  p.width = 220;
  p.height = 200;
  p.cell_size_m = 30;
  p.relief_m = 250;
  p.seed = 11;
  return p;
}

std::string scenario(const std::string& clutter_line) {
  const SyntheticTerrainParams p = terrain_params();
  return fmt::format(R"(
[terrain]
synthetic = {{ width = {}, height = {}, cell_m = {}, relief_m = {}, seed = {} }}
{}
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 25
seed = 3
[analysis]
bands_agl_m = [25, 300]
)",
                     p.width, p.height, p.cell_size_m, p.relief_m, p.seed, clutter_line);
}

// Woods and towns in patches: 10-30 m where a smooth field is high, nothing elsewhere.
void write_clutter(const fs::path& path, float scale) {
  const SyntheticTerrainParams p = terrain_params();
  SyntheticTerrainParams q = p;
  q.relief_m = 1;
  q.seed = 77;
  const Terrain field = make_synthetic_terrain(q);
  std::vector<float> c(field.elevations_m().size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    const float v = field.elevations_m()[i] - field.elevations_m()[0];
    c[i] = scale * (v > 0.1f ? 10.f + 40.f * v : 0.f);
  }
  ASSERT_TRUE(write_float_raster(path, synthetic_geometry(p), c).ok());
}

TEST(ClutterCli, SummarySplitsClutterFromTerrainMaskingAndTilesKeepTheBytes) {
  test::TempDir dir;
  write_clutter(dir.path() / "clutter.tif", 1.f);
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, scenario("clutter = \"clutter.tif\"")).ok());
  ASSERT_EQ(run(fmt::format("coverage {} --summary-only --out {}", s.string(), (dir.path() / "whole").string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  const std::string console = read_file(dir.path() / "log").value();
  EXPECT_NE(console.find("clutter (trees, buildings) hides"), std::string::npos) << console;
  ASSERT_EQ(run(fmt::format("coverage {} --summary-only --tile-cells 64 --threads 2 --out {}", s.string(),
                            (dir.path() / "tiled").string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  EXPECT_EQ(read_file(dir.path() / "whole" / "summary.json").value(),
            read_file(dir.path() / "tiled" / "summary.json").value());
  const auto j = nlohmann::json::parse(read_file(dir.path() / "whole" / "summary.json").value());
  EXPECT_TRUE(j["clutter"].get<bool>());
  for (const auto& b : j["bands"]) {
    const double f = b["fraction"], bare = b["fraction_without_clutter"], clear = b["fraction_without_masking"];
    EXPECT_LE(f, bare);
    EXPECT_LE(bare, clear);
    EXPECT_DOUBLE_EQ(b["clutter_loss_fraction"].get<double>(), bare - f);
    EXPECT_DOUBLE_EQ(b["masking_loss_fraction"].get<double>(), clear - bare);
    const double gap = b["placement_loss_fraction"].get<double>() + b["relief_envelope_loss_fraction"].get<double>() +
                       b["masking_loss_fraction"].get<double>() + b["clutter_loss_fraction"].get<double>();
    EXPECT_NEAR(gap, b["flat_expected_fraction"].get<double>() - f, 1e-12);
  }
  EXPECT_GT(j["bands"][0]["clutter_loss_fraction"].get<double>(), 0.01) << "25 m targets hide behind 10-50 m clutter";
  EXPECT_LT(j["bands"][1]["clutter_loss_fraction"].get<double>(),
            j["bands"][0]["clutter_loss_fraction"].get<double>());
}

TEST(ClutterCli, ZeroClutterWritesTheRastersOfNoClutter) {
  test::TempDir dir;
  write_clutter(dir.path() / "zero.tif", 0.f);
  ASSERT_TRUE(write_file_atomic(dir.path() / "none.toml", scenario("")).ok());
  ASSERT_TRUE(write_file_atomic(dir.path() / "zero.toml", scenario("clutter = \"zero.tif\"")).ok());
  for (const char* name : {"none", "zero"})
    ASSERT_EQ(run(fmt::format("coverage {} --out {}", (dir.path() / fmt::format("{}.toml", name)).string(),
                              (dir.path() / name).string()), dir.path() / "log"), 0)
        << read_file(dir.path() / "log").value();
  int compared = 0;
  for (const auto& e : fs::directory_iterator(dir.path() / "none"))
    if (e.path().extension() == ".tif") {
      EXPECT_EQ(read_file(e.path()).value(), read_file(dir.path() / "zero" / e.path().filename()).value())
          << e.path().filename();
      ++compared;
    }
  EXPECT_GE(compared, 3);
  const auto none = nlohmann::json::parse(read_file(dir.path() / "none" / "summary.json").value());
  const auto zero = nlohmann::json::parse(read_file(dir.path() / "zero" / "summary.json").value());
  for (std::size_t b = 0; b < 2; ++b) {
    EXPECT_EQ(none["bands"][b]["multiplicity"], zero["bands"][b]["multiplicity"]);
    EXPECT_EQ(zero["bands"][b]["clutter_loss_fraction"].get<double>(), 0.0);
    EXPECT_TRUE(none["bands"][b]["clutter_loss_fraction"].is_null());
  }
}

TEST(ClutterCli, ScenarioMistakesNameTheFieldAndTheFix) {
  test::TempDir dir;
  write_clutter(dir.path() / "lc.tif", 1.f);
  const std::pair<const char*, const char*> cases[] = {
      {"clutter = \"missing.tif\"", "missing.tif"},
      {"clutter = { raster = \"lc.tif\", class_heights_m = { trees = 15 } }", "class 'trees' is not an integer"},
      {"clutter = { raster = \"lc.tif\", class_heights_m = { \"10\" = -4 } }", "class 10 needs a height"},
      {"clutter = { raster = \"lc.tif\" }", "class_heights_m"},
      {"clutter = 12", "clutter"},
  };
  for (const auto& [line, expect] : cases) {
    ASSERT_TRUE(write_file_atomic(dir.path() / "s.toml", scenario(line)).ok());
    EXPECT_EQ(run(fmt::format("coverage {} --summary-only --out {}", (dir.path() / "s.toml").string(),
                              (dir.path() / "o").string()), dir.path() / "log"), 2)
        << line;
    const std::string log = read_file(dir.path() / "log").value();
    EXPECT_NE(log.find(expect), std::string::npos) << line << "\n" << log;
    EXPECT_FALSE(fs::exists(dir.path() / "o"));
  }
}

}  // namespace
}  // namespace skycover
