#include "skycover/render/plot.hpp"

#include <gtest/gtest.h>

#include "image_test_support.hpp"
#include "skycover/core/atomic_file.hpp"
#include "test_support.hpp"

namespace skycover::plot {
namespace {

using test::argb_of;
using test::decode_png;
using test::find_color;

TEST(NiceTicks, OneTwoFiveSteps) {
  EXPECT_EQ(nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const auto t = nice_ticks(3, 4870, 6);
  ASSERT_GE(t.size(), 4u);
  EXPECT_DOUBLE_EQ(t[1] - t[0], 1000);
  EXPECT_DOUBLE_EQ(t.front(), 1000);
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(1500, 500), "1500");
}

TEST(LineChart, DrawsEachSeriesInItsColourAndPngAndSvgDecode) {
  LineChart c;
  c.title = "coverage";
  c.x_label = "sites";
  c.y_label = "fraction";
  c.log_x = true;
  c.y_percent = true;
  c.series.push_back({"50 m", {10, 100, 1000}, {0.1, 0.5, 0.9}, rgb_hex(0x0072B2)});
  c.series.push_back({"500 m", {10, 100, 1000}, {0.05, 0.3, 0.8}, rgb_hex(0xD55E00)});
  auto png = render(c, ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().message();
  const auto img = decode_png(*png);
  ASSERT_EQ(img.width, 900);
  ASSERT_EQ(img.height, 540);
  const auto blue = find_color(img, argb_of(rgb_hex(0x0072B2)));
  const auto red = find_color(img, argb_of(rgb_hex(0xD55E00)));
  EXPECT_GT(blue.count, 500);
  EXPECT_GT(red.count, 500);
  // Higher values are drawn higher: the first series' line reaches further up.
  EXPECT_LT(blue.y0, red.y0 + 1);
  auto svg = render(c, ImageFormat::kSvg);
  ASSERT_TRUE(svg.ok());
  EXPECT_NE(svg->find("<svg"), std::string::npos);
}

TEST(LineChart, RejectsMismatchedSeriesAndNonPositiveLogX) {
  LineChart c;
  c.title = "bad";
  c.series.push_back({"s", {1, 2}, {1}, {}});
  auto r = render(c, ImageFormat::kPng);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'s'"), std::string::npos);
  c.series[0].y = {1, 2};
  c.series[0].x = {0, 2};
  c.log_x = true;
  EXPECT_FALSE(render(c, ImageFormat::kPng).ok());
}

TEST(BarChart, BarHeightsAreProportionalToValues) {
  BarChart c;
  c.title = "multiplicity";
  c.categories = {"0", "1", "2"};
  c.series.push_back({"cells", {1000, 2000, 500}, rgb_hex(0x009E73)});
  c.y_range = std::make_pair(0.0, 2500.0);
  auto png = render(c, ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().message();
  const auto img = decode_png(*png);
  const std::uint32_t green = argb_of(rgb_hex(0x009E73));
  // Split the image in thirds of the frame by finding the three bars' column ranges.
  const auto all = find_color(img, green);
  ASSERT_GT(all.count, 0);
  const int third = (all.x1 - all.x0) / 3;
  const auto b0 = find_color(img, green, all.x0, all.x0 + third);
  const auto b1 = find_color(img, green, all.x0 + third, all.x0 + 2 * third);
  const auto b2 = find_color(img, green, all.x0 + 2 * third, all.x1 + 1);
  const double h0 = b0.y1 - b0.y0 + 1, h1 = b1.y1 - b1.y0 + 1, h2 = b2.y1 - b2.y0 + 1;
  EXPECT_NEAR(h1 / h0, 2.0, 0.03);
  EXPECT_NEAR(h2 / h0, 0.5, 0.03);
  EXPECT_EQ(b0.y1, b1.y1);  // common baseline
}

TEST(TimelineChart, IntervalWidthsFollowDurationsAndRowsStack) {
  TimelineChart c;
  c.title = "engagement windows";
  c.x_label = "time along track (s)";
  c.x_range = std::make_pair(0.0, 100.0);
  c.rows.push_back({"site 1", {{10, 30, rgb_hex(0xCC79A7), "20 s"}}, {}});
  c.rows.push_back({"site 2", {{40, 100, rgb_hex(0x56B4E9), ""}}, {}});
  c.markers.push_back({50, "coast", {0.3, 0.3, 0.3}});
  auto png = render(c, ImageFormat::kPng);
  ASSERT_TRUE(png.ok()) << png.status().message();
  const auto img = decode_png(*png);
  const auto a = find_color(img, argb_of(rgb_hex(0xCC79A7)));
  const auto b = find_color(img, argb_of(rgb_hex(0x56B4E9)));
  ASSERT_GT(a.count, 0);
  ASSERT_GT(b.count, 0);
  const double wa = a.x1 - a.x0 + 1, wb = b.x1 - b.x0 + 1;
  EXPECT_NEAR(wb / wa, 3.0, 0.1);
  // Frame width = (b.x1 - a.x0) spans 90 s: a starts 10 s in, so the 0..100 s frame is consistent.
  const double px_per_s = wb / 60.0;
  EXPECT_NEAR((b.x0 - a.x0) / px_per_s, 30.0, 1.0);
  EXPECT_GT(b.y0, a.y1);  // row 2 below row 1
  TimelineChart bad = c;
  bad.rows[0].intervals[0].end = 5;
  EXPECT_FALSE(render(bad, ImageFormat::kPng).ok());
}

TEST(TimelineChart, ManyRowsAreTruncatedWithANote) {
  TimelineChart c;
  c.max_rows = 5;
  for (int i = 0; i < 20; ++i) c.rows.push_back({fmt::format("r{}", i), {{double(i), double(i + 1), {}, ""}}, {}});
  auto png = render(c, ImageFormat::kPng);
  ASSERT_TRUE(png.ok());
  const auto img = decode_png(*png);
  EXPECT_LT(img.height, 44 + 22 * 6 + 60 + 19);
}

TEST(WriteChart, FormatFromExtensionAndAtomicWrite) {
  test::TempDir dir;
  LineChart c;
  c.series.push_back({"s", {1, 2}, {3, 4}, {}});
  ASSERT_TRUE(write_chart(c, dir.path() / "a.svg").ok());
  ASSERT_TRUE(write_chart(c, dir.path() / "a.png").ok());
  auto bytes = read_file(dir.path() / "a.png");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->substr(1, 3), "PNG");
  auto bad = write_chart(c, dir.path() / "a.jpg");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find(".png or .svg"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "a.jpg"));
}

}  // namespace
}  // namespace skycover::plot
