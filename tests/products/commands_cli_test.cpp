// End to end through the CLI: coverage, sweep and the demo's smoke variant.
#include <gtest/gtest.h>

#include <algorithm>

#include <sys/wait.h>

#include <cstdlib>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

constexpr const char* kScenario = R"(
[terrain]
synthetic = { width = 160, height = 160, cell_m = 100, relief_m = 500, seed = 2 }
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 6
seed = 5
[analysis]
bands_agl_m = [50, 1500]
bands_msl_m = [2000]
)";

int run(const std::string& args, const fs::path& log) {
  return std::system(fmt::format("{} {} >{} 2>&1", SKYCOVER_CLI_PATH, args, log.string()).c_str());
}

nlohmann::json read_json(const fs::path& p) {
  auto t = read_file(p);
  EXPECT_TRUE(t.ok()) << p;
  return t.ok() ? nlohmann::json::parse(*t) : nlohmann::json{};
}

TEST(CoverageCli, WritesSummaryProductsReportAndManifest) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() / "s.toml", kScenario).ok());
  const fs::path out = dir.path() / "out";
  ASSERT_EQ(run(fmt::format("coverage {} --out {}", (dir.path() / "s.toml").string(), out.string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  const auto s = read_json(out / "summary.json");
  ASSERT_EQ(s["bands"].size(), 3u);
  EXPECT_EQ(s["sites"], 6);
  EXPECT_EQ(s["bands"][2]["reference"], "msl");
  const double f = s["bands"][0]["fraction"];
  EXPECT_GT(f, 0.0);
  EXPECT_LE(f, s["bands"][0]["fraction_without_masking"].get<double>());
  for (const char* name : {"summary.csv", "report.html", "lowest_engageable_agl_m.tif", "multiplicity_agl_50m.tif",
                           "coverage_agl_50m.geojson", "coverage_msl_2000m.kml", "map_agl_1500m.png",
                           "coverage_vs_altitude.svg", "multiplicity.png"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
  }
  const auto m = read_json(out / "manifest.json");
  EXPECT_EQ(m["inputs"][0]["sha256"], sha256_hex(kScenario));
  EXPECT_GE(m["outputs"].size(), 20u);
  // The table on stdout names every band.
  const auto log = read_file(dir.path() / "log").value();
  EXPECT_NE(log.find("2000 m MSL"), std::string::npos);
}

// coverage --draws: draw 0 is the plain run (same summary.csv and rasters), the statistics go to
// summary.json, draws.csv, the console and the report; a scenario with nothing random is refused.
TEST(CoverageCli, DrawsAddStatisticsAndKeepDrawZerosProducts) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() / "s.toml", kScenario).ok());
  const std::string s = (dir.path() / "s.toml").string();
  const fs::path log = dir.path() / "log";
  ASSERT_EQ(run(fmt::format("coverage {} --out {}", s, (dir.path() / "one").string()), log), 0) << read_file(log).value();
  ASSERT_EQ(run(fmt::format("coverage {} --draws 6 --out {}", s, (dir.path() / "six").string()), log), 0)
      << read_file(log).value();
  const std::string console = read_file(log).value();
  EXPECT_NE(console.find("placement draws: 6"), std::string::npos) << console;
  for (const char* same : {"summary.csv", "multiplicity_agl_50m.tif", "coverage_agl_50m.geojson"})
    EXPECT_EQ(read_file(dir.path() / "one" / same).value(), read_file(dir.path() / "six" / same).value()) << same;
  const auto j = read_json(dir.path() / "six" / "summary.json");
  ASSERT_EQ(j["draws"]["count"], 6);
  ASSERT_EQ(j["draws"]["per_draw"].size(), 6u);
  EXPECT_EQ(j["draws"]["per_draw"][0]["fraction"][0], read_json(dir.path() / "one" / "summary.json")["bands"][0]["fraction"]);
  const auto& band = j["draws"]["bands"][0]["fraction"];
  EXPECT_LE(band["ci95"][0].get<double>(), band["mean"].get<double>());
  EXPECT_GE(band["ci95"][1].get<double>(), band["mean"].get<double>());
  EXPECT_GT(band["sd"].get<double>(), 0.0);
  const std::string csv = read_file(dir.path() / "six" / "draws.csv").value();
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 6 * 3);  // header + draws x bands
  EXPECT_NE(read_file(dir.path() / "six" / "report.html").value().find("Placement draws: 6"), std::string::npos);
  // Nothing random to draw.
  std::string fixed = kScenario;
  fixed.replace(fixed.find("hypothesis = \"uniform\""), 22, "hypothesis = \"grid\"\nspacing_m = 3000");
  ASSERT_TRUE(write_file_atomic(dir.path() / "g.toml", fixed).ok());
  EXPECT_EQ(WEXITSTATUS(run(fmt::format("coverage {} --draws 3 --out {}", (dir.path() / "g.toml").string(),
                                        (dir.path() / "g").string()), log)), 2);
  EXPECT_NE(read_file(log).value().find("needs a deployment placed at random"), std::string::npos) << read_file(log).value();
  EXPECT_FALSE(fs::exists(dir.path() / "g"));
}

TEST(SweepCli, WritesOneRowPerHypothesisCountAndBand) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() / "s.toml", kScenario).ok());
  const fs::path out = dir.path() / "sw";
  ASSERT_EQ(run(fmt::format("sweep {} --counts 1,10 --hypotheses uniform,high_ground --out {}",
                            (dir.path() / "s.toml").string(), out.string()),
                dir.path() / "log"),
            0)
      << read_file(dir.path() / "log").value();
  const auto j = read_json(out / "sweep.json");
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][3]["hypothesis"], "high_ground");
  EXPECT_EQ(j["runs"][3]["count"], 10);
  EXPECT_TRUE(fs::exists(out / "sweep_uniform.svg"));
  EXPECT_TRUE(fs::exists(out / "sweep_high_ground.png"));
  EXPECT_TRUE(fs::exists(out / "report.html"));
  // Clustered without centres in the scenario: invalid input (exit 2) with a fix in the message.
  EXPECT_EQ(WEXITSTATUS(run(fmt::format("sweep {} --counts 1 --hypotheses clustered --out {}",
                                         (dir.path() / "s.toml").string(), out.string()),
                             dir.path() / "log2")),
            2);
  EXPECT_NE(read_file(dir.path() / "log2").value().find("centres"), std::string::npos);
}

TEST(SweepCli, DrawsGiveIntervalsAndTheCurvesAreReadBothWays) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() / "s.toml", kScenario).ok());
  const fs::path out = dir.path() / "sw", log = dir.path() / "log";
  const std::string cmd = fmt::format("sweep {} --counts 2,8,32 --hypotheses uniform --draws 5 --claimed-count 16 "
                                      "--reach 50%@agl_50m --threads {{}} --out {{}}",
                                      (dir.path() / "s.toml").string());
  ASSERT_EQ(run(fmt::format(fmt::runtime(cmd), 2, out.string()), log), 0) << read_file(log).value();
  const auto j = read_json(out / "sweep.json");
  ASSERT_EQ(j["draws"]["count"], 5);
  const auto& band = j["runs"][0]["draws"]["bands"][0]["fraction"];
  EXPECT_LE(band["ci95"][0].get<double>(), band["mean"].get<double>());
  EXPECT_GE(band["ci95"][1].get<double>(), band["mean"].get<double>());
  EXPECT_GT(band["sd"].get<double>(), 0.0);
  // Read at 16 sites: between the swept 8 and 32, inside the run's own values.
  const auto& at = j["readings"]["coverage_at_count"][0];
  EXPECT_EQ(at["count"], 16);
  EXPECT_TRUE(at["interpolated"].get<bool>());
  const double at8 = j["runs"][1]["draws"]["bands"][0]["fraction"]["mean"], at32 = j["runs"][2]["draws"]["bands"][0]["fraction"]["mean"];
  EXPECT_GE(at["fraction"]["mean"].get<double>(), std::min(at8, at32));
  EXPECT_LE(at["fraction"]["mean"].get<double>(), std::max(at8, at32));
  ASSERT_EQ(j["readings"]["count_for_coverage"].size(), 1u);
  EXPECT_EQ(j["readings"]["count_for_coverage"][0]["target_fraction"], 0.5);
  const std::string csv = read_file(out / "sweep.csv").value();
  EXPECT_NE(csv.find("fraction_ci95_lo"), std::string::npos);
  const std::string console = read_file(log).value();
  EXPECT_NE(console.find("the mean of 5 placement draws"), std::string::npos) << console;
  EXPECT_NE(console.find("uniform at 16 sites (claimed count"), std::string::npos) << console;
  EXPECT_NE(console.find("50% of the area covered at 50 m AGL from"), std::string::npos) << console;
  // The interval is drawn as a translucent band (cairo writes text as glyph outlines, so no caption to find).
  EXPECT_NE(read_file(out / "sweep_uniform.svg").value().find("fill-opacity:0.2"), std::string::npos);
  // The same bytes on one thread.
  ASSERT_EQ(run(fmt::format(fmt::runtime(cmd), 1, (dir.path() / "one").string()), log), 0) << read_file(log).value();
  EXPECT_EQ(read_file(dir.path() / "one" / "sweep.json").value(), read_file(out / "sweep.json").value());
  EXPECT_EQ(read_file(dir.path() / "one" / "sweep.csv").value(), csv);
  // A band the scenario does not have, and a malformed target.
  EXPECT_EQ(WEXITSTATUS(run(fmt::format("sweep {} --counts 2 --reach 50%@agl_7m --out {}", (dir.path() / "s.toml").string(),
                                        (dir.path() / "bad").string()), log)), 2);
  EXPECT_NE(read_file(log).value().find("the scenario has no band 'agl_7m'; its bands are agl_50m"), std::string::npos)
      << read_file(log).value();
  EXPECT_EQ(WEXITSTATUS(run(fmt::format("sweep {} --counts 2 --reach half@agl_50m --out {}", (dir.path() / "s.toml").string(),
                                        (dir.path() / "bad").string()), log)), 1);
  EXPECT_NE(read_file(log).value().find("write SHARE@BAND, e.g. 50%@agl_1000m"), std::string::npos) << read_file(log).value();
  EXPECT_FALSE(fs::exists(dir.path() / "bad"));
}

TEST(DemoCli, SmokeVariantProducesTheWholeReport) {
  test::TempDir dir;
  const fs::path out = dir.path() / "demo";
  ASSERT_EQ(run(fmt::format("demo --smoke --out {}", out.string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  const auto log = read_file(dir.path() / "log").value();
  EXPECT_NE(log.find("report: "), std::string::npos);
  for (const char* name : {"report.html", "scenario.toml", "manifest.json", "uniform/summary.json",
                           "clustered/map_agl_50m.png", "high_ground/coverage_agl_3000m.geojson", "sweep/sweep.csv",
                           "sweep/sweep_clustered.svg"}) {
    EXPECT_TRUE(fs::exists(out / name)) << name;
  }
  // The demo's site count is the claim's density over the area it used.
  const auto m = read_json(out / "manifest.json");
  const double area = m["demo"]["area_km2"];
  EXPECT_EQ(m["demo"]["sites"], std::max(1L, std::lround(5000.0 * area / 916000.0)));
  const auto u = read_json(out / "uniform/summary.json");
  EXPECT_EQ(u["sites"], m["demo"]["sites"]);
  // The written scenario runs as-is.
  ASSERT_EQ(run(fmt::format("coverage {} --summary-only --out {}", (out / "scenario.toml").string(),
                            (dir.path() / "again").string()),
                dir.path() / "log3"),
            0)
      << read_file(dir.path() / "log3").value();
  EXPECT_EQ(read_json(dir.path() / "again" / "summary.json")["bands"], u["bands"]);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 item 10: `demo --dem` with a relative path, or a path holding a quote, failed with "the
// built-in demo scenario does not parse (a bug)"; a missing --dem is an I/O error naming it.
TEST(DemoCli, DemPathsRelativeOrWithQuotesWork) {
  test::TempDir dir;
  fs::create_directories(dir.path() / "we\"ird");
  fs::copy_file(SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif", dir.path() / "we\"ird" / "t.tif");
  const std::string cd = fmt::format("cd '{}' && ", dir.path().string());
  const auto log = dir.path() / "log";
  EXPECT_EQ(std::system(fmt::format("{}{} demo --smoke --dem 'we\"ird/t.tif' --out o >{} 2>&1", cd, SKYCOVER_CLI_PATH,
                                    log.string()).c_str()), 0)
      << read_file(log).value();
  EXPECT_TRUE(fs::exists(dir.path() / "o" / "report.html"));
  const int rc = std::system(fmt::format("{}{} demo --smoke --dem missing.tif --out m >{} 2>&1", cd, SKYCOVER_CLI_PATH,
                                         log.string()).c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 3);
  EXPECT_NE(read_file(log).value().find("--dem missing.tif: no such file"), std::string::npos) << read_file(log).value();
  EXPECT_FALSE(fs::exists(dir.path() / "m"));
}

}  // namespace
}  // namespace skycover
