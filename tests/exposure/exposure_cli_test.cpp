// End-to-end: `skycover exposure` and `skycover raid` on the example scenario.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

int run_cli(const std::string& args, const fs::path& log) {
  const std::string cmd = fmt::format("{} {} >{} 2>&1", SKYCOVER_CLI_PATH, args, log.string());
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(const fs::path& p) {
  auto r = read_file(p);
  return r.ok() ? *r : std::string();
}

// The example scenario and its track files copied into `dir`, with `edit` applied to the TOML.
fs::path copy_example(const fs::path& dir, const std::string& from, const std::string& to) {
  const fs::path ex = fs::path(SKYCOVER_SOURCE_DIR) / "examples";
  fs::copy_file(ex / "track_cruise.geojson", dir / "track_cruise.geojson", fs::copy_options::overwrite_existing);
  fs::copy_file(ex / "track_helicopter.csv", dir / "track_helicopter.csv", fs::copy_options::overwrite_existing);
  std::string toml = slurp(ex / "tracks.toml");
  if (!from.empty()) {
    const auto at = toml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) toml.replace(at, from.size(), to);
  }
  const fs::path path = dir / "scenario.toml";
  std::ofstream(path) << toml;
  return path;
}

TEST(ExposureCli, ExampleWritesTablesChartsAndManifest) {
  test::TempDir dir;
  const fs::path scenario = fs::path(SKYCOVER_SOURCE_DIR) / "examples" / "tracks.toml";
  const fs::path out = dir.path() / "exp";
  ASSERT_EQ(run_cli(fmt::format("exposure {} --out {}", scenario.string(), out.string()), dir.path() / "log"), 0)
      << slurp(dir.path() / "log");
  const std::string log = slurp(dir.path() / "log");
  EXPECT_NE(log.find("survival"), std::string::npos) << log;
  for (const char* f : {"cruise-sw-ne.csv", "cruise-sw-ne.json", "helo-w-e.csv", "drones-n-s_timeline.png",
                        "drones-n-s_timeline.svg", "helo-w-e_map.png", "summary.json", "manifest.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  const auto manifest = nlohmann::json::parse(slurp(out / "manifest.json"));
  int track_inputs = 0;
  for (const auto& in : manifest["inputs"]) track_inputs += in["role"] == "track";
  EXPECT_EQ(track_inputs, 2);  // the GeoJSON and the CSV track files, hashed
  EXPECT_GE(manifest["outputs"].size(), 10u);
}

TEST(ExposureCli, RaidIsIdenticalForOneAndTwoThreads) {
  test::TempDir dir;
  std::vector<std::string> results;
  for (int threads : {1, 2}) {
    const fs::path sub = dir.path() / fmt::format("t{}", threads);
    fs::create_directories(sub);
    const fs::path sc = copy_example(sub, "[analysis]\nseed = 1\n", fmt::format("[analysis]\nseed = 1\nthreads = {}\n", threads));
    ASSERT_EQ(run_cli(fmt::format("raid {} --trials 2000 --seed 7 --out {}", sc.string(), (sub / "out").string()),
                      sub / "log"),
              0)
        << slurp(sub / "log");
    results.push_back(slurp(sub / "out" / "raid.json") + slurp(sub / "out" / "survivors.csv") +
                      slurp(sub / "out" / "sites.csv") + slurp(sub / "out" / "survivors.svg"));
  }
  ASSERT_FALSE(results[0].empty());
  EXPECT_EQ(results[0], results[1]);
}

TEST(ExposureCli, MissingKillProbabilityIsAClearError) {
  test::TempDir dir;
  const fs::path sc = copy_example(dir.path(), "pk_set = \"illustrative\"", "");
  EXPECT_EQ(run_cli(fmt::format("exposure {} --out {}", sc.string(), (dir.path() / "o").string()), dir.path() / "log"), 2);
  const std::string log = slurp(dir.path() / "log");
  EXPECT_NE(log.find("pk_set = \"illustrative\""), std::string::npos) << log;
  EXPECT_NE(log.find("igla-s"), std::string::npos) << log;
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 14: a DEM over the memory budget is read only in the window the tracks need (their box plus
// twice the longest range), with the sites of a survey of the whole area: every per-track table,
// the summary and the raid's survivors are the same bytes as the whole-grid run's.
TEST(ExposureCli, WindowAroundTheTracksGivesTheWholeGridsResults) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  std::ofstream(s) << R"([terrain]
synthetic = { width = 1500, height = 1500, cell_m = 30, relief_m = 700, seed = 21 }
[[systems]]
name = "igla-s"
preset = "igla-s"
missiles_per_site = 2
pk_set = "illustrative"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 300
seed = 3
[[tracks]]
id = "low/1"
target_class = "cruise_missile"
waypoints = [[520000, 1180000], [530000, 1172000]]
speed_mps = 240
altitude_m = 60
[[tracks]]
id = "low_1"
target_class = "drone"
waypoints = [[522000, 1171000], [531000, 1178000]]
speed_mps = 50
altitude_m = 300
[output]
dir = "out"
)";
  const fs::path log = dir.path() / "log";
  for (const std::string stage : {"exposure", "raid"}) {
    const fs::path whole = dir.path() / (stage + "-whole"), window = dir.path() / (stage + "-window");
    ASSERT_EQ(run_cli(fmt::format("{} {} --out {}", stage, s.string(), whole.string()), log), 0) << slurp(log);
    // 1500^2 cells x 9 B = 20 MB: over a 16 MB budget; the window (tracks + 2 x 6 km) fits.
    ASSERT_EQ(run_cli(fmt::format("{} {} --out {} --memory-mb 16", stage, s.string(), window.string()), log), 0)
        << slurp(log);
    const auto manifest = nlohmann::json::parse(slurp(window / "manifest.json"));
    ASSERT_TRUE(manifest.contains("terrain_window")) << manifest.dump(2);
    EXPECT_LT(manifest["terrain_window"]["width_cells"].get<int>(), 1500);
    EXPECT_FALSE(nlohmann::json::parse(slurp(whole / "manifest.json")).contains("terrain_window"));
    int compared = 0;
    for (const auto& e : fs::directory_iterator(whole)) {
      const std::string ext = e.path().extension().string(), name = e.path().filename().string();
      if ((ext != ".csv" && ext != ".json" && ext != ".txt") || name == "manifest.json") continue;
      EXPECT_EQ(slurp(e.path()), slurp(window / name)) << stage << ": " << name;
      ++compared;
    }
    EXPECT_GE(compared, 3) << stage;
  }
  // The two ids that sanitise alike wrote two sets of files.
  EXPECT_TRUE(fs::exists(dir.path() / "exposure-whole" / "low_1.csv"));
  EXPECT_TRUE(fs::exists(dir.path() / "exposure-whole" / "low_1-2.csv"));
  // Over budget even for the window: refused with the need, before reading.
  EXPECT_EQ(run_cli(fmt::format("exposure {} --out {} --memory-mb 1", s.string(), (dir.path() / "x").string()), log), 2)
      << slurp(log);
  EXPECT_NE(slurp(log).find("terrain window of"), std::string::npos) << slurp(log);
}

}  // namespace
}  // namespace skycover
