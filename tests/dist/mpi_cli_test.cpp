// Through the CLI under mpirun: coverage and sweep spread over 2 and 4 ranks (oversubscribed on a
// 2-core machine) write summary.json, summary.csv, every GeoTIFF and every polygon file with the
// same bytes as one process without MPI: a whole-grid run (its tiles spread) and a tiled run.
// Skipped, with the reason, in a build without MPI. CI runs as root: OpenMPI's run-as-root
// settings are passed here, in the test only.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fmt/format.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/dist/world.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

// Environment for mpirun: run as root (CI), no leak check of OpenMPI's own allocations in the
// sanitizer build, shared-memory transport without ptrace-based single copy (containers).
constexpr const char* kMpiEnv =
    "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none "
    "OMPI_MCA_rmaps_base_oversubscribe=1 ASAN_OPTIONS=detect_leaks=0";

int run(const std::string& command, const fs::path& log) {
  const int rc = std::system(fmt::format("{} >{} 2>&1", command, log.string()).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string mpirun(int ranks, const std::string& args) {
  return fmt::format("env {} {} -np {} {} {}", kMpiEnv, SKYCOVER_MPIEXEC, ranks, SKYCOVER_CLI_PATH, args);
}

// Every result file of `a` is in `b` with the same bytes (manifest and report hold timings and differ).
void expect_same_results(const fs::path& a, const fs::path& b, const std::string& what, int at_least = 10) {
  int compared = 0;
  for (const auto& e : fs::directory_iterator(a)) {
    const std::string name = e.path().filename().string();
    const std::string ext = e.path().extension().string();
    if (ext != ".tif" && ext != ".json" && ext != ".csv" && ext != ".geojson" && ext != ".kml" &&
        ext != ".gpkg")
      continue;
    if (name == "manifest.json") continue;
    ASSERT_TRUE(fs::exists(b / name)) << what << ": " << name << " missing";
    EXPECT_EQ(read_file(e.path()).value(), read_file(b / name).value()) << what << ": " << name << " differs";
    ++compared;
  }
  EXPECT_GE(compared, at_least) << what;
  // Nothing left of the ranks' raster parts.
  for (const auto& e : fs::directory_iterator(b))
    EXPECT_EQ(e.path().filename().string().find(".part-"), std::string::npos) << e.path();
}

class MpiCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!World::built_with_mpi() || std::string(SKYCOVER_MPIEXEC).empty())
      GTEST_SKIP() << "this build has no MPI (install libopenmpi-dev and openmpi-bin, then scripts/build release)";
  }
  test::TempDir dir;
};

TEST_F(MpiCli, CoverageSameBytesForOneTwoAndFourRanks) {
  const std::string scenario = fmt::format("{}/examples/basic.toml", SKYCOVER_SOURCE_DIR);
  for (const std::string tiling : {"", " --tile-cells 64"}) {
    const fs::path alone = dir.path() / ("alone" + std::to_string(tiling.size()));
    ASSERT_EQ(run(fmt::format("{} coverage {} --out {}{}", SKYCOVER_CLI_PATH, scenario, alone.string(), tiling),
                  dir.path() / "log"), 0)
        << read_file(dir.path() / "log").value();
    for (const int ranks : {1, 2, 4}) {
      const fs::path out = dir.path() / fmt::format("np{}-{}", ranks, tiling.size());
      ASSERT_EQ(run(mpirun(ranks, fmt::format("coverage {} --out {}{}", scenario, out.string(), tiling)),
                    dir.path() / "log"), 0)
          << read_file(dir.path() / "log").value();
      expect_same_results(alone, out, fmt::format("{} ranks{}", ranks, tiling));
    }
  }
}

// The real-DEM example (reprojected lon/lat DEM, area polygon, clustered, high-ground and file
// sites): a whole-grid run whose tiles are spread, rank 0 gathering the union for the products.
TEST_F(MpiCli, TrinidadExampleSameBytesForTwoRanks) {
  const std::string scenario = fmt::format("{}/examples/trinidad.toml", SKYCOVER_SOURCE_DIR);
  const fs::path alone = dir.path() / "alone", spread = dir.path() / "np2";
  ASSERT_EQ(run(fmt::format("{} coverage {} --out {}", SKYCOVER_CLI_PATH, scenario, alone.string()), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  ASSERT_EQ(run(mpirun(2, fmt::format("coverage {} --out {}", scenario, spread.string())), dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  expect_same_results(alone, spread, "trinidad, 2 ranks");
}

TEST_F(MpiCli, SweepSameBytesForTwoRanks) {
  const std::string scenario = fmt::format("{}/examples/basic.toml", SKYCOVER_SOURCE_DIR);
  const fs::path alone = dir.path() / "alone", spread = dir.path() / "np2";
  ASSERT_EQ(run(fmt::format("{} sweep {} --counts 5,40 --out {}", SKYCOVER_CLI_PATH, scenario, alone.string()),
                dir.path() / "log"), 0)
      << read_file(dir.path() / "log").value();
  ASSERT_EQ(run(mpirun(2, fmt::format("sweep {} --counts 5,40 --out {}", scenario, spread.string())), dir.path() / "log"),
            0)
      << read_file(dir.path() / "log").value();
  expect_same_results(alone, spread, "sweep, 2 ranks", 2);  // sweep.json, sweep.csv
}

TEST_F(MpiCli, ErrorsAreReportedOnceAndOtherCommandsAreRefused) {
  const fs::path log = dir.path() / "log";
  EXPECT_EQ(run(mpirun(2, "coverage /nonexistent/s.toml"), log), 3);
  const std::string text = read_file(log).value();
  const auto first = text.find("s.toml does not exist");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_EQ(text.find("s.toml does not exist", first + 1), std::string::npos) << "printed by every rank:\n" << text;
  EXPECT_EQ(run(mpirun(2, "terrain info /nonexistent.tif"), log), 2);
  EXPECT_NE(read_file(log).value().find("only coverage and sweep spread over MPI ranks"), std::string::npos)
      << read_file(log).value();
}

TEST(World, LaunchWithSeveralRanksNeedsAnMpiBuild) {
  EXPECT_TRUE(check_launch(0, false).ok());
  EXPECT_TRUE(check_launch(1, false).ok());
  EXPECT_TRUE(check_launch(4, true).ok());
  const Status refused = check_launch(4, false);
  EXPECT_EQ(refused.exit_code(), 2);
  EXPECT_NE(refused.message().find("built without MPI"), std::string::npos);
  EXPECT_NE(refused.message().find("libopenmpi-dev"), std::string::npos);
}

}  // namespace
}  // namespace skycover
