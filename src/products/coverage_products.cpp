#include "skycover/products/coverage_products.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "skycover/render/gis.hpp"
#include "skycover/products/report_map.hpp"
#include "skycover/render/plot.hpp"
#include "skycover/products/summary.hpp"
#include "skycover/core/atomic_file.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {
// Class 0: outside the area (veiled), 1: inside, nobody reaches; 2..6: 1, 2, 3, 4-5, 6+ sites.
constexpr std::uint16_t kUpper[] = {1, 2, 3, 5};
}  // namespace

std::uint8_t multiplicity_class(std::uint16_t n, bool inside) {
  if (!inside) return 0;
  if (n == 0) return 1;
  for (std::uint8_t k = 0; k < 4; ++k)
    if (n <= kUpper[k]) return static_cast<std::uint8_t>(2 + k);
  return 6;
}

std::vector<map::OverlayClass> multiplicity_classes() {
  // ColorBrewer YlOrRd-like sequential ramp (Harrower & Brewer 2003): more sites, darker.
  return {{{1, 1, 1}, 0.55},
          {{0, 0, 0}, 0.0},
          {plot::rgb_hex(0xfecc5c), 0.65},
          {plot::rgb_hex(0xfd8d3c), 0.7},
          {plot::rgb_hex(0xf03b20), 0.7},
          {plot::rgb_hex(0xbd0026), 0.75},
          {plot::rgb_hex(0x67001f), 0.8}};
}

std::vector<map::LegendEntry> multiplicity_legend() {
  return {{"not reached", plot::rgb_hex(0xd9d9d9)}, {"1 site", plot::rgb_hex(0xfecc5c)},
          {"2 sites", plot::rgb_hex(0xfd8d3c)},     {"3 sites", plot::rgb_hex(0xf03b20)},
          {"4-5 sites", plot::rgb_hex(0xbd0026)},   {"6+ sites", plot::rgb_hex(0x67001f)},
          {"outside the area", plot::rgb_hex(0xffffff)}, {"site", plot::rgb_hex(0x000000)}};
}

namespace {

struct Writer {
  const fs::path& dir;
  CoverageProductFiles& out;
  Status add(const fs::path& rel, const Status& st) {
    if (st.ok()) out.files.push_back(rel);
    return st;
  }
};

std::vector<std::uint16_t> band_counts_in_area(const std::vector<std::uint16_t>& counts, const AreaMask& area) {
  std::vector<std::uint16_t> v(counts.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = area.inside[i] ? counts[i] : std::uint16_t{65535};
  return v;
}

std::vector<std::uint8_t> covered_mask(const std::vector<std::uint16_t>& counts, const AreaMask& area) {
  std::vector<std::uint8_t> m(counts.size());
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = area.inside[i] && counts[i] > 0 ? 1 : 0;
  return m;
}

map::MapSpec band_map_spec(const CoverageProductInputs& in, const std::vector<std::uint8_t>& shade, std::size_t b) {
  const EngagementUnion& u = *in.result.engagement;
  const BandCoverage& bc = in.result.bands[b];
  map::MapSpec s;
  s.title = fmt::format("Coverage at {}: {:.1f}% of {:.0f} km2", band_label(bc.band), bc.fraction * 100, bc.area_km2);
  s.subtitle = in.title;
  s.geometry = u.geometry;
  s.background = shade;
  s.overlay.resize(u.site_count[b].size());
  for (std::size_t i = 0; i < s.overlay.size(); ++i) s.overlay[i] = multiplicity_class(u.site_count[b][i], in.area.inside[i]);
  s.classes = multiplicity_classes();
  s.legend = multiplicity_legend();
  const double radius = in.sites.size() > 2000 ? 1.2 : in.sites.size() > 300 ? 1.8 : 2.6;
  for (const auto& site : in.sites) s.points.push_back({site.x_m, site.y_m, "", {0, 0, 0}, radius});
  for (const auto& p : in.landmarks) s.points.push_back(p);
  return s;
}

plot::LineChart altitude_chart(const CoverageResult& r, const std::string& title) {
  plot::LineChart c;
  c.title = "Covered share of the area by altitude band";
  c.x_label = "target altitude (m)";
  c.y_label = "share of the area engaged by >= 1 site";
  c.y_percent = true;
  c.y_range = std::make_pair(0.0, 1.0);
  for (HeightReference ref : {HeightReference::kAgl, HeightReference::kMsl}) {
    plot::LineSeries res, clear, flat, bare;
    const char* tag = ref == HeightReference::kAgl ? "AGL" : "MSL";
    res.name = fmt::format(fmt::runtime(r.clutter ? "{} with terrain and clutter masking" : "{} with terrain masking"), tag);
    bare.name = fmt::format("{} terrain masking alone (no clutter)", tag);
    bare.dashed = true;
    clear.name = fmt::format("{} line of sight clear", tag);
    flat.name = fmt::format("{} flat ground, Poisson", tag);
    clear.dashed = true;
    flat.dashed = true;
    flat.markers = false;
    for (const auto& b : r.bands) {
      if (b.band.reference != ref) continue;
      res.x.push_back(b.band.altitude_m);
      res.y.push_back(b.fraction);
      clear.x.push_back(b.band.altitude_m);
      clear.y.push_back(b.fraction_without_masking.value_or(NAN));
      flat.x.push_back(b.band.altitude_m);
      flat.y.push_back(b.flat_expected_fraction.value_or(NAN));
      bare.x.push_back(b.band.altitude_m);
      bare.y.push_back(b.fraction_without_clutter.value_or(NAN));
    }
    if (res.x.empty()) continue;
    const int base = ref == HeightReference::kAgl ? 0 : 3;
    res.color = plot::palette_color(base);
    clear.color = plot::palette_color(base + 1);
    flat.color = plot::palette_color(base + 2);
    c.series.push_back(res);
    if (bare.y.size() && std::isfinite(bare.y[0])) {
      bare.color = plot::palette_color(6);  // black, dashed
      c.series.push_back(bare);
    }
    if (clear.y.size() && std::isfinite(clear.y[0])) c.series.push_back(clear);
    c.series.push_back(flat);
  }
  if (!title.empty()) c.title += " - " + title;
  return c;
}

plot::BarChart multiplicity_chart(const CoverageResult& r, const std::string& title) {
  // Bars up to the largest multiplicity holding >= 0.1 % of the area (3 to 10; the last bar is "k+").
  std::size_t kMax = 3;
  for (const auto& b : r.bands)
    for (std::size_t k = 0; k < b.multiplicity.size(); ++k)
      if (b.multiplicity[k] * 1000 >= b.area_cells) kMax = std::max(kMax, k + 1);
  kMax = std::min<std::size_t>(kMax, 10);
  plot::BarChart c;
  c.title = "Sites able to engage, share of the area";
  if (!title.empty()) c.title += " - " + title;
  c.x_label = "number of sites able to engage a target over the cell";
  c.y_label = "share of the area";
  c.y_percent = true;
  for (std::size_t k = 0; k <= kMax; ++k) c.categories.push_back(k < kMax ? fmt::format("{}", k) : fmt::format("{}+", kMax));
  for (const auto& b : r.bands) {
    plot::BarSeries s;
    s.name = band_label(b.band);
    s.values.assign(kMax + 1, 0.0);
    for (std::size_t k = 0; k < b.multiplicity.size(); ++k)
      s.values[std::min(k, kMax)] += static_cast<double>(b.multiplicity[k]) / std::max<std::int64_t>(1, b.area_cells);
    c.series.push_back(s);
  }
  return c;
}

Status write_chart_pair(Writer& w, const std::string& stem, const auto& chart, RenderedImage& svg_out) {
  SKYCOVER_RETURN_IF_ERROR(w.add(stem + ".png", plot::write_chart(chart, w.dir / (stem + ".png"))));
  SKYCOVER_ASSIGN_OR_RETURN(std::string svg, plot::render(chart, plot::ImageFormat::kSvg));
  SKYCOVER_RETURN_IF_ERROR(w.add(stem + ".svg", write_file_atomic(w.dir / (stem + ".svg"), svg)));
  svg_out = {chart.title, std::move(svg)};
  return Status::Ok();
}

Status write_band_products(const CoverageProductInputs& in, const std::vector<std::uint8_t>& shade, std::size_t b,
                           Writer& w) {
  const EngagementUnion& u = *in.result.engagement;
  const AltitudeBand& band = in.result.bands[b].band;
  const std::string tag = band_tag(band);
  const auto& counts = u.site_count[b];
  if (in.write_rasters)
    SKYCOVER_RETURN_IF_ERROR(w.add("multiplicity_" + tag + ".tif",
                                   write_uint16_raster(w.dir / ("multiplicity_" + tag + ".tif"), u.geometry,
                                                       band_counts_in_area(counts, in.area), true,
                                                       "sites able to engage at " + band_label(band))));
  const fs::path gpkg = "coverage_" + tag + ".gpkg", gj = "coverage_" + tag + ".geojson",
                 kml = "coverage_" + tag + ".kml";
  const std::string layer = "covered at " + band_label(band);
  const std::vector<PolygonAttribute> attributes{{"reference", height_reference_name(band.reference)},
                                                 {"altitude_m", fmt::format("{:g}", band.altitude_m)}};
  std::vector<fs::path> from_mask{w.dir / gj, w.dir / kml};
  if (in.full_grid)
    SKYCOVER_RETURN_IF_ERROR(write_raster_polygons(w.dir / ("multiplicity_" + tag + ".tif"), *in.full_grid, 65535,
                                                   w.dir / gpkg, layer, attributes));
  else
    from_mask.insert(from_mask.begin(), w.dir / gpkg);
  SKYCOVER_RETURN_IF_ERROR(write_mask_polygons(u.geometry, covered_mask(counts, in.area), layer, attributes, from_mask));
  for (const fs::path& f : {gpkg, gj, kml}) w.out.files.push_back(f);
  const map::MapRenderer renderer(band_map_spec(in, shade, b));
  SKYCOVER_ASSIGN_OR_RETURN(std::string png, renderer.render(plot::ImageFormat::kPng));
  const fs::path map_name = "map_" + tag + ".png";
  SKYCOVER_RETURN_IF_ERROR(w.add(map_name, write_file_atomic(w.dir / map_name, png)));
  // The report's copy: lossy WebP (about a tenth of the PNG; the PNG stays beside it for print).
  SKYCOVER_ASSIGN_OR_RETURN(std::string webp, transcode_image(png, "WEBP", 60));
  w.out.maps_webp.push_back({fmt::format("Sites able to engage at {} ({})", band_label(band), in.title), std::move(webp)});
  return Status::Ok();
}

}  // namespace

Result<CoverageProductFiles> write_coverage_products(const CoverageProductInputs& in, const fs::path& dir) {
  if (!in.result.engagement) {
    return Status::Internal("write_coverage_products needs the engagement union (CoverageOptions::keep_union)");
  }
  CoverageProductFiles out;
  Writer w{dir, out};
  std::vector<std::uint8_t> own_shade;
  if (!in.hillshade) {
    SKYCOVER_ASSIGN_OR_RETURN(own_shade, map::hillshade(in.terrain));
  }
  const auto& shade = in.hillshade ? *in.hillshade : own_shade;
  if (in.write_rasters)
    SKYCOVER_RETURN_IF_ERROR(w.add("lowest_engageable_agl_m.tif",
                                   write_float_raster(dir / "lowest_engageable_agl_m.tif", in.result.engagement->geometry,
                                                      in.result.engagement->lowest_engageable_agl_m, true,
                                                      "lowest engageable height above ground (m)")));
  for (std::size_t b = 0; b < in.result.bands.size(); ++b) SKYCOVER_RETURN_IF_ERROR(write_band_products(in, shade, b, w));
  SKYCOVER_RETURN_IF_ERROR(write_chart_pair(w, "coverage_vs_altitude", altitude_chart(in.result, in.title),
                                            out.altitude_chart_svg));
  SKYCOVER_RETURN_IF_ERROR(write_chart_pair(w, "multiplicity", multiplicity_chart(in.result, in.title),
                                            out.multiplicity_chart_svg));
  SKYCOVER_ASSIGN_OR_RETURN(out.map, report_map_base(in.result.engagement->geometry, shade, in.area));
  if (!in.landmarks.empty()) {
    web::Layer places{"places", {}, {}, true, {{"place", plot::rgb_hex(0x1f3fbf)}}};
    for (const map::MapPoint& m : in.landmarks)
      places.points.push_back({m.x_m, m.y_m, m.label, m.color, 5, {{"place", m.label}}});
    out.map.layers.push_back(std::move(places));
  }
  static const std::vector<SystemSpec> kNoSystems;
  out.map.views.push_back(coverage_view(in.title, in.result, *in.result.engagement, in.area, in.sites,
                                        in.systems ? *in.systems : kNoSystems));
  return out;
}

std::vector<std::vector<std::string>> coverage_table_rows(const CoverageResult& r) {
  auto pct = [](const std::optional<double>& v) { return v ? fmt::format("{:.1f}%", *v * 100) : std::string("-"); };
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : r.bands) {
    std::int64_t two_plus = 0;
    for (std::size_t k = 2; k < b.multiplicity.size(); ++k) two_plus += b.multiplicity[k];
    rows.push_back({band_label(b.band), fmt::format("{:.1f}", b.covered_km2), fmt::format("{:.1f}", b.area_km2),
                    fmt::format("{:.1f}%", b.fraction * 100), pct(b.fraction_without_masking),
                    pct(b.flat_same_sites_fraction), pct(b.flat_expected_fraction), pct(b.placement_loss_fraction),
                    pct(b.relief_envelope_loss_fraction), pct(b.masking_loss_fraction)});
    if (r.clutter) rows.back().push_back(pct(b.clutter_loss_fraction));
    rows.back().push_back(fmt::format("{:.1f}%", 100.0 * two_plus / std::max<std::int64_t>(1, b.area_cells)));
  }
  return rows;
}

Status add_coverage_section(HtmlReport& report, const CoverageResult& r, const CoverageProductFiles& products,
                            const std::string& heading, const std::string& files_dir, bool with_map) {
  report.heading(heading, 2);
  std::vector<std::string> columns = {"band", "covered km2", "area km2", "covered", "line of sight clear",
                                      "same sites, flat ground", "flat ground (Poisson)", "placement/edge loss",
                                      "relief/envelope loss", "terrain masking loss"};
  if (r.clutter) columns.push_back("clutter masking loss");
  columns.push_back("reached by 2+ sites");
  report.table(columns, coverage_table_rows(r),
               fmt::format("{} sites ({} inside the area) over {:.0f} km2{}", r.site_count, r.sites_in_area, r.area_km2,
                           r.flat_ground_msl_m ? fmt::format("; flat ground at {:.0f} m", *r.flat_ground_msl_m)
                                               : std::string()));
  if (const std::string note = clutter_note(r); !note.empty()) report.paragraph(note);
  if (const std::string note = readiness_note(r); !note.empty()) report.paragraph(note);
  if (with_map) SKYCOVER_RETURN_IF_ERROR(report.interactive_map(products.map));
  report.image_svg(products.altitude_chart_svg.bytes, products.altitude_chart_svg.caption);
  report.image_svg(products.multiplicity_chart_svg.bytes, products.multiplicity_chart_svg.caption);
  std::vector<std::pair<std::string, std::string>> maps;
  for (const auto& m : products.maps_webp) maps.emplace_back(m.caption, m.bytes);
  report.printable_figures(fmt::format("Static maps for printing ({} bands; PNG files beside the report)", maps.size()),
                           maps);
  std::string list;
  for (const auto& f : products.files) list += (list.empty() ? "" : ", ") + (fs::path(files_dir) / f).generic_string();
  report.paragraph("Files for GIS (Cloud-optimised GeoTIFFs; polygons as GeoPackage in the analysis CRS, and as GeoJSON and KML in WGS 84) and the images above: " + list +
                   ".");
  return Status::Ok();
}

void add_draws_section(HtmlReport& report, const std::vector<PlacementDraw>& draws) {
  if (draws.size() < 2) return;
  report.heading(fmt::format("Placement draws: {} independent placements", draws.size()), 2);
  report.paragraph(fmt::format(
      "The same hypotheses placed {} times with seeds derived from the scenario's (draw 0 is the scenario as "
      "written: the maps and files below are from it). The interval is the 95 % confidence interval of the mean "
      "covered share, mean +- t(0.975, {}) sd / sqrt({}); the range is the lowest and highest draw. A difference "
      "between two hypotheses smaller than these intervals is noise of the placement, not a finding. Per-draw "
      "figures: draws.csv; all statistics: summary.json (\"draws\").",
      draws.size(), draws.size() - 1, draws.size()));
  report.table({"band", "mean covered", "sd (points)", "95 % CI of the mean", "range over the draws", "reached by 2+ sites"},
               draws_table_rows(draws));
}

void add_claim_check_explanation(HtmlReport& report) {
  report.heading("How to read the numbers (the claim check)", 2);
  report.raw_html(R"(<div class="note"><p><b>Flat-ground check.</b> With N sites placed uniformly at random over an
area A, each reaching a target at height h within a horizontal radius r<sub>h</sub> = sqrt(R<sup>2</sup> - h<sup>2</sup>)
(R: maximum slant range), the expected covered share is the Poisson coverage formula
1 - exp(-N &pi; r<sub>h</sub><sup>2</sup> / A). For the public claim (5,000 Igla-S, R = 6 km, A = 916,000 km<sup>2</sup>)
that is about 46&nbsp;% near the ground and 34&nbsp;% at 3,500 m. Terrain masking can only remove coverage; the
placement and the relief can shift it either way (below), so a result above the formula means sites spread better
than random or launchers on high ground, not an error.</p>
<p><b>Where the loss goes.</b> The engagement union is computed three times: with line of sight over the real
terrain (the result), with line of sight assumed clear over the real terrain, and with line of sight clear for the
same sites on flat ground (every cell and every site at one height, the mean elevation of the area). The gap between
the formula and the result splits in three (percentage points, adding up):
<i>placement/edge loss</i> = formula - same sites on flat ground: where the sites stand (clustering, a lattice,
overlap unlike random placement, sites near the area edge, the noise of one random draw; negative when sites are
spread better than random); <i>relief/envelope loss</i> = flat ground - clear sight over the real terrain: targets
outside the envelope because the ground is not flat (the ceiling counts above the launcher's own ground, the minimum
altitude above the target's, a valley target is higher above a ridge-top launcher, ...);
<i>terrain masking loss</i> = clear sight - result: targets hidden by hills. The formula counts only sites standing
inside the area.</p>
<p><b>Multiplicity.</b> The share of the area that 0, 1, 2, ... sites can engage at once: coverage by a single site
is fragile; redundancy shows how many independent engagements a crossing target could face there.</p>
<p><b>Not modelled</b> (see DEVELOPERS.md): detection and cueing, readiness, weather, seeker and countermeasure
effects. Coverage here is geometric reach: the most a deployment could do, not what it will do.</p></div>)");
}

void add_provenance_section(HtmlReport& report, const RunInfo& run, const std::string& scenario_text) {
  report.heading("Provenance", 2);
  std::vector<std::pair<std::string, std::string>> kv = {{"skycover version", run.version},
                                                         {"seed", fmt::format("{}", run.seed)},
                                                         {"command line", run.command_line},
                                                         {"terrain", run.terrain_description}};
  for (const auto& f : run.inputs) {
    kv.emplace_back(fmt::format("input: {} {}", f.role, f.path.empty() ? "(built-in)" : f.path), "sha256 " + f.sha256);
  }
  report.key_values(kv);
  report.preformatted(scenario_text, "Scenario file");
}

}  // namespace skycover
