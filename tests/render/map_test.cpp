#include "skycover/render/map.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "image_test_support.hpp"
#include "skycover/terrain/synthetic.hpp"

namespace skycover::map {
namespace {

using test::argb_of;
using test::decode_png;
using test::find_color;

GridGeometry grid(int w, int h, double cell) {
  GridGeometry g;
  g.width = w;
  g.height = h;
  g.cell_size_m = cell;
  g.origin_x_m = 500000;
  g.origin_y_m = 4100000;
  return g;
}

TEST(Hillshade, FlatGroundIsSinOfSunAltitudeAndSunnySlopesAreBrighter) {
  // Horn/GDAL hillshade: flat ground shades 255 * sin(45 deg) = 180.3 (1 + 254 scaling in GDAL: 180-181).
  const auto g = grid(40, 40, 30);
  std::vector<float> flat(g.cell_count(), 100.0f);
  auto hs = hillshade(Terrain(g, flat));
  ASSERT_TRUE(hs.ok()) << hs.status().message();
  EXPECT_NEAR((*hs)[20 * 40 + 20], 180.5, 1.0);
  // A plane descending towards the north-west faces the default light (azimuth 315): brighter than
  // flat; the opposite slope is darker. Row numbers grow southwards.
  std::vector<float> nw(g.cell_count()), se(g.cell_count());
  for (int r = 0; r < 40; ++r)
    for (int c = 0; c < 40; ++c) {
      nw[r * 40 + c] = static_cast<float>(10.0 * c + 10.0 * r);               // faces north-west
      se[r * 40 + c] = static_cast<float>(10.0 * (40 - c) + 10.0 * (40 - r));  // faces south-east
    }
  auto a = hillshade(Terrain(g, nw)), b = hillshade(Terrain(g, se));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GT((*a)[820], 181);
  EXPECT_LT((*b)[820], 180);
}

TEST(Hillshade, NodataIsZero) {
  const auto g = grid(10, 10, 30);
  std::vector<float> v(g.cell_count(), 5.0f);
  v[55] = NAN;
  auto hs = hillshade(Terrain(g, v));
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ((*hs)[55], 0);
}

TEST(MapRenderer, PlacesOverlayPointsAndLinesWhereTheyBelong) {
  const auto g = grid(100, 50, 100);  // 10 km x 5 km
  MapSpec s;
  s.title = "test map";
  s.geometry = g;
  s.overlay.assign(g.cell_count(), 0);
  for (int r = 0; r < 50; ++r)
    for (int c = 50; c < 100; ++c) s.overlay[r * 100 + c] = 1;  // east half
  s.classes = {{{0, 0, 0}, 0.0}, {plot::rgb_hex(0x00ff00), 1.0}};
  s.legend = {{"covered", plot::rgb_hex(0x00ff00)}};
  s.points.push_back({500000 + 2500, 4100000 - 2500, "P", plot::rgb_hex(0xff00ff), 4});
  s.polylines.push_back({{{500000 + 1000, 4100000 - 4000}, {500000 + 4000, 4100000 - 4000}},
                         plot::rgb_hex(0x0000ff), 3, false, ""});
  s.max_map_px = 600;
  MapRenderer m(s);
  const auto corner = m.pixel_of(500000, 4100000);
  const auto far = m.pixel_of(510000, 4095000);
  EXPECT_NEAR(far[0] - corner[0], 600, 1e-9);
  EXPECT_NEAR(far[1] - corner[1], 300, 1e-9);
  EXPECT_EQ(m.scale_bar_m(), 2000);  // 10 km / 4 = 2.5 km -> 2 km
  auto png = m.render(ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().message();
  const auto img = decode_png(*png);
  EXPECT_EQ(img.width, m.width_px());
  // The overlay class fills the east half of the panel (minus the north arrow box and frame).
  const auto green = find_color(img, 0xff00ff00u, 0, static_cast<int>(far[0]) + 1);
  EXPECT_NEAR(green.x0, corner[0] + 300, 2);
  EXPECT_NEAR(double(green.count) / (300.0 * 300.0), 1.0, 0.05);
  const auto p = m.pixel_of(502500, 4097500);
  EXPECT_EQ(img.at(static_cast<int>(p[0]), static_cast<int>(p[1])), argb_of(plot::rgb_hex(0xff00ff)));
  const auto blue = find_color(img, 0xff0000ffu);
  EXPECT_NEAR(blue.x1 - blue.x0, 180, 3);  // 3 km at 0.06 px/m
  auto svg = m.render(ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("<svg"), std::string::npos);
}

TEST(MapRenderer, RejectsRastersOfTheWrongSize) {
  MapSpec s;
  s.geometry = grid(10, 10, 30);
  s.overlay.assign(99, 0);
  EXPECT_FALSE(MapRenderer(s).render(ImageFormat::kPng).ok());
}

}  // namespace
}  // namespace skycover::map
