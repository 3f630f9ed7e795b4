// Products of `skycover raid`: raid.json (summary, histograms, per-site and per-track figures),
// survivors.csv (histogram), sites.csv (missiles used per site), and a histogram chart.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "skycover/core/status.hpp"
#include "skycover/raid/raid.hpp"

namespace skycover {

nlohmann::json raid_json(const RaidResult& result, const RaidPlan& plan, const std::vector<Track>& tracks,
                         const std::vector<Site>& sites);
std::string raid_survivors_csv(const RaidResult& result);
std::string raid_sites_csv(const RaidResult& result, const RaidPlan& plan, const std::vector<Site>& sites);
std::string raid_summary_text(const RaidResult& result, const RaidPlan& plan, const std::vector<Track>& tracks);

// Write DIR/raid.json, DIR/survivors.csv, DIR/sites.csv, DIR/summary.txt and the survivors
// histogram chart DIR/survivors.{png,svg}. Every file atomically.
Status write_raid_products(const std::filesystem::path& dir, const RaidResult& result, const RaidPlan& plan,
                           const std::vector<Track>& tracks, const std::vector<Site>& sites);

}  // namespace skycover
