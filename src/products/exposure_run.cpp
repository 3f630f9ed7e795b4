// The exposure and raid workflows (moved here from the CLI so that every front end runs them).
#include "skycover/products/exposure_run.hpp"

#include "skycover/core/interrupt.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

#include "skycover/core/progress.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/exposure_products.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/core/atomic_file.hpp"
#include "skycover/products/coverage_products.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/products/report_map.hpp"
#include "skycover/render/html_report.hpp"
#include "skycover/render/map.hpp"
#include "skycover/products/output_dir.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/raid/raid_products.hpp"
#include "skycover/scenario/scenario.hpp"
#include "skycover/visibility/engagement_union.hpp"

namespace skycover {
namespace fs = std::filesystem;
namespace {

// Bytes a cell of a whole-grid exposure run holds: elevations, the area mask and a transient copy
// while the DEM is read or warped.
constexpr std::int64_t kExposureBytesPerCell = 9;

// The terrain, area and sites of an exposure or raid run. The whole grid when it fits
// `budget_bytes`; otherwise only a window (docs/tiling.md): the tracks' bounding box plus twice the
// longest engagement range R, read once. A site can engage a track only when it stands within R of
// it, so within R of the box, and its lines of sight read terrain within R of the site. The sites
// are placed by a survey of the whole area (sites/area_survey.hpp: the same sites as the whole
// grid gives); `within_reach` receives the indices of those standing within R of the box, the only
// ones whose lines of sight are computed (the terrain holds only the window). `window` receives
// the rectangle read. Both stay empty for a whole-grid run.
Result<PreparedScenario> prepare_for_tracks(const Scenario& sc, std::int64_t budget_bytes, std::optional<TileRect>* window,
                                            std::vector<std::size_t>* within_reach) {
  SKYCOVER_ASSIGN_OR_RETURN(const GridGeometry g, scenario_grid(sc));
  if (g.cell_count() * kExposureBytesPerCell <= budget_bytes) return prepare_scenario(sc);
  // The tracks' box in cells (their waypoints in the terrain's CRS).
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const TrackSpec& spec : sc.tracks) {
    SKYCOVER_ASSIGN_OR_RETURN(const auto wps, read_track_waypoints(spec, g.crs_wkt));
    for (const TrackWaypoint& w : wps) {
      if (!std::isfinite(w.x_m) || !std::isfinite(w.y_m))
        return Status::Invalid(fmt::format("{}: a waypoint is not a finite point", spec.source));
      x0 = std::min(x0, w.x_m), x1 = std::max(x1, w.x_m), y0 = std::min(y0, w.y_m), y1 = std::max(y1, w.y_m);
    }
  }
  int radius = 0;
  for (const SystemSpec& sys : sc.systems)
    radius = std::max(radius, range_radius_cells(sys, g.cell_size_m, std::max(g.width, g.height)));
  auto col_of = [&](double x) { return static_cast<int>(std::clamp(std::floor(g.col_of(x)), -1.0, g.width + 1.0)); };
  auto row_of = [&](double y) { return static_cast<int>(std::clamp(std::floor(g.row_of(y)), -1.0, g.height + 1.0)); };
  const int c0 = col_of(x0), c1 = col_of(x1), r0 = row_of(y1), r1 = row_of(y0);  // rows grow southwards
  auto box = [&](int margin) {
    return TileRect{c0 - margin, r0 - margin, c1 - c0 + 1 + 2 * margin, r1 - r0 + 1 + 2 * margin}.intersect(g.full_rect());
  };
  const TileRect read = box(2 * radius), reach = box(radius);
  if (read.cell_count() <= 0)
    return Status::OutOfRange(fmt::format("{}: the tracks lie outside the terrain; check their coordinates and crs",
                                          sc.path.string()));
  if (read.cell_count() * kExposureBytesPerCell > budget_bytes)
    return Status::Invalid(fmt::format(
        "the tracks and the sites that can reach them need a terrain window of {} x {} cells ({} MB), more than the "
        "{} MB memory budget: raise --memory-mb, or split the tracks over several scenarios",
        read.width, read.height, read.cell_count() * kExposureBytesPerCell >> 20, budget_bytes >> 20));
  SKYCOVER_ASSIGN_OR_RETURN(TiledScenario tiled, prepare_scenario_tiled(sc, 4096, true));
  PreparedScenario p;
  p.scenario = sc;
  SKYCOVER_ASSIGN_OR_RETURN(p.terrain, tiled.terrain->read(read));
  SKYCOVER_ASSIGN_OR_RETURN(p.area, tiled.area.read(read, p.terrain));
  p.sites = std::move(tiled.sites);
  if (window) *window = read;
  if (within_reach) {
    within_reach->clear();
    for (std::size_t i = 0; i < p.sites.size(); ++i) {
      const double c = std::floor(g.col_of(p.sites[i].x_m)), r = std::floor(g.row_of(p.sites[i].y_m));
      if (c >= reach.col0 && c < reach.col_end() && r >= reach.row0 && r < reach.row_end()) within_reach->push_back(i);
    }
  }
  return p;
}

}  // namespace

Result<TrackAnalysis> analyse_tracks(const Scenario& sc, std::int64_t budget_bytes, const ProgressObserver& observer,
                                     bool show_progress) {
  if (sc.tracks.empty()) {
    return Status::Invalid(fmt::format("{}: the scenario has no [[tracks]]; add one, e.g. [[tracks]] id = \"t1\" "
                                       "waypoints = [[x1, y1], [x2, y2]] speed_mps = 250 altitude_m = 100 "
                                       "target_class = \"cruise_missile\"",
                                       sc.path.string()));
  }
  TrackAnalysis e;
  std::vector<std::size_t> within_reach;
  SKYCOVER_ASSIGN_OR_RETURN(e.prepared, prepare_for_tracks(sc, budget_bytes, &e.window, &within_reach));
  SKYCOVER_ASSIGN_OR_RETURN(e.tracks, load_tracks(e.prepared.scenario.tracks, e.prepared.terrain));
  const auto& s = e.prepared.scenario;
  VisibilityModel model;
  model.refraction_k = s.analysis.refraction_k;
  ExposureOptions opt;
  opt.threads = s.analysis.threads;
  // A window: the sites within reach only; their windows then name the sites of the whole list
  // (windows come in site order, so the order is the whole grid's).
  std::vector<Site> near;
  if (e.window)
    for (std::size_t i : within_reach) near.push_back(e.prepared.sites[i]);
  const std::vector<Site>& looked_from = e.window ? near : e.prepared.sites;
  Progress progress("lines of sight", static_cast<std::int64_t>(looked_from.size()), show_progress);
  progress.set_observer(observer);
  opt.on_progress = [&progress](std::int64_t n) { progress.advance(n); };
  SKYCOVER_ASSIGN_OR_RETURN(e.windows, find_engagement_windows(e.prepared.terrain, looked_from, s.systems, e.tracks,
                                                               model, opt));
  progress.finish();
  if (e.window)
    for (EngagementWindow& w : e.windows) w.site = static_cast<int>(within_reach[static_cast<std::size_t>(w.site)]);
  return e;
}

Result<RaidRun> simulate_raid(const TrackAnalysis& e, std::int64_t trials, std::uint64_t seed,
                              const ProgressObserver& observer, bool show_progress) {
  const auto& sc = e.prepared.scenario;
  RaidRun out;
  SKYCOVER_ASSIGN_OR_RETURN(out.plan, plan_raid(e.tracks, e.windows, e.prepared.sites, sc.systems));
  RaidOptions ro;
  ro.trials = trials;
  ro.seed = seed;
  ro.threads = sc.analysis.threads;
  Progress progress("raid trials", ro.trials, show_progress);
  progress.set_observer(observer);
  ro.on_progress = [&progress](std::int64_t n) { progress.advance(n); };
  out.result = run_raid(out.plan, ro);
  progress.finish();
  if (interrupted()) return interrupted_status();  // the trials stopped early: nothing to report
  return out;
}

namespace {

// The manifest's note of a windowed run (the cells read), empty for a whole-grid run.
nlohmann::json window_note(const TrackAnalysis& e) {
  if (!e.window) return nlohmann::json();
  return {{"col0", e.window->col0}, {"row0", e.window->row0}, {"width_cells", e.window->width},
          {"height_cells", e.window->height}};
}

fs::path output_dir(const fs::path& out, const Scenario& sc, const char* sub) {
  return out.empty() ? sc.output_dir / sub : out;
}

// The interactive map of an exposure or raid run: the terrain read (hillshade), the area outline,
// the sites on it, and the tracks with their engagement windows and intercept points.
Result<web::MapSpec> track_map(const TrackAnalysis& e, const std::vector<TrackExposure>& exposures) {
  const Terrain& terrain = e.prepared.terrain;
  const auto& systems = e.prepared.scenario.systems;
  SKYCOVER_ASSIGN_OR_RETURN(const auto shade, map::hillshade(terrain));
  SKYCOVER_ASSIGN_OR_RETURN(web::MapSpec spec, report_map_base(terrain.geometry(), shade, e.prepared.area));
  spec.kinds.clear();  // no coverage bands here: the tracks are the subject
  std::vector<Site> on_map;
  for (const Site& site : e.prepared.sites) {
    const GridGeometry& g = terrain.geometry();
    if (g.contains_cell(static_cast<int>(std::floor(g.col_of(site.x_m))), static_cast<int>(std::floor(g.row_of(site.y_m)))))
      on_map.push_back(site);
  }
  web::View view;
  view.name = "tracks";
  view.layers.push_back(site_layer("sites", on_map, systems));
  spec.views.push_back(std::move(view));
  auto layers = track_layers({e.tracks, e.windows, &exposures, e.prepared.sites, systems});
  spec.layers.insert(spec.layers.end(), layers.begin(), layers.end());
  return spec;
}

// report.html of an exposure or raid run: the summary, the map, the charts written in `dir`
// (SVG, inlined), a note on the models, and the provenance.
Status write_track_report(const fs::path& dir, const std::string& title, const fs::path& scenario_path,
                          const RunInfo& run, const std::string& summary, const web::MapSpec& map,
                          const std::vector<std::pair<fs::path, std::string>>& charts, const std::string& models) {
  HtmlReport report(title);
  report.paragraph(fmt::format("Scenario {} on {}.", scenario_path.string(), run.terrain_description));
  report.preformatted(summary, "Summary");
  SKYCOVER_RETURN_IF_ERROR(report.interactive_map(map));
  for (const auto& [file, caption] : charts) {
    SKYCOVER_ASSIGN_OR_RETURN(const std::string svg, read_file(dir / file, "chart"));
    report.image_svg(svg, caption);
  }
  report.heading("Models and their limits", 2);
  report.paragraph(models);
  SKYCOVER_ASSIGN_OR_RETURN(const std::string scenario_text, read_file(scenario_path, "scenario"));
  add_provenance_section(report, run, scenario_text);
  return write_file_atomic(dir / "report.html", report.html());
}

}  // namespace

Result<StageRunOutput> exposure_command(const fs::path& scenario, const fs::path& out, bool unlimited,
                                        const std::string& command_line, std::int64_t memory_budget_bytes,
                                        const ProgressObserver& observer) {
  SKYCOVER_ASSIGN_OR_RETURN(const Scenario loaded, load_scenario(scenario));
  SKYCOVER_ASSIGN_OR_RETURN(TrackAnalysis e, analyse_tracks(loaded, memory_budget_bytes, observer));
  const auto& sc = e.prepared.scenario;
  ExposureOptions opt;
  opt.unlimited_missiles = unlimited;
  SKYCOVER_ASSIGN_OR_RETURN(auto exposures,
                            analyse_exposure(e.tracks, e.windows, e.prepared.sites, sc.systems, opt));
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  // Staged: a failure leaves no partial new folder.
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(output_dir(out, sc, "exposure")));
  ExposureInputs in{&e.prepared.terrain, &e.prepared.sites, &sc.systems, &e.tracks, &e.windows, &exposures};
  SKYCOVER_RETURN_IF_ERROR(write_exposure_products(dir.path(), in));
  {
    SKYCOVER_ASSIGN_OR_RETURN(const web::MapSpec map, track_map(e, exposures));
    std::vector<std::pair<fs::path, std::string>> charts;
    const auto stems = track_file_stems(e.tracks);
    for (std::size_t t = 0; t < e.tracks.size(); ++t)
      charts.emplace_back(stems[t] + "_timeline.svg", fmt::format("Engagement windows and shots along track {}",
                                                                  e.tracks[t].id));
    SKYCOVER_RETURN_IF_ERROR(write_track_report(
        dir.path(), fmt::format("skycover exposure: {} track{}", e.tracks.size(), e.tracks.size() == 1 ? "" : "s"),
        scenario, run, exposure_summary_table(in), map, charts,
        "A site can engage a track sample when it sees it (terrain masking from its viewshed, Earth curvature and "
        "refraction) and the sample lies in its engagement envelope. Launches wait for the reaction time; a missile "
        "flies straight at the system's average speed to where the target will be; a site fires one missile at a "
        "time (shoot-look-shoot). Survival multiplies (1 - Pk) over the shots, with the Pk the scenario states. "
        "Not modelled: detection and cueing, readiness, seekers, countermeasures, weather (docs/exposure.md)."));
  }
  nlohmann::json extra = {{"stage", "exposure"}, {"unlimited_missiles", unlimited}};
  if (e.window) extra["terrain_window"] = window_note(e);
  SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path(), run, extra));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return StageRunOutput{exposure_summary_table(in), dir.target()};
}

Result<StageRunOutput> raid_command(const fs::path& scenario, const fs::path& out, std::optional<std::int64_t> trials,
                                    std::optional<std::uint64_t> seed, const std::string& command_line,
                                    std::int64_t memory_budget_bytes, const ProgressObserver& observer) {
  SKYCOVER_ASSIGN_OR_RETURN(const Scenario loaded, load_scenario(scenario));
  SKYCOVER_ASSIGN_OR_RETURN(TrackAnalysis e, analyse_tracks(loaded, memory_budget_bytes, observer));
  const auto& sc = e.prepared.scenario;
  RaidOptions ro;
  ro.trials = trials.value_or(sc.raid.trials);
  ro.seed = seed.value_or(sc.raid.seed);
  SKYCOVER_ASSIGN_OR_RETURN(RaidRun raid, simulate_raid(e, ro.trials, ro.seed, observer));
  const RaidPlan& plan = raid.plan;
  const RaidResult& r = raid.result;
  SKYCOVER_ASSIGN_OR_RETURN(RunInfo run, describe_run(sc, command_line));
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, StagedOutputDir::open(output_dir(out, sc, "raid")));
  SKYCOVER_RETURN_IF_ERROR(write_raid_products(dir.path(), r, plan, e.tracks, e.prepared.sites));
  {
    // The map shows the deterministic shoot-look-shoot shots of the exposure analysis: where the
    // trials' intercepts fall when every site is ready.
    SKYCOVER_ASSIGN_OR_RETURN(const auto exposures,
                              analyse_exposure(e.tracks, e.windows, e.prepared.sites, sc.systems, ExposureOptions{}));
    SKYCOVER_ASSIGN_OR_RETURN(const web::MapSpec map, track_map(e, exposures));
    SKYCOVER_RETURN_IF_ERROR(write_track_report(
        dir.path(), fmt::format("skycover raid: {} trials", ro.trials), scenario, run,
        raid_summary_text(r, plan, e.tracks), map, {{"survivors.svg", "Survivors per trial"}},
        "Each track carries its count of targets, interval_s apart. In each seeded trial a free site engages the "
        "target it can launch at earliest, one at a time, until its missiles are spent; each shot kills with the Pk "
        "the scenario states, known at the intercept. The survivors over the trials give the distribution and its "
        "confidence intervals. The map's intercept points are the shots of the exposure analysis (one target per "
        "track, every site ready). Not modelled: detection and cueing, seekers, countermeasures, weather "
        "(docs/exposure.md)."));
  }
  nlohmann::json extra = {{"stage", "raid"}, {"trials", ro.trials}, {"raid_seed", ro.seed}};
  if (e.window) extra["terrain_window"] = window_note(e);
  SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path(), run, extra));
  SKYCOVER_RETURN_IF_ERROR(dir.commit());
  return StageRunOutput{raid_summary_text(r, plan, e.tracks), dir.target()};
}


}  // namespace skycover
