// Charts for `skycover exposure`: a timeline of engagement windows and shots per site along the
// track, and a map of the track with the engaging sites and intercept points. Drawn with the
// products stage's chart and map API (products/plot.hpp, products/map.hpp).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "skycover/exposure/exposure_products.hpp"
#include "skycover/render/map.hpp"
#include "skycover/render/plot.hpp"

namespace skycover {
namespace fs = std::filesystem;

Status write_exposure_charts(const fs::path& dir, const ExposureInputs& in, int track);

namespace {

const plot::Rgb kWindowColor = plot::rgb_hex(0x56B4E9);  // Okabe-Ito sky blue
const plot::Rgb kShotColor = plot::rgb_hex(0xD55E00);    // Okabe-Ito vermillion

Status write_timeline(const fs::path& dir, const std::string& stem, const ExposureInputs& in, int track) {
  const auto& tr = (*in.tracks)[track];
  const auto& te = (*in.exposures)[track];
  // One row per site, in order of its first window.
  std::vector<int> order;
  std::map<int, std::size_t> row_of;
  plot::TimelineChart chart;
  chart.title = fmt::format("Track {} ({}): engagement windows and shots", tr.id, to_string(tr.target_class));
  chart.x_label = "time along the track (s)";
  chart.x_range = std::make_pair(0.0, tr.duration_s());
  for (int wi : te.windows) {
    const auto& w = (*in.windows)[wi];
    auto it = row_of.find(w.site);
    if (it == row_of.end()) {
      it = row_of.emplace(w.site, chart.rows.size()).first;
      plot::TimelineRow row;
      row.label = (*in.sites)[w.site].id;
      row.color = kWindowColor;
      chart.rows.push_back(std::move(row));
    }
    chart.rows[it->second].intervals.push_back({w.start_s, w.end_s, kWindowColor, ""});
  }
  for (const auto& s : te.shots) {
    auto it = row_of.find(s.site);
    if (it == row_of.end()) continue;
    chart.rows[it->second].intervals.push_back({s.launch_s, s.intercept_s, kShotColor, ""});
  }
  chart.legend = {{"can engage (line of sight and envelope)", kWindowColor},
                  {"missile in flight (launch to intercept)", kShotColor}};
  if (chart.rows.empty()) {
    plot::TimelineRow row;
    row.label = "no site can engage";
    chart.rows.push_back(std::move(row));
  }
  SKYCOVER_RETURN_IF_ERROR(plot::write_chart(chart, dir / (stem + "_timeline.png")));
  return plot::write_chart(chart, dir / (stem + "_timeline.svg"));
}

// The terrain cropped to a box (grid-aligned), for a map around one track.
Terrain crop(const Terrain& t, double x0, double y0, double x1, double y1) {
  const auto& g = t.geometry();
  const int c0 = std::clamp(static_cast<int>(std::floor(g.col_of(x0))), 0, g.width - 1);
  const int c1 = std::clamp(static_cast<int>(std::floor(g.col_of(x1))), 0, g.width - 1);
  const int r0 = std::clamp(static_cast<int>(std::floor(g.row_of(y1))), 0, g.height - 1);
  const int r1 = std::clamp(static_cast<int>(std::floor(g.row_of(y0))), 0, g.height - 1);
  GridGeometry cg = g;
  cg.width = c1 - c0 + 1;
  cg.height = r1 - r0 + 1;
  cg.origin_x_m = g.origin_x_m + c0 * g.cell_size_m;
  cg.origin_y_m = g.origin_y_m - r0 * g.cell_size_m;
  std::vector<float> e(static_cast<std::size_t>(cg.width) * cg.height);
  for (int r = 0; r < cg.height; ++r)
    for (int c = 0; c < cg.width; ++c) e[static_cast<std::size_t>(r) * cg.width + c] = t.elevation_m(c0 + c, r0 + r);
  return Terrain(cg, std::move(e));
}

Status write_map(const fs::path& dir, const std::string& stem, const ExposureInputs& in, int track) {
  const auto& tr = (*in.tracks)[track];
  const auto& te = (*in.exposures)[track];
  double reach = 0;
  for (const auto& s : *in.systems) reach = std::max(reach, s.max_range_m);
  double x0 = tr.samples[0].x_m, x1 = x0, y0 = tr.samples[0].y_m, y1 = y0;
  for (const auto& s : tr.samples) {
    x0 = std::min(x0, s.x_m), x1 = std::max(x1, s.x_m);
    y0 = std::min(y0, s.y_m), y1 = std::max(y1, s.y_m);
  }
  const Terrain area = crop(*in.terrain, x0 - reach, y0 - reach, x1 + reach, y1 + reach);
  map::MapSpec spec;
  spec.title = fmt::format("Track {} ({}) and the sites that can engage it", tr.id, to_string(tr.target_class));
  spec.subtitle = fmt::format("{} sites engage, exposed {:.0f} s, expected shots {:.2f}, survival {:.3f}",
                              te.sites_engaging, te.exposed_time_s, te.expected_shots, te.survival);
  spec.geometry = area.geometry();
  if (auto hs = map::hillshade(area); hs.ok()) spec.background = std::move(hs).value();
  map::MapPolyline line;
  for (const auto& s : tr.samples) line.xy_m.push_back({s.x_m, s.y_m});
  line.label = tr.id;
  line.color = plot::rgb_hex(0x000000);
  spec.polylines.push_back(std::move(line));
  // Exposed stretches of the track, drawn over it.
  for (int wi : te.windows) {
    const auto& w = (*in.windows)[wi];
    map::MapPolyline seg;
    for (int i = w.first_sample; i <= w.last_sample; ++i) seg.xy_m.push_back({tr.samples[i].x_m, tr.samples[i].y_m});
    if (seg.xy_m.size() < 2) seg.xy_m.push_back(seg.xy_m.back());
    seg.color = kWindowColor;
    seg.width_px = 4;
    spec.polylines.push_back(std::move(seg));
  }
  std::vector<int> engaging;
  for (int wi : te.windows) engaging.push_back((*in.windows)[wi].site);
  std::sort(engaging.begin(), engaging.end());
  engaging.erase(std::unique(engaging.begin(), engaging.end()), engaging.end());
  for (int s : engaging) {
    const auto& site = (*in.sites)[s];
    spec.points.push_back({site.x_m, site.y_m, engaging.size() <= 40 ? site.id : "", plot::rgb_hex(0x0072B2), 4});
  }
  for (const auto& shot : te.shots)
    spec.points.push_back({shot.intercept_point.x_m, shot.intercept_point.y_m, "", kShotColor, 2.5});
  spec.legend = {{"track", plot::rgb_hex(0x000000)},
                 {"exposed (some site can engage)", kWindowColor},
                 {"engaging site", plot::rgb_hex(0x0072B2)},
                 {"intercept point", kShotColor}};
  return map::MapRenderer(std::move(spec)).write(dir / (stem + "_map.png"));
}

}  // namespace

Status write_exposure_charts(const fs::path& dir, const ExposureInputs& in, int track) {
  const std::string stem = track_file_stems(*in.tracks)[static_cast<std::size_t>(track)];
  SKYCOVER_RETURN_IF_ERROR(write_timeline(dir, stem, in, track));
  return write_map(dir, stem, in, track);
}

}  // namespace skycover
