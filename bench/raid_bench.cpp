// Raid Monte Carlo benchmark: 10,000 trials x 100 tracks x 5,000 sites (the claim's scale:
// 5,000 launchers spread uniformly over Venezuela's 916,000 km^2, here a square of that area).
//
// Stages, timed separately:
//  * BM_RaidPrecompute: engagement windows (one viewshed per site within reach of a track, LOS +
//    envelope per track sample) + launch/intercept tables + the raid plan. Deterministic; done once.
//  * BM_RaidMonteCarlo: the seeded Monte Carlo over trials (event simulation per trial) on a fixed
//    plan. Target: <= 2 s for 10,000 trials on 2 cores. Run with --benchmark_filter=... and note
//    that the machine's other load shows up in wall time.
#include <benchmark/benchmark.h>

#include "skycover/visibility/viewshed.hpp"

#include <cmath>
#include <ctime>
#include <memory>

#include <fmt/format.h>

#include "skycover/exposure/exposure.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/raid/raid.hpp"
#include "skycover/terrain/synthetic.hpp"

namespace skycover {
namespace {

constexpr double kAreaKm2 = 916000.0;
constexpr int kSites = 5000;
constexpr int kTracks = 100;
constexpr double kCellM = 500.0;

std::uint64_t mix(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
double uniform(std::uint64_t a, std::uint64_t b) {
  return static_cast<double>(mix(mix(a) ^ b) >> 11) * (1.0 / 9007199254740992.0);
}

struct World {
  Terrain terrain;
  std::vector<Site> sites;
  std::vector<SystemSpec> systems;
  std::vector<Track> tracks;
  std::vector<EngagementWindow> windows;
  RaidPlan plan;
};

std::unique_ptr<World> make_world(bool masking) {
  auto w = std::make_unique<World>();
  const double side_m = std::sqrt(kAreaKm2) * 1000.0;
  SyntheticTerrainParams p;
  p.width = p.height = static_cast<int>(side_m / kCellM);
  p.cell_size_m = kCellM;
  p.relief_m = 1500;
  p.seed = 5;
  w->terrain = make_synthetic_terrain(p);
  const auto& g = w->terrain.geometry();
  const double x0 = g.origin_x_m, y0 = g.origin_y_m - g.height * kCellM, span = g.width * kCellM;
  SystemSpec s;  // Igla-S public envelope (Rosoboronexport): 6 km range, 3.5 km ceiling
  s.name = "igla-s";
  s.min_range_m = 500;
  s.max_range_m = 6000;
  s.min_altitude_m = 10;
  s.max_altitude_m = 3500;
  s.reaction_time_s = 8;
  s.missile_speed_mps = 570;
  s.missiles_per_site = 2;
  s.pk.pk[static_cast<int>(TargetClass::kCruiseMissile)] = 0.3;  // illustrative, for timing only
  w->systems = {s};
  for (int i = 0; i < kSites; ++i) {
    Site site;
    site.id = fmt::format("s{}", i);
    site.x_m = x0 + kCellM + (span - 2 * kCellM) * uniform(1, 2 * i);
    site.y_m = y0 + kCellM + (span - 2 * kCellM) * uniform(1, 2 * i + 1);
    const auto c = w->terrain.cell_of(site.x_m, site.y_m);
    site.ground_msl_m = w->terrain.elevation_m(c->first, c->second);
    site.height_agl_m = 2;
    site.missiles = 2;
    w->sites.push_back(site);
  }
  std::vector<TrackSpec> specs;
  for (int t = 0; t < kTracks; ++t) {
    // Random chords of the square from the west edge to the east edge, 100 m above ground.
    TrackSpec spec;
    spec.id = fmt::format("t{}", t);
    const double ya = y0 + 2 * kCellM + (span - 4 * kCellM) * uniform(2, 2 * t);
    const double yb = y0 + 2 * kCellM + (span - 4 * kCellM) * uniform(2, 2 * t + 1);
    spec.waypoints = {{x0 + 2 * kCellM, ya}, {x0 + span - 2 * kCellM, yb}};
    spec.speed_mps = 250;
    spec.altitude_m = 100;
    specs.push_back(spec);
  }
  w->tracks = load_tracks(specs, w->terrain).value();
  ExposureOptions opt;
  opt.terrain_masking = masking;
  opt.threads = 2;
  w->windows = find_engagement_windows(w->terrain, w->sites, w->systems, w->tracks, VisibilityModel{}, opt).value();
  w->plan = plan_raid(w->tracks, w->windows, w->sites, w->systems).value();
  return w;
}

World& world(bool masking) {
  static std::unique_ptr<World> with_mask, without_mask;  // built once per process, on first use
  auto& slot = masking ? with_mask : without_mask;
  if (!slot) slot = make_world(masking);
  return *slot;
}

void BM_RaidPrecompute(benchmark::State& state) {
  World& w = world(true);  // terrain, sites and tracks built outside the timed loop
  for (auto _ : state) {
    ExposureOptions opt;
    opt.threads = 2;
    auto windows = find_engagement_windows(w.terrain, w.sites, w.systems, w.tracks, VisibilityModel{}, opt).value();
    auto plan = plan_raid(w.tracks, windows, w.sites, w.systems).value();
    benchmark::DoNotOptimize(plan.opportunities.data());
  }
  state.counters["windows"] = static_cast<double>(w.windows.size());
  state.counters["sites_engaging"] = static_cast<double>(w.plan.sites.size());
}
BENCHMARK(BM_RaidPrecompute)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

void BM_RaidMonteCarlo(benchmark::State& state) {
  const bool masking = state.range(0) != 0;
  World& w = world(masking);
  RaidOptions ro;
  ro.trials = 10000;
  ro.seed = 1;
  ro.threads = 2;
  RaidResult r;
  // Process CPU time over all threads (std::clock on Linux), so a loaded shared machine can be
  // told apart from a slow kernel: wall ~ cpu / 2 when both cores are ours.
  const std::clock_t c0 = std::clock();
  for (auto _ : state) {
    r = run_raid(w.plan, ro);
    benchmark::DoNotOptimize(r.mean_survivors);
  }
  state.counters["cpu_s_all_threads_per_iter"] =
      static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC / static_cast<double>(state.iterations());
  state.counters["targets"] = r.targets;
  state.counters["sites"] = static_cast<double>(w.sites.size());
  state.counters["opportunities"] = static_cast<double>(w.plan.opportunities.size());
  state.counters["mean_survivors"] = r.mean_survivors;
  state.counters["mean_missiles"] = r.mean_missiles;
  state.SetLabel(masking ? "terrain masking" : "flat line of sight (most opportunities)");
}
BENCHMARK(BM_RaidMonteCarlo)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace skycover

// BENCHMARK_MAIN with the CPU model and the kernel's column step (timed at first use) in the
// header of every run, so that each result in bench/RESULTS.md carries the CPU it ran on.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("skycover_kernel", skycover::kernel_report());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
