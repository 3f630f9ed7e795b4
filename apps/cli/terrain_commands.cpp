// `skycover terrain synth` and `skycover terrain info`.
#include <fmt/format.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover::cli {

void add_terrain_commands(CLI::App& app, int& exit_code) {
  auto* terrain = app.add_subcommand("terrain", "Make or inspect terrain (DEM) rasters");
  terrain->require_subcommand(1);

  auto params = std::make_shared<SyntheticTerrainParams>();
  auto out = std::make_shared<std::string>();
  auto* synth = terrain->add_subcommand("synth", "Write a seeded fractal DEM (float32 GeoTIFF, metres)");
  synth->add_option("--width", params->width, "Columns")->required()->check(CLI::Range(2, 100000));
  synth->add_option("--height", params->height, "Rows")->required()->check(CLI::Range(2, 100000));
  synth->add_option("--cell-m", params->cell_size_m, "Cell size (m)")->required()->check(positive_number());
  synth->add_option("--relief-m", params->relief_m, "Peak-to-trough relief (m)")->required()->check(non_negative_number());
  synth->add_option("--seed", params->seed, "Random seed")->required()->check(seed_value());
  synth->add_option("--roughness", params->roughness, "fBm gain per octave (0.3 smooth .. 0.7 rugged)")
      ->check(CLI::Range(0.05, 0.95));
  synth->add_option("--epsg", params->epsg, "Projected CRS to georeference with (metres)");
  synth->add_option("--out", *out, "Output GeoTIFF")->required()->check(non_empty_path());
  synth->callback([params, out, &exit_code] {
    if (Status st = check_synthetic_size(*params, "--width x --height"); !st.ok()) {
      exit_code = report(st);
      return;
    }
    const Terrain t = make_synthetic_terrain(*params);
    exit_code = report(write_terrain(*out, t));
    if (exit_code == 0) fmt::print("wrote {} ({}x{} cells of {} m)\n", *out, t.width(), t.height(), t.cell_size_m());
  });

  auto in = std::make_shared<std::string>();
  auto feet = std::make_shared<bool>(false);
  auto* info = terrain->add_subcommand("info", "Load a DEM as skycover sees it (metric grid) and summarise it");
  info->add_option("DEM", *in, "Any GDAL raster")->required();
  info->add_flag("--feet", *feet, "Elevations are in feet");
  info->callback([in, feet, &exit_code] {
    TerrainLoadOptions opts;
    opts.unit = *feet ? ElevationUnit::kFeet : ElevationUnit::kMetres;
    auto t = load_terrain(*in, opts);
    if (!t.ok()) {
      exit_code = report(t.status());
      return;
    }
    float lo = 1e30f, hi = -1e30f;
    for (float v : t->elevations_m())
      if (v == v) lo = std::min(lo, v), hi = std::max(hi, v);
    const auto& g = t->geometry();
    fmt::print("{}: {}x{} cells of {:.2f} m, {} valid ({:.1f} km2), elevation {:.1f}..{:.1f} m\n", *in, g.width,
               g.height, g.cell_size_m, t->valid_cell_count(), t->valid_cell_count() * g.cell_area_km2(), lo, hi);
  });
}

}  // namespace skycover::cli
