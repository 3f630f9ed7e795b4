// Visibility benchmarks (performance is measured here, never in unit tests).
//
//   BM_ViewshedFast/<range_m>       fast kernel, one site per iteration; items = in-range site-cells
//   BM_ViewshedReference/<range_m>  exact O(R^3) reference, same
//   BM_ColumnStep/<step>            the kernel with each column step forced (window copy included)
//   BM_KernelPadded/<step>          the same as the union runs it (padded grid, no copies)
//   BM_Union/<sites>/<threads>      engagement_union at 6 km, 5 AGL bands, on a 1500^2 30 m DEM
//   BM_UnionClustered/<s>/<t>       the same with every site inside one 3 km square (lock contention)
//   BM_ClaimScale/<threads>         the headline: 5,000 sites at 6 km on a 3000^2 30 m DEM (one run)
//   BM_ClaimScaleEnvelopeOnly/<t>   the same with terrain_masking off: union bookkeeping alone
//
// Build the benchmark flavour in its own tree:
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DSKYCOVER_NATIVE_BENCH=ON
//   ninja -C build-bench skycover_bench && build-bench/skycover_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>

#include "skycover/terrain/synthetic.hpp"
#include "skycover/visibility/engagement_union.hpp"
#include "skycover/visibility/viewshed.hpp"
#include "visibility/viewshed_kernel.hpp"

namespace skycover {
namespace {

// Rugged synthetic DEMs (relief 1,000 m, roughness 0.6, 30 m cells), built once per size.
const Terrain& dem(int side) {
  static std::map<int, Terrain> cache;
  auto it = cache.find(side);
  if (it == cache.end()) {
    SyntheticTerrainParams p;
    p.width = side;
    p.height = side;
    p.cell_size_m = 30;
    p.relief_m = 1000;
    p.roughness = 0.6;
    p.seed = 2026;
    it = cache.emplace(side, make_synthetic_terrain(p)).first;
  }
  return it->second;
}

// Deterministic scatter of n sites (Weyl sequence), 2 m AGL: over the whole grid, or over a
// cluster_cells-wide square at its centre (every window overlapping: the worst case for the
// union's row-band locks).
std::vector<Site> scatter(const Terrain& t, int n, int cluster_cells = 0) {
  std::vector<Site> s;
  const int span_c = cluster_cells > 0 ? cluster_cells : t.width(), span_r = cluster_cells > 0 ? cluster_cells : t.height();
  const int c0 = (t.width() - span_c) / 2, r0 = (t.height() - span_r) / 2;
  for (int i = 0; i < n; ++i) {
    Site x;
    x.id = std::to_string(i);
    const int c = c0 + static_cast<int>(std::fmod(0.5 + i * 0.618033988749895, 1.0) * span_c);
    const int r = r0 + static_cast<int>(std::fmod(0.5 + i * 0.754877666246693, 1.0) * span_r);
    x.x_m = t.geometry().cell_center_x_m(c);
    x.y_m = t.geometry().cell_center_y_m(r);
    x.ground_msl_m = t.elevation_m(c, r);
    x.height_agl_m = 2;
    s.push_back(x);
  }
  return s;
}

void run_single(benchmark::State& state, bool reference) {
  const Terrain& t = dem(1000);
  const std::vector<Site> sites = scatter(t, 64);
  const double range = static_cast<double>(state.range(0));
  std::int64_t cells = 0;
  std::size_t i = 0;
  ViewshedEngine engine;  // tables and buffers reused across sites, as in a batch
  for (auto _ : state) {
    Observer o;
    o.x_m = sites[i % sites.size()].x_m;
    o.y_m = sites[i % sites.size()].y_m;
    o.max_range_m = range;
    ++i;
    auto w = engine.compute(t, o, reference);
    for (float v : w->min_visible_agl_m) cells += !std::isnan(v);
    benchmark::DoNotOptimize(w->min_visible_agl_m.data());
  }
  state.SetItemsProcessed(cells);
  // Seconds of CPU per in-range site-cell (printed with an SI prefix, e.g. 25n = 25 ns).
  state.counters["per_site_cell"] =
      benchmark::Counter(static_cast<double>(cells), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ViewshedFast(benchmark::State& state) { run_single(state, false); }

// The kernel with one column step forced (ViewshedScratch::Path; SKYCOVER_COLUMN_STEP is
// process-wide, so these time the kernel directly): the AVX2-only and 128-bit figures of an
// AVX-512 machine, side by side in one run. `run_site(scratch, site)` computes one site's window
// and returns its in-range cells.
template <class RunSite>
void run_column_step(benchmark::State& state, const std::vector<Site>& sites, RunSite&& run_site) {
  using Path = detail::ViewshedScratch::Path;
  const auto path = static_cast<Path>(state.range(0));
  if (!detail::column_step_supported(path)) {
    state.SkipWithError("this CPU lacks the step");
    return;
  }
  detail::ViewshedScratch scratch;
  scratch.path = path;
  std::int64_t cells = 0;
  std::size_t i = 0;
  for (auto _ : state) {
    cells += run_site(scratch, sites[i++ % sites.size()]);
    benchmark::DoNotOptimize(scratch.out.data());
  }
  state.SetLabel(detail::column_step_name(path));
  state.SetItemsProcessed(cells);
  state.counters["per_site_cell"] =
      benchmark::Counter(static_cast<double>(cells), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// As `skycover viewshed` runs it: each site's window copied and transposed.
void BM_ColumnStep(benchmark::State& state) {
  const Terrain& t = dem(1000);
  const detail::ViewshedGeometry g = detail::make_viewshed_geometry(t.cell_size_m(), 6000, VisibilityModel{});
  run_column_step(state, scatter(t, 64), [&](detail::ViewshedScratch& scratch, const Site& s) {
    const int c = static_cast<int>(t.geometry().col_of(s.x_m)), r = static_cast<int>(t.geometry().row_of(s.y_m));
    detail::viewshed_local(t, c, r, t.elevation_m(c, r) + 2.f, g, scratch, true);
    std::int64_t cells = 0;
    for (float v : scratch.out) cells += !std::isnan(v);
    return cells;
  });
}

// As the union runs it: on the void-padded grid and its transpose, made once per union
// (detail::make_padded_terrain, outside the timing), so no site copies or transposes its window,
// and without the NaN fill of out-of-range cells (the union masks them). Sites are kept a full
// range from the edges, so every one has all its in-range cells.
void BM_KernelPadded(benchmark::State& state) {
  const Terrain& t = dem(1000);
  const detail::ViewshedGeometry g = detail::make_viewshed_geometry(t.cell_size_m(), 6000, VisibilityModel{});
  const detail::PaddedTerrain padded = detail::make_padded_terrain(t, g.radius_cells);
  std::int64_t in_range = 0;  // per site
  for (int dy = -g.radius_cells; dy <= g.radius_cells; ++dy)
    for (int dx = -g.radius_cells; dx <= g.radius_cells; ++dx) in_range += detail::offset_in_range(dx, dy, t.cell_size_m(), 6000);
  run_column_step(state, scatter(t, 64, t.width() - 2 * g.radius_cells - 2), [&](detail::ViewshedScratch& scratch, const Site& s) {
    const int c = static_cast<int>(t.geometry().col_of(s.x_m)), r = static_cast<int>(t.geometry().row_of(s.y_m));
    detail::viewshed_local_view(padded.view(c, r), t.elevation_m(c, r) + 2.f, g, scratch, false);
    return in_range;
  });
}

void BM_ViewshedReference(benchmark::State& state) { run_single(state, true); }
BENCHMARK(BM_ViewshedFast)->Arg(2000)->Arg(6000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ViewshedReference)->Arg(2000)->Arg(6000)->Unit(benchmark::kMillisecond)->Iterations(3);
// Every column step, in one run (a step this CPU lacks reports an error and is skipped).
void every_column_step(benchmark::internal::Benchmark* b) {
  using Path = detail::ViewshedScratch::Path;
  for (Path p : {Path::kPortable, Path::kAvx128, Path::kAvx2, Path::kAvx512}) b->Arg(static_cast<int>(p));
  b->Unit(benchmark::kMillisecond);
}
BENCHMARK(BM_ColumnStep)->Apply(every_column_step);
BENCHMARK(BM_KernelPadded)->Apply(every_column_step);

SystemSpec igla_like() {
  SystemSpec s;
  s.name = "igla-s-like";
  s.max_range_m = 6000;
  s.min_range_m = 500;
  s.max_altitude_m = 3500;
  s.min_altitude_m = 10;
  return s;
}

void run_union(benchmark::State& state, int side, int n_sites, int threads, bool terrain_masking = true,
               int cluster_cells = 0) {
  const Terrain& t = dem(side);
  const std::vector<Site> sites = scatter(t, n_sites, cluster_cells);
  std::vector<AltitudeBand> bands;
  for (double a : {50.0, 150.0, 500.0, 1500.0, 3000.0}) bands.push_back({HeightReference::kAgl, a});
  UnionOptions o;
  o.threads = threads;
  o.terrain_masking = terrain_masking;
  for (auto _ : state) {
    auto u = engagement_union(t, sites, {igla_like()}, bands, VisibilityModel{}, o);
    benchmark::DoNotOptimize(u->site_count.data());
  }
  // Site-cells: in-range window cells per site (pi R^2 / cell^2, clipped at the DEM edge ignored).
  const double per_site = M_PI * 6000.0 * 6000.0 / (30.0 * 30.0);
  state.counters["sites_per_s"] = benchmark::Counter(static_cast<double>(n_sites) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["site_cells_per_s"] =
      benchmark::Counter(per_site * n_sites * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_Union(benchmark::State& state) {
  run_union(state, 1500, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
}
BENCHMARK(BM_Union)->Args({200, 1})->Args({200, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

// 200 sites packed into a 3 km square (100 x 100 cells) at the centre of the 1500^2 DEM.
void BM_UnionClustered(benchmark::State& state) {
  run_union(state, 1500, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)), true, 100);
}
BENCHMARK(BM_UnionClustered)->Args({200, 1})->Args({200, 2})->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ClaimScale(benchmark::State& state) { run_union(state, 3000, 5000, static_cast<int>(state.range(0))); }
BENCHMARK(BM_ClaimScale)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// The same without terrain masking: the envelope/band accumulation alone (no viewshed kernel), so
// the claim-scale time splits into kernel and union bookkeeping.
void BM_ClaimScaleEnvelopeOnly(benchmark::State& state) {
  run_union(state, 3000, 5000, static_cast<int>(state.range(0)), false);
}
BENCHMARK(BM_ClaimScaleEnvelopeOnly)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace skycover

// main(): all bench/*.cpp link into one skycover_bench binary; BENCHMARK_MAIN() is in raid_bench.cpp.
