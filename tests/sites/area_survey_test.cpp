// The survey of an area's shape (its polygons rasterised tile by tile, no terrain read) places
// exactly the sites make_sites places on the whole grid, for any tile size and rank count, reading
// the terrain only at the cells it draws; uniform sites are uniform over the valid cells even
// where the shape covers nodata.
#include <gtest/gtest.h>

#include <array>
#include <limits>

#include "skycover/sites/area_survey.hpp"
#include "test_support.hpp"
#include "thread_collective.hpp"

namespace skycover {
namespace {

struct Fixture {
  Terrain terrain;
  AreaMask area;   // the shape AND valid terrain (what AreaSource::read gives)
  AreaMask shape;  // a disc, nodata included: what a polygon over a DEM with voids rasterises to
};

Fixture make_fixture() {
  std::vector<float> z = test::synthetic_terrain(157, 121, 700, 3).elevations_m();
  for (int r = 40; r < 70; ++r)  // nodata across several tiles
    for (int c = 20; c < 90; ++c)
      if ((r + c) % 5 != 0) z[static_cast<std::size_t>(r) * 157 + c] = std::numeric_limits<float>::quiet_NaN();
  GridGeometry g;
  g.width = 157, g.height = 121, g.cell_size_m = 30, g.origin_x_m = 300000, g.origin_y_m = 900000;
  Fixture f{Terrain(g, std::move(z)), {}, {}};
  f.area.geometry = f.shape.geometry = g;
  f.area.inside.assign(static_cast<std::size_t>(g.cell_count()), 0);
  f.shape.inside = f.area.inside;
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c) {
      const bool disc = (c - 78) * (c - 78) + (r - 60) * (r - 60) < 55 * 55;
      f.shape.inside[f.terrain.index(c, r)] = disc;
      f.area.inside[f.terrain.index(c, r)] = disc && f.terrain.is_valid(c, r);
    }
  return f;
}

// A terrain source that counts the cells it is asked for.
class CountingSource final : public TerrainSource {
 public:
  explicit CountingSource(const Terrain& z) : inner_(z) {}
  const GridGeometry& geometry() const override { return inner_.geometry(); }
  Result<Terrain> read(const TileRect& rect) const override {
    cells_read += rect.cell_count();
    ++reads;
    return inner_.read(rect);
  }
  mutable std::int64_t cells_read = 0, reads = 0;

 private:
  InMemoryTerrainSource inner_;
};

DeploymentSpec uniform(int count, std::uint64_t seed) {
  DeploymentSpec d;
  d.system = std::string(1, 's');  // (GCC 12 warns, wrongly, of an overlapping memcpy for = "s" here)
  d.hypothesis = Hypothesis::kUniform;
  d.count = count;
  d.seed = seed;
  d.source = "test";
  return d;
}

// Spread over ranks (threads standing in for MPI ranks): every rank gets the survey one process
// makes, runs joined across seams between different ranks' tiles.
TEST(AreaSurvey, SameSurveyOnEveryRankForAnyRankCount) {
  const Fixture f = make_fixture();
  const AreaSource area = AreaSource::from_mask(f.shape);
  const auto alone = survey_area(area, f.terrain.geometry(), 16);
  ASSERT_TRUE(alone.ok());
  for (const int ranks : {2, 3, 7}) {
    const auto surveys = test::run_ranks<std::optional<Result<AreaSurvey>>>(ranks, [&](Collective& c) {
      return std::optional<Result<AreaSurvey>>(survey_area(area, f.terrain.geometry(), 16, nullptr, &c));
    });
    for (const auto& s : surveys) {
      ASSERT_TRUE(s->ok()) << s->status().message();
      EXPECT_EQ((*s)->runs, alone->runs) << ranks << " ranks";
      EXPECT_EQ((*s)->inside_before_row, alone->inside_before_row);
    }
  }
}

// The sites' one-cell reads spread over ranks, redraws over nodata included: every rank gets the
// sites one process places.
TEST(AreaSurvey, SameSitesOnEveryRankForAnyRankCount) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const auto survey = survey_area(AreaSource::from_mask(f.shape), f.terrain.geometry(), 50);
  ASSERT_TRUE(survey.ok());
  const DeploymentSpec d = uniform(97, 5);
  const auto alone = make_sites(d, source, *survey, 1);
  ASSERT_TRUE(alone.ok());
  for (const int ranks : {2, 5}) {
    const auto made = test::run_ranks<std::optional<Result<std::vector<Site>>>>(ranks, [&](Collective& c) {
      return std::optional<Result<std::vector<Site>>>(make_sites(d, source, *survey, 1, &c));
    });
    for (const auto& m : made) {
      ASSERT_TRUE(m->ok()) << m->status().message();
      ASSERT_EQ((*m)->size(), alone->size());
      for (std::size_t i = 0; i < alone->size(); ++i) {
        EXPECT_EQ((**m)[i].id, (*alone)[i].id);
        EXPECT_EQ((**m)[i].x_m, (*alone)[i].x_m);
        EXPECT_EQ((**m)[i].y_m, (*alone)[i].y_m);
        EXPECT_EQ((**m)[i].ground_msl_m, (*alone)[i].ground_msl_m) << ranks << " ranks, site " << i;
      }
    }
  }
}

TEST(AreaSurvey, SameUniformSitesAsTheWholeGridOnValidCellsOfTheShape) {
  const Fixture f = make_fixture();
  const DeploymentSpec d = uniform(300, 9);
  const AreaSource shape = AreaSource::from_mask(f.shape);
  const auto whole_shape = survey_area(shape, f.terrain.geometry(), 0);
  ASSERT_TRUE(whole_shape.ok());
  const auto whole = make_sites(d, f.terrain, f.area, 1, &*whole_shape);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  const InMemoryTerrainSource source(f.terrain);
  for (const int tile : {16, 50, 1000}) {
    const auto survey = survey_area(shape, f.terrain.geometry(), tile);
    ASSERT_TRUE(survey.ok()) << survey.status().message();
    EXPECT_EQ(survey->inside_cells(), f.shape.inside_count());
    for (int r = 0; r < 121; ++r)
      for (int c = 0; c < 157; ++c) ASSERT_EQ(survey->inside(c, r), f.shape.contains(c, r)) << c << "," << r;
    const auto tiled = make_sites(d, source, *survey, 1);
    ASSERT_TRUE(tiled.ok()) << tiled.status().message();
    ASSERT_EQ(tiled->size(), whole->size());
    for (std::size_t i = 0; i < whole->size(); ++i) {
      EXPECT_EQ((*tiled)[i].id, (*whole)[i].id);
      EXPECT_EQ((*tiled)[i].x_m, (*whole)[i].x_m);
      EXPECT_EQ((*tiled)[i].y_m, (*whole)[i].y_m);
      EXPECT_EQ((*tiled)[i].ground_msl_m, (*whole)[i].ground_msl_m);
      // Every site on a valid cell of the area, at that cell's elevation.
      const auto cell = f.terrain.cell_of((*tiled)[i].x_m, (*tiled)[i].y_m);
      ASSERT_TRUE(cell && f.area.contains(cell->first, cell->second)) << i;
      EXPECT_EQ((*tiled)[i].ground_msl_m, f.terrain.elevation_m(cell->first, cell->second));
    }
  }
  // Without nodata under the shape the first draw always stands: the mask itself as the shape
  // places the same sites (no redraw stream is used).
  const auto from_area = make_sites(d, f.terrain, f.area, 1);
  ASSERT_TRUE(from_area.ok());
  for (const Site& s : *from_area) {
    const auto cell = f.terrain.cell_of(s.x_m, s.y_m);
    ASSERT_TRUE(cell && f.area.contains(cell->first, cell->second));
  }
}

// The disc's two halves west and east of a block of nodata: the redraws keep the density uniform
// over the valid cells, so each part gets sites in proportion to its valid cells (a chi-square
// test over 4 parts at p = 0.001), and no site falls on the block.
TEST(AreaSurvey, UniformSitesOverNodataAreUniformOverTheValidCells) {
  const Fixture f = make_fixture();
  const auto survey = survey_area(AreaSource::from_mask(f.shape), f.terrain.geometry(), 40);
  ASSERT_TRUE(survey.ok());
  const InMemoryTerrainSource source(f.terrain);
  const int n = 4000;
  const auto sites = make_sites(uniform(n, 21), source, *survey, 1);
  ASSERT_TRUE(sites.ok()) << sites.status().message();
  ASSERT_EQ(sites->size(), static_cast<std::size_t>(n));
  auto part = [](int c, int r) { return (r < 60 ? 0 : 2) + (c < 78 ? 0 : 1); };
  std::array<double, 4> valid{}, got{};
  for (int r = 0; r < 121; ++r)
    for (int c = 0; c < 157; ++c)
      if (f.area.contains(c, r)) valid[static_cast<std::size_t>(part(c, r))] += 1;
  const double total = valid[0] + valid[1] + valid[2] + valid[3];
  for (const Site& s : *sites) {
    const auto cell = f.terrain.cell_of(s.x_m, s.y_m);
    ASSERT_TRUE(cell && f.area.contains(cell->first, cell->second));
    got[static_cast<std::size_t>(part(cell->first, cell->second))] += 1;
  }
  double chi2 = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const double expected = n * valid[k] / total;
    chi2 += (got[k] - expected) * (got[k] - expected) / expected;
  }
  EXPECT_LT(chi2, 16.27) << got[0] << " " << got[1] << " " << got[2] << " " << got[3];  // chi2(3) at 0.999
}

// Placement reads the terrain only where it draws: one-cell reads, each cell once, never a tile.
TEST(AreaSurvey, PlacementReadsOnlyTheCellsItDraws) {
  const Fixture f = make_fixture();
  const auto survey = survey_area(AreaSource::from_mask(f.shape), f.terrain.geometry(), 40);
  ASSERT_TRUE(survey.ok());
  const CountingSource source(f.terrain);
  const auto sites = make_sites(uniform(200, 3), source, *survey, 1);
  ASSERT_TRUE(sites.ok()) << sites.status().message();
  EXPECT_EQ(source.cells_read, source.reads);  // every read is a single cell
  EXPECT_GE(source.reads, 190);                // about one per site, a few shared cells aside
  EXPECT_LT(source.reads, 200 * 2);            // and a redraw for those that hit nodata
}

// A shape over nodata alone: an error that says so, not an endless redraw.
TEST(AreaSurvey, AShapeWithNoValidCellsIsAnErrorThatSaysSo) {
  const Fixture f = make_fixture();
  AreaMask voids = f.shape;
  for (std::size_t i = 0; i < voids.inside.size(); ++i) voids.inside[i] = f.shape.inside[i] && !f.terrain.is_valid(
      static_cast<int>(i % 157), static_cast<int>(i / 157));
  ASSERT_GT(voids.inside_count(), 100);
  const auto survey = survey_area(AreaSource::from_mask(voids), f.terrain.geometry(), 40);
  ASSERT_TRUE(survey.ok());
  const InMemoryTerrainSource source(f.terrain);
  const auto sites = make_sites(uniform(5, 1), source, *survey, 1);
  ASSERT_FALSE(sites.ok());
  EXPECT_NE(sites.status().message().find("test: could not place site 1 of 5"), std::string::npos)
      << sites.status().message();
  EXPECT_NE(sites.status().message().find("draw it over the land"), std::string::npos);
}

TEST(AreaSurvey, ClusteredAndGridSitesAreTheWholeGridsToo) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const auto survey = survey_area(AreaSource::from_mask(f.shape), f.terrain.geometry(), 40);
  ASSERT_TRUE(survey.ok());
  DeploymentSpec clustered;
  clustered.system = "s";
  clustered.hypothesis = Hypothesis::kClustered;
  clustered.count = 120;
  clustered.seed = 4;
  clustered.sigma_m = 900;
  clustered.centres = {{300000 + 40 * 30.0, 900000 - 50 * 30.0, 2}, {300000 + 110 * 30.0, 900000 - 80 * 30.0, 1}};
  clustered.source = "test";
  DeploymentSpec grid = clustered;
  grid.hypothesis = Hypothesis::kGrid;
  grid.spacing_m = 170;
  grid.count = 0;
  for (const DeploymentSpec& d : {clustered, grid}) {
    const auto whole = make_sites(d, f.terrain, f.area, 1);  // the mask (with nodata) as the shape
    const auto tiled = make_sites(d, source, *survey, 1);     // the disc, terrain read per cell
    ASSERT_TRUE(whole.ok() && tiled.ok()) << whole.status().message() << tiled.status().message();
    ASSERT_GT(whole->size(), 50u);
    ASSERT_EQ(whole->size(), tiled->size());
    for (std::size_t i = 0; i < whole->size(); ++i) {
      EXPECT_EQ((*tiled)[i].x_m, (*whole)[i].x_m);
      EXPECT_EQ((*tiled)[i].y_m, (*whole)[i].y_m);
      EXPECT_EQ((*tiled)[i].ground_msl_m, (*whole)[i].ground_msl_m);
    }
  }
}

TEST(AreaSurvey, HypothesesThatNeedTheWholeGridAreRefusedByName) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const auto survey = survey_area(AreaSource::from_mask(f.area), f.terrain.geometry(), 64);
  ASSERT_TRUE(survey.ok());
  DeploymentSpec d;
  d.hypothesis = Hypothesis::kHighGround;
  d.count = 5;
  d.source = "s.toml:[[deployments]][1]";
  const auto r = make_sites(d, source, *survey, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("s.toml:[[deployments]][1]: hypothesis 'high_ground'"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace skycover
