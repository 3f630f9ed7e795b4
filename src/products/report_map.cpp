#include "skycover/products/report_map.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "skycover/products/coverage_products.hpp"
#include "skycover/products/summary.hpp"
#include "skycover/render/gis.hpp"

namespace skycover {

namespace {

std::string figure_with_source(const SystemSpec& sys, std::string_view figure, const std::string& value) {
  const Citation* c = find_citation(sys, figure);
  return c ? fmt::format("{} [{}]", value, c->source) : fmt::format("{} [user stated]", value);
}

std::string seconds(double s) { return fmt::format("{:.1f} s", s); }

// Site colours for engagement windows: ColorBrewer "Dark2" and "Set1" (Brewer 2003), cycled.
plot::Rgb site_color(int site) {
  static constexpr unsigned kColors[] = {0x1b9e77, 0xd95f02, 0x7570b3, 0xe7298a, 0x66a61e, 0xe6ab02,
                                         0xa6761d, 0x377eb8, 0xe41a1c, 0x984ea3, 0xff7f00, 0x4daf4a};
  return plot::rgb_hex(kColors[static_cast<std::size_t>(site) % std::size(kColors)]);
}

const std::string& site_name(const std::vector<Site>& sites, int i) {
  static const std::string unknown = "?";
  return i >= 0 && static_cast<std::size_t>(i) < sites.size() ? sites[static_cast<std::size_t>(i)].id : unknown;
}

}  // namespace

Result<web::MapSpec> report_map_base(const GridGeometry& geometry, const std::vector<std::uint8_t>& hillshade,
                                     const AreaMask& area) {
  web::MapSpec spec;
  spec.geometry = geometry;
  spec.hillshade = hillshade;
  const auto legend = multiplicity_legend();
  web::OverlayKind reach{"sites able to engage", {}, {}, {}};
  for (const map::OverlayClass& c : multiplicity_classes()) reach.classes.push_back({c.color, c.alpha});
  // "Not reached" is drawn clear on the static maps; here it is tinted as its legend swatch, so a
  // reader can tell it from cells under a switched-off overlay.
  reach.classes[1] = {plot::rgb_hex(0xd9d9d9), 0.35};
  // The static maps' legend less its last entry ("site": the sites have their own layer).
  reach.legend.assign(legend.begin(), legend.end() - 1);
  reach.class_labels = {"outside the area", "no site reaches", "1 site", "2 sites", "3 sites", "4-5 sites", "6+ sites"};
  web::OverlayKind covered{"covered or not", {}, {}, {}};
  const plot::Rgb veil{1, 1, 1}, no = plot::rgb_hex(0xd7301f), yes = plot::rgb_hex(0x2c7fb8);
  covered.classes = {{veil, 0.55}, {no, 0.45}, {yes, 0.55}, {yes, 0.55}, {yes, 0.55}, {yes, 0.55}, {yes, 0.55}};
  covered.legend = {{"covered (1+ sites)", yes}, {"not covered", no}, {"outside the area", veil}};
  covered.class_labels = {"outside the area", "not covered", "covered", "covered", "covered", "covered", "covered"};
  spec.kinds = {std::move(reach), std::move(covered)};

  if (area.inside.size() == static_cast<std::size_t>(geometry.cell_count()) &&
      std::any_of(area.inside.begin(), area.inside.end(), [](std::uint8_t v) { return v == 0; })) {
    // Outlined at the overlay's resolution: a finer line would only trace the staircase.
    const double simplify_m =
        geometry.cell_size_m * std::max(1.0, std::max(geometry.width, geometry.height) / 1024.0);
    SKYCOVER_ASSIGN_OR_RETURN(const auto rings, mask_outlines(geometry, area.inside, simplify_m));
    web::Layer outline;
    outline.name = "area outline";
    for (const auto& ring : rings) outline.lines.push_back({ring, "", plot::rgb_hex(0x111111), 1.5, true, {}});
    outline.legend = {{"area outline", plot::rgb_hex(0x111111)}};
    spec.layers.push_back(std::move(outline));
  }
  return spec;
}

web::Layer site_layer(const std::string& name, const std::vector<Site>& sites, const std::vector<SystemSpec>& systems) {
  web::Layer layer;
  layer.name = name;
  const double radius = sites.size() > 2000 ? 2.5 : sites.size() > 300 ? 3.5 : 5;
  for (const Site& s : sites) {
    web::Point p{s.x_m, s.y_m, s.id, {0, 0, 0}, radius, {}};
    p.popup.push_back({"site", s.id});
    if (s.system_index >= 0 && static_cast<std::size_t>(s.system_index) < systems.size()) {
      const SystemSpec& sys = systems[static_cast<std::size_t>(s.system_index)];
      p.popup.push_back({"system", sys.name});
      p.popup.push_back({"slant range", figure_with_source(sys, "max_range_m", fmt::format("{:.0f} to {:.0f} m",
                                                                                            sys.min_range_m,
                                                                                            sys.max_range_m))});
      p.popup.push_back({"ceiling", figure_with_source(sys, "max_altitude_m",
                                                       fmt::format("{:.0f} m above the site", sys.max_altitude_m))});
      p.popup.push_back({"lowest target", figure_with_source(sys, "min_altitude_m",
                                                             fmt::format("{:.0f} m above its ground", sys.min_altitude_m))});
      p.popup.push_back({"reaction time", figure_with_source(sys, "reaction_time_s", seconds(sys.reaction_time_s))});
      p.popup.push_back({"missile speed", figure_with_source(sys, "missile_speed_mps",
                                                             fmt::format("{:.0f} m/s (average)", sys.missile_speed_mps))});
    }
    p.popup.push_back({"missiles", fmt::format("{}", s.missiles)});
    p.popup.push_back({"launcher", fmt::format("{:.0f} m above ground at {:.0f} m", s.height_agl_m, s.ground_msl_m)});
    p.popup.push_back({"position", fmt::format("E {:.0f} m, N {:.0f} m", s.x_m, s.y_m)});
    layer.points.push_back(std::move(p));
  }
  layer.legend = {{name, plot::rgb_hex(0x000000)}};
  return layer;
}

web::View coverage_view(const std::string& name, const CoverageResult& result, const EngagementUnion& u,
                        const AreaMask& area, const std::vector<Site>& sites, const std::vector<SystemSpec>& systems) {
  web::View view;
  view.name = name;
  for (std::size_t b = 0; b < result.bands.size() && b < u.site_count.size(); ++b) {
    const BandCoverage& bc = result.bands[b];
    web::Band band;
    band.label = band_label(bc.band);
    band.summary = fmt::format("{:.1f} % of {:.0f} km2 covered", bc.fraction * 100, bc.area_km2);
    const auto& counts = u.site_count[b];
    band.classes.resize(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i)
      band.classes[i] = multiplicity_class(counts[i], i < area.inside.size() && area.inside[i]);
    view.bands.push_back(std::move(band));
  }
  view.layers.push_back(site_layer("sites", sites, systems));
  return view;
}

std::vector<web::Layer> track_layers(const TrackMapInputs& in) {
  web::Layer tracks{"tracks", {}, {}, true, {{"track", plot::rgb_hex(0x222222)}}};
  web::Layer windows{"engagement windows (colour: site)", {}, {}, true, {}};
  web::Layer shots{"intercept points", {}, {}, true, {{"intercept", plot::rgb_hex(0xffffff)}}};
  for (std::size_t t = 0; t < in.tracks.size(); ++t) {
    const Track& track = in.tracks[t];
    web::Line line;
    line.label = fmt::format("track {}", track.id);
    line.color = plot::rgb_hex(0x222222);
    line.width_px = 2;
    for (const TrackSample& s : track.samples) line.xy_m.push_back({s.x_m, s.y_m});
    line.popup = {{"track", track.id},
                  {"target class", std::string(to_string(track.target_class))},
                  {"length", fmt::format("{:.1f} km", track.length_m() / 1000)},
                  {"duration", seconds(track.duration_s())}};
    if (!track.samples.empty())
      line.popup.push_back({"altitude at start", fmt::format("{:.0f} m above ground, {:.0f} m above sea level",
                                                             track.samples.front().agl_m(),
                                                             track.samples.front().z_msl_m)});
    if (in.exposures && t < in.exposures->size()) {
      const TrackExposure& e = (*in.exposures)[t];
      line.popup.push_back({"sites engaging", fmt::format("{}", e.sites_engaging)});
      line.popup.push_back({"exposed time", seconds(e.exposed_time_s)});
      line.popup.push_back({"expected shots", fmt::format("{:.2f}", e.expected_shots)});
      line.popup.push_back({"survival", fmt::format("{:.3f} (user-stated Pk)", e.survival)});
      for (const Shot& s : e.shots) {
        web::Point p{s.intercept_point.x_m, s.intercept_point.y_m,
                     fmt::format("intercept: site {} on {}", site_name(in.sites, s.site), track.id),
                     site_color(s.site), 4, {}};
        p.popup = {{"track", track.id},
                   {"site", site_name(in.sites, s.site)},
                   {"launch", fmt::format("t = {:.1f} s", s.launch_s)},
                   {"intercept", fmt::format("t = {:.1f} s", s.intercept_s)},
                   {"flight", seconds(s.intercept_s - s.launch_s)},
                   {"target altitude", fmt::format("{:.0f} m above ground", s.intercept_point.agl_m())},
                   {"Pk", fmt::format("{:.2f} (user stated)", s.pk)}};
        shots.points.push_back(std::move(p));
      }
    }
    tracks.lines.push_back(std::move(line));
  }
  std::vector<int> sites_seen;
  for (const EngagementWindow& w : in.windows) {
    if (w.track < 0 || static_cast<std::size_t>(w.track) >= in.tracks.size()) continue;
    const Track& track = in.tracks[static_cast<std::size_t>(w.track)];
    web::Line line;
    line.label = fmt::format("site {} can engage {}", site_name(in.sites, w.site), track.id);
    line.color = site_color(w.site);
    line.width_px = 6;
    for (int k = std::max(0, w.first_sample); k <= w.last_sample && k < static_cast<int>(track.samples.size()); ++k)
      line.xy_m.push_back({track.samples[static_cast<std::size_t>(k)].x_m, track.samples[static_cast<std::size_t>(k)].y_m});
    if (line.xy_m.size() == 1) line.xy_m.push_back(line.xy_m.front());
    line.popup = {{"site", site_name(in.sites, w.site)},
                  {"track", track.id},
                  {"window", fmt::format("t = {:.1f} to {:.1f} s ({:.1f} s)", w.start_s, w.end_s, w.end_s - w.start_s)},
                  {"earliest launch", fmt::format("t = {:.1f} s", w.earliest_launch_s)},
                  {"launches with an intercept", fmt::format("{}", w.launch_count())}};
    windows.lines.push_back(std::move(line));
    if (std::find(sites_seen.begin(), sites_seen.end(), w.site) == sites_seen.end()) sites_seen.push_back(w.site);
  }
  std::sort(sites_seen.begin(), sites_seen.end());
  constexpr std::size_t kLegendSites = 12;
  for (std::size_t i = 0; i < sites_seen.size() && i < kLegendSites; ++i)
    windows.legend.push_back({fmt::format("window of site {}", site_name(in.sites, sites_seen[i])), site_color(sites_seen[i])});
  if (sites_seen.size() > kLegendSites)
    windows.legend.push_back({fmt::format("... {} more sites (colours repeat)", sites_seen.size() - kLegendSites),
                              plot::rgb_hex(0xbbbbbb)});
  return {std::move(tracks), std::move(windows), std::move(shots)};
}

}  // namespace skycover
