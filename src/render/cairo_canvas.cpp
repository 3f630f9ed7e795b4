#include "cairo_canvas.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "skycover/core/atomic_file.hpp"

#if defined(__SANITIZE_ADDRESS__)
// fontconfig (loaded by cairo's text API) keeps process-lifetime caches that it never frees; they are
// not leaks of ours. LeakSanitizer reads this hook in every binary that draws text (tests, CLI).
extern "C" const char* __lsan_default_suppressions() { return "leak:libfontconfig.so\n"; }
#endif

namespace skycover::plot {

Rgb palette_color(int index) {
  // Okabe-Ito (2008) without black and yellow (yellow is unreadable on white lines).
  static constexpr std::array<unsigned, 7> kColors = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                                      0xE69F00, 0x56B4E9, 0x000000};
  const auto n = static_cast<int>(kColors.size());
  return rgb_hex(kColors[static_cast<std::size_t>(((index % n) + n) % n)]);
}

Result<ImageFormat> image_format_for(const std::filesystem::path& path) {
  const std::string ext = lower_extension(path);
  if (ext == ".png") return ImageFormat::kPng;
  if (ext == ".svg") return ImageFormat::kSvg;
  return Status::Invalid(fmt::format("{}: cannot tell the image format from the extension '{}' (use .png or .svg)",
                                     path.string(), ext));
}

namespace detail {

namespace {
cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void select_font(cairo_t* cr, double size_px, bool bold) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size_px);
}
}  // namespace

Result<std::string> render_page(ImageFormat format, int width, int height, const std::function<void(cairo_t*)>& draw) {
  if (width <= 0 || height <= 0 || width > 20000 || height > 20000) {
    return Status::Invalid(fmt::format("image size {}x{} px is outside 1..20000", width, height));
  }
  std::string bytes;
  SurfacePtr surface(format == ImageFormat::kPng
                         ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height)
                         : cairo_svg_surface_create_for_stream(append_to_string, &bytes, width, height));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return Status::Internal(fmt::format("cairo surface: {}", cairo_status_to_string(cairo_surface_status(surface.get()))));
  }
  {
    ContextPtr cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 1, 1, 1);
    cairo_paint(cr.get());
    draw(cr.get());
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS) {
      return Status::Internal(fmt::format("cairo drawing: {}", cairo_status_to_string(cairo_status(cr.get()))));
    }
  }
  if (format == ImageFormat::kPng) {
    if (cairo_surface_write_to_png_stream(surface.get(), append_to_string, &bytes) != CAIRO_STATUS_SUCCESS) {
      return Status::Internal("cairo could not encode the PNG");
    }
  } else {
    cairo_surface_finish(surface.get());  // flushes the SVG document into `bytes`
  }
  return bytes;
}

double text_width(cairo_t* cr, std::string_view text, double size_px, bool bold) {
  select_font(cr, size_px, bold);
  cairo_text_extents_t ext;
  const std::string s(text);
  cairo_text_extents(cr, s.c_str(), &ext);
  return ext.x_advance;
}

double draw_text(cairo_t* cr, std::string_view text, double x, double y, double size_px, HAlign h, VAlign v,
                 bool bold) {
  select_font(cr, size_px, bold);
  const std::string s(text);
  cairo_text_extents_t ext;
  cairo_text_extents(cr, s.c_str(), &ext);
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  double dx = 0, dy = 0;
  if (h == HAlign::kCenter) dx = -ext.x_advance / 2;
  if (h == HAlign::kRight) dx = -ext.x_advance;
  if (v == VAlign::kTop) dy = fe.ascent;
  if (v == VAlign::kMiddle) dy = (fe.ascent - fe.descent) / 2;
  if (v == VAlign::kBottom) dy = -fe.descent;
  cairo_move_to(cr, x + dx, y + dy);
  cairo_show_text(cr, s.c_str());
  cairo_new_path(cr);
  return ext.x_advance;
}

void draw_text_vertical(cairo_t* cr, std::string_view text, double x, double y, double size_px) {
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, -M_PI / 2);
  draw_text(cr, text, 0, 0, size_px, HAlign::kCenter, VAlign::kMiddle);
  cairo_restore(cr);
}

double legend_width(cairo_t* cr, const std::vector<LegendEntry>& entries, double size_px) {
  double w = 0;
  for (const auto& e : entries) w = std::max(w, text_width(cr, e.label, size_px));
  return w + 2.2 * size_px + 12;
}

double draw_legend(cairo_t* cr, const std::vector<LegendEntry>& entries, double x, double y, double size_px,
                   bool framed) {
  if (entries.empty()) return 0;
  const double line = size_px * 1.5;
  const double h = line * static_cast<double>(entries.size()) + 8;
  if (framed) {
    cairo_rectangle(cr, x, y, legend_width(cr, entries, size_px), h);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
  }
  double cy = y + 4;
  for (const auto& e : entries) {
    cairo_rectangle(cr, x + 6, cy + (line - size_px) / 2, size_px, size_px);
    set_color(cr, e.color);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);  // outline: white swatches stay visible
    cairo_set_line_width(cr, 0.6);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    draw_text(cr, e.label, x + 6 + size_px * 1.6, cy + line / 2, size_px, HAlign::kLeft, VAlign::kMiddle);
    cy += line;
  }
  return h;
}

Status write_bytes(const Result<std::string>& bytes, const std::filesystem::path& path) {
  if (!bytes.ok()) return Status(bytes.status().code(), fmt::format("{}: {}", path.string(), bytes.status().message()));
  return write_file_atomic(path, bytes.value());
}

}  // namespace detail
}  // namespace skycover::plot
