#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/core/atomic_file.hpp"
#include "skycover/exposure/exposure_products.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

TEST(ExposureProducts, CsvJsonAndSummaryAgreeWithTheAnalysis) {
  const Terrain t = test::flat_terrain(1000, 100, 20);
  const std::vector<Site> sites = {test::make_site(t, "west", 6000, 1500, 5, 2),
                                   test::make_site(t, "east,1", 14000, 500, 5, 2)};
  const std::vector<SystemSpec> systems = {test::test_system(0.25)};
  auto spec = test::straight_track("cm/1", 0, 1000, 20000, 1000, 250, 100);
  auto tracks = load_tracks({spec}, t);
  ASSERT_TRUE(tracks.ok());
  ExposureOptions opt;
  opt.terrain_masking = false;
  auto windows = find_engagement_windows(t, sites, systems, *tracks, VisibilityModel{}, opt);
  ASSERT_TRUE(windows.ok());
  auto ex = analyse_exposure(*tracks, *windows, sites, systems);
  ASSERT_TRUE(ex.ok());
  ExposureInputs in{&t, &sites, &systems, &*tracks, &*windows, &*ex};
  test::TempDir dir;
  ASSERT_TRUE(write_exposure_products(dir.path(), in).ok());
  EXPECT_EQ(safe_file_stem("cm/1"), "cm_1");
  // Issue 9 item 8: ids that sanitise alike, differ only in case, or name the folder's own files
  // get distinct stems.
  std::vector<Track> named(6);
  for (const auto& [i, id] : std::vector<std::pair<int, std::string>>{
           {0, "t/1"}, {1, "t_1"}, {2, "summary"}, {3, "T_1"}, {4, "manifest"}, {5, "t_1-2"}})
    named[static_cast<std::size_t>(i)].id = id;
  EXPECT_EQ(track_file_stems(named),
            (std::vector<std::string>{"t_1", "t_1-2", "summary-2", "T_1-3", "manifest-2", "t_1-2-2"}));
  ASSERT_TRUE(fs::exists(dir.path() / "cm_1.csv"));
  auto csv = read_file(dir.path() / "cm_1.csv");
  ASSERT_TRUE(csv.ok());
  std::istringstream lines(*csv);
  std::string line;
  int rows = 0, shot_rows = 0;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("track,site,system,interval_start_s,interval_end_s,earliest_launch_s,shot,", 0), 0u);
  while (std::getline(lines, line)) {
    ++rows;
    if (line.find(",,,,,,,") == std::string::npos) ++shot_rows;
  }
  EXPECT_EQ(shot_rows, static_cast<int>((*ex)[0].shots.size()));
  EXPECT_EQ(shot_rows, 4);  // two sites x two missiles
  EXPECT_NE(csv->find("\"east,1\""), std::string::npos);  // RFC 4180 quoting
  auto js = read_file(dir.path() / "cm_1.json");
  ASSERT_TRUE(js.ok());
  const auto j = nlohmann::json::parse(*js);
  EXPECT_EQ(j["sites_engaging"], 2);
  EXPECT_DOUBLE_EQ(j["survival_probability"].get<double>(), std::pow(0.75, 4));
  EXPECT_EQ(j["windows"].size(), (*ex)[0].windows.size());
  const auto table = exposure_summary_table(in);
  EXPECT_NE(table.find("cm/1"), std::string::npos);
  EXPECT_NE(table.find("0.3164"), std::string::npos);  // 0.75^4 = 0.31640625
}

}  // namespace
}  // namespace skycover
