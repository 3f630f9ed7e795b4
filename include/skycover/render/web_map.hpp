// The interactive map of a report: Leaflet (Debian's libjs-leaflet, inlined at build time) over
// the hillshade, with a categorical overlay per altitude band, vector layers (area outline, sites,
// tracks, engagement windows, intercepts) with popups, a legend, a scale bar and the coordinates
// under the cursor. Everything is inlined in the page: it works offline and makes no request.
//
// The map is drawn in the grid's own projected metres (a Leaflet CRS with x = easting and
// y = northing; no Web Mercator, no tiles), so distances on the scale bar are the analysis CRS's
// metres, as every figure in the report. Longitude and latitude under the cursor come from a
// 9 x 9 lattice of the grid's corners transformed by PROJ and interpolated bilinearly (within a
// few metres over a report's extent).
//
// Overlays are images of class indices (one byte per pixel, the grid sampled down to at most
// `max_image_px` on its long side, lossless PNG); the page colours them with the palette of the
// chosen overlay kind, so the same image serves "sites able to engage" and "covered or not". Full
// resolution stays in the COGs beside the report.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/grid/geometry.hpp"
#include "skycover/render/plot.hpp"

namespace skycover::web {

struct PopupRow {
  std::string key;
  std::string value;
};

struct Point {
  double x_m = 0, y_m = 0;           // grid CRS metres
  std::string label;                 // tooltip (and the popup's title)
  plot::Rgb color{0, 0, 0};
  double radius_px = 4;
  std::vector<PopupRow> popup;       // empty: no popup
};

struct Line {
  std::vector<std::array<double, 2>> xy_m;
  std::string label;
  plot::Rgb color{0.85, 0.1, 0.1};
  double width_px = 2;
  bool dashed = false;
  std::vector<PopupRow> popup;
};

// A vector layer the reader can switch on and off.
struct Layer {
  std::string name;
  std::vector<Line> lines;
  std::vector<Point> points;
  bool shown = true;
  std::vector<plot::LegendEntry> legend;   // shown under the overlay legend while the layer is on
};

// How to colour class images: one entry per class index (alpha 0: not drawn), and the legend.
struct OverlayClass {
  plot::Rgb color;
  double alpha = 0.6;
};
struct OverlayKind {
  std::string name;                        // "sites able to engage", "covered"
  std::vector<OverlayClass> classes;       // by class index
  std::vector<plot::LegendEntry> legend;
  std::vector<std::string> class_labels;   // by class index: what the cursor readout says
};

struct Band {
  std::string label;                       // "150 m AGL"
  std::string summary;                     // "41.2 % of 19,638 km2 covered"
  std::vector<std::uint8_t> classes;       // class index per grid cell (row-major)
};

// What the reader chooses between: a deployment hypothesis (its bands and its sites).
struct View {
  std::string name;
  std::vector<Band> bands;
  std::vector<Layer> layers;
};

struct MapSpec {
  GridGeometry geometry;
  std::vector<std::uint8_t> hillshade;     // grey per cell, 0 = nodata; may be empty
  std::vector<OverlayKind> kinds;          // the first is shown first
  std::vector<View> views;                 // at least one
  std::vector<Layer> layers;               // shown over every view (area outline, tracks, ...)
  int max_image_px = 1024;
};

// The map's HTML: a <figure> holding the map's container and its data as JSON. Needs
// assets_html() once in the page's <head>. `id` must be unique in the page.
Result<std::string> map_html(const MapSpec& spec, const std::string& id);

// <style> and <script> elements of Leaflet and the viewer, for the page's <head>.
std::string assets_html();

// "#rrggbb".
std::string hex_color(const plot::Rgb& c);

}  // namespace skycover::web
