#include "skycover/grid/tiling.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace skycover {
namespace {

TEST(TileRect, IntersectExpandAndDistance) {
  const TileRect a{10, 20, 5, 4};
  EXPECT_EQ(a.expanded(2), (TileRect{8, 18, 9, 8}));
  EXPECT_EQ(a.intersect({12, 0, 100, 22}), (TileRect{12, 20, 3, 2}));
  EXPECT_TRUE(a.intersect({0, 0, 10, 100}).empty());  // touching edge: no common cell
  EXPECT_EQ(a.distance_cells(10, 20), 0);
  EXPECT_EQ(a.distance_cells(14, 23), 0);
  EXPECT_EQ(a.distance_cells(15, 23), 1);   // one column east of the last
  EXPECT_EQ(a.distance_cells(7, 30), 7);    // Chebyshev: max(3, 7)
  EXPECT_EQ((TileRect{5, 6, 3, 3}).relative_to({4, 4, 10, 10}), (TileRect{1, 2, 3, 3}));
}

TEST(GridGeometry, WindowKeepsCellCentres) {
  GridGeometry g;
  g.width = 100, g.height = 80, g.cell_size_m = 30, g.origin_x_m = 500000, g.origin_y_m = 1200000;
  const GridGeometry w = g.window({17, 9, 20, 30});
  EXPECT_EQ(w.width, 20);
  EXPECT_EQ(w.height, 30);
  EXPECT_DOUBLE_EQ(w.cell_center_x_m(0), g.cell_center_x_m(17));
  EXPECT_DOUBLE_EQ(w.cell_center_y_m(0), g.cell_center_y_m(9));
}

TEST(TilePlan, TilesCoverEveryCellOnceAndWindowsStayOnTheGrid) {
  for (const int side : {1, 7, 64, 100, 1000}) {
    const TilePlan p = make_tile_plan(103, 61, side, 9);
    std::vector<int> hits(103 * 61, 0);
    for (int t = 0; t < p.tile_count(); ++t) {
      const TileRect tile = p.tile(t), win = p.window(t);
      ASSERT_FALSE(tile.empty());
      EXPECT_EQ(win.intersect({0, 0, 103, 61}), win);
      EXPECT_EQ(win.intersect(tile), tile);
      for (int r = tile.row0; r < tile.row_end(); ++r)
        for (int c = tile.col0; c < tile.col_end(); ++c) ++hits[r * 103 + c];
    }
    for (int h : hits) ASSERT_EQ(h, 1) << "tile side " << side;
  }
  EXPECT_EQ(make_tile_plan(103, 61, 0, 5).tile_count(), 1);  // 0 = whole grid
  EXPECT_EQ(make_tile_plan(103, 61, 0, 5).tile(0), (TileRect{0, 0, 103, 61}));
}

TEST(TileBudget, WholeGridWhenItFitsLargestMultipleOf256OtherwiseAndAClearErrorBelowTheMinimum) {
  const TileCost cost = coverage_tile_cost(5, 200, 2);
  const auto whole = tile_side_for_budget(cost, 3000, 3000, 400, std::int64_t{64} << 30);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, 3000);
  const std::int64_t budget = std::int64_t{1} << 30;
  const auto side = tile_side_for_budget(cost, 30000, 30000, 400, budget);
  ASSERT_TRUE(side.ok()) << side.status().message();
  EXPECT_EQ(*side % 256, 0);
  EXPECT_LE(cost.bytes(*side, 400), budget);
  EXPECT_GT(cost.bytes(*side + 256, 400), budget);
  const auto too_small = tile_side_for_budget(cost, 30000, 30000, 400, std::int64_t{100} << 20);
  ASSERT_FALSE(too_small.ok());
  const std::string need = std::to_string((cost.bytes(256, 400) + (1 << 20) - 1) >> 20);
  EXPECT_NE(too_small.status().message().find("smallest budget that works is " + need + " MB"), std::string::npos)
      << too_small.status().message();
  EXPECT_NE(too_small.status().message().find("--memory-mb"), std::string::npos);
}

}  // namespace
}  // namespace skycover
