#include "skycover/render/web_map.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <ogr_spatialref.h>

#include "skycover/render/gis.hpp"
#include "skycover/render/html_report.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "web_assets.hpp"

namespace skycover::web {

namespace {

using nlohmann::json;

// Rounded to 0.1 m: a map needs no more, and the page stays small.
double round_m(double v) { return std::round(v * 10.0) / 10.0; }

// The pixel grid an overlay is sampled onto: at most max_px on the long side, stretched over the
// grid's exact extent (pixel i covers cells [i W / w, (i + 1) W / w)).
struct ImageGrid {
  int width = 0, height = 0;
  std::vector<std::size_t> cell;  // grid cell sampled for each pixel, row-major

  ImageGrid(const GridGeometry& g, int max_px) {
    const double f = std::max(1.0, static_cast<double>(std::max(g.width, g.height)) / std::max(16, max_px));
    width = std::max(1, static_cast<int>(std::ceil(g.width / f)));
    height = std::max(1, static_cast<int>(std::ceil(g.height / f)));
    cell.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (int j = 0; j < height; ++j) {
      const auto row = static_cast<std::size_t>(std::min<double>(g.height - 1, std::floor((j + 0.5) * g.height / height)));
      for (int i = 0; i < width; ++i) {
        const auto col = static_cast<std::size_t>(std::min<double>(g.width - 1, std::floor((i + 0.5) * g.width / width)));
        cell[static_cast<std::size_t>(j) * static_cast<std::size_t>(width) + static_cast<std::size_t>(i)] =
            row * static_cast<std::size_t>(g.width) + col;
      }
    }
  }
};

std::string data_url(const std::string& mime, const std::string& bytes) {
  return fmt::format("data:{};base64,{}", mime, base64_encode(bytes));
}

// Class index k is stored as grey 16 k + 8, so a browser's colour handling that moves a value by
// a few levels still decodes to k (floor(v / 16)).
Result<std::string> class_image(const ImageGrid& ig, const std::vector<std::uint8_t>& classes) {
  std::vector<std::uint8_t> grey(ig.cell.size());
  for (std::size_t p = 0; p < grey.size(); ++p)
    grey[p] = static_cast<std::uint8_t>(std::min<int>(15, classes[ig.cell[p]]) * 16 + 8);
  SKYCOVER_ASSIGN_OR_RETURN(std::string png, encode_image(ig.width, ig.height, {grey}, "PNG"));
  return data_url("image/png", png);
}

Result<std::string> shade_image(const ImageGrid& ig, const std::vector<std::uint8_t>& shade) {
  std::vector<std::uint8_t> grey(ig.cell.size()), alpha(ig.cell.size());
  for (std::size_t p = 0; p < grey.size(); ++p) {
    grey[p] = shade[ig.cell[p]];
    alpha[p] = grey[p] == 0 ? 0 : 255;
  }
  SKYCOVER_ASSIGN_OR_RETURN(std::string webp, encode_image(ig.width, ig.height, {grey, grey, grey, alpha}, "WEBP", 80));
  return data_url("image/webp", webp);
}

json rows_json(const std::vector<PopupRow>& rows) {
  json a = json::array();
  for (const auto& r : rows) a.push_back({r.key, r.value});
  return a;
}

json legend_json(const std::vector<plot::LegendEntry>& legend) {
  json a = json::array();
  for (const auto& e : legend) a.push_back({{"label", e.label}, {"color", hex_color(e.color)}});
  return a;
}

json layer_json(const Layer& layer) {
  json lines = json::array(), points = json::array();
  for (const Line& l : layer.lines) {
    json xy = json::array();
    for (const auto& p : l.xy_m) xy.push_back({round_m(p[0]), round_m(p[1])});
    lines.push_back({{"xy", std::move(xy)}, {"label", l.label}, {"color", hex_color(l.color)}, {"width", l.width_px},
                     {"dashed", l.dashed}, {"popup", rows_json(l.popup)}});
  }
  for (const Point& p : layer.points)
    points.push_back({{"x", round_m(p.x_m)}, {"y", round_m(p.y_m)}, {"label", p.label}, {"color", hex_color(p.color)},
                      {"radius", p.radius_px}, {"popup", rows_json(p.popup)}});
  return {{"name", layer.name}, {"shown", layer.shown}, {"lines", std::move(lines)}, {"points", std::move(points)},
          {"legend", legend_json(layer.legend)}};
}

// Longitude and latitude of a 9 x 9 lattice over the grid (null without a CRS PROJ can invert).
json lonlat_lattice(const GridGeometry& g) {
  if (g.crs_wkt.empty()) return nullptr;
  OGRSpatialReference src, dst;
  if (src.importFromWkt(g.crs_wkt.c_str()) != OGRERR_NONE || dst.importFromEPSG(4326) != OGRERR_NONE) return nullptr;
  src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &dst));
  if (!ct) return nullptr;
  constexpr int kN = 9;
  json lon = json::array(), lat = json::array();
  const double west = g.origin_x_m, north = g.origin_y_m, width_m = g.width * g.cell_size_m,
               height_m = g.height * g.cell_size_m;
  for (int j = 0; j < kN; ++j)
    for (int i = 0; i < kN; ++i) {
      double x = west + width_m * i / (kN - 1), y = north - height_m * j / (kN - 1);
      if (!ct->Transform(1, &x, &y) || !std::isfinite(x) || !std::isfinite(y)) return nullptr;
      lon.push_back(std::round(x * 1e6) / 1e6);
      lat.push_back(std::round(y * 1e6) / 1e6);
    }
  return {{"n", kN}, {"lon", std::move(lon)}, {"lat", std::move(lat)}};
}

std::string crs_name(const GridGeometry& g) {
  if (g.crs_wkt.empty()) return "local grid metres";
  OGRSpatialReference srs;
  if (srs.importFromWkt(g.crs_wkt.c_str()) != OGRERR_NONE) return "grid metres";
  const char* name = srs.GetName();
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth && code) return fmt::format("{}:{}{}", auth, code, name ? fmt::format(" ({})", name) : std::string());
  return name ? std::string(name) : std::string("grid metres");
}

}  // namespace

std::string hex_color(const plot::Rgb& c) {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  return fmt::format("#{:02x}{:02x}{:02x}", byte(c.r), byte(c.g), byte(c.b));
}

Result<std::string> map_html(const MapSpec& spec, const std::string& id) {
  const GridGeometry& g = spec.geometry;
  if (g.width <= 0 || g.height <= 0) return Status::Internal("web map: empty grid");
  if (spec.views.empty()) return Status::Internal("web map: no view");
  const ImageGrid ig(g, spec.max_image_px);
  const auto cells = static_cast<std::size_t>(g.cell_count());

  json kinds = json::array();
  for (const OverlayKind& k : spec.kinds) {
    json classes = json::array();
    for (const OverlayClass& c : k.classes) classes.push_back({{"color", hex_color(c.color)}, {"alpha", c.alpha}});
    kinds.push_back({{"name", k.name}, {"classes", std::move(classes)}, {"legend", legend_json(k.legend)},
                     {"labels", k.class_labels}});
  }
  json views = json::array();
  for (const View& v : spec.views) {
    json bands = json::array();
    for (const Band& b : v.bands) {
      if (b.classes.size() != cells)
        return Status::Internal(fmt::format("web map: band '{}' has {} classes for {} cells", b.label, b.classes.size(), cells));
      SKYCOVER_ASSIGN_OR_RETURN(std::string image, class_image(ig, b.classes));
      bands.push_back({{"label", b.label}, {"summary", b.summary}, {"image", std::move(image)}});
    }
    json layers = json::array();
    for (const Layer& l : v.layers) layers.push_back(layer_json(l));
    views.push_back({{"name", v.name}, {"bands", std::move(bands)}, {"layers", std::move(layers)}});
  }
  json layers = json::array();
  for (const Layer& l : spec.layers) layers.push_back(layer_json(l));
  json base = nullptr;
  if (spec.hillshade.size() == cells) {
    SKYCOVER_ASSIGN_OR_RETURN(std::string image, shade_image(ig, spec.hillshade));
    base = std::move(image);
  }
  const json data = {
      {"grid",
       {{"west", g.origin_x_m}, {"north", g.origin_y_m}, {"east", g.origin_x_m + g.width * g.cell_size_m},
        {"south", g.origin_y_m - g.height * g.cell_size_m}, {"cell_m", g.cell_size_m}, {"crs", crs_name(g)},
        {"image_width", ig.width}, {"image_height", ig.height}}},
      {"lonlat", lonlat_lattice(g)},
      {"base", std::move(base)},
      {"kinds", std::move(kinds)},
      {"views", std::move(views)},
      {"layers", std::move(layers)}};
  // '<' only occurs inside JSON strings, where \u003c reads the same: the data cannot close the
  // <script> element that holds it, whatever a site id or a file name contains.
  std::string text;
  for (char c : data.dump()) {
    if (c == '<') text += "\\u003c";
    else text += c;
  }
  const std::string caption =
      spec.kinds.empty()
          ? std::string("Interactive map: click a site, a track, an engagement window or an intercept point for its "
                        "figures; the panel switches the layers.")
          : fmt::format("Interactive map: choose {}the altitude band and what to colour; click a site for its figures. "
                        "Overlays are sampled to {} x {} pixels; the GeoTIFFs beside this report hold full resolution.",
                        spec.views.size() > 1 ? "the deployment, " : "", ig.width, ig.height);
  return fmt::format(
      "<figure class=\"skymap-figure\">\n<div class=\"skymap\" id=\"{0}\" role=\"region\" aria-label=\"interactive map\">"
      "<p class=\"skymap-message\">The interactive map needs JavaScript; the static maps and charts show the same "
      "results.</p></div>\n<figcaption>{1}</figcaption>\n"
      "<script type=\"application/json\" class=\"skymap-data\" data-for=\"{0}\">{2}</script>\n</figure>\n",
      html_escape(id), html_escape(caption), text);
}

std::string assets_html() {
  return fmt::format("<style>\n{}\n{}\n</style>\n<script>\n{}\n</script>\n<script>\n{}\n</script>\n", leaflet_css(),
                     viewer_css(), leaflet_js(), viewer_js());
}

}  // namespace skycover::web
