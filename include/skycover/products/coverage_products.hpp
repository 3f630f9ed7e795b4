// Everything a GIS user or a reader opens after a coverage run, written into one directory:
//   lowest_engageable_agl_m.tif          COG, float32: lowest height above ground any site engages (NaN: none)
//   multiplicity_<band>.tif              COG, uint16: sites able to engage per cell (65535 outside the area)
//   coverage_<band>.geojson / .kml       polygons of covered cells, WGS 84
//   map_<band>.png                       hillshade + multiplicity colours + sites, legend, scale bar, north arrow
//   coverage_vs_altitude.png / .svg      covered fraction per band: result, clear line of sight, flat ground
//   multiplicity.png / .svg              share of the area engaged by 0, 1, 2, ... sites per band
// The bytes of the maps and charts are returned too, so reports can inline them.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/coverage/draws.hpp"
#include "skycover/render/html_report.hpp"
#include "skycover/products/manifest.hpp"
#include "skycover/render/map.hpp"
#include "skycover/render/web_map.hpp"

namespace skycover {

struct CoverageProductInputs {
  const Terrain& terrain;
  const AreaMask& area;
  const std::vector<Site>& sites;
  const CoverageResult& result;            // must carry `engagement` (CoverageOptions::keep_union)
  std::string title;                       // e.g. "uniform: 107 Igla-S sites"
  const std::vector<std::uint8_t>* hillshade = nullptr;  // precomputed; computed when null
  std::vector<map::MapPoint> landmarks;    // labelled points drawn on every map (e.g. towns)
  const std::vector<SystemSpec>* systems = nullptr;      // for the sites' popups on the interactive map
  // false: the lowest-height and multiplicity rasters are written elsewhere (a tiled run writes
  // them tile by tile at full resolution; the inputs above are then its preview).
  bool write_rasters = true;
  // A tiled run's full grid: the GeoPackage polygons are then made from the full-resolution
  // multiplicity rasters already in the output folder (write_raster_polygons: exact cell edges at
  // any size), while the GeoJSON and KML come from the preview (generalised: they stay small).
  const GridGeometry* full_grid = nullptr;
};

struct RenderedImage {
  std::string caption;
  std::string bytes;  // PNG bytes or SVG document
};

struct CoverageProductFiles {
  std::vector<std::filesystem::path> files;   // relative to the output directory
  std::vector<RenderedImage> maps_webp;       // one per band: the static map, lossy WebP for the report
  web::MapSpec map;                           // the interactive map: base, area outline, this run's view
  RenderedImage altitude_chart_svg;
  RenderedImage multiplicity_chart_svg;
};

Result<CoverageProductFiles> write_coverage_products(const CoverageProductInputs& inputs,
                                                     const std::filesystem::path& dir);

// Colour classes and legend of the multiplicity maps (shared with other map products).
std::uint8_t multiplicity_class(std::uint16_t sites_in_reach, bool inside_area);
std::vector<map::OverlayClass> multiplicity_classes();
std::vector<map::LegendEntry> multiplicity_legend();

// Report pieces shared by `coverage`, `sweep` and `demo`.
// files_dir: where the products lie relative to the report ("" = beside it), listed for GIS users.
// with_map: the section's own interactive map (the demo shows one map for all its runs instead).
Status add_coverage_section(HtmlReport& report, const CoverageResult& result, const CoverageProductFiles& products,
                            const std::string& heading, const std::string& files_dir = {}, bool with_map = true);
void add_claim_check_explanation(HtmlReport& report);
// The placement draws' statistics per band (nothing when there are none).
void add_draws_section(HtmlReport& report, const std::vector<PlacementDraw>& draws);
void add_provenance_section(HtmlReport& report, const RunInfo& run, const std::string& scenario_text);
std::vector<std::vector<std::string>> coverage_table_rows(const CoverageResult& result);

}  // namespace skycover
