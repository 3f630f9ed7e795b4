// Map renderer for products: a north-up raster map on a terrain grid with a hillshade background,
// a categorical overlay (e.g. coverage multiplicity), polylines (e.g. tracks), labelled points
// (e.g. sites), a legend, a scale bar and a north arrow; rendered with cairo to PNG or SVG.
//
// Coordinates of polylines and points are projected metres in the grid's CRS (Terrain, Site and
// track coordinates already are). The arrow points to grid north (the projection's +y), which in
// UTM differs from true north by the meridian convergence (< 2 degrees near the zone centre).
#pragma once
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/render/plot.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover::map {

using plot::ImageFormat;
using plot::LegendEntry;
using plot::Rgb;

// Shaded relief (0..255, 0 = nodata) of a terrain via GDALDEMProcessing "hillshade" (GDAL's
// implementation of Horn's 1981 slope with a light from azimuth 315, altitude 45 degrees).
Result<std::vector<std::uint8_t>> hillshade(const Terrain& terrain, double z_factor = 1.0);

struct OverlayClass {
  Rgb color;
  double alpha = 0.6;   // 0 = transparent (class not drawn)
};

struct MapPolyline {
  std::vector<std::array<double, 2>> xy_m;
  Rgb color{0.85, 0.1, 0.1};
  double width_px = 2.0;
  bool dashed = false;
  std::string label;     // drawn near the first vertex
};

struct MapPoint {
  double x_m = 0;
  double y_m = 0;
  std::string label;     // drawn beside the marker when non-empty
  Rgb color{0, 0, 0};
  double radius_px = 2.5;
};

struct MapSpec {
  std::string title;
  std::string subtitle;
  GridGeometry geometry;                  // the grid all rasters below lie on
  std::vector<std::uint8_t> background;   // grey 0..255 per cell (e.g. hillshade), 0 = nodata; may be empty
  std::vector<std::uint8_t> overlay;      // class index per cell; may be empty
  std::vector<OverlayClass> classes;      // colour for each class index used in `overlay`
  std::vector<LegendEntry> legend;        // shown at the right, in order
  std::vector<MapPolyline> polylines;
  std::vector<MapPoint> points;
  int max_map_px = 900;                   // long side of the map panel in pixels
  int legend_width_px = 230;
};

// Lays a MapSpec out on a page and renders it. pixel_of() exposes the layout (for callers placing
// annotations and for tests).
class MapRenderer {
 public:
  explicit MapRenderer(MapSpec spec);
  int width_px() const { return width_px_; }
  int height_px() const { return height_px_; }
  // Page pixel of a projected point (may lie outside the map panel).
  std::array<double, 2> pixel_of(double x_m, double y_m) const;
  // Length in metres of the scale bar that will be drawn (a 1-2-5 round number).
  double scale_bar_m() const;
  Result<std::string> render(ImageFormat format) const;
  Status write(const std::filesystem::path& path) const;  // format from the extension; atomic

 private:
  MapSpec spec_;
  double scale_px_per_m_ = 1;
  double map_left_px_ = 0, map_top_px_ = 0, map_w_px_ = 0, map_h_px_ = 0;
  int width_px_ = 0, height_px_ = 0;
};

}  // namespace skycover::map
