// `skycover validate FILE`: check a scenario, print every problem, or summarise it.
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/scenario/scenario.hpp"

namespace skycover::cli {

namespace {

int validate(const std::string& file, bool quick) {
  const auto parsed = parse_scenario_file(file);
  if (Status st = scenario_read_status(parsed, file); !st.ok()) return report(st);
  if (!parsed.scenario) {
    for (const auto& d : parsed.diagnostics) complain(fmt::format("{}\n", d.to_string()));
    complain(fmt::format("skycover: {} problem{} in {}\n", parsed.diagnostics.size(),
               parsed.diagnostics.size() == 1 ? "" : "s", file));
    return 2;
  }
  const Scenario& sc = *parsed.scenario;
  std::string terrain;
  if (sc.terrain.synthetic) {
    const auto& p = *sc.terrain.synthetic;
    terrain = fmt::format("synthetic terrain {}x{} cells of {} m (relief {} m, seed {}, EPSG:{})", p.width, p.height,
                          p.cell_size_m, p.relief_m, p.seed, p.epsg);
  } else {
    terrain = fmt::format("DEM {} (unit {})", sc.terrain.dem->string(),
                          sc.terrain.load.unit == ElevationUnit::kFeet ? "ft" : "m");
  }
  std::vector<std::string> systems;
  for (const auto& s : sc.systems)
    systems.push_back(fmt::format("{} (range {:.0f}-{:.0f} m, ceiling {:.0f} m, pk {})", s.name, s.min_range_m,
                                  s.max_range_m, s.max_altitude_m, s.pk.provenance));
  std::vector<std::string> deps;
  for (const auto& d : sc.deployments)
    deps.push_back(d.hypothesis == Hypothesis::kFile
                       ? fmt::format("{} from {}", d.system, d.file->filename().string())
                       : fmt::format("{} {} x{}", d.system, hypothesis_name(d.hypothesis), d.count));
  const std::string clutter =
      !sc.terrain.clutter ? std::string()
      : sc.terrain.clutter->class_heights_m.empty()
          ? fmt::format(", clutter heights from {}", sc.terrain.clutter->raster.filename().string())
          : fmt::format(", clutter from {} ({} land-cover classes with heights)",
                        sc.terrain.clutter->raster.filename().string(), sc.terrain.clutter->class_heights_m.size());
  std::string prepared;
  if (!quick) {
    // What a run would do first: the terrain, the area and the sites, and every track sampled over
    // the terrain (a track off the DEM fails here, not in `exposure`). A grid too large to hold
    // (over 2 GB at 9 bytes a cell) is surveyed tile by tile instead, as coverage does.
    auto grid = scenario_grid(sc);
    if (!grid.ok()) return report(grid.status());
    if (grid->cell_count() * 9 > (std::int64_t{2048} << 20)) {
      auto p = prepare_scenario_tiled(sc, 4096, true);
      if (!p.ok()) return report(p.status());
      prepared = fmt::format(" Prepared (tiled): grid {}x{} cells of {:.1f} m, analysis area {:.1f} km2, {} sites "
                             "placed; tracks are checked by exposure and raid, in their window.",
                             grid->width, grid->height, grid->cell_size_m,
                             static_cast<double>(p->survey.inside_cells()) * grid->cell_area_km2(), p->sites.size());
    } else {
      auto p = prepare_scenario(sc);
      if (!p.ok()) return report(p.status());
      auto tracks = load_tracks(sc.tracks, p->terrain);
      if (!tracks.ok()) return report(tracks.status());
      const auto& g = p->terrain.geometry();
      prepared = fmt::format(" Prepared: grid {}x{} cells of {:.1f} m, analysis area {:.1f} km2, {} sites placed, "
                             "{} track(s) sampled.",
                             g.width, g.height, g.cell_size_m, p->area.area_km2(), p->sites.size(), tracks->size());
    }
  }
  say(fmt::format("{}: OK. Terrain: {}{}. Systems ({}): {}. Deployments ({}): {}. Tracks: {}; raid trials {}; "
             "analysis bands AGL [{}] m, refraction k {}, seed {}.{}\n",
             file, terrain + clutter, sc.area_polygon ? fmt::format(", area {}", sc.area_polygon->filename().string()) : "",
             sc.systems.size(), fmt::join(systems, "; "), sc.deployments.size(), fmt::join(deps, "; "),
             sc.tracks.size(), sc.raid.trials, fmt::join(sc.analysis.bands_agl_m, ", "), sc.analysis.refraction_k,
             sc.analysis.seed, prepared));
  return 0;
}

}  // namespace

void add_scenario_commands(CLI::App& app, int& exit_code) {
  auto file = std::make_shared<std::string>();
  auto quick = std::make_shared<bool>(false);
  auto* v = app.add_subcommand("validate",
                               "Check a scenario file: print every problem as file:line:col: field: message, or a "
                               "summary (exit 2 if there are problems)");
  v->add_option("FILE", *file, "Scenario TOML file")->required();
  v->add_flag("--quick", *quick, "Only parse and check the file; do not load terrain or place sites");
  v->callback([file, quick, &exit_code] { exit_code = validate(*file, *quick); });
}

}  // namespace skycover::cli
