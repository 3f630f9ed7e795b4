// Decode PNG bytes with cairo so tests can check pixels of rendered charts and maps.
#pragma once
#include <cairo.h>

#include <cstdint>
#include <string>
#include <vector>

#include "skycover/render/plot.hpp"

namespace skycover::test {

struct DecodedImage {
  int width = 0, height = 0;
  std::vector<std::uint32_t> argb;  // row-major
  std::uint32_t at(int x, int y) const { return argb[static_cast<std::size_t>(y) * width + x]; }
};

inline DecodedImage decode_png(const std::string& bytes) {
  struct Reader {
    const std::string* s;
    std::size_t pos = 0;
  } reader{&bytes};
  auto read = [](void* closure, unsigned char* data, unsigned int length) -> cairo_status_t {
    auto* r = static_cast<Reader*>(closure);
    if (r->pos + length > r->s->size()) return CAIRO_STATUS_READ_ERROR;
    std::copy_n(r->s->data() + r->pos, length, reinterpret_cast<char*>(data));
    r->pos += length;
    return CAIRO_STATUS_SUCCESS;
  };
  cairo_surface_t* s = cairo_image_surface_create_from_png_stream(read, &reader);
  DecodedImage img;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    img.width = cairo_image_surface_get_width(s);
    img.height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* d = cairo_image_surface_get_data(s);
    img.argb.resize(static_cast<std::size_t>(img.width) * img.height);
    for (int y = 0; y < img.height; ++y)
      for (int x = 0; x < img.width; ++x)
        img.argb[static_cast<std::size_t>(y) * img.width + x] =
            reinterpret_cast<const std::uint32_t*>(d + static_cast<std::ptrdiff_t>(y) * stride)[x] | 0xff000000u;
  }
  cairo_surface_destroy(s);
  return img;
}

inline std::uint32_t argb_of(const plot::Rgb& c) {
  auto b = [](double v) { return static_cast<std::uint32_t>(v * 255 + 0.5); };
  return 0xff000000u | b(c.r) << 16 | b(c.g) << 8 | b(c.b);
}

// Bounding box {x0, y0, x1, y1} (inclusive) and count of pixels with exactly this colour.
struct ColorBox {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
  long count = 0;
};
inline ColorBox find_color(const DecodedImage& img, std::uint32_t argb, int x_from = 0, int x_to = -1) {
  ColorBox box;
  if (x_to < 0) x_to = img.width;
  for (int y = 0; y < img.height; ++y)
    for (int x = x_from; x < x_to; ++x)
      if (img.at(x, y) == argb) {
        box.x0 = std::min(box.x0, x), box.x1 = std::max(box.x1, x);
        box.y0 = std::min(box.y0, y), box.y1 = std::max(box.y1, y);
        ++box.count;
      }
  return box;
}

}  // namespace skycover::test
