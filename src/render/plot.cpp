// Charts drawn with cairo. Layout: title on top, plot frame with grid and tick labels, legend to
// the right of the frame (never over the data).
#include "skycover/render/plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cairo_canvas.hpp"

namespace skycover::plot {
using namespace detail;

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  // Heckbert: step = nice(range / (target - 1)), nice() rounding to 1, 2, 5 x 10^k.
  const double raw = (hi - lo) / std::max(1, target - 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  if (value != 0 && (std::abs(value) >= 1e6 || std::abs(value) < 1e-3)) return fmt::format("{:g}", value);
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", value, std::clamp(decimals, 0, 6));
}

namespace {

struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  double step = 1;  // for labels (linear)
  double frac(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

Axis linear_axis(double lo, double hi) {
  if (!(hi > lo)) {  // degenerate: widen around the value
    const double pad = lo == 0 ? 1 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.ticks = nice_ticks(lo, hi);
  a.step = a.ticks.size() > 1 ? a.ticks[1] - a.ticks[0] : 1;
  a.lo = std::min(lo, std::floor(lo / a.step + 1e-9) * a.step);
  a.hi = std::max(hi, std::ceil(hi / a.step - 1e-9) * a.step);
  a.ticks = nice_ticks(a.lo, a.hi);
  return a;
}

Axis log_axis(double lo, double hi) {
  // A log axis needs 0 < lo <= hi, finite: with no such data (e.g. a sweep whose only count is 0)
  // show one decade rather than loop on d *= 10 from 0 forever.
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi)) lo = 1, hi = 10;
  Axis a;
  a.log = true;
  a.lo = std::pow(10.0, std::floor(std::log10(lo) + 1e-9));
  a.hi = std::pow(10.0, std::ceil(std::log10(hi) - 1e-9));
  if (a.hi <= a.lo) a.hi = a.lo * 10;
  const int decades = static_cast<int>(std::lround(std::log10(a.hi / a.lo)));
  for (double d = a.lo; d <= a.hi * 1.0001; d *= 10) {
    a.ticks.push_back(d);
    if (decades <= 3 && d * 2 < a.hi) a.ticks.push_back(d * 2);
    if (decades <= 3 && d * 5 < a.hi) a.ticks.push_back(d * 5);
  }
  std::sort(a.ticks.begin(), a.ticks.end());
  return a;
}

std::string tick_label(const Axis& a, double v, bool percent) {
  if (percent) return format_tick(v * 100, a.step * 100) + "%";
  if (a.log) return fmt::format("{:g}", v);
  return format_tick(v, a.step);
}

struct Frame {
  double left, top, right, bottom;
  double x(const Axis& a, double v) const { return left + a.frac(v) * (right - left); }
  double y(const Axis& a, double v) const { return bottom - a.frac(v) * (bottom - top); }
};

constexpr double kFont = 13;

void draw_title(cairo_t* cr, const std::string& title, double width) {
  cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
  draw_text(cr, title, width / 2, 12, 16, HAlign::kCenter, VAlign::kTop, true);
}

void draw_y_axis(cairo_t* cr, const Frame& f, const Axis& a, bool percent, const std::string& label) {
  cairo_set_line_width(cr, 1);
  for (double t : a.ticks) {
    const double y = std::round(f.y(a, t)) + 0.5;
    cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
    cairo_move_to(cr, f.left, y);
    cairo_line_to(cr, f.right, y);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    draw_text(cr, tick_label(a, t, percent), f.left - 6, y, kFont - 1, HAlign::kRight, VAlign::kMiddle);
  }
  draw_text_vertical(cr, label, 16, (f.top + f.bottom) / 2, kFont);
}

void draw_x_axis(cairo_t* cr, const Frame& f, const Axis& a, const std::string& label, bool grid) {
  cairo_set_line_width(cr, 1);
  for (double t : a.ticks) {
    const double x = std::round(f.x(a, t)) + 0.5;
    if (grid) {
      cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
      cairo_move_to(cr, x, f.top);
      cairo_line_to(cr, x, f.bottom);
      cairo_stroke(cr);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_move_to(cr, x, f.bottom);
    cairo_line_to(cr, x, f.bottom + 4);
    cairo_stroke(cr);
    draw_text(cr, tick_label(a, t, false), x, f.bottom + 7, kFont - 1, HAlign::kCenter, VAlign::kTop);
  }
  draw_text(cr, label, (f.left + f.right) / 2, f.bottom + 30, kFont, HAlign::kCenter, VAlign::kTop);
}

void draw_frame_box(cairo_t* cr, const Frame& f) {
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, std::round(f.left) + 0.5, std::round(f.top) + 0.5, std::round(f.right - f.left),
                  std::round(f.bottom - f.top));
  cairo_stroke(cr);
}

// Frame for a chart of width x height with a legend column of `legend_w` pixels at the right.
Frame chart_frame(int width, int height, double legend_w) {
  return Frame{70, 44, width - 20 - (legend_w > 0 ? legend_w + 10 : 0), height - 55.0};
}

// Measure text without a page (legend widths decide the layout before drawing).
double measure_legend(const std::vector<LegendEntry>& entries) {
  if (entries.empty()) return 0;
  SurfacePtr s(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1));
  ContextPtr cr(cairo_create(s.get()));
  return legend_width(cr.get(), entries, kFont - 1);
}

Status check_line_chart(const LineChart& c) {
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    if (s.x.size() != s.y.size()) {
      return Status::Invalid(fmt::format("chart '{}': series {} ('{}') has {} x values but {} y values", c.title, i,
                                         s.name, s.x.size(), s.y.size()));
    }
    if (s.band_lo.size() != s.band_hi.size() || (!s.band_lo.empty() && s.band_lo.size() != s.x.size())) {
      return Status::Invalid(fmt::format("chart '{}': series '{}' has an interval of {} and {} values for {} x values",
                                         c.title, s.name, s.band_lo.size(), s.band_hi.size(), s.x.size()));
    }
    if (c.log_x) {
      for (double x : s.x)
        if (!(x > 0)) {
          return Status::Invalid(fmt::format("chart '{}': series '{}' has x = {} on a log axis (x must be > 0)",
                                             c.title, s.name, x));
        }
    }
  }
  return Status::Ok();
}

std::pair<double, double> data_extent(const std::vector<LineSeries>& series, bool use_x) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& s : series)
    for (const auto* values : {use_x ? &s.x : &s.y, use_x ? &s.x : &s.band_lo, use_x ? &s.x : &s.band_hi})
      for (double v : *values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) return {0, 1};
  return {lo, hi};
}

// The series' interval as filled polygons, one per run of points whose x, lo and hi are finite:
// along the upper edge, back along the lower one.
void draw_band(cairo_t* cr, const Frame& f, const Axis& ax, const Axis& ay, const LineSeries& s, const Rgb& color) {
  const auto finite = [&](std::size_t i) {
    return std::isfinite(s.x[i]) && std::isfinite(s.band_lo[i]) && std::isfinite(s.band_hi[i]);
  };
  set_color(cr, color, 0.2);
  for (std::size_t i = 0; i < s.band_lo.size();) {
    if (!finite(i)) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < s.band_lo.size() && finite(end)) ++end;
    for (std::size_t k = i; k < end; ++k) cairo_line_to(cr, f.x(ax, s.x[k]), f.y(ay, s.band_hi[k]));
    for (std::size_t k = end; k-- > i;) cairo_line_to(cr, f.x(ax, s.x[k]), f.y(ay, s.band_lo[k]));
    cairo_close_path(cr);
    cairo_fill(cr);
    i = end;
  }
}

void draw_series(cairo_t* cr, const Frame& f, const Axis& ax, const Axis& ay, const LineSeries& s, const Rgb& color) {
  set_color(cr, color);
  cairo_set_line_width(cr, 2.2);
  if (s.dashed) {
    const double dash[] = {7, 4};
    cairo_set_dash(cr, dash, 2, 0);
  }
  bool pen_down = false;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.y[i])) {
      pen_down = false;
      continue;
    }
    const double px = f.x(ax, s.x[i]), py = f.y(ay, s.y[i]);
    if (pen_down) cairo_line_to(cr, px, py);
    else cairo_move_to(cr, px, py);
    pen_down = true;
  }
  cairo_stroke(cr);
  cairo_set_dash(cr, nullptr, 0, 0);
  if (!s.markers) return;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.y[i])) continue;
    cairo_arc(cr, f.x(ax, s.x[i]), f.y(ay, s.y[i]), 3.5, 0, 2 * M_PI);
    cairo_fill(cr);
  }
}

std::vector<LegendEntry> line_legend(const LineChart& c) {
  std::vector<LegendEntry> out;
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    if (c.series[i].name.empty()) continue;
    out.push_back({c.series[i].name, c.series[i].color.value_or(palette_color(static_cast<int>(i)))});
  }
  return out;
}

}  // namespace

Result<std::string> render(const LineChart& c, ImageFormat format) {
  SKYCOVER_RETURN_IF_ERROR(check_line_chart(c));
  const auto legend = line_legend(c);
  const Frame f = chart_frame(c.width_px, c.height_px, measure_legend(legend));
  auto [xlo, xhi] = c.x_range.value_or(data_extent(c.series, true));
  // Plain variables, not a structured binding: lambdas below use them (clang 14, the fuzz build,
  // cannot capture bindings).
  const auto y_extent = c.y_range.value_or(data_extent(c.series, false));
  double ylo = y_extent.first;
  const double yhi = y_extent.second;
  if (!c.y_range) ylo = std::min(ylo, 0.0);
  const Axis ax = c.log_x ? log_axis(xlo, xhi) : linear_axis(xlo, xhi);
  const Axis ay = c.y_range ? [&] { Axis a = linear_axis(ylo, yhi); a.lo = ylo; a.hi = yhi; return a; }()
                            : linear_axis(ylo, yhi);
  return render_page(format, c.width_px, c.height_px, [&](cairo_t* cr) {
    draw_title(cr, c.title, c.width_px);
    draw_y_axis(cr, f, ay, c.y_percent, c.y_label);
    draw_x_axis(cr, f, ax, c.x_label, true);
    cairo_save(cr);
    cairo_rectangle(cr, f.left, f.top, f.right - f.left, f.bottom - f.top);
    cairo_clip(cr);
    // Intervals first, so that every line stays visible over every fill.
    for (std::size_t i = 0; i < c.series.size(); ++i)
      draw_band(cr, f, ax, ay, c.series[i], c.series[i].color.value_or(palette_color(static_cast<int>(i))));
    for (std::size_t i = 0; i < c.series.size(); ++i) {
      draw_series(cr, f, ax, ay, c.series[i], c.series[i].color.value_or(palette_color(static_cast<int>(i))));
    }
    cairo_restore(cr);
    draw_frame_box(cr, f);
    draw_legend(cr, legend, f.right + 10, f.top, kFont - 1, false);
  });
}

Result<std::string> render(const BarChart& c, ImageFormat format) {
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    if (c.series[i].values.size() != c.categories.size()) {
      return Status::Invalid(fmt::format("chart '{}': bar series {} ('{}') has {} values for {} categories", c.title,
                                         i, c.series[i].name, c.series[i].values.size(), c.categories.size()));
    }
  }
  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < c.series.size(); ++i)
    if (!c.series[i].name.empty())
      legend.push_back({c.series[i].name, c.series[i].color.value_or(palette_color(static_cast<int>(i)))});
  const Frame f = chart_frame(c.width_px, c.height_px, c.series.size() > 1 ? measure_legend(legend) : 0);
  double vmax = 0;
  for (const auto& s : c.series)
    for (double v : s.values)
      if (std::isfinite(v)) vmax = std::max(vmax, v);
  Axis ay = linear_axis(0, vmax > 0 ? vmax * 1.05 : 1);
  if (c.y_range) ay.lo = c.y_range->first, ay.hi = c.y_range->second;
  return render_page(format, c.width_px, c.height_px, [&](cairo_t* cr) {
    draw_title(cr, c.title, c.width_px);
    draw_y_axis(cr, f, ay, c.y_percent, c.y_label);
    const double n_cat = std::max<double>(1, static_cast<double>(c.categories.size()));
    const double group_w = (f.right - f.left) / n_cat;
    const double bar_w = group_w * 0.8 / std::max<double>(1, static_cast<double>(c.series.size()));
    const bool show_every = group_w > 28;
    for (std::size_t k = 0; k < c.categories.size(); ++k) {
      const double gx = f.left + group_w * static_cast<double>(k) + group_w * 0.1;
      for (std::size_t i = 0; i < c.series.size(); ++i) {
        const double v = c.series[i].values[k];
        if (!std::isfinite(v)) continue;
        const double top = f.y(ay, std::min(v, ay.hi));
        set_color(cr, c.series[i].color.value_or(palette_color(static_cast<int>(i))));
        cairo_rectangle(cr, gx + bar_w * static_cast<double>(i), top, bar_w, f.bottom - top);
        cairo_fill(cr);
      }
      if (show_every || k % static_cast<std::size_t>(std::ceil(28 / group_w)) == 0) {
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        draw_text(cr, c.categories[k], f.left + group_w * (static_cast<double>(k) + 0.5), f.bottom + 7, kFont - 1,
                  HAlign::kCenter, VAlign::kTop);
      }
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    draw_text(cr, c.x_label, (f.left + f.right) / 2, f.bottom + 30, kFont, HAlign::kCenter, VAlign::kTop);
    draw_frame_box(cr, f);
    if (c.series.size() > 1) draw_legend(cr, legend, f.right + 10, f.top, kFont - 1, false);
  });
}

namespace {

std::pair<double, double> timeline_extent(const TimelineChart& c) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto& r : c.rows)
    for (const auto& iv : r.intervals) lo = std::min(lo, iv.start), hi = std::max(hi, iv.end);
  for (const auto& m : c.markers) lo = std::min(lo, m.x), hi = std::max(hi, m.x);
  if (!std::isfinite(lo)) return {0, 1};
  return {lo, hi};
}

double row_label_width(const TimelineChart& c, std::size_t rows) {
  SurfacePtr s(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1));
  ContextPtr cr(cairo_create(s.get()));
  double w = 0;
  for (std::size_t i = 0; i < rows; ++i) w = std::max(w, text_width(cr.get(), c.rows[i].label, kFont - 1));
  return std::min(w, 220.0);
}

void draw_timeline_rows(cairo_t* cr, const TimelineChart& c, const Frame& f, const Axis& ax, std::size_t rows) {
  const double rh = c.row_height_px;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto& row = c.rows[r];
    const double y0 = f.top + rh * static_cast<double>(r);
    if (r % 2 == 1) {
      cairo_set_source_rgb(cr, 0.96, 0.96, 0.96);
      cairo_rectangle(cr, f.left, y0, f.right - f.left, rh);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    draw_text(cr, row.label, f.left - 6, y0 + rh / 2, kFont - 1, HAlign::kRight, VAlign::kMiddle);
    const Rgb row_color = row.color.value_or(palette_color(static_cast<int>(r)));
    for (const auto& iv : row.intervals) {
      const double x0 = std::clamp(f.x(ax, iv.start), f.left, f.right);
      const double x1 = std::clamp(f.x(ax, iv.end), f.left, f.right);
      set_color(cr, iv.color.value_or(row_color));
      cairo_rectangle(cr, x0, y0 + rh * 0.18, std::max(1.0, x1 - x0), rh * 0.64);
      cairo_fill(cr);
      if (!iv.label.empty() && text_width(cr, iv.label, kFont - 3) + 6 < x1 - x0) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        draw_text(cr, iv.label, (x0 + x1) / 2, y0 + rh / 2, kFont - 3, HAlign::kCenter, VAlign::kMiddle);
      }
    }
  }
}

}  // namespace

Result<std::string> render(const TimelineChart& c, ImageFormat format) {
  for (std::size_t r = 0; r < c.rows.size(); ++r)
    for (const auto& iv : c.rows[r].intervals)
      if (!(iv.end >= iv.start)) {
        return Status::Invalid(fmt::format("timeline '{}': row {} ('{}') has an interval [{}, {}] that ends before "
                                           "it starts", c.title, r, c.rows[r].label, iv.start, iv.end));
      }
  const std::size_t rows = std::min<std::size_t>(c.rows.size(), static_cast<std::size_t>(std::max(0, c.max_rows)));
  const bool truncated = rows < c.rows.size();
  const double legend_w = measure_legend(c.legend);
  const double plot_h = c.row_height_px * static_cast<double>(std::max<std::size_t>(rows, 1));
  const int height = static_cast<int>(44 + plot_h + 60 + (truncated ? 18 : 0));
  Frame f{row_label_width(c, rows) + 16, 44, c.width_px - 20 - (legend_w > 0 ? legend_w + 10 : 0), 44 + plot_h};
  auto [xlo, xhi] = c.x_range.value_or(timeline_extent(c));
  Axis ax = linear_axis(xlo, xhi);
  if (c.x_range) ax.lo = xlo, ax.hi = xhi, ax.ticks = nice_ticks(xlo, xhi);
  return render_page(format, c.width_px, height, [&](cairo_t* cr) {
    draw_title(cr, c.title, c.width_px);
    draw_x_axis(cr, f, ax, c.x_label, true);
    draw_timeline_rows(cr, c, f, ax, rows);
    for (const auto& m : c.markers) {
      const double x = f.x(ax, m.x);
      set_color(cr, m.color);
      cairo_set_line_width(cr, 1.5);
      const double dash[] = {4, 3};
      cairo_set_dash(cr, dash, 2, 0);
      cairo_move_to(cr, x, f.top - 4);
      cairo_line_to(cr, x, f.bottom);
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
      draw_text(cr, m.label, x + 3, f.top - 6, kFont - 3, HAlign::kLeft, VAlign::kBottom);
    }
    draw_frame_box(cr, f);
    draw_legend(cr, c.legend, f.right + 10, f.top, kFont - 1, false);
    if (truncated) {
      cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
      draw_text(cr, fmt::format("... {} more rows not shown", c.rows.size() - rows), f.left, height - 8.0, kFont - 2);
    }
  });
}

namespace {
template <typename Chart>
Status write_any(const Chart& chart, const std::filesystem::path& path) {
  SKYCOVER_ASSIGN_OR_RETURN(const ImageFormat format, image_format_for(path));
  return write_bytes(render(chart, format), path);
}
}  // namespace

Status write_chart(const LineChart& chart, const std::filesystem::path& path) { return write_any(chart, path); }
Status write_chart(const BarChart& chart, const std::filesystem::path& path) { return write_any(chart, path); }
Status write_chart(const TimelineChart& chart, const std::filesystem::path& path) { return write_any(chart, path); }

}  // namespace skycover::plot
