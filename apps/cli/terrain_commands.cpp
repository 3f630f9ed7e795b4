// `skycover terrain synth` and `skycover terrain info`.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "commands.hpp"
#include "validators.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/terrain/dem_writer.hpp"
#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"
#include "skycover/terrain/terrain_source.hpp"

namespace skycover::cli {

void add_terrain_commands(CLI::App& app, int& exit_code) {
  auto* terrain = app.add_subcommand("terrain", "Make or inspect terrain (DEM) rasters");
  terrain->require_subcommand(1);

  auto params = std::make_shared<SyntheticTerrainParams>();
  auto out = std::make_shared<std::string>();
  auto compression = std::make_shared<std::string>("deflate");
  auto tile_cells = std::make_shared<int>(4096);
  auto* synth = terrain->add_subcommand(
      "synth", "Write a seeded fractal DEM (float32 metres): a tiled GeoTIFF, or a VRT mosaic of GeoTIFF tiles");
  synth->add_option("--width", params->width, "Columns")->required()->check(CLI::Range(2, 100000));
  synth->add_option("--height", params->height, "Rows")->required()->check(CLI::Range(2, 100000));
  synth->add_option("--cell-m", params->cell_size_m, "Cell size (m)")->required()->check(positive_number());
  synth->add_option("--relief-m", params->relief_m, "Peak-to-trough relief (m)")->required()->check(non_negative_number());
  synth->add_option("--seed", params->seed, "Random seed")->required()->check(seed_value());
  synth->add_option("--roughness", params->roughness, "fBm gain per octave (0.3 smooth .. 0.7 rugged)")
      ->check(CLI::Range(0.05, 0.95));
  synth->add_option("--epsg", params->epsg, "Projected CRS to georeference with (metres)");
  synth->add_option("--origin-x-m", params->origin_x_m,
                    "x of the western edge in the CRS (default 500000: a UTM zone's central meridian; a grid wider "
                    "than ~600 km should be centred on it, or it is reprojected for analysis)")
      ->check(CLI::Range(-1e8, 1e8));
  synth->add_option("--origin-y-m", params->origin_y_m, "y of the northern edge in the CRS (default 1200000)")
      ->check(CLI::Range(-1e8, 1e8));
  synth->add_option("--out", *out, "Output: a GeoTIFF (.tif), or a VRT (.vrt) over GeoTIFF tiles in <name>_tiles/")
      ->required()
      ->check(non_empty_path());
  synth->add_option("--compress", *compression, "none (fastest), deflate (default, most widely read) or zstd")
      ->check(CLI::IsMember({"none", "deflate", "zstd"}));
  synth->add_option("--tile-cells", *tile_cells, "Side of each GeoTIFF tile of a .vrt mosaic, in cells (multiple of 256)")
      ->check(CLI::Range(256, 65536));
  synth->callback([params, out, compression, tile_cells, &exit_code] {
    // Generated window by window in parallel (any size: 1e9 cells and more), never whole.
    const auto source = make_synthetic_source(*params);
    Progress progress("writing the DEM", 1);
    const std::map<std::string, DemCompression> kinds{
        {"none", DemCompression::kNone}, {"deflate", DemCompression::kDeflate}, {"zstd", DemCompression::kZstd}};
    exit_code = report(write_dem(*out, *source, DemWriteOptions{kinds.at(*compression), *tile_cells}, &progress));
    progress.finish();
    const GridGeometry& g = source->geometry();
    if (exit_code == 0) say(fmt::format("wrote {} ({}x{} cells of {} m)\n", *out, g.width, g.height, g.cell_size_m));
  });

  auto in = std::make_shared<std::string>();
  auto feet = std::make_shared<bool>(false);
  auto* info = terrain->add_subcommand("info", "Load a DEM as skycover sees it (metric grid) and summarise it");
  info->add_option("DEM", *in, "Any GDAL raster")->required();
  info->add_flag("--feet", *feet, "Elevations are in feet");
  info->callback([in, feet, &exit_code] {
    TerrainLoadOptions opts;
    opts.unit = *feet ? ElevationUnit::kFeet : ElevationUnit::kMetres;
    // Streamed in strips of rows: `terrain info` on a country mosaic must not load it whole.
    auto source = open_terrain_source(*in, opts);
    if (!source.ok()) {
      exit_code = report(source.status());
      return;
    }
    const GridGeometry& g = (*source)->geometry();
    const int strip_rows = static_cast<int>(std::clamp<std::int64_t>((std::int64_t{1} << 24) / g.width, 1, g.height));
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    std::int64_t valid = 0;
    for (int row = 0; row < g.height; row += strip_rows) {
      auto strip = (*source)->read(TileRect{0, row, g.width, std::min(strip_rows, g.height - row)});
      if (!strip.ok()) {
        exit_code = report(strip.status());
        return;
      }
      valid += strip->valid_cell_count();
      for (float v : strip->elevations_m())
        if (v == v) lo = std::min(lo, v), hi = std::max(hi, v);
    }
    const std::string elevation =
        valid > 0 ? fmt::format("elevation {:.1f}..{:.1f} m", lo, hi)
                  : std::string("no elevations (every cell is nodata: check the nodata value, or the band)");
    say(fmt::format("{}: {}x{} cells of {:.2f} m, {} valid ({:.1f} km2), {}\n", *in, g.width, g.height,
                    g.cell_size_m, valid, static_cast<double>(valid) * g.cell_area_km2(), elevation));
  });
}

}  // namespace skycover::cli
