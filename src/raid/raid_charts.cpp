// Survivors histogram for `skycover raid`, drawn with the products stage's chart API.
#include <filesystem>

#include <fmt/format.h>

#include "skycover/render/plot.hpp"
#include "skycover/raid/raid_products.hpp"

namespace skycover {

Status write_raid_charts(const std::filesystem::path& dir, const RaidResult& r);

Status write_raid_charts(const std::filesystem::path& dir, const RaidResult& r) {
  plot::BarChart chart;
  chart.title = fmt::format("Raid: survivors out of {} targets ({} trials, seed {})", r.targets, r.trials, r.seed);
  chart.x_label = fmt::format("targets surviving (mean {:.2f}, 95% of trials in {}..{})", r.mean_survivors,
                              r.survivors_p025, r.survivors_p975);
  chart.y_label = "share of trials";
  chart.y_percent = true;
  plot::BarSeries s;
  s.name = "trials";
  for (std::size_t k = 0; k < r.survivors_histogram.size(); ++k) {
    chart.categories.push_back(fmt::format("{}", k));
    s.values.push_back(r.trials > 0 ? static_cast<double>(r.survivors_histogram[k]) / static_cast<double>(r.trials)
                                    : 0.0);
  }
  chart.series.push_back(std::move(s));
  SKYCOVER_RETURN_IF_ERROR(plot::write_chart(chart, dir / "survivors.png"));
  return plot::write_chart(chart, dir / "survivors.svg");
}

}  // namespace skycover
