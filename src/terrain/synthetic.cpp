#include "skycover/terrain/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <ogr_spatialref.h>
#include <tbb/parallel_for.h>

#include "skycover/core/random.hpp"

namespace skycover {
namespace {

// Each lattice value is a stateless hash of (seed, octave, i, j) (core/random.hpp), so the
// surface is identical for any thread count.
constexpr auto mix = splitmix64;

double lattice(std::uint64_t seed, int octave, std::int64_t i, std::int64_t j) {
  const std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(octave) ^ mix(static_cast<std::uint64_t>(i) ^
                                                                                 mix(static_cast<std::uint64_t>(j)))));
  return unit_from_hash(h) * 2.0 - 1.0;  // [-1, 1)
}

double smoothstep(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }  // Perlin's quintic fade

// Value noise at continuous lattice coordinates.
double value_noise(std::uint64_t seed, int octave, double u, double v) {
  const double fu = std::floor(u), fv = std::floor(v);
  const auto i = static_cast<std::int64_t>(fu);
  const auto j = static_cast<std::int64_t>(fv);
  const double su = smoothstep(u - fu), sv = smoothstep(v - fv);
  const double a = lattice(seed, octave, i, j), b = lattice(seed, octave, i + 1, j);
  const double c = lattice(seed, octave, i, j + 1), d = lattice(seed, octave, i + 1, j + 1);
  return (a + (b - a) * su) * (1 - sv) + (c + (d - c) * su) * sv;
}

}  // namespace

Status check_synthetic_size(const SyntheticTerrainParams& p, const std::string& context) {
  const std::int64_t cells = std::int64_t{p.width} * p.height;
  if (cells <= kMaxSyntheticCells) return Status::Ok();
  return Status::Invalid(fmt::format("{}: {} x {} = {} cells is more than the {} synthetic cells allowed ({:.1f} GB "
                                     "of elevations); use fewer, larger cells (raise the cell size and lower width "
                                     "and height), or a real DEM",
                                     context, p.width, p.height, cells, kMaxSyntheticCells,
                                     static_cast<double>(cells) * sizeof(float) / 1e9));
}

GridGeometry synthetic_geometry(const SyntheticTerrainParams& p) {
  GridGeometry g;
  g.width = p.width;
  g.height = p.height;
  g.cell_size_m = p.cell_size_m;
  g.origin_x_m = p.origin_x_m;
  g.origin_y_m = p.origin_y_m;
  if (p.epsg > 0) {
    OGRSpatialReference srs;
    if (srs.importFromEPSG(p.epsg) == OGRERR_NONE) {
      char* wkt = nullptr;
      const char* opts[] = {"FORMAT=WKT2_2019", nullptr};
      srs.exportToWkt(&wkt, opts);
      g.crs_wkt = wkt ? wkt : "";
      CPLFree(wkt);
    }
  }
  return g;
}

Terrain make_synthetic_terrain(const SyntheticTerrainParams& p) {
  GridGeometry g = synthetic_geometry(p);
  // fBm of ridged value noise (Musgrave's ridged multifractal, simplified): the largest
  // feature spans ~12 km, octaves down to ~2 cells, so valleys and sharp ridges mask sight lines
  // as real mountains do.
  const double base_wavelength_m = 12000.0;
  const int octaves = std::max(1, static_cast<int>(std::ceil(std::log2(base_wavelength_m / (2 * p.cell_size_m)))));
  // Each octave's lattice is rotated by a further golden angle (2.39996 rad): value noise on an
  // axis-aligned lattice shows its grid as north-south/east-west creases in a hillshade; rotating
  // the octaves against each other breaks that alignment (standard practice, e.g. Quilez,
  // "fBm", 2019).
  std::vector<double> cos_o(octaves), sin_o(octaves);
  for (int o = 0; o < octaves; ++o) {
    cos_o[o] = std::cos(2.399963229728653 * (o + 1));
    sin_o[o] = std::sin(2.399963229728653 * (o + 1));
  }
  std::vector<float> z(static_cast<std::size_t>(p.width) * p.height);
  tbb::parallel_for(0, p.height, [&](int row) {
    for (int col = 0; col < p.width; ++col) {
      const double x = (col + 0.5) * p.cell_size_m, y = (row + 0.5) * p.cell_size_m;
      double sum = 0, amp = 1, norm = 0, freq = 1.0 / base_wavelength_m;
      for (int o = 0; o < octaves; ++o) {
        const double u = (x * cos_o[o] - y * sin_o[o]) * freq, v = (x * sin_o[o] + y * cos_o[o]) * freq;
        const double n = value_noise(p.seed, o, u, v);
        const double ridged = 1.0 - std::abs(n);  // sharp crests
        sum += amp * (o < 2 ? 0.5 * (n + 1) : ridged * ridged);
        norm += amp;
        amp *= p.roughness;
        freq *= 2;
      }
      z[static_cast<std::size_t>(row) * p.width + col] = static_cast<float>(sum / norm);
    }
  });
  const auto [lo, hi] = std::minmax_element(z.begin(), z.end());
  const double lo_v = *lo, span = std::max(1e-12, static_cast<double>(*hi - *lo));
  for (float& v : z) v = static_cast<float>(p.base_elevation_m + p.relief_m * (v - lo_v) / span);
  return Terrain(std::move(g), std::move(z));
}

}  // namespace skycover
