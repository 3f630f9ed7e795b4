// Exposure and coverage must agree on where a launcher stands: at a target over a cell centre
// and a band height, "some window of this site holds the sample" (exposure) must equal "the
// union counts this site at this cell and band" (coverage). Both put the launcher on its cell
// centre at the cell's elevation (launcher_position in sites/site.hpp). They used to differ
// near the minimum and maximum range when exposure measured from the site's true (x, y).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "exposure/exposure_fixtures.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/visibility/engagement_union.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

// One track per grid row, one sample per cell centre of that row, at `agl_m` above the cell.
std::vector<Track> row_tracks(const Terrain& t, const std::vector<int>& rows, double agl_m) {
  std::vector<Track> out;
  const auto& g = t.geometry();
  for (int r : rows) {
    Track tr;
    tr.id = fmt::format("row{}", r);
    for (int c = 0; c < g.width; ++c) {
      TrackSample s;
      s.t_s = c;
      s.x_m = g.cell_center_x_m(c);
      s.y_m = g.cell_center_y_m(r);
      s.ground_msl_m = t.elevation_m(c, r);
      s.z_msl_m = s.ground_msl_m + agl_m;
      tr.samples.push_back(s);
    }
    out.push_back(std::move(tr));
  }
  return out;
}

void expect_exposure_matches_union(bool masking, bool clutter = false) {
  Terrain t = test::synthetic_terrain(440, 440, 400, 11);
  if (clutter) {  // woods of 10-40 m where a second surface is high: a 60 m target clears some, not all
    const Terrain f = test::synthetic_terrain(440, 440, 30, 12);
    std::vector<float> c(f.elevations_m().size());
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = std::max(0.f, f.elevations_m()[i] - f.elevations_m()[0] + 10.f);
    t.set_clutter(std::move(c));
  }
  const auto& g = t.geometry();
  const SystemSpec sys = test::test_system();  // 500..6000 m slant, 5..3500 m
  const double band_agl_m = 60;
  std::vector<int> rows;
  for (int r = 8; r < g.height - 8; r += 9) rows.push_back(r);
  const auto tracks = row_tracks(t, rows, band_agl_m);
  // Sites away from their cell centres by up to 0.45 cell in x and y.
  const std::vector<std::pair<double, double>> offsets = {{0.45, -0.4}, {-0.3, 0.45}, {0.2, 0.1}};
  const std::vector<std::pair<int, int>> cells = {{220, 220}, {180, 250}, {260, 190}};
  ExposureOptions opt;
  opt.terrain_masking = masking;
  opt.threads = 1;
  UnionOptions uopt;
  uopt.terrain_masking = masking;
  uopt.threads = 1;
  std::int64_t compared = 0, engageable = 0, disagree = 0;
  for (std::size_t k = 0; k < cells.size(); ++k) {
    const double x = g.cell_center_x_m(cells[k].first) + offsets[k].first * g.cell_size_m;
    const double y = g.cell_center_y_m(cells[k].second) + offsets[k].second * g.cell_size_m;
    const std::vector<Site> sites = {test::make_site(t, fmt::format("s{}", k), x, y, 3)};
    auto u = engagement_union(t, sites, {sys}, {AltitudeBand{HeightReference::kAgl, band_agl_m}}, VisibilityModel{},
                              uopt);
    ASSERT_TRUE(u.ok()) << u.status().message();
    auto w = find_engagement_windows(t, sites, {sys}, tracks, VisibilityModel{}, opt);
    ASSERT_TRUE(w.ok()) << w.status().message();
    for (std::size_t ti = 0; ti < tracks.size(); ++ti) {
      std::vector<std::uint8_t> in_window(tracks[ti].samples.size(), 0);
      for (const auto& win : *w)
        if (win.track == static_cast<int>(ti))
          for (int i = win.first_sample; i <= win.last_sample; ++i) in_window[i] = 1;
      for (int c = 0; c < g.width; ++c) {
        const bool covered = u->site_count[0][t.index(c, rows[ti])] > 0;
        ++compared;
        engageable += covered;
        if (covered != (in_window[c] != 0)) {
          ++disagree;
          ADD_FAILURE() << "site " << k << " cell (" << c << ", " << rows[ti] << "): union " << covered
                        << ", exposure " << int(in_window[c]);
          if (disagree > 10) return;
        }
      }
    }
  }
  EXPECT_EQ(disagree, 0);
  EXPECT_GT(engageable, 1000);  // the comparison covered real envelopes, not empty ones
  EXPECT_GT(compared, 3 * 40 * 400);
}

TEST(LauncherPosition, ExposureAgreesWithTheUnionWithoutMasking) { expect_exposure_matches_union(false); }
// Clutter blocks the same lines of sight for a track as for coverage ([terrain] clutter).
TEST(LauncherPosition, ExposureAgreesWithTheUnionOverClutter) { expect_exposure_matches_union(true, true); }
TEST(LauncherPosition, ExposureAgreesWithTheUnionWithMasking) { expect_exposure_matches_union(true); }

}  // namespace
}  // namespace skycover
