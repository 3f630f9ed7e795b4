#include "skycover/exposure/exposure_products.hpp"

#include <fmt/format.h>

#include <cctype>
#include <set>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/csv.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/render/gis.hpp"

namespace skycover {
namespace fs = std::filesystem;

std::string safe_file_stem(const std::string& id) {
  std::string out;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), '_');
  return out;
}

std::vector<std::string> track_file_stems(const std::vector<Track>& tracks) {
  auto lower = [](std::string v) {
    for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  std::set<std::string> taken{"summary", "manifest", "report"};
  std::vector<std::string> stems;
  for (const Track& t : tracks) {
    const std::string base = safe_file_stem(t.id);
    std::string stem = base;
    for (int n = 2; taken.count(lower(stem)); ++n) stem = fmt::format("{}-{}", base, n);
    taken.insert(lower(stem));
    stems.push_back(stem);
  }
  return stems;
}

std::string exposure_csv(const ExposureInputs& in, int track) {
  const auto& tr = (*in.tracks)[track];
  const auto& te = (*in.exposures)[track];
  std::string out =
      "track,site,system,interval_start_s,interval_end_s,earliest_launch_s,shot,launch_s,intercept_s,"
      "intercept_x_m,intercept_y_m,intercept_z_msl_m,pk\n";
  for (int wi : te.windows) {
    const auto& w = (*in.windows)[wi];
    const auto& site = (*in.sites)[w.site];
    const std::string head =
        fmt::format("{},{},{},{:.3f},{:.3f},{:.3f}", csv_field(tr.id), csv_field(site.id),
                    csv_field((*in.systems)[site.system_index].name), w.start_s, w.end_s, w.earliest_launch_s);
    int n = 0;
    for (const auto& s : te.shots) {
      if (s.window != wi) continue;
      out += fmt::format("{},{},{:.3f},{:.3f},{:.1f},{:.1f},{:.1f},{}\n", head, ++n, s.launch_s, s.intercept_s,
                         s.intercept_point.x_m, s.intercept_point.y_m, s.intercept_point.z_msl_m, s.pk);
    }
    if (n == 0) out += head + ",,,,,,,\n";
  }
  return out;
}

nlohmann::json exposure_json(const ExposureInputs& in, int track) {
  const auto& tr = (*in.tracks)[track];
  const auto& te = (*in.exposures)[track];
  nlohmann::json j;
  j["track"] = tr.id;
  j["target_class"] = std::string(to_string(tr.target_class));
  j["duration_s"] = tr.duration_s();
  j["length_m"] = tr.length_m();
  j["samples"] = tr.samples.size();
  j["sample_step_s_max"] = [&] {
    double m = 0;
    for (std::size_t i = 1; i < tr.samples.size(); ++i) m = std::max(m, tr.samples[i].t_s - tr.samples[i - 1].t_s);
    return m;
  }();
  j["sites_engaging"] = te.sites_engaging;
  j["sites_with_shots"] = te.sites_with_shots;
  j["exposed_time_s"] = te.exposed_time_s;
  j["shot_opportunities"] = te.shots.size();
  j["expected_shots"] = te.expected_shots;
  j["survival_probability"] = te.survival;
  auto& windows = j["windows"] = nlohmann::json::array();
  for (int wi : te.windows) {
    const auto& w = (*in.windows)[wi];
    const auto& site = (*in.sites)[w.site];
    nlohmann::json jw;
    jw["site"] = site.id;
    jw["system"] = (*in.systems)[site.system_index].name;
    jw["site_x_m"] = site.x_m;
    jw["site_y_m"] = site.y_m;
    jw["interval_start_s"] = w.start_s;
    jw["interval_end_s"] = w.end_s;
    jw["earliest_launch_s"] = w.earliest_launch_s;
    auto& shots = jw["shots"] = nlohmann::json::array();
    for (const auto& s : te.shots) {
      if (s.window != wi) continue;
      shots.push_back({{"launch_s", s.launch_s},
                       {"intercept_s", s.intercept_s},
                       {"intercept_x_m", s.intercept_point.x_m},
                       {"intercept_y_m", s.intercept_point.y_m},
                       {"intercept_z_msl_m", s.intercept_point.z_msl_m},
                       {"pk", s.pk}});
    }
    windows.push_back(std::move(jw));
  }
  return j;
}

std::string exposure_summary_table(const ExposureInputs& in) {
  std::string out = fmt::format("{:<20} {:<15} {:>6} {:>12} {:>10} {:>10}\n", "track", "class", "sites",
                                "exposed_s", "E[shots]", "survival");
  for (std::size_t t = 0; t < in.tracks->size(); ++t) {
    const auto& tr = (*in.tracks)[t];
    const auto& te = (*in.exposures)[t];
    out += fmt::format("{:<20} {:<15} {:>6} {:>12.1f} {:>10.2f} {:>10.4f}\n", tr.id, to_string(tr.target_class),
                       te.sites_engaging, te.exposed_time_s, te.expected_shots, te.survival);
  }
  return out;
}

Status write_exposure_gpkg(const fs::path& path, const ExposureInputs& in) {
  using T = VectorField::Type;
  VectorLayer windows{"windows", false,
                      {{"track", T::kString}, {"site", T::kString}, {"system", T::kString}, {"window", T::kInteger},
                       {"start_s", T::kReal}, {"end_s", T::kReal}, {"duration_s", T::kReal},
                       {"earliest_launch_s", T::kReal}, {"shots", T::kInteger}},
                      {}};
  VectorLayer intercepts{"intercepts", true,
                         {{"track", T::kString}, {"site", T::kString}, {"system", T::kString}, {"shot", T::kInteger},
                          {"launch_s", T::kReal}, {"intercept_s", T::kReal}, {"z_msl_m", T::kReal}, {"pk", T::kReal}},
                         {}};
  VectorLayer tracks{"tracks", false,
                     {{"track", T::kString}, {"target_class", T::kString}, {"length_m", T::kReal},
                      {"duration_s", T::kReal}, {"sites_engaging", T::kInteger}, {"sites_with_shots", T::kInteger},
                      {"exposed_time_s", T::kReal}, {"expected_shots", T::kReal},
                      {"survival_probability", T::kReal}},
                     {}};
  for (std::size_t t = 0; t < in.tracks->size(); ++t) {
    const Track& tr = (*in.tracks)[t];
    const TrackExposure& te = (*in.exposures)[t];
    std::int64_t index = 0;
    for (int wi : te.windows) {
      const EngagementWindow& w = (*in.windows)[static_cast<std::size_t>(wi)];
      const Site& site = (*in.sites)[static_cast<std::size_t>(w.site)];
      const std::string& system = (*in.systems)[static_cast<std::size_t>(site.system_index)].name;
      // The track from its position at the start to its position at the end, through the samples
      // between.
      VectorFeature line;
      const TrackSample a = position_at(tr, w.start_s), b = position_at(tr, w.end_s);
      line.xy.push_back({a.x_m, a.y_m});
      for (const TrackSample& s : tr.samples)
        if (s.t_s > w.start_s && s.t_s < w.end_s) line.xy.push_back({s.x_m, s.y_m});
      line.xy.push_back({b.x_m, b.y_m});
      std::int64_t shots = 0;
      for (const Shot& s : te.shots) {
        if (s.window != wi) continue;
        intercepts.features.push_back(
            {{{s.intercept_point.x_m, s.intercept_point.y_m}},
             {tr.id, site.id, system, ++shots, s.launch_s, s.intercept_s, s.intercept_point.z_msl_m, s.pk}});
      }
      line.values = {tr.id, site.id, system, index++, w.start_s, w.end_s, w.end_s - w.start_s, w.earliest_launch_s,
                     shots};
      windows.features.push_back(std::move(line));
    }
    VectorFeature whole;
    for (const TrackSample& s : tr.samples) whole.xy.push_back({s.x_m, s.y_m});
    whole.values = {tr.id,
                    std::string(to_string(tr.target_class)),
                    tr.length_m(),
                    tr.duration_s(),
                    std::int64_t{te.sites_engaging},
                    std::int64_t{te.sites_with_shots},
                    te.exposed_time_s,
                    te.expected_shots,
                    te.survival};
    tracks.features.push_back(std::move(whole));
  }
  return write_vector_layers(path, in.terrain->geometry().crs_wkt,
                             {std::move(windows), std::move(intercepts), std::move(tracks)});
}

Status write_exposure_charts(const fs::path& dir, const ExposureInputs& in, int track);  // exposure_charts.cpp

Status write_exposure_products(const fs::path& dir, const ExposureInputs& in) {
  const std::vector<std::string> stems = track_file_stems(*in.tracks);
  nlohmann::json summary = nlohmann::json::array();
  for (std::size_t t = 0; t < in.tracks->size(); ++t) {
    const std::string& stem = stems[t];
    SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / (stem + ".csv"), exposure_csv(in, static_cast<int>(t))));
    auto j = exposure_json(in, static_cast<int>(t));
    SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / (stem + ".json"), j.dump(2) + "\n"));
    j.erase("windows");
    summary.push_back(std::move(j));
    SKYCOVER_RETURN_IF_ERROR(write_exposure_charts(dir, in, static_cast<int>(t)));
  }
  SKYCOVER_RETURN_IF_ERROR(write_exposure_gpkg(dir / "exposure.gpkg", in));
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "summary.json", summary.dump(2) + "\n"));
  return write_file_atomic(dir / "summary.txt", exposure_summary_table(in));
}

}  // namespace skycover
