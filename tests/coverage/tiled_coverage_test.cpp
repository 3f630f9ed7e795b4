// The tiled engine gives the same bytes as one tile over the whole grid, for any tile size and
// thread count: sites in halos, on tile corners and on the grid's edge, nodata, an irregular area.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/elevation_sum.hpp"
#include "skycover/grid/tiling.hpp"
#include "test_support.hpp"
#include "thread_collective.hpp"

namespace skycover {
namespace {

struct Case {
  Terrain terrain;
  AreaMask area;
  std::vector<Site> sites;
  std::vector<SystemSpec> systems;
  std::vector<AltitudeBand> bands;
};

Site site_at(const GridGeometry& g, const std::string& id, int col, int row, int system) {
  Site s;
  s.id = id;
  // Off-centre on purpose: the cell, not the point, decides.
  s.x_m = g.origin_x_m + (col + 0.3) * g.cell_size_m;
  s.y_m = g.origin_y_m - (row + 0.8) * g.cell_size_m;
  s.height_agl_m = 2;
  s.system_index = system;
  return s;
}

Case make_case() {
  Case k;
  std::vector<float> z = test::synthetic_terrain(211, 173, 900, 7).elevations_m();
  for (int r = 120; r < 150; ++r)  // a nodata lake
    for (int c = 30; c < 70; ++c) z[static_cast<std::size_t>(r) * 211 + c] = std::numeric_limits<float>::quiet_NaN();
  GridGeometry g;
  g.width = 211, g.height = 173, g.cell_size_m = 30, g.origin_x_m = 500000, g.origin_y_m = 1200000;
  k.terrain = Terrain(g, std::move(z));
  k.area.geometry = g;
  k.area.inside.assign(static_cast<std::size_t>(g.cell_count()), 0);
  for (int r = 0; r < g.height; ++r)  // a slanted band, minus nodata
    for (int c = 0; c < g.width; ++c)
      k.area.inside[static_cast<std::size_t>(r) * g.width + c] = (c + r / 2 > 25 && c + r / 3 < 230) && k.terrain.is_valid(c, r);
  SystemSpec a;
  a.name = "long";
  a.max_range_m = 1500;  // 50 cells
  a.min_range_m = 200;
  a.max_altitude_m = 1000;
  a.min_altitude_m = 10;
  SystemSpec b;
  b.name = "short";
  b.max_range_m = 700;
  b.max_altitude_m = 3500;
  k.systems = {a, b};
  k.bands = {{HeightReference::kAgl, 50}, {HeightReference::kAgl, 300}, {HeightReference::kMsl, 1200}};
  // Corners and edges of the grid, cells on tile boundaries of the sizes tested (37, 64), and a
  // spread of others.
  int n = 0;
  for (const auto& [c, r] : std::vector<std::pair<int, int>>{{0, 0}, {210, 0}, {0, 172}, {210, 172}, {36, 36}, {37, 37},
                                                            {63, 64}, {64, 63}, {127, 128}, {105, 0}, {0, 90}, {148, 111}})
    if (k.terrain.is_valid(c, r)) {
      k.sites.push_back(site_at(g, fmt::format("s{}", n), c, r, n % 2));
      ++n;
    }
  for (int i = 0; i < 40; ++i) {
    const int c = (i * 53 + 11) % 211, r = (i * 37 + 5) % 173;
    if (k.terrain.is_valid(c, r)) k.sites.push_back(site_at(g, fmt::format("u{}", i), c, r, i % 2));
  }
  return k;
}

void expect_same_bits(double a, double b, const std::string& what) {
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0) << what << ": " << a << " vs " << b;
}

void expect_same(const CoverageResult& a, const CoverageResult& b, const std::string& what) {
  ASSERT_EQ(a.bands.size(), b.bands.size());
  EXPECT_EQ(a.sites_in_area, b.sites_in_area) << what;
  expect_same_bits(a.area_km2, b.area_km2, what + " area");
  expect_same_bits(*a.flat_ground_msl_m, *b.flat_ground_msl_m, what + " flat ground");
  for (std::size_t i = 0; i < a.bands.size(); ++i) {
    EXPECT_EQ(a.bands[i].multiplicity, b.bands[i].multiplicity) << what << " band " << i;
    expect_same_bits(a.bands[i].fraction, b.bands[i].fraction, what + " fraction");
    expect_same_bits(*a.bands[i].fraction_without_masking, *b.bands[i].fraction_without_masking, what + " clear");
    expect_same_bits(*a.bands[i].flat_same_sites_fraction, *b.bands[i].flat_same_sites_fraction, what + " flat");
  }
  ASSERT_TRUE(a.engagement && b.engagement);
  const auto& la = a.engagement->lowest_engageable_agl_m;
  const auto& lb = b.engagement->lowest_engageable_agl_m;
  ASSERT_EQ(la.size(), lb.size());
  EXPECT_EQ(std::memcmp(la.data(), lb.data(), la.size() * sizeof(float)), 0) << what << ": lowest engageable height";
  EXPECT_EQ(a.engagement->site_count, b.engagement->site_count) << what << ": site counts";
}

TEST(TiledCoverage, SameBytesForAnyTileSizeAndThreadCount) {
  const Case k = make_case();
  const CoverageInputs in{k.terrain, k.area, k.sites, k.systems, k.bands, VisibilityModel{}};
  CoverageOptions whole_opt;
  whole_opt.keep_union = true;
  whole_opt.threads = 1;
  const auto whole = compute_coverage(in, whole_opt);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  // The case must exercise something: coverage between none and all, several multiplicities.
  EXPECT_GT(whole->bands[0].fraction, 0.05);
  EXPECT_LT(whole->bands[0].fraction, 0.95);
  EXPECT_GT(whole->bands[0].multiplicity.size(), 3u);
  for (const int side : {37, 64, 100}) {
    for (const int threads : {1, 2}) {
      CoverageOptions o = whole_opt;
      o.tile_cells = side;
      o.threads = threads;
      int tiles = 0;
      o.on_tile = [&](const TileRect&, const EngagementUnion&, const AreaMask&, const Terrain&) {
        return ++tiles, Status::Ok();
      };
      const auto tiled = compute_coverage(in, o);
      ASSERT_TRUE(tiled.ok()) << tiled.status().message();
      EXPECT_EQ(tiles, make_tile_plan(211, 173, side, 0).tile_count());
      expect_same(*whole, *tiled, fmt::format("tile {}, threads {}", side, threads));
    }
  }
}

TEST(TiledCoverage, UnionOfAnOutputRectangleEqualsTheWholeGridsCells) {
  const Case k = make_case();
  const auto whole = engagement_union(k.terrain, k.sites, k.systems, k.bands, VisibilityModel{});
  ASSERT_TRUE(whole.ok());
  const TileRect out{40, 30, 70, 55};
  UnionOptions o;
  o.output = out;
  const auto part = engagement_union(k.terrain, k.sites, k.systems, k.bands, VisibilityModel{}, o);
  ASSERT_TRUE(part.ok()) << part.status().message();
  EXPECT_DOUBLE_EQ(part->geometry.origin_x_m, k.terrain.geometry().origin_x_m + 40 * 30.0);
  for (int r = 0; r < out.height; ++r)
    for (int c = 0; c < out.width; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * out.width + c, j = k.terrain.index(out.col0 + c, out.row0 + r);
      const float a = part->lowest_engageable_agl_m[i], b = whole->lowest_engageable_agl_m[j];
      ASSERT_EQ(std::memcmp(&a, &b, sizeof a), 0) << c << "," << r;
      for (std::size_t band = 0; band < k.bands.size(); ++band)
        ASSERT_EQ(part->site_count[band][i], whole->site_count[band][j]);
    }
  o.output = TileRect{200, 0, 20, 5};  // past the grid
  EXPECT_FALSE(engagement_union(k.terrain, k.sites, k.systems, k.bands, VisibilityModel{}, o).ok());
}

TEST(TiledCoverage, SitesOffTheGridAreNamed) {
  Case k = make_case();
  k.sites.push_back(site_at(k.terrain.geometry(), "far-away", 500, 10, 0));
  const CoverageInputs in{k.terrain, k.area, k.sites, k.systems, k.bands, VisibilityModel{}};
  CoverageOptions o;
  o.tile_cells = 64;
  const auto r = compute_coverage(in, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'far-away' (off the DEM)"), std::string::npos) << r.status().message();
}

// Spread over ranks (threads standing in for MPI ranks): every rank gets the same summary, and
// rank 0 the same union, as one process, for any rank count, including more ranks than tiles.
TEST(DistributedCoverage, SameBytesForAnyRankCount) {
  const Case k = make_case();
  const CoverageInputs in{k.terrain, k.area, k.sites, k.systems, k.bands, VisibilityModel{}};
  CoverageOptions o;
  o.keep_union = true;
  o.threads = 1;
  o.tile_cells = 64;  // 12 tiles
  const auto alone = compute_coverage(in, o);
  ASSERT_TRUE(alone.ok()) << alone.status().message();
  for (const int ranks : {2, 3, 5, 13}) {
    std::vector<int> tiles_of(static_cast<std::size_t>(ranks), 0);
    const auto results = test::run_ranks<std::optional<Result<CoverageResult>>>(ranks, [&](Collective& c) {
      CoverageOptions mine = o;
      mine.collective = &c;
      mine.on_tile = [&](const TileRect&, const EngagementUnion&, const AreaMask&, const Terrain&) {
        ++tiles_of[static_cast<std::size_t>(c.rank())];
        return Status::Ok();
      };
      return std::optional<Result<CoverageResult>>(compute_coverage(in, mine));
    });
    for (int r = 0; r < ranks; ++r) {
      const auto& res = *results[static_cast<std::size_t>(r)];
      ASSERT_TRUE(res.ok()) << res.status().message();
      // Round robin: rank r runs tiles r, r + ranks, ...
      int expected = 0;
      for (int t = 0; t < 12; ++t) expected += tile_owner(t, ranks) == r;
      EXPECT_EQ(tiles_of[static_cast<std::size_t>(r)], expected) << ranks << " ranks, rank " << r;
      if (r == 0) {
        expect_same(*alone, *res, fmt::format("{} ranks, rank 0", ranks));
      } else {
        CoverageResult summary = *res;
        summary.engagement = alone->engagement;  // only rank 0 assembles the union
        expect_same(*alone, summary, fmt::format("{} ranks, rank {}", ranks, r));
      }
    }
  }
}

// A terrain source that fails on one window: the failing rank's error reaches every rank, and no
// rank is left waiting.
class FailingSource final : public TerrainSource {
 public:
  FailingSource(const Terrain& z, int col, int row) : inner_(z), col_(col), row_(row) {}
  const GridGeometry& geometry() const override { return inner_.geometry(); }
  Result<Terrain> read(const TileRect& rect) const override {
    if (rect.contains(col_, row_) && rect.width < inner_.geometry().width)
      return Status::IoError(fmt::format("disk error reading cells at {},{}", rect.col0, rect.row0));
    return inner_.read(rect);
  }

 private:
  InMemoryTerrainSource inner_;
  int col_, row_;
};

TEST(DistributedCoverage, OneRanksFailureStopsEveryRankWithItsMessage) {
  const Case k = make_case();
  const FailingSource terrain(k.terrain, 200, 160);  // the last tile's cells (tile 11 of 12)
  const AreaSource area = AreaSource::from_mask(k.area);
  const TiledCoverageInputs in{terrain, area, k.sites, k.systems, k.bands, VisibilityModel{}};
  const auto results = test::run_ranks<std::optional<Result<CoverageResult>>>(3, [&](Collective& c) {
    CoverageOptions o;
    o.threads = 1;
    o.tile_cells = 64;
    o.collective = &c;
    return std::optional<Result<CoverageResult>>(compute_coverage(in, o));
  });
  for (const auto& res : results) {
    ASSERT_FALSE(res->ok());
    EXPECT_EQ(res->status().code(), StatusCode::kIoError);
    EXPECT_NE(res->status().message().find("disk error reading cells"), std::string::npos) << res->status().message();
  }
}

// The inline rounding equals llround on every float exponent an elevation can have, including
// exact halves (floats below 2^-1 m carry bits past 2^-24) and negative heights.
TEST(ElevationSum, FixedPointRoundsAsLlround) {
  std::vector<float> zs = {0.f, -0.f, 1e-30f, -1e-30f, 0.5f, 8848.86f, -430.5f, 1e11f, -1e11f};
  for (int e = -40; e <= 36; ++e)
    for (const std::uint32_t mant : {0u, 1u, 2u, 3u, 0x400000u, 0x7fffffu, 0x123457u, 0x654321u}) {
      const std::uint32_t bits = (static_cast<std::uint32_t>(e + 127) << 23) | mant;
      zs.push_back(std::bit_cast<float>(bits));
      zs.push_back(-std::bit_cast<float>(bits));
    }
  int halves = 0;
  for (const float z : zs) {
    const double x = static_cast<double>(z) * 16777216.0;
    if (x - std::floor(x) == 0.5) ++halves;
    EXPECT_EQ(ElevationSum::fixed_point(z), std::llround(x)) << z;
  }
  EXPECT_GT(halves, 4);  // the tie case is exercised
}

TEST(ElevationSum, SameMeanForAnySplitOfTheGrid) {
  const Case k = make_case();
  const double whole = mean_area_elevation_m(k.terrain, k.area);
  ElevationSum parts;
  const TilePlan p = make_tile_plan(211, 173, 50, 0);
  const AreaSource area = AreaSource::from_mask(k.area);
  for (int t = p.tile_count() - 1; t >= 0; --t) {  // any order
    const Terrain z = k.terrain.crop(p.tile(t));
    const auto mask = area.read(p.tile(t), z);
    ASSERT_TRUE(mask.ok());
    parts.add(z, *mask);
  }
  EXPECT_EQ(parts.mean_m(), whole);
  double naive = 0;
  std::int64_t n = 0;
  for (std::size_t i = 0; i < k.area.inside.size(); ++i)
    if (k.area.inside[i]) naive += k.terrain.elevations_m()[i], ++n;
  EXPECT_NEAR(whole, naive / n, 1e-6);
}

}  // namespace
}  // namespace skycover
