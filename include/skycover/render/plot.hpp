// Small chart API for products: line charts (several series, optional log x), grouped bar charts
// and timeline (Gantt-style) charts of intervals per row, rendered with cairo to PNG or SVG.
//
// Everything renders to bytes first (render_*), so the same image can be written atomically to a
// file (write_chart) or inlined into an HTML report (base64 PNG or inline SVG). Rendering is
// deterministic: same chart => same bytes.
#pragma once
#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "skycover/core/status.hpp"

namespace skycover::plot {

// Colour with components in [0, 1].
struct Rgb {
  double r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

// Okabe-Ito colour-blind-safe categorical palette (Okabe & Ito 2008), cycled.
Rgb palette_color(int index);
// Rgb from 0xRRGGBB.
constexpr Rgb rgb_hex(unsigned hex) {
  return {((hex >> 16) & 0xff) / 255.0, ((hex >> 8) & 0xff) / 255.0, (hex & 0xff) / 255.0};
}

enum class ImageFormat { kPng, kSvg };
// From a file extension (.png / .svg, case-insensitive); error names the path and the fix.
Result<ImageFormat> image_format_for(const std::filesystem::path& path);

struct LegendEntry {
  std::string label;
  Rgb color;
};

struct LineSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;           // same length as x; NaN values break the line
  std::optional<Rgb> color;        // default: palette_color(series index)
  bool markers = true;
  bool dashed = false;
  // An interval around the line (e.g. a 95 % confidence interval): a translucent fill of the
  // series' colour between band_lo and band_hi at each x. Empty: none; else the length of x.
  std::vector<double> band_lo = {}, band_hi = {};
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  bool log_x = false;                                  // decades; x values must be > 0
  std::optional<std::pair<double, double>> x_range;    // default: data extent
  std::optional<std::pair<double, double>> y_range;    // default: data extent padded, 0 included
  bool y_percent = false;                              // y in [0,1] labelled as percent
  int width_px = 900;
  int height_px = 540;
};

// Grouped bars: one group per category, one bar per series within it.
struct BarSeries {
  std::string name;
  std::vector<double> values;      // one per category
  std::optional<Rgb> color;
};

struct BarChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  std::optional<std::pair<double, double>> y_range;    // default: [0, max padded]
  bool y_percent = false;
  int width_px = 900;
  int height_px = 540;
};

// Timeline: one row per subject (e.g. a site), intervals on a shared x axis (e.g. time along a
// track in seconds), as in "site engagement windows over time along a track".
struct TimelineInterval {
  double start = 0;
  double end = 0;
  std::optional<Rgb> color;        // default: the row's colour
  std::string label;               // drawn inside the bar when it fits
};

struct TimelineRow {
  std::string label;
  std::vector<TimelineInterval> intervals;
  std::optional<Rgb> color;        // default: palette_color(row index)
};

struct TimelineMarker {            // a vertical reference line, e.g. "target over the coast"
  double x = 0;
  std::string label;
  Rgb color{0.3, 0.3, 0.3};
};

struct TimelineChart {
  std::string title;
  std::string x_label;
  std::vector<TimelineRow> rows;
  std::vector<TimelineMarker> markers;
  std::vector<LegendEntry> legend;                     // optional explicit legend
  std::optional<std::pair<double, double>> x_range;    // default: extent of all intervals
  int width_px = 900;
  int row_height_px = 22;          // the image grows with the number of rows
  int max_rows = 60;               // rows beyond this are summarised in a note, not drawn
};

// Render to PNG bytes or an SVG document. Errors (Invalid) name the offending series/row.
Result<std::string> render(const LineChart& chart, ImageFormat format);
Result<std::string> render(const BarChart& chart, ImageFormat format);
Result<std::string> render(const TimelineChart& chart, ImageFormat format);

// Render and write atomically; the format follows the extension (.png or .svg).
Status write_chart(const LineChart& chart, const std::filesystem::path& path);
Status write_chart(const BarChart& chart, const std::filesystem::path& path);
Status write_chart(const TimelineChart& chart, const std::filesystem::path& path);

// Axis ticks at 1-2-5 steps covering [lo, hi] with about `target` ticks (Heckbert 1990,
// "Nice numbers for graph labels").
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// Tick format that shows the step's significant digits ("0.25", "1500", "1e+04").
std::string format_tick(double value, double step);

}  // namespace skycover::plot
