#include "skycover/raid/raid_products.hpp"

#include <fmt/format.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/csv.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

// Per track: trials x copies in which a target of that track survived.
std::vector<std::int64_t> survived_per_track(const RaidResult& r, const RaidPlan& plan, std::size_t n_tracks) {
  std::vector<std::int64_t> out(n_tracks, 0);
  for (std::size_t k = 0; k < plan.targets.size(); ++k) out[plan.targets[k].track] += r.target_survived[k];
  return out;
}

}  // namespace

nlohmann::json raid_json(const RaidResult& r, const RaidPlan& plan, const std::vector<Track>& tracks,
                         const std::vector<Site>& sites) {
  nlohmann::json j;
  j["trials"] = r.trials;
  j["seed"] = r.seed;
  j["targets"] = r.targets;
  j["sites"] = plan.total_sites;
  j["sites_with_opportunities"] = plan.sites.size();
  j["engagement_windows"] = plan.windows.size();
  j["survivors"] = {{"mean", r.mean_survivors},
                    {"sd", r.sd_survivors},
                    {"mean_ci95", {r.mean_ci95_lo, r.mean_ci95_hi}},
                    {"p2_5", r.survivors_p025},
                    {"p97_5", r.survivors_p975},
                    {"histogram", r.survivors_histogram}};
  j["missiles_expended"] = {{"mean", r.mean_missiles},
                            {"p2_5", r.missiles_p025},
                            {"p97_5", r.missiles_p975},
                            {"histogram", r.missiles_histogram}};
  const auto per_track = survived_per_track(r, plan, tracks.size());
  auto& jt = j["tracks"] = nlohmann::json::array();
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    const int count = std::max(1, tracks[t].count);
    jt.push_back({{"track", tracks[t].id},
                  {"target_class", std::string(to_string(tracks[t].target_class))},
                  {"count", count},
                  {"interval_s", tracks[t].interval_s},
                  {"survival_fraction", r.trials > 0 ? static_cast<double>(per_track[t]) /
                                                           (static_cast<double>(r.trials) * count)
                                                     : 0.0}});
  }
  auto& js = j["site_use"] = nlohmann::json::array();
  for (std::size_t p = 0; p < plan.sites.size(); ++p) {
    const auto& s = sites[plan.sites[p]];
    js.push_back({{"site", s.id},
                  {"missiles", plan.missiles[p]},
                  {"mean_missiles_used", r.trials > 0 ? static_cast<double>(r.site_missiles_total[p]) /
                                                            static_cast<double>(r.trials)
                                                      : 0.0}});
  }
  return j;
}

std::string raid_survivors_csv(const RaidResult& r) {
  std::string out = "survivors,trials,fraction\n";
  for (std::size_t k = 0; k < r.survivors_histogram.size(); ++k)
    out += fmt::format("{},{},{}\n", k, r.survivors_histogram[k],
                       r.trials > 0 ? static_cast<double>(r.survivors_histogram[k]) / static_cast<double>(r.trials)
                                    : 0.0);
  return out;
}

std::string raid_sites_csv(const RaidResult& r, const RaidPlan& plan, const std::vector<Site>& sites) {
  std::string out = "site,x_m,y_m,missiles,mean_missiles_used\n";
  for (std::size_t p = 0; p < plan.sites.size(); ++p) {
    const auto& s = sites[plan.sites[p]];
    out += fmt::format("{},{:.1f},{:.1f},{},{}\n", csv_field(s.id), s.x_m, s.y_m, plan.missiles[p],
                       r.trials > 0 ? static_cast<double>(r.site_missiles_total[p]) / static_cast<double>(r.trials)
                                    : 0.0);
  }
  return out;
}

std::string raid_summary_text(const RaidResult& r, const RaidPlan& plan, const std::vector<Track>& tracks) {
  std::string out = fmt::format(
      "raid: {} targets on {} tracks, {} of {} sites can engage; {} trials, seed {}\n"
      "survivors: mean {:.3f} (95% CI of the mean {:.3f}..{:.3f}), sd {:.3f}, 2.5..97.5 percentile {}..{}\n"
      "missiles expended: mean {:.2f}, 2.5..97.5 percentile {}..{}\n",
      r.targets, tracks.size(), plan.sites.size(), plan.total_sites, r.trials, r.seed, r.mean_survivors,
      r.mean_ci95_lo, r.mean_ci95_hi, r.sd_survivors, r.survivors_p025, r.survivors_p975, r.mean_missiles,
      r.missiles_p025, r.missiles_p975);
  const auto per_track = survived_per_track(r, plan, tracks.size());
  out += fmt::format("{:<20} {:<15} {:>6} {:>18}\n", "track", "class", "count", "survival_fraction");
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    const int count = std::max(1, tracks[t].count);
    out += fmt::format("{:<20} {:<15} {:>6} {:>18.4f}\n", tracks[t].id, to_string(tracks[t].target_class), count,
                       r.trials > 0 ? static_cast<double>(per_track[t]) / (static_cast<double>(r.trials) * count)
                                    : 0.0);
  }
  return out;
}

Status write_raid_charts(const fs::path& dir, const RaidResult& r);  // raid_charts.cpp

Status write_raid_products(const fs::path& dir, const RaidResult& r, const RaidPlan& plan,
                           const std::vector<Track>& tracks, const std::vector<Site>& sites) {
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "raid.json", raid_json(r, plan, tracks, sites).dump(2) + "\n"));
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "survivors.csv", raid_survivors_csv(r)));
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "sites.csv", raid_sites_csv(r, plan, sites)));
  SKYCOVER_RETURN_IF_ERROR(write_file_atomic(dir / "summary.txt", raid_summary_text(r, plan, tracks)));
  return write_raid_charts(dir, r);
}

}  // namespace skycover
