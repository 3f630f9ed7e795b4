// Summaries, manifest, HTML report helpers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "skycover/render/html_report.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/products/summary.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

TEST(Base64, Rfc4648TestVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\x00\x10", 3)), "/wAQ");
}

TEST(HtmlReport, EscapesTextAndInlinesImages) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  HtmlReport r("Title <1>");
  r.paragraph("a < b");
  r.table({"h"}, {{"<td>"}}, "cap");
  r.image_png("PNGDATA", "map");
  const std::string svg = "<?xml version=\"1.0\"?>\n<svg viewBox=\"0 0 9 9\"><defs><symbol id=\"glyph0-1\"/></defs>"
                          "<use xlink:href=\"#glyph0-1\"/><rect clip-path=\"url(#clip1)\"/></svg>";
  r.image_svg(svg, "chart <1>");
  r.image_svg(svg, "chart 2");
  const std::string html = r.html();
  EXPECT_NE(html.find("<title>Title &lt;1&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find("<p>a &lt; b</p>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;td&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64," + base64_encode("PNGDATA")), std::string::npos);
  // Charts inline, each with its own ids: two charts' glyphs never collide.
  EXPECT_NE(html.find("<svg role=\"img\" aria-label=\"chart &lt;1&gt;\" viewBox=\"0 0 9 9\"><defs><symbol "
                      "id=\"c1-glyph0-1\"/></defs><use xlink:href=\"#c1-glyph0-1\"/><rect clip-path=\"url(#c1-clip1)\"/>"),
            std::string::npos) << html;
  EXPECT_NE(html.find("id=\"c2-glyph0-1\""), std::string::npos);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  for (const char* fetch : {"src=\"http", "href=\"http", "url(http"})  // nothing fetched from the network
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch;
}

CoverageResult sample_result() {
  CoverageResult r;
  r.site_count = 3;
  r.area_km2 = 10;
  BandCoverage b;
  b.band = {HeightReference::kAgl, 50};
  b.area_cells = 10;
  b.covered_cells = 4;
  b.area_km2 = 10;
  b.covered_km2 = 4;
  b.fraction = 0.4;
  b.multiplicity = {6, 3, 1};
  b.fraction_without_masking = 0.5;
  b.masking_loss_fraction = 0.1;
  b.flat_expected_fraction = 0.6;
  b.flat_same_sites_fraction = 0.55;
  b.placement_loss_fraction = 0.05;
  b.relief_envelope_loss_fraction = 0.05;
  r.bands.push_back(b);
  BandCoverage m = b;
  m.band = {HeightReference::kMsl, 2000};
  m.fraction_without_masking.reset();
  r.bands.push_back(m);
  return r;
}

TEST(Summary, JsonCsvAndTableCarryEveryBand) {
  RunInfo run;
  run.version = "9.9";
  run.seed = 17;
  run.scenario_sha256 = "abc";
  const auto j = coverage_json(sample_result(), run);
  EXPECT_EQ(j["sites"], 3);
  EXPECT_EQ(j["seed"], 17);
  EXPECT_EQ(j["version"], "9.9");
  EXPECT_EQ(j["scenario_sha256"], "abc");
  ASSERT_EQ(j["bands"].size(), 2u);
  EXPECT_EQ(j["bands"][0]["reference"], "agl");
  EXPECT_EQ(j["bands"][0]["altitude_m"], 50.0);
  EXPECT_EQ(j["bands"][0]["multiplicity"], (std::vector<int>{6, 3, 1}));
  EXPECT_DOUBLE_EQ(j["bands"][0]["fraction"].get<double>(), 0.4);
  EXPECT_TRUE(j["bands"][1]["fraction_without_masking"].is_null());
  EXPECT_DOUBLE_EQ(j["bands"][0]["flat_same_sites_fraction"].get<double>(), 0.55);
  EXPECT_DOUBLE_EQ(j["bands"][0]["placement_loss_fraction"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(j["bands"][0]["relief_envelope_loss_fraction"].get<double>(), 0.05);
  EXPECT_DOUBLE_EQ(j["bands"][0]["masking_loss_fraction"].get<double>(), 0.1);
  EXPECT_FALSE(j["bands"][0].contains("envelope_loss_fraction"));
  EXPECT_EQ(j["bands"][1]["reference"], "msl");
  const std::string csv = coverage_csv(sample_result());
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find("agl,50,10.0000,4.0000,0.400000,"), std::string::npos);
  EXPECT_NE(csv.find(",6;3;1\n"), std::string::npos);
  EXPECT_NE(csv.find("flat_expected_fraction,flat_same_sites_fraction,placement_loss_fraction,"
                     "relief_envelope_loss_fraction,masking_loss_fraction"),
            std::string::npos);
  EXPECT_NE(csv.find("0.600000,0.550000,0.050000,0.050000,0.100000"), std::string::npos);
  const std::string table = coverage_table(sample_result());
  EXPECT_NE(table.find("2000 m MSL"), std::string::npos);
  EXPECT_NE(table.find("60.0/30.0/10.0/0.0/0.0"), std::string::npos);  // 0/1/2/3/4+ sites, padded
  EXPECT_EQ(band_tag({HeightReference::kMsl, 2000}), "msl_2000m");
}

TEST(Manifest, ListsEveryOutputWithItsHashButNotItselfOrTempFiles) {
  test::TempDir dir;
  ASSERT_TRUE(write_file_atomic(dir.path() / "a.txt", "alpha").ok());
  ASSERT_TRUE(write_file_atomic(dir.path() / "sub" / "b.txt", "beta").ok());
  ASSERT_TRUE(write_file_atomic(dir.path() / ".hidden.tmp", "x").ok());
  RunInfo run;
  run.version = "1";
  run.inputs.push_back({"scenario", "s.toml", "123"});
  ASSERT_TRUE(write_manifest(dir.path(), run, {{"extra", 5}}).ok());
  ASSERT_TRUE(write_manifest(dir.path(), run).ok());  // rewriting does not list the old manifest
  auto text = read_file(dir.path() / "manifest.json");
  ASSERT_TRUE(text.ok());
  const auto m = nlohmann::json::parse(*text);
  ASSERT_EQ(m["outputs"].size(), 2u);
  EXPECT_EQ(m["outputs"][0]["path"], "a.txt");
  EXPECT_EQ(m["outputs"][0]["sha256"], sha256_hex("alpha"));
  EXPECT_EQ(m["outputs"][1]["path"], "sub/b.txt");
  EXPECT_EQ(m["outputs"][1]["bytes"], 4);
  EXPECT_EQ(m["inputs"][0]["role"], "scenario");
}

TEST(Manifest, CommandLineIsShellQuotedWhereNeeded) {
  const char* argv[] = {"skycover", "coverage", "my file.toml", "--out", "it's"};
  EXPECT_EQ(join_command_line(5, argv), "skycover coverage 'my file.toml' --out 'it'\\''s'");
}

}  // namespace
}  // namespace skycover

#include "skycover/products/sweep_products.hpp"

namespace skycover {
namespace {

// The sweep table's caption names what masked the lines of sight: clutter too, when there was some.
TEST(SweepTable, CaptionNamesClutterWhenItMasked) {
  SweepRow row;
  row.count = 10;
  BandCoverage b;
  b.band = {HeightReference::kAgl, 50};
  b.fraction = 0.5;
  row.coverage.bands.push_back(b);
  row.coverage.site_count = 10;
  EXPECT_NE(sweep_table({row}).find("with terrain masking)"), std::string::npos) << sweep_table({row});
  row.coverage.clutter = true;
  EXPECT_NE(sweep_table({row}).find("with terrain and clutter masking)"), std::string::npos) << sweep_table({row});
}

}  // namespace
}  // namespace skycover
