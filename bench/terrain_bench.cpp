// Synthetic terrain generation speed (issue 14: `terrain synth` >= 50 M cells/s on 2 cores).
// Reports cells per second of SyntheticSurface::fill over a window of a country-sized grid
// (32000^2 cells of 30 m, normalised on its 1024^2 sample lattice), without any file writing.
#include <benchmark/benchmark.h>

#include <vector>

#include "skycover/terrain/synthetic.hpp"

namespace skycover {
namespace {

void BM_SyntheticWindow(benchmark::State& state) {
  SyntheticTerrainParams p;
  p.width = 32000;
  p.height = 32000;
  p.cell_size_m = 30;
  p.seed = 11;
  const SyntheticSurface surface(p);
  const int side = static_cast<int>(state.range(0));
  std::vector<float> out(static_cast<std::size_t>(side) * side);
  for (auto _ : state) {
    surface.fill(TileRect{12000, 12000, side, side}, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["cells_per_s"] =
      benchmark::Counter(static_cast<double>(side) * side, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SyntheticWindow)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace skycover
