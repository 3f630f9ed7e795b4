// Map rendering with cairo on top of a hillshade from GDAL.
#include "skycover/render/map.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "cairo_canvas.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover::map {
using namespace plot::detail;

namespace {
// An in-memory GDAL copy of the terrain (NaN nodata) for GDAL's algorithms.
std::unique_ptr<GDALDataset> mem_dataset(const Terrain& t) {
  GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
  std::unique_ptr<GDALDataset> ds(mem->Create("", t.width(), t.height(), 1, GDT_Float32, nullptr));
  auto gt = t.geometry().geotransform();
  ds->SetGeoTransform(gt.data());
  GDALRasterBand* band = ds->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  if (band->RasterIO(GF_Write, 0, 0, t.width(), t.height(), const_cast<float*>(t.elevations_m().data()), t.width(),
                     t.height(), GDT_Float32, 0, 0) != CE_None) {
    return nullptr;
  }
  return ds;
}
}  // namespace

Result<std::vector<std::uint8_t>> hillshade(const Terrain& terrain, double z_factor) {
  ensure_gdal();
  auto src = mem_dataset(terrain);
  if (!src) return Status::Internal(fmt::format("hillshade: in-memory DEM copy failed: {}", last_gdal_error()));
  CPLStringList args;
  for (const char* a : {"-of", "MEM", "-compute_edges", "-z"}) args.AddString(a);
  args.AddString(fmt::format("{}", z_factor).c_str());
  std::unique_ptr<GDALDEMProcessingOptions, decltype(&GDALDEMProcessingOptionsFree)> opts(
      GDALDEMProcessingOptionsNew(args.List(), nullptr), &GDALDEMProcessingOptionsFree);
  if (!opts) return Status::Internal(fmt::format("hillshade options rejected: {}", last_gdal_error()));
  int usage_error = 0;
  DatasetPtr out(GDALDataset::FromHandle(GDALDEMProcessing("", src.get(), "hillshade", nullptr, opts.get(), &usage_error)));
  if (!out) return Status::Internal(fmt::format("GDALDEMProcessing hillshade failed: {}", last_gdal_error()));
  std::vector<std::uint8_t> grey(static_cast<std::size_t>(terrain.geometry().cell_count()));
  GDALRasterBandH band = GDALGetRasterBand(out.get(), 1);
  if (GDALRasterIO(band, GF_Read, 0, 0, terrain.width(), terrain.height(), grey.data(), terrain.width(),
                   terrain.height(), GDT_Byte, 0, 0) != CE_None) {
    return Status::Internal(fmt::format("reading the hillshade failed: {}", last_gdal_error()));
  }
  return grey;
}

namespace {
constexpr double kMargin = 14;
constexpr double kHeader = 56;
constexpr double kFont = 12;

// Compose background + overlay into an opaque ARGB32 image at one pixel per cell.
SurfacePtr compose_raster(const MapSpec& s) {
  const int w = s.geometry.width, h = s.geometry.height;
  SurfacePtr img(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h));
  cairo_surface_flush(img.get());
  unsigned char* data = cairo_image_surface_get_data(img.get());
  const int stride = cairo_image_surface_get_stride(img.get());
  const bool has_bg = !s.background.empty(), has_ov = !s.overlay.empty();
  for (int row = 0; row < h; ++row) {
    auto* px = reinterpret_cast<std::uint32_t*>(data + static_cast<std::ptrdiff_t>(row) * stride);
    for (int col = 0; col < w; ++col) {
      const std::size_t i = static_cast<std::size_t>(row) * w + col;
      // Nodata (grey 0) shows as white paper; shaded relief is lifted to keep overlays readable.
      double g = has_bg ? (s.background[i] == 0 ? 1.0 : 0.35 + 0.65 * s.background[i] / 255.0) : 0.97;
      double r = g, gg = g, b = g;
      if (has_ov && s.overlay[i] < s.classes.size()) {
        const auto& c = s.classes[s.overlay[i]];
        r = r * (1 - c.alpha) + c.color.r * c.alpha;
        gg = gg * (1 - c.alpha) + c.color.g * c.alpha;
        b = b * (1 - c.alpha) + c.color.b * c.alpha;
      }
      auto byte = [](double v) { return static_cast<std::uint32_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
      px[col] = 0xff000000u | byte(r) << 16 | byte(gg) << 8 | byte(b);
    }
  }
  cairo_surface_mark_dirty(img.get());
  return img;
}

void halo_text(cairo_t* cr, const std::string& text, double x, double y, double size) {
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
  cairo_move_to(cr, x, y);
  cairo_text_path(cr, text.c_str());
  cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
  cairo_set_line_width(cr, 3);
  cairo_stroke_preserve(cr);
  cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
  cairo_fill(cr);
}

double nice_length_m(double target_m) {
  const double mag = std::pow(10.0, std::floor(std::log10(target_m)));
  const double f = target_m / mag;
  return (f < 2 ? 1 : f < 5 ? 2 : 5) * mag;
}
}  // namespace

MapRenderer::MapRenderer(MapSpec spec) : spec_(std::move(spec)) {
  const auto& g = spec_.geometry;
  const double w_m = std::max(1.0, g.width * g.cell_size_m), h_m = std::max(1.0, g.height * g.cell_size_m);
  scale_px_per_m_ = spec_.max_map_px / std::max(w_m, h_m);
  map_w_px_ = std::round(w_m * scale_px_per_m_);
  map_h_px_ = std::round(h_m * scale_px_per_m_);
  map_left_px_ = kMargin;
  map_top_px_ = kHeader;
  width_px_ = static_cast<int>(map_left_px_ + map_w_px_ + kMargin + spec_.legend_width_px);
  height_px_ = static_cast<int>(std::max(map_top_px_ + map_h_px_ + kMargin, 320.0));
}

std::array<double, 2> MapRenderer::pixel_of(double x_m, double y_m) const {
  const auto& g = spec_.geometry;
  return {map_left_px_ + (x_m - g.origin_x_m) * scale_px_per_m_, map_top_px_ + (g.origin_y_m - y_m) * scale_px_per_m_};
}

double MapRenderer::scale_bar_m() const { return nice_length_m(map_w_px_ / scale_px_per_m_ / 4); }

Result<std::string> MapRenderer::render(ImageFormat format) const {
  const auto& g = spec_.geometry;
  const auto cells = static_cast<std::size_t>(g.cell_count());
  if ((!spec_.background.empty() && spec_.background.size() != cells) ||
      (!spec_.overlay.empty() && spec_.overlay.size() != cells) || cells == 0) {
    return Status::Invalid(fmt::format("map '{}': rasters must have {}x{} cells (background {}, overlay {})",
                                       spec_.title, g.width, g.height, spec_.background.size(), spec_.overlay.size()));
  }
  SurfacePtr raster = compose_raster(spec_);
  return render_page(format, width_px_, height_px_, [&](cairo_t* cr) {
    // Title.
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    draw_text(cr, spec_.title, kMargin, 12, 16, HAlign::kLeft, VAlign::kTop, true);
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    draw_text(cr, spec_.subtitle, kMargin, 34, kFont, HAlign::kLeft, VAlign::kTop);
    // Raster, scaled from one pixel per cell to the panel.
    cairo_save(cr);
    cairo_rectangle(cr, map_left_px_, map_top_px_, map_w_px_, map_h_px_);
    cairo_clip(cr);
    cairo_save(cr);
    cairo_translate(cr, map_left_px_, map_top_px_);
    const double s = map_w_px_ / g.width;
    cairo_scale(cr, s, map_h_px_ / g.height);
    cairo_set_source_surface(cr, raster.get(), 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), s >= 1 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    // Polylines then points, clipped to the panel.
    for (const auto& line : spec_.polylines) {
      if (line.xy_m.empty()) continue;
      set_color(cr, line.color);
      cairo_set_line_width(cr, line.width_px);
      cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
      if (line.dashed) {
        const double dash[] = {8, 5};
        cairo_set_dash(cr, dash, 2, 0);
      }
      for (std::size_t i = 0; i < line.xy_m.size(); ++i) {
        const auto p = pixel_of(line.xy_m[i][0], line.xy_m[i][1]);
        if (i == 0) cairo_move_to(cr, p[0], p[1]);
        else cairo_line_to(cr, p[0], p[1]);
      }
      cairo_stroke(cr);
      cairo_set_dash(cr, nullptr, 0, 0);
      if (!line.label.empty()) {
        const auto p = pixel_of(line.xy_m[0][0], line.xy_m[0][1]);
        halo_text(cr, line.label, p[0] + 5, p[1] - 5, kFont);
      }
    }
    for (const auto& pt : spec_.points) {
      const auto p = pixel_of(pt.x_m, pt.y_m);
      cairo_arc(cr, p[0], p[1], pt.radius_px, 0, 2 * M_PI);
      set_color(cr, pt.color);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_set_line_width(cr, 0.8);
      cairo_stroke(cr);
    }
    for (const auto& pt : spec_.points) {
      if (pt.label.empty()) continue;
      const auto p = pixel_of(pt.x_m, pt.y_m);
      halo_text(cr, pt.label, p[0] + pt.radius_px + 3, p[1] + 4, kFont);
    }
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, map_left_px_ + 0.5, map_top_px_ + 0.5, map_w_px_ - 1, map_h_px_ - 1);
    cairo_stroke(cr);

    // Scale bar (bottom-left of the map): four alternating segments on a white box.
    const double bar_m = scale_bar_m(), bar_px = bar_m * scale_px_per_m_;
    const double bx = map_left_px_ + 12, by = map_top_px_ + map_h_px_ - 22;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, bx - 6, by - 20, bar_px + 60, 34);
    cairo_fill(cr);
    for (int k = 0; k < 4; ++k) {
      cairo_rectangle(cr, bx + bar_px * k / 4, by, bar_px / 4, 6);
      if (k % 2 == 0) cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
      else cairo_set_source_rgb(cr, 1, 1, 1);
      cairo_fill_preserve(cr);
      cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
      cairo_set_line_width(cr, 0.8);
      cairo_stroke(cr);
    }
    draw_text(cr, "0", bx, by - 4, kFont - 1, HAlign::kCenter, VAlign::kBottom);
    draw_text(cr, bar_m >= 1000 ? fmt::format("{:g} km", bar_m / 1000) : fmt::format("{:g} m", bar_m), bx + bar_px,
              by - 4, kFont - 1, HAlign::kCenter, VAlign::kBottom);

    // North arrow (grid north), top-right of the map.
    const double nx = map_left_px_ + map_w_px_ - 26, ny = map_top_px_ + 16;
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, nx - 16, ny - 4, 32, 52);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.05, 0.05, 0.05);
    cairo_move_to(cr, nx, ny + 14);
    cairo_line_to(cr, nx - 8, ny + 42);
    cairo_line_to(cr, nx, ny + 35);
    cairo_line_to(cr, nx + 8, ny + 42);
    cairo_close_path(cr);
    cairo_fill(cr);
    draw_text(cr, "N", nx, ny, kFont + 1, HAlign::kCenter, VAlign::kTop, true);

    // Legend column.
    const double lx = map_left_px_ + map_w_px_ + kMargin;
    draw_legend(cr, spec_.legend, lx, map_top_px_, kFont, false);
  });
}

Status MapRenderer::write(const std::filesystem::path& path) const {
  SKYCOVER_ASSIGN_OR_RETURN(const ImageFormat format, plot::image_format_for(path));
  return write_bytes(render(format), path);
}

}  // namespace skycover::map
