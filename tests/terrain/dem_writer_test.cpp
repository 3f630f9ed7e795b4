// write_dem: a terrain source to a tiled GeoTIFF or a VRT mosaic of GeoTIFF tiles, window by
// window, all or nothing.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "skycover/core/interrupt.hpp"
#include "skycover/terrain/dem_writer.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

SyntheticTerrainParams small_grid() {
  SyntheticTerrainParams p;
  p.width = 1100;  // not a multiple of the 256-cell blocks or 512-cell tiles: partial ones at the edges
  p.height = 700;
  p.seed = 5;
  return p;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(WriteDem, GeoTiffAndVrtMosaicHoldEveryCellOfTheSource) {
  test::TempDir dir;
  const auto p = small_grid();
  const auto source = make_synthetic_source(p);
  const Terrain expected = make_synthetic_terrain(p);
  for (DemCompression c : {DemCompression::kNone, DemCompression::kDeflate, DemCompression::kZstd}) {
    const fs::path tif = dir.path() / fmt::format("dem{}.tif", static_cast<int>(c));
    const fs::path vrt = dir.path() / fmt::format("dem{}.vrt", static_cast<int>(c));
    ASSERT_TRUE(write_dem(tif, *source, DemWriteOptions{c, 4096}).ok());
    ASSERT_TRUE(write_dem(vrt, *source, DemWriteOptions{c, 512}).ok());
    for (const fs::path& path : {tif, vrt}) {
      auto back = load_terrain(path);
      ASSERT_TRUE(back.ok()) << back.status().message();
      EXPECT_EQ(back->elevations_m(), expected.elevations_m()) << path;
      EXPECT_DOUBLE_EQ(back->geometry().origin_x_m, expected.geometry().origin_x_m);
      EXPECT_DOUBLE_EQ(back->geometry().origin_y_m, expected.geometry().origin_y_m);
      EXPECT_DOUBLE_EQ(back->cell_size_m(), expected.cell_size_m());
    }
  }
  // 3 x 2 tiles of 512, named by tile row and column, referred to relative to the VRT: the pair moves.
  EXPECT_EQ(names_in(dir.path() / "dem0_tiles"), (std::vector<std::string>{"r0_c0.tif", "r0_c1.tif", "r0_c2.tif",
                                                                             "r1_c0.tif", "r1_c1.tif", "r1_c2.tif"}));
  fs::create_directories(dir.path() / "moved");
  fs::rename(dir.path() / "dem0.vrt", dir.path() / "moved" / "dem0.vrt");
  fs::rename(dir.path() / "dem0_tiles", dir.path() / "moved" / "dem0_tiles");
  auto moved = load_terrain(dir.path() / "moved" / "dem0.vrt");
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->elevations_m(), expected.elevations_m());
}

TEST(WriteDem, RewritingAMosaicReplacesItsTiles) {
  test::TempDir dir;
  auto p = small_grid();
  const fs::path vrt = dir.path() / "m.vrt";
  ASSERT_TRUE(write_dem(vrt, *make_synthetic_source(p), DemWriteOptions{DemCompression::kNone, 512}).ok());
  p.width = 400;  // one tile column now: the old r*_c1 and r*_c2 files must go
  p.seed = 6;
  ASSERT_TRUE(write_dem(vrt, *make_synthetic_source(p), DemWriteOptions{DemCompression::kNone, 512}).ok());
  EXPECT_EQ(names_in(dir.path() / "m_tiles"), (std::vector<std::string>{"r0_c0.tif", "r1_c0.tif"}));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"m.vrt", "m_tiles"}));  // no staging left
  auto back = load_terrain(vrt);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->elevations_m(), make_synthetic_terrain(p).elevations_m());
}

TEST(WriteDem, AnInterruptedWriteLeavesNothingAndKeepsWhatWasThere) {
  test::TempDir dir;
  const auto source = make_synthetic_source(small_grid());
  { std::ofstream(dir.path() / "keep.tif") << "old"; }
  request_interrupt();
  const Status tif = write_dem(dir.path() / "keep.tif", *source, {});
  const Status vrt = write_dem(dir.path() / "new.vrt", *source, {});
  clear_interrupt();
  EXPECT_FALSE(tif.ok());
  EXPECT_FALSE(vrt.ok());
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"keep.tif"}));
  std::ifstream in(dir.path() / "keep.tif");
  std::string text;
  in >> text;
  EXPECT_EQ(text, "old");
}

TEST(WriteDem, BadNamesAreRefusedWithTheFix) {
  test::TempDir dir;
  const auto source = make_synthetic_source(small_grid());
  const Status ext = write_dem(dir.path() / "dem.png", *source, {});
  EXPECT_EQ(ext.code(), StatusCode::kInvalidInput);
  EXPECT_NE(ext.message().find("(.tif) or a VRT"), std::string::npos) << ext.message();
  { std::ofstream(dir.path() / "m_tiles") << "a file"; }
  const Status clash = write_dem(dir.path() / "m.vrt", *source, {});
  EXPECT_EQ(clash.code(), StatusCode::kInvalidInput);
  EXPECT_NE(clash.message().find("which is a file"), std::string::npos) << clash.message();
  EXPECT_FALSE(fs::exists(dir.path() / "m.vrt"));
}

TEST(TerrainSynthCli, WritesAVrtMosaicAndRefusesAnUnknownCompression) {
  test::TempDir dir;
  const auto cmd = [&](const std::string& args) {
    return std::system(fmt::format("{} terrain synth --width 600 --height 300 --cell-m 30 --relief-m 500 --seed 4 {} "
                                   ">{} 2>&1",
                                   SKYCOVER_CLI_PATH, args, (dir.path() / "log").string())
                           .c_str());
  };
  ASSERT_EQ(WEXITSTATUS(cmd("--compress zstd --tile-cells 256 --out " + (dir.path() / "d.vrt").string())), 0);
  EXPECT_EQ(names_in(dir.path() / "d_tiles").size(), 6u);  // 3 x 2 tiles of 256 (the last row 44 high)
  auto back = load_terrain(dir.path() / "d.vrt");
  ASSERT_TRUE(back.ok()) << back.status().message();
  SyntheticTerrainParams p;
  p.width = 600, p.height = 300, p.relief_m = 500, p.seed = 4;
  EXPECT_EQ(back->elevations_m(), make_synthetic_terrain(p).elevations_m());
  EXPECT_EQ(WEXITSTATUS(cmd("--compress lzw --out " + (dir.path() / "e.tif").string())), 1);
  std::ifstream log(dir.path() / "log");
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--compress: lzw not in {none,deflate,zstd}"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(dir.path() / "e.tif"));
}

}  // namespace
}  // namespace skycover
