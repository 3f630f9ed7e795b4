#include "skycover/terrain/synthetic.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include <fmt/format.h>
#include <ogr_spatialref.h>
#include <tbb/blocked_range2d.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "skycover/core/random.hpp"

namespace skycover {
namespace {

// Each lattice value is a stateless hash of (seed, octave, i, j) (core/random.hpp), so the
// surface is identical for any thread count and any window.
constexpr auto mix = splitmix64;

double lattice(std::uint64_t seed, int octave, std::int64_t i, std::int64_t j) {
  const std::uint64_t h = mix(seed ^ mix(static_cast<std::uint64_t>(octave) ^ mix(static_cast<std::uint64_t>(i) ^
                                                                                 mix(static_cast<std::uint64_t>(j)))));
  return unit_from_hash(h) * 2.0 - 1.0;  // [-1, 1)
}

// floor(x) for |x| < 2^31, exactly std::floor's value: truncation, then one down for negative
// fractions. The baseline x86-64 build has no SSE4.1 `roundsd`, so std::floor is a libm call per use
// (it cost more than the rest of a cell's arithmetic), and this form vectorises. Lattice
// coordinates stay far inside 2^31: |u| <= 1.5 * (grid side + 1) cells at the finest octave.
[[gnu::always_inline]] inline double floor_exact(double x) {
  const double t = static_cast<double>(static_cast<std::int32_t>(x));
  return t - static_cast<double>(t > x);  // branch-free, so the loop vectorises
}

[[gnu::always_inline]] inline double smoothstep(double t) { return t * t * t * (t * (t * 6 - 15) + 10); }  // Perlin's quintic fade

// fBm of ridged value noise (Musgrave's ridged multifractal, simplified): the largest feature
// spans ~12 km, octaves down to ~2 cells, so valleys and sharp ridges mask sight lines as real
// mountains do. Each octave's lattice is rotated by a further golden angle (2.39996 rad): value
// noise on an axis-aligned lattice shows its grid as north-south/east-west creases in a hillshade;
// rotating the octaves against each other breaks that alignment (standard practice, e.g. Quilez,
// "fBm", 2019).
constexpr double kBaseWavelengthM = 12000.0;
constexpr int kMaxOctaves = 40;

struct Octaves {
  int count = 1;
  std::array<double, kMaxOctaves> cos{}, sin{}, freq{}, amp{};
  double norm = 0;  // sum of the amplitudes, added in octave order
};

Octaves octaves_of(const SyntheticTerrainParams& p) {
  Octaves o;
  o.count = std::clamp(static_cast<int>(std::ceil(std::log2(kBaseWavelengthM / (2 * p.cell_size_m)))), 1, kMaxOctaves);
  double amp = 1, freq = 1.0 / kBaseWavelengthM;
  for (int k = 0; k < o.count; ++k) {
    o.cos[k] = std::cos(2.399963229728653 * (k + 1));
    o.sin[k] = std::sin(2.399963229728653 * (k + 1));
    o.freq[k] = freq;
    o.amp[k] = amp;
    o.norm += amp;
    amp *= p.roughness;
    freq *= 2;
  }
  return o;
}

// The pieces of one cell's fBm, shared by the per-cell definition (fbm_at) and the block generator
// so that both give the same bits (the build has no FMA contraction: -ffp-contract=off).
// Octave k's lattice coordinates of a cell centre (x, y), in metres from the grid's corner:
[[gnu::always_inline]] inline double lattice_u(const Octaves& o, int k, double x, double y) { return (x * o.cos[k] - y * o.sin[k]) * o.freq[k]; }
[[gnu::always_inline]] inline double lattice_v(const Octaves& o, int k, double x, double y) { return (x * o.sin[k] + y * o.cos[k]) * o.freq[k]; }
// Value noise: bilinear in the faded fractions (su, sv) between the nodes a (i, j), b (i+1, j),
// c (i, j+1) and d (i+1, j+1).
[[gnu::always_inline]] inline double noise(double a, double b, double c, double d, double su, double sv) {
  return (a + (b - a) * su) * (1 - sv) + (c + (d - c) * su) * sv;
}
// Octave k's contribution to the sum: smooth for the two largest features, ridged (sharp crests) after.
[[gnu::always_inline]] inline double smooth_term(double n) { return 0.5 * (n + 1); }
[[gnu::always_inline]] inline double ridged_term(double n) {
  const double ridged = 1.0 - std::abs(n);
  return ridged * ridged;
}

// The fBm value of one cell straight from the lattice hashes: the definition that the block
// generator reproduces bit for bit.
float fbm_cell(const SyntheticTerrainParams& p, const Octaves& o, int col, int row) {
  const double x = (col + 0.5) * p.cell_size_m, y = (row + 0.5) * p.cell_size_m;
  double sum = 0;
  for (int k = 0; k < o.count; ++k) {
    const double u = lattice_u(o, k, x, y), v = lattice_v(o, k, x, y);
    const double fu = floor_exact(u), fv = floor_exact(v);
    const auto i = static_cast<std::int64_t>(fu), j = static_cast<std::int64_t>(fv);
    const double n = noise(lattice(p.seed, k, i, j), lattice(p.seed, k, i + 1, j), lattice(p.seed, k, i, j + 1),
                           lattice(p.seed, k, i + 1, j + 1), smoothstep(u - fu), smoothstep(v - fv));
    sum += o.amp[k] * (k < 2 ? smooth_term(n) : ridged_term(n));
  }
  return static_cast<float>(sum / o.norm);
}

constexpr int kBlockCells = 256;  // generation block side: its lattice tables stay in L2

// One octave's lattice values around a block: node (i, j) at values[(j - j0) * ni + (i - i0)].
struct OctaveTable {
  std::int32_t i0, j0, ni;
  const double* values;
};

// sum[c] += octave k's term for the cells (col0 + c, row at y) of a row, c < n <= kBlockCells.
// Three loops: coordinates and fades (vectorised), the four node loads (gathers where the CPU has
// them), the noise and the sum (vectorised). Compiled twice, for AVX2 and for baseline x86-64, and
// chosen when the program loads (GCC's target_clones): the same IEEE operations in the same
// order, so both give the same bits (the helpers are inlined into each clone).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
[[gnu::target_clones("avx2", "default")]]
#endif
void add_octave_row(const Octaves& o, int k, const OctaveTable& t, int col0, int n, double cell_m, double y,
                    double* sum) {
  alignas(64) double su[kBlockCells], sv[kBlockCells], a[kBlockCells], b[kBlockCells], c[kBlockCells],
      d[kBlockCells];
  alignas(64) std::int32_t at[kBlockCells];
  for (int col = 0; col < n; ++col) {
    const double x = (col0 + col + 0.5) * cell_m;
    const double u = lattice_u(o, k, x, y), v = lattice_v(o, k, x, y);
    const double fu = floor_exact(u), fv = floor_exact(v);
    su[col] = smoothstep(u - fu);
    sv[col] = smoothstep(v - fv);
    at[col] = (static_cast<std::int32_t>(fv) - t.j0) * t.ni + (static_cast<std::int32_t>(fu) - t.i0);
  }
  for (int col = 0; col < n; ++col) {
    const double* node = t.values + at[col];
    a[col] = node[0], b[col] = node[1], c[col] = node[t.ni], d[col] = node[t.ni + 1];
  }
  const double amp = o.amp[k];
  if (k < 2) {
    for (int col = 0; col < n; ++col) sum[col] += amp * smooth_term(noise(a[col], b[col], c[col], d[col], su[col], sv[col]));
  } else {
    for (int col = 0; col < n; ++col) sum[col] += amp * ridged_term(noise(a[col], b[col], c[col], d[col], su[col], sv[col]));
  }
}

// fBm of every cell of `rect` (a block) into out[row * stride + col]. The lattice nodes the block
// touches are hashed once into a table per octave (a 256^2 block needs ~0.2 nodes per cell at the
// finest octave), instead of 4 hashes per cell per octave: the hashes were ~90 % of the time.
void fill_block(const SyntheticTerrainParams& p, const Octaves& o, const TileRect& rect, float* out,
                std::ptrdiff_t stride) {
  struct Table {
    std::int64_t i0 = 0, j0 = 0, ni = 0;
    std::vector<double> values;
  };
  // Reused by each thread from block to block: no heap traffic per block (worker threads'
  // allocations otherwise piled up in their malloc arenas over a country-sized run). Safe as
  // thread_local because a block runs no TBB work of its own: nothing else starts on this thread
  // until it returns.
  thread_local std::array<Table, kMaxOctaves> tables;
  for (int k = 0; k < o.count; ++k) {
    double u_lo = std::numeric_limits<double>::infinity(), u_hi = -u_lo, v_lo = u_lo, v_hi = u_hi;
    for (int col : {rect.col0, rect.col_end() - 1})
      for (int row : {rect.row0, rect.row_end() - 1}) {
        const double x = (col + 0.5) * p.cell_size_m, y = (row + 0.5) * p.cell_size_m;
        const double u = lattice_u(o, k, x, y), v = lattice_v(o, k, x, y);
        u_lo = std::min(u_lo, u), u_hi = std::max(u_hi, u), v_lo = std::min(v_lo, v), v_hi = std::max(v_hi, v);
      }
    // A node of margin on each side: a cell's (u, v) may round across an integer the corners' did not.
    Table& t = tables[k];
    t.i0 = static_cast<std::int64_t>(std::floor(u_lo)) - 1;
    t.j0 = static_cast<std::int64_t>(std::floor(v_lo)) - 1;
    t.ni = static_cast<std::int64_t>(std::floor(u_hi)) + 3 - t.i0;
    const std::int64_t nj = static_cast<std::int64_t>(std::floor(v_hi)) + 3 - t.j0;
    t.values.resize(static_cast<std::size_t>(t.ni * nj));
    for (std::int64_t jj = 0; jj < nj; ++jj)
      for (std::int64_t ii = 0; ii < t.ni; ++ii)
        t.values[static_cast<std::size_t>(jj * t.ni + ii)] = lattice(p.seed, k, t.i0 + ii, t.j0 + jj);
  }
  // Row by row, octave by octave along the row (add_octave_row), so each cell still adds its
  // octaves in order.
  alignas(64) double sum[kBlockCells];
  for (int r = 0; r < rect.height; ++r) {
    const double y = (rect.row0 + r + 0.5) * p.cell_size_m;
    std::fill_n(sum, rect.width, 0.0);
    for (int k = 0; k < o.count; ++k) {
      const Table& t = tables[k];
      add_octave_row(o, k, OctaveTable{static_cast<std::int32_t>(t.i0), static_cast<std::int32_t>(t.j0),
                                       static_cast<std::int32_t>(t.ni), t.values.data()},
                     rect.col0, rect.width, p.cell_size_m, y, sum);
    }
    float* line = out + r * stride;
    for (int col = 0; col < rect.width; ++col) line[col] = static_cast<float>(sum[col] / o.norm);
  }
}

// `fn(block)` for the 256^2 blocks of `rect`, in parallel.
template <class Fn>
void for_each_block(const TileRect& rect, const Fn& fn) {
  const int bc = (rect.width + kBlockCells - 1) / kBlockCells, br = (rect.height + kBlockCells - 1) / kBlockCells;
  tbb::parallel_for(tbb::blocked_range2d<int>(0, br, 1, 0, bc, 1), [&](const tbb::blocked_range2d<int>& r) {
    for (int by = r.rows().begin(); by < r.rows().end(); ++by)
      for (int bx = r.cols().begin(); bx < r.cols().end(); ++bx) {
        const int c0 = bx * kBlockCells, r0 = by * kBlockCells;
        fn(TileRect{rect.col0 + c0, rect.row0 + r0, std::min(kBlockCells, rect.width - c0),
                    std::min(kBlockCells, rect.height - r0)});
      }
  });
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

SyntheticSurface::SyntheticSurface(const SyntheticTerrainParams& params)
    : params_(params), geometry_(synthetic_geometry(params)) {
  const Octaves o = octaves_of(params_);
  struct Range {
    float lo = std::numeric_limits<float>::infinity(), hi = -std::numeric_limits<float>::infinity();
  };
  const auto join = [](Range a, Range b) { return Range{std::min(a.lo, b.lo), std::max(a.hi, b.hi)}; };
  Range range;
  if (geometry_.cell_count() <= kExactNormalisationCells) {
    range = tbb::parallel_reduce(
        tbb::blocked_range<int>(0, (params_.height + kBlockCells - 1) / kBlockCells), Range{},
        [&](const tbb::blocked_range<int>& rows, Range acc) {
          std::vector<float> block(kBlockCells * kBlockCells);
          for (int by = rows.begin(); by < rows.end(); ++by)
            for (int c0 = 0; c0 < params_.width; c0 += kBlockCells) {
              const TileRect b{c0, by * kBlockCells, std::min(kBlockCells, params_.width - c0),
                               std::min(kBlockCells, params_.height - by * kBlockCells)};
              fill_block(params_, o, b, block.data(), b.width);
              const auto [lo, hi] = std::minmax_element(block.begin(), block.begin() + b.cell_count());
              acc = join(acc, Range{*lo, *hi});
            }
          return acc;
        },
        join);
  } else {
    constexpr int kSamples = 1024;
    range = tbb::parallel_reduce(
        tbb::blocked_range<int>(0, kSamples), Range{},
        [&](const tbb::blocked_range<int>& rows, Range acc) {
          for (int a = rows.begin(); a < rows.end(); ++a) {
            const int row = static_cast<int>((2 * std::int64_t{a} + 1) * params_.height / (2 * kSamples));
            for (int b = 0; b < kSamples; ++b) {
              const float f =
                  fbm_cell(params_, o, static_cast<int>((2 * std::int64_t{b} + 1) * params_.width / (2 * kSamples)), row);
              acc = join(acc, Range{f, f});
            }
          }
          return acc;
        },
        join);
  }
  fbm_lo_ = range.lo;
  fbm_span_ = std::max(1e-12, static_cast<double>(range.hi - range.lo));
}

float SyntheticSurface::fbm_at(int col, int row) const { return fbm_cell(params_, octaves_of(params_), col, row); }

void SyntheticSurface::fill(const TileRect& rect, float* out) const {
  const Octaves o = octaves_of(params_);
  for_each_block(rect, [&](const TileRect& block) {
    float* dst = out + static_cast<std::ptrdiff_t>(block.row0 - rect.row0) * rect.width + (block.col0 - rect.col0);
    fill_block(params_, o, block, dst, rect.width);
    for (int r = 0; r < block.height; ++r)
      for (float& v : std::span<float>(dst + static_cast<std::ptrdiff_t>(r) * rect.width, block.width))
        v = static_cast<float>(params_.base_elevation_m + params_.relief_m * (v - fbm_lo_) / fbm_span_);
  });
}

Terrain SyntheticSurface::read(const TileRect& rect) const {
  std::vector<float> z(static_cast<std::size_t>(rect.cell_count()));
  fill(rect, z.data());
  return Terrain(geometry_.window(rect), std::move(z));
}

Terrain make_synthetic_terrain(const SyntheticTerrainParams& params) {
  return SyntheticSurface(params).read(synthetic_geometry(params).full_rect());
}

namespace {

class SyntheticTerrainSource final : public TerrainSource {
 public:
  explicit SyntheticTerrainSource(const SyntheticTerrainParams& params) : surface_(params) {}
  const GridGeometry& geometry() const override { return surface_.geometry(); }
  Result<Terrain> read(const TileRect& rect) const override {
    SKYCOVER_RETURN_IF_ERROR(check(rect, rect.cell_count()));
    return surface_.read(rect);
  }
  Status read_into(const TileRect& rect, std::span<float> out) const override {
    SKYCOVER_RETURN_IF_ERROR(check(rect, static_cast<std::int64_t>(out.size())));
    surface_.fill(rect, out.data());
    return Status::Ok();
  }

 private:
  Status check(const TileRect& rect, std::int64_t buffer_cells) const {
    if (rect.empty() || rect.intersect(geometry().full_rect()) != rect || buffer_cells < rect.cell_count())
      return Status::Internal(fmt::format("synthetic terrain: window {}x{} at ({}, {}) is not inside the {}x{} grid "
                                          "(or its buffer of {} cells is too small)",
                                          rect.width, rect.height, rect.col0, rect.row0, geometry().width,
                                          geometry().height, buffer_cells));
    return Status::Ok();
  }
  SyntheticSurface surface_;
};

}  // namespace

std::unique_ptr<TerrainSource> make_synthetic_source(const SyntheticTerrainParams& params) {
  return std::make_unique<SyntheticTerrainSource>(params);
}

}  // namespace skycover
