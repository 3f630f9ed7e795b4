// Product folders appear whole or not at all (include/skycover/products/output_dir.hpp).
#include "skycover/products/output_dir.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <numbers>

#include "skycover/core/atomic_file.hpp"
#include "skycover/products/coverage_run.hpp"
#include "skycover/products/demo.hpp"
#include "skycover/scenario/scenario.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

constexpr const char* kScenario = R"(
[terrain]
synthetic = { width = 80, height = 80, cell_m = 100, relief_m = 300, seed = 3 }
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 3
seed = 5
[analysis]
bands_agl_m = [50]
)";

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

PreparedScenario prepared(const fs::path& dir) {
  ScenarioParse parsed = parse_scenario_text(kScenario, dir / "s.toml");
  EXPECT_TRUE(parsed.scenario.has_value());
  auto p = prepare_scenario(*parsed.scenario);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

CoverageRunSettings settings(const fs::path& out) {
  CoverageRunSettings s;
  s.out_dir = out;
  s.title = "test";
  s.show_progress = false;
  s.threads = 1;
  return s;
}

TEST(StagedOutputDir, UncommittedLeavesNothingCommittedAppearsWhole) {
  test::TempDir tmp;
  const fs::path target = tmp.path() / "out";
  {
    auto d = StagedOutputDir::open(target);
    ASSERT_TRUE(d.ok()) << d.status().message();
    ASSERT_TRUE(write_file_atomic(d->path() / "a.txt", "a").ok());
    EXPECT_FALSE(fs::exists(target));
  }
  EXPECT_TRUE(entries(tmp.path()).empty());  // no target, no staging sibling
  {
    auto d = StagedOutputDir::open(target);
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE(write_file_atomic(d->path() / "a.txt", "a").ok());
    ASSERT_TRUE(d->commit().ok());
  }
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
  EXPECT_EQ(entries(target), std::vector<std::string>{"a.txt"});
  // Issue 9 item 6. A folder holding files that are not a skycover output is refused, untouched.
  const auto refused = StagedOutputDir::open(target);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().exit_code(), 2);
  EXPECT_NE(refused.status().message().find("not a skycover output"), std::string::npos) << refused.status().message();
  EXPECT_EQ(entries(target), std::vector<std::string>{"a.txt"});
  // An earlier skycover output is replaced (its files gone), a nested output of another command
  // kept; a staging folder of a killed run (its PID gone) is removed.
  ASSERT_TRUE(write_file_atomic(target / "manifest.json",
                                R"({"tool": "skycover", "outputs": [{"path": "a.txt"}, {"path": "maps/m.png"}]})")
                  .ok());
  ASSERT_TRUE(write_file_atomic(target / "maps" / "m.png", "png").ok());
  ASSERT_TRUE(write_file_atomic(target / "sweep" / "manifest.json", R"({"tool": "skycover", "outputs": []})").ok());
  fs::create_directories(tmp.path() / ".out.partial-999999999-0");
  {
    auto d = StagedOutputDir::open(target);
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_TRUE(d->replaces());
    EXPECT_FALSE(fs::exists(tmp.path() / ".out.partial-999999999-0"));
    ASSERT_TRUE(write_file_atomic(d->path() / "b.txt", "b").ok());
    ASSERT_TRUE(write_file_atomic(d->path() / "manifest.json", R"({"tool": "skycover", "outputs": [{"path": "b.txt"}]})")
                    .ok());
    ASSERT_TRUE(d->commit().ok());
  }
  EXPECT_EQ(entries(target), (std::vector<std::string>{"b.txt", "manifest.json", "sweep"}));
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});  // nothing aside left
  // A file the manifest does not list is not the earlier run's: refused, named.
  ASSERT_TRUE(write_file_atomic(target / "notes.txt", "mine").ok());
  const auto notes = StagedOutputDir::open(target);
  ASSERT_FALSE(notes.ok());
  EXPECT_NE(notes.status().message().find("notes.txt"), std::string::npos) << notes.status().message();
  EXPECT_FALSE(StagedOutputDir::open(".").ok());
}

TEST(StagedOutputDir, CoverageFailureHalfWayLeavesNoPartialFolder) {
  test::TempDir tmp;
  const PreparedScenario p = prepared(tmp.path());
  // A hillshade of the wrong size makes the map step fail after summary.json and the first
  // raster have been written.
  const std::vector<std::uint8_t> bad_shade(7, 0);
  CoverageRunSettings s = settings(tmp.path() / "out");
  s.hillshade = &bad_shade;
  auto r = coverage_command(p, s);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(entries(tmp.path()).empty()) << "left: " << (entries(tmp.path()).empty() ? "" : entries(tmp.path())[0]);
  // The same run without the fault writes the whole folder, manifest included, and no sibling.
  s.hillshade = nullptr;
  auto ok = coverage_command(p, s);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"out"});
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "manifest.json"));
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "report.html"));
  EXPECT_TRUE(fs::exists(tmp.path() / "out" / "summary.json"));
}

TEST(Demo, SmokeFlatColumnIsThePoissonFormulaForItsNAndA) {
  test::TempDir tmp;
  DemoOptions o;
  o.out_dir = tmp.path() / "demo";
  o.smoke = true;
  o.threads = 2;
  o.show_progress = false;
  auto r = run_demo(o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->report, tmp.path() / "demo" / "report.html");
  EXPECT_EQ(entries(tmp.path()), std::vector<std::string>{"demo"});
  const BandCoverage& low = r->runs.front().result.bands.front();
  ASSERT_EQ(low.band.reference, HeightReference::kAgl);
  // Igla-S preset: 6,000 m slant range, 500 m minimum range, launcher 2 m above ground: the reach
  // is the disk of r^2 = 6000^2 - dz^2 less the inner disk of 500^2 - dz^2, dz = h - 2.
  const double dz = low.band.altitude_m - 2;
  const double a_km2 = std::numbers::pi * ((6000.0 * 6000.0 - dz * dz) - std::max(0.0, 500.0 * 500.0 - dz * dz)) * 1e-6;
  ASSERT_EQ(r->runs.front().result.sites_in_area, r->sites);
  EXPECT_NEAR(*low.flat_expected_fraction, 1 - std::exp(-r->sites * a_km2 / r->area_km2), 1e-9);
  // The report states that computed value, not a fixed one.
  const auto html = read_file(r->report);
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find(fmt::format("density: {:.1f} % at", *low.flat_expected_fraction * 100)), std::string::npos);
  // The three losses add up to the gap.
  EXPECT_NEAR(*low.placement_loss_fraction + *low.relief_envelope_loss_fraction + *low.masking_loss_fraction,
              *low.flat_expected_fraction - low.fraction, 1e-12);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 item 1: an output path that is a FIFO or a symbolic link is refused and left as it was.
TEST(OutputSafety, FifoAndSymlinkTargetsAreRefusedAndUntouched) {
  test::TempDir dir;
  const auto fifo = dir.path() / "pipe.tif";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string dem = SKYCOVER_SOURCE_DIR "/data/trinidad_sample.tif";
  const int rc = std::system(fmt::format("{} viewshed --dem {} --feet --site -104.97,37.45 --site-crs EPSG:4326 --out {} "
                                         ">{} 2>&1",
                                         SKYCOVER_CLI_PATH, dem, fifo.string(), (dir.path() / "log").string())
                                 .c_str());
  EXPECT_EQ(WEXITSTATUS(rc), 3) << read_file(dir.path() / "log").value();
  EXPECT_NE(read_file(dir.path() / "log").value().find("is a FIFO"), std::string::npos);
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  // A symbolic link to a folder as --out: refused, the link and the folder untouched.
  fs::create_directories(dir.path() / "real");
  fs::create_symlink(dir.path() / "real", dir.path() / "link");
  const auto out = StagedOutputDir::open(dir.path() / "link");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("symbolic link"), std::string::npos);
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(dir.path() / "link")));
  EXPECT_TRUE(fs::is_empty(dir.path() / "real"));
  // A regular file is still replaced atomically.
  ASSERT_TRUE(write_file_atomic(dir.path() / "a.txt", "one").ok());
  ASSERT_TRUE(write_file_atomic(dir.path() / "a.txt", "two").ok());
  EXPECT_EQ(read_file(dir.path() / "a.txt").value(), "two");
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 item 2: a full disk is an I/O error (exit 3) that leaves nothing behind. The test mounts
// a 1 MB tmpfs of its own (as root, where the container allows it); otherwise it is skipped.
class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = dir_.path() / "small";
    fs::create_directories(mount_);
    if (::geteuid() != 0 ||
        std::system(fmt::format("mount -t tmpfs -o size=1m tmpfs {} 2>/dev/null", mount_.string()).c_str()) != 0)
      GTEST_SKIP() << "cannot mount a small tmpfs here (needs root and mount rights): full-disk test skipped";
    mounted_ = true;
  }
  void TearDown() override {
    if (mounted_) {
      EXPECT_EQ(std::system(fmt::format("umount {}", mount_.string()).c_str()), 0);
    }
  }
  int run(const std::string& args) {
    const int rc =
        std::system(fmt::format("{} {} >{} 2>&1", SKYCOVER_CLI_PATH, args, (dir_.path() / "log").string()).c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string log() { return read_file(dir_.path() / "log").value(); }
  test::TempDir dir_;
  fs::path mount_;
  bool mounted_ = false;
};

// Issue 9 item 5: SIGINT and SIGTERM mid-run stop the work, remove the staging folder and exit 130
// and 143. The run is long enough (a 2000^2 grid, 6000 sites, one thread: several seconds even on a
// fast CPU, now that the synthetic grid is generated in ~0.05 s) to be stopped half-way at 1.5 s.
TEST(Interrupt, SigintAndSigtermStopCleanlyWithTheirExitCodes) {
  test::TempDir dir;
  const fs::path s = dir.path() / "s.toml";
  ASSERT_TRUE(write_file_atomic(s, R"([terrain]
synthetic = { width = 2000, height = 2000, cell_m = 30, relief_m = 800, seed = 2 }
[[systems]]
name = "igla-s"
preset = "igla-s"
[[deployments]]
system = "igla-s"
hypothesis = "uniform"
count = 6000
seed = 1
[analysis]
bands_agl_m = [50, 150, 500, 1500, 3000]
)").ok());
  for (const auto& [sig, code] : std::vector<std::pair<std::string, int>>{{"INT", 130}, {"TERM", 143}}) {
    const fs::path out = dir.path() / ("out-" + sig);
    const int rc = std::system(fmt::format("timeout --preserve-status -s {} 1.5 {} coverage {} --threads 1 --out {} >{} 2>&1",
                                           sig, SKYCOVER_CLI_PATH, s.string(), out.string(),
                                           (dir.path() / "log").string())
                                   .c_str());
    const std::string log = read_file(dir.path() / "log").value();
    ASSERT_TRUE(WIFEXITED(rc)) << log;
    EXPECT_EQ(WEXITSTATUS(rc), code) << sig << ": " << log;
    EXPECT_NE(log.find("interrupted by"), std::string::npos) << log;
    EXPECT_FALSE(fs::exists(out));
    for (const auto& e : fs::directory_iterator(dir.path()))
      EXPECT_EQ(e.path().filename().string().find(".partial-"), std::string::npos) << e.path();
  }
}

TEST_F(FullDisk, TerrainSynthAndCoverageFailWithExitThreeAndLeaveNothing) {
  // 1000^2 float cells do not fit 1 MB: the disk space is estimated before writing and the shortfall
  // is an I/O error with both figures (a failing write during a coverage run is checked below).
  EXPECT_EQ(run(fmt::format("terrain synth --width 1000 --height 1000 --cell-m 30 --relief-m 500 --seed 1 --out {}",
                            (mount_ / "dem.tif").string())),
            3)
      << log();
  EXPECT_NE(log().find("needs about 2.8 MB on disk"), std::string::npos) << log();
  EXPECT_NE(log().find("MB free; free space or write elsewhere"), std::string::npos) << log();
  EXPECT_TRUE(fs::is_empty(mount_)) << "a truncated file was left";
  EXPECT_EQ(run(fmt::format("coverage {}/examples/basic.toml --out {}", SKYCOVER_SOURCE_DIR, (mount_ / "cov").string())),
            3)
      << log();
  EXPECT_TRUE(fs::is_empty(mount_)) << "a partial output folder was left";
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// Issue 9 fault test: two runs into one folder at the same time. Each stages its own sibling; the
// last to commit replaces the other's output whole: one complete folder whose manifest lists
// exactly its files, with their hashes, and no staging or replaced sibling left.
TEST(ConcurrentRuns, TwoRunsIntoOneFolderLeaveOneWholeOutput) {
  test::TempDir dir;
  const fs::path out = dir.path() / "out";
  const std::string cmd = fmt::format("{} coverage {}/examples/basic.toml --threads 1 --out {}", SKYCOVER_CLI_PATH,
                                      SKYCOVER_SOURCE_DIR, out.string());
  const int rc = std::system(fmt::format("({0} >{1}/a.log 2>&1; echo $? >{1}/a.rc) & ({0} >{1}/b.log 2>&1; echo $? "
                                         ">{1}/b.rc) & wait",
                                         cmd, dir.path().string())
                                 .c_str());
  ASSERT_EQ(WEXITSTATUS(rc), 0);
  EXPECT_EQ(read_file(dir.path() / "a.rc").value(), "0\n") << read_file(dir.path() / "a.log").value();
  EXPECT_EQ(read_file(dir.path() / "b.rc").value(), "0\n") << read_file(dir.path() / "b.log").value();
  const auto manifest = nlohmann::json::parse(read_file(out / "manifest.json").value());
  std::vector<std::string> listed{"manifest.json"};
  for (const auto& o : manifest["outputs"]) {
    const fs::path p = out / o["path"].get<std::string>();
    ASSERT_TRUE(fs::exists(p)) << p;
    EXPECT_EQ(sha256_file(p).value(), o["sha256"].get<std::string>()) << p;
    listed.push_back(o["path"].get<std::string>());
  }
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(entries(out), listed);  // nothing of the other run mixed in
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(name.find(".partial-") == std::string::npos && name.find(".replaced-") == std::string::npos) << name;
  }
}

}  // namespace
}  // namespace skycover
