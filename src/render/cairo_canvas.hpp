// Private helpers shared by the chart and map renderers: RAII for cairo objects, rendering a
// drawing function to PNG bytes or an SVG document, and small text helpers (cairo's toy text API).
#pragma once
#include <cairo-svg.h>
#include <cairo.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "skycover/core/status.hpp"
#include "skycover/render/plot.hpp"

namespace skycover::plot::detail {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct ContextDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
using SurfacePtr = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using ContextPtr = std::unique_ptr<cairo_t, ContextDeleter>;

// Runs `draw` on a white page of width x height pixels and returns the encoded bytes.
Result<std::string> render_page(ImageFormat format, int width, int height, const std::function<void(cairo_t*)>& draw);

inline void set_color(cairo_t* cr, const Rgb& c, double alpha = 1.0) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

enum class HAlign { kLeft, kCenter, kRight };
enum class VAlign { kTop, kMiddle, kBaseline, kBottom };

// Draw `text` anchored at (x, y); returns its advance width.
double draw_text(cairo_t* cr, std::string_view text, double x, double y, double size_px, HAlign h = HAlign::kLeft,
                 VAlign v = VAlign::kBaseline, bool bold = false);
double text_width(cairo_t* cr, std::string_view text, double size_px, bool bold = false);
// Text rotated 90 degrees counter-clockwise, centred on (x, y) (for y-axis labels).
void draw_text_vertical(cairo_t* cr, std::string_view text, double x, double y, double size_px);

// A legend box of coloured squares + labels whose top-left is (x, y); returns its height.
double draw_legend(cairo_t* cr, const std::vector<LegendEntry>& entries, double x, double y, double size_px,
                   bool framed);
double legend_width(cairo_t* cr, const std::vector<LegendEntry>& entries, double size_px);

Status write_bytes(const Result<std::string>& bytes, const std::filesystem::path& path);

}  // namespace skycover::plot::detail
