// The survey of an area (one pass over tiles) places exactly the sites make_sites places on the
// whole grid, and knows every cell's inside/outside, for any tile size.
#include <gtest/gtest.h>

#include <limits>

#include "skycover/sites/area_survey.hpp"
#include "test_support.hpp"
#include "thread_collective.hpp"

namespace skycover {
namespace {

struct Fixture {
  Terrain terrain;
  AreaMask area;
};

Fixture make_fixture() {
  std::vector<float> z = test::synthetic_terrain(157, 121, 700, 3).elevations_m();
  for (int r = 40; r < 70; ++r)  // nodata across several tiles
    for (int c = 20; c < 90; ++c)
      if ((r + c) % 5 != 0) z[static_cast<std::size_t>(r) * 157 + c] = std::numeric_limits<float>::quiet_NaN();
  GridGeometry g;
  g.width = 157, g.height = 121, g.cell_size_m = 30, g.origin_x_m = 300000, g.origin_y_m = 900000;
  Fixture f{Terrain(g, std::move(z)), {}};
  f.area.geometry = g;
  f.area.inside.assign(static_cast<std::size_t>(g.cell_count()), 0);
  for (int r = 0; r < g.height; ++r)
    for (int c = 0; c < g.width; ++c)
      f.area.inside[f.terrain.index(c, r)] = (c - 78) * (c - 78) + (r - 60) * (r - 60) < 55 * 55 && f.terrain.is_valid(c, r);
  return f;
}

// Spread over ranks (threads standing in for MPI ranks): every rank gets the survey one process
// makes, runs joined across seams between different ranks' tiles, and the same exact sum.
TEST(AreaSurvey, SameSurveyOnEveryRankForAnyRankCount) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const AreaSource area = AreaSource::from_mask(f.area);
  const auto alone = survey_area(source, area, 16);
  ASSERT_TRUE(alone.ok());
  for (const int ranks : {2, 3, 7}) {
    const auto surveys = test::run_ranks<std::optional<Result<AreaSurvey>>>(ranks, [&](Collective& c) {
      return std::optional<Result<AreaSurvey>>(survey_area(source, area, 16, nullptr, &c));
    });
    for (const auto& s : surveys) {
      ASSERT_TRUE(s->ok()) << s->status().message();
      EXPECT_EQ((*s)->runs, alone->runs) << ranks << " ranks";
      EXPECT_EQ((*s)->inside_before_row, alone->inside_before_row);
      EXPECT_EQ((*s)->elevation.words(), alone->elevation.words());
    }
  }
}

// The sites' one-cell reads spread over ranks: every rank gets the sites one process places.
TEST(AreaSurvey, SameSitesOnEveryRankForAnyRankCount) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const AreaSource area = AreaSource::from_mask(f.area);
  const auto survey = survey_area(source, area, 50);
  ASSERT_TRUE(survey.ok());
  DeploymentSpec d;
  d.system = "s";
  d.hypothesis = Hypothesis::kUniform;
  d.count = 97;
  d.seed = 5;
  d.source = "test";
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
        EXPECT_EQ((**m)[i].ground_msl_m, (*alone)[i].ground_msl_m) << ranks << " ranks, site " << i;
      }
    }
  }
}

TEST(AreaSurvey, SameUniformSitesAsTheWholeGridAndExactInsideTest) {
  const Fixture f = make_fixture();
  DeploymentSpec d;
  d.system = "s";
  d.hypothesis = Hypothesis::kUniform;
  d.count = 300;
  d.seed = 9;
  d.source = "test";
  const auto whole = make_sites(d, f.terrain, f.area, 1);
  ASSERT_TRUE(whole.ok()) << whole.status().message();
  const InMemoryTerrainSource source(f.terrain);
  const AreaSource area = AreaSource::from_mask(f.area);
  for (const int tile : {16, 50, 1000}) {
    const auto survey = survey_area(source, area, tile);
    ASSERT_TRUE(survey.ok()) << survey.status().message();
    EXPECT_EQ(survey->inside_cells(), f.area.inside_count());
    for (int r = 0; r < 121; ++r)
      for (int c = 0; c < 157; ++c) ASSERT_EQ(survey->inside(c, r), f.area.contains(c, r)) << c << "," << r;
    EXPECT_EQ(survey->elevation.mean_m(), [&] { ElevationSum e; e.add(f.terrain, f.area); return e.mean_m(); }());
    const auto tiled = make_sites(d, source, *survey, 1);
    ASSERT_TRUE(tiled.ok()) << tiled.status().message();
    ASSERT_EQ(tiled->size(), whole->size());
    for (std::size_t i = 0; i < whole->size(); ++i) {
      EXPECT_EQ((*tiled)[i].id, (*whole)[i].id);
      EXPECT_EQ((*tiled)[i].x_m, (*whole)[i].x_m);
      EXPECT_EQ((*tiled)[i].y_m, (*whole)[i].y_m);
      EXPECT_EQ((*tiled)[i].ground_msl_m, (*whole)[i].ground_msl_m);
    }
  }
}

TEST(AreaSurvey, ClusteredAndGridSitesAreTheWholeGridsToo) {
  const Fixture f = make_fixture();
  const InMemoryTerrainSource source(f.terrain);
  const auto survey = survey_area(source, AreaSource::from_mask(f.area), 40);
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
    const auto whole = make_sites(d, f.terrain, f.area, 1);
    const auto tiled = make_sites(d, source, *survey, 1);
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
  const auto survey = survey_area(source, AreaSource::from_mask(f.area), 64);
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
