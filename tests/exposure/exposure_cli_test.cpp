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
