// prepare_scenario: terrain, area mask and sites for a parsed scenario.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "skycover/scenario/scenario.hpp"

namespace skycover {

namespace {

Status unique_site_ids(const std::vector<Site>& sites, const std::string& where) {
  // Site ids name sites in every product; they must be unique (files can repeat an id).
  std::vector<std::string> ids;
  for (const auto& s : sites) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> dups;
  for (std::size_t i = 1; i < ids.size(); ++i)
    if (ids[i] == ids[i - 1] && (dups.empty() || dups.back() != ids[i])) dups.push_back(ids[i]);
  if (!dups.empty())
    return Status::Invalid(fmt::format("{}: site ids must be unique; repeated: {}; rename them in the site files",
                                       where, fmt::join(dups, ", ")));
  return Status::Ok();
}

std::string where_of(const Scenario& scenario) {
  return scenario.path.empty() ? std::string("scenario") : scenario.path.string();
}

Status clutter_error(const Scenario& scenario, const Status& st) {
  return Status(st.code(), fmt::format("{}: [terrain] clutter: {}", where_of(scenario), st.message()));
}

Result<std::unique_ptr<TerrainSource>> open_ground_source(const Scenario& scenario) {
  const std::string where = where_of(scenario);
  if (scenario.terrain.synthetic)
    return make_synthetic_source(*scenario.terrain.synthetic);  // each window generated when read
  if (!scenario.terrain.dem) return Status::Invalid(fmt::format("{}: [terrain] needs dem or synthetic", where));
  auto t = open_terrain_source(*scenario.terrain.dem, scenario.terrain.load);
  if (!t.ok()) return Status(t.status().code(), fmt::format("{}: [terrain] dem: {}", where, t.status().message()));
  return std::move(t).value();
}

}  // namespace

Result<std::unique_ptr<TerrainSource>> open_scenario_terrain(const Scenario& scenario) {
  SKYCOVER_ASSIGN_OR_RETURN(auto ground, open_ground_source(scenario));
  if (!scenario.terrain.clutter) return ground;
  auto t = with_clutter(std::move(ground), *scenario.terrain.clutter);
  if (!t.ok()) return clutter_error(scenario, t.status());
  return std::move(t).value();
}

Result<GridGeometry> scenario_grid(const Scenario& scenario) {
  if (scenario.terrain.synthetic) return synthetic_geometry(*scenario.terrain.synthetic);
  SKYCOVER_ASSIGN_OR_RETURN(const auto source, open_scenario_terrain(scenario));
  return source->geometry();
}

Result<TiledScenario> prepare_scenario_tiled(const Scenario& scenario, int tile_cells, bool show_progress,
                                             Collective* world) {
  const std::string where = where_of(scenario);
  TiledScenario p;
  p.scenario = scenario;
  p.tile_cells = tile_cells;
  SKYCOVER_ASSIGN_OR_RETURN(p.terrain, open_scenario_terrain(scenario));
  auto area = AreaSource::open(p.terrain->geometry(), scenario.area_polygon);
  if (!area.ok()) return Status(area.status().code(), fmt::format("{}: [area]: {}", where, area.status().message()));
  p.area = std::move(area).value();
  auto t0 = std::chrono::steady_clock::now();
  {
    Progress progress("surveying the area", 1, show_progress);
    SKYCOVER_ASSIGN_OR_RETURN(p.survey, survey_area(p.area, p.terrain->geometry(), tile_cells, &progress, world));
  }
  if (p.survey.inside_cells() == 0)
    return Status::Invalid(fmt::format("{}: the analysis area contains no valid terrain cells; check that [area] "
                                       "polygon overlaps the DEM (and its CRS)",
                                       where));
  p.survey_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t0 = std::chrono::steady_clock::now();
  for (const auto& d : scenario.deployments) {
    if (d.system_index < 0 || d.system_index >= static_cast<int>(scenario.systems.size()))
      return Status::Invalid(fmt::format("{}: unknown system '{}'", d.source, d.system));
    SKYCOVER_ASSIGN_OR_RETURN(auto sites, make_sites(d, *p.terrain, p.survey,
                                                     scenario.systems[d.system_index].missiles_per_site, world));
    for (auto& s : sites) p.sites.push_back(std::move(s));
  }
  p.placement_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  SKYCOVER_RETURN_IF_ERROR(unique_site_ids(p.sites, where));
  return p;
}

Result<PreparedScenario> prepare_scenario(const Scenario& scenario) {
  PreparedScenario p;
  p.scenario = scenario;
  const std::string where = scenario.path.empty() ? std::string("scenario") : scenario.path.string();
  if (scenario.terrain.synthetic) {
    // This path holds the grid whole; tiled runs (coverage, sweep) generate windows instead.
    if (Status st = check_synthetic_size(*scenario.terrain.synthetic, where + ": [terrain] synthetic width x height");
        !st.ok())
      return Status::Invalid(st.message() + "; coverage and sweep run it in tiles (lower --memory-mb if this "
                                            "command held it whole), other commands need a smaller grid");
    p.terrain = make_synthetic_terrain(*scenario.terrain.synthetic);
  } else if (scenario.terrain.dem) {
    auto t = load_terrain(*scenario.terrain.dem, scenario.terrain.load);
    if (!t.ok()) return Status(t.status().code(), fmt::format("{}: [terrain] dem: {}", where, t.status().message()));
    p.terrain = std::move(t).value();
  } else {
    return Status::Invalid(fmt::format("{}: [terrain] needs dem or synthetic", where));
  }
  if (scenario.terrain.clutter) {
    auto t = with_clutter(std::move(p.terrain), *scenario.terrain.clutter);
    if (!t.ok()) return clutter_error(scenario, t.status());
    p.terrain = std::move(t).value();
  }
  auto area_error = [&](const Status& st) {
    return Status(st.code(), fmt::format("{}: [area]: {}", where, st.message()));
  };
  auto source = AreaSource::open(p.terrain.geometry(), scenario.area_polygon);
  if (!source.ok()) return area_error(source.status());
  auto area = source->read(p.terrain.geometry().full_rect(), p.terrain);
  if (!area.ok()) return area_error(area.status());
  p.area = std::move(area).value();
  auto shape = survey_area(*source, p.terrain.geometry(), 0);
  if (!shape.ok()) return area_error(shape.status());
  p.shape = std::move(shape).value();
  if (p.area.inside_count() == 0)
    return Status::Invalid(fmt::format("{}: the analysis area contains no valid terrain cells; check that [area] "
                                       "polygon overlaps the DEM (and its CRS)",
                                       where));
  for (const auto& d : scenario.deployments) {
    if (d.system_index < 0 || d.system_index >= static_cast<int>(scenario.systems.size()))
      return Status::Invalid(fmt::format("{}: unknown system '{}'", d.source, d.system));
    auto sites = make_sites(d, p.terrain, p.area, scenario.systems[d.system_index].missiles_per_site, &p.shape);
    if (!sites.ok()) return sites.status();
    for (auto& s : sites.value()) p.sites.push_back(std::move(s));
  }
  SKYCOVER_RETURN_IF_ERROR(unique_site_ids(p.sites, where));
  return p;
}

}  // namespace skycover
