// Union of many sites' engagement volumes over the terrain grid.
//
// Parallel scheme (deterministic for any thread count): sites run in parallel (TBB, dynamic load
// balancing), in Z-order of their cells so consecutive windows overlap in cache. Every update of
// the shared grids is a per-cell minimum or a saturating +1, which give the same bytes in any
// order; the only hazard is two threads updating one cell at the same moment, which a mutex per
// 32-row x 4096-column tile of the grid prevents (a site takes the tiles of its window one at a time, so
// there is no lock ordering and no deadlock). No atomics per cell, no per-thread grid copies.
#include "skycover/visibility/engagement_union.hpp"

#include "skycover/core/interrupt.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <mutex>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>


#include "../core/huge_page_allocator.hpp"
#include "skycover/systems/envelope.hpp"
#include "union_fold.hpp"
#include "viewshed_kernel.hpp"

namespace skycover {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Per system: the viewshed geometry for its range and, per window offset, the envelope's
// |dz| bounds (exactly the expressions of envelope_agl_intervals, so results are identical).
struct SystemTables {
  detail::ViewshedGeometry geometry;
  std::vector<float> dz_max;  // (2R+1)^2; NaN beyond max range
  std::vector<float> dz_min;  // 0 beyond min range
  std::vector<int> half_width;  // per window row (dy + R): largest |dx| within max range
  std::vector<char> in_min_range;  // per window row: whether any cell of it is within min range
};

SystemTables make_tables(const SystemSpec& s, double cell_size_m, const VisibilityModel& model, int max_radius_cells) {
  SystemTables t;
  t.geometry = detail::make_viewshed_geometry(cell_size_m, s.max_range_m, model, max_radius_cells);
  const int radius = t.geometry.radius_cells, n = t.geometry.side();
  t.dz_max.assign(static_cast<std::size_t>(n) * n, std::numeric_limits<float>::quiet_NaN());
  t.dz_min.assign(static_cast<std::size_t>(n) * n, 0.f);
  t.half_width.assign(n, -1);
  t.in_min_range.assign(n, 0);
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      if (!detail::offset_in_range(dx, dy, cell_size_m, s.max_range_m)) continue;
      t.half_width[dy + radius] = std::max(t.half_width[dy + radius], std::abs(dx));
      const double d = cell_size_m * std::sqrt(static_cast<double>(dx) * dx + static_cast<double>(dy) * dy);
      const std::size_t k = static_cast<std::size_t>(dy + radius) * n + (dx + radius);
      t.dz_max[k] = static_cast<float>(std::sqrt(s.max_range_m * s.max_range_m - d * d));
      t.dz_min[k] = static_cast<float>(d < s.min_range_m ? std::sqrt(s.min_range_m * s.min_range_m - d * d) : 0.0);
      if (t.dz_min[k] != 0.f) t.in_min_range[dy + radius] = 1;
    }
  return t;
}

struct Band {
  bool msl;
  double altitude_m;
};

// Grid tiles guarded by one mutex each: bands of 32 rows, as wide as the grid up to 4,096 columns.
// Long row segments let the hardware prefetchers run (128-column tiles cost 25 % more time at the
// claim's scale: bench/RESULTS.md); threads work on far-apart parts of the Z-order curve, so two
// rarely want the same band.
constexpr int kLockRows = 32, kLockCols = 4096;

struct Accumulator {
  const Terrain& terrain;
  TileRect out;  // the cells the grids below hold, in the terrain's (col, row)
  const std::vector<Band>& bands;
  float* lowest;
  std::vector<std::uint16_t*> counts;
  std::vector<std::mutex>* locks;  // one per kLockRows x kLockCols tile of `out`, row-major
  std::size_t lock_cols;
  detail::FoldRowFn fold;  // union_fold's widest loop this CPU runs (asked once per run, not per row)
};

// Sites folded into the grids together (see accumulate_batch). 4 measured best at the claim's
// scale (2, 8 and 16 were no better: bench/RESULTS.md).
constexpr std::size_t kBatch = 4;

// Per-thread buffers: the viewshed kernel's (one per site of a batch), and a window row of zeros.
struct ThreadScratch {
  std::array<detail::ViewshedScratch, kBatch> viewshed;
  std::vector<float> zeros;  // the "line of sight clear" window row
};

// One site's contribution, with its per-site constants. Float throughout (8 SIMD lanes): at
// elevations of a few km float resolves ~0.25 mm.
struct SiteJob {
  const SystemTables* tab = nullptr;
  int ec = 0, er = 0;          // the eye's cell
  float h_floor = 0;           // system minimum altitude (AGL)
  float ceiling_msl = 0;       // site ground + system maximum altitude
  float eye = 0;               // eye elevation (MSL)
  const float* vis = nullptr;  // (2R+1)^2 window of minimum visible heights, or null: line of sight clear
};

// Fold one window row segment [seg_lo, seg_hi] of grid row `row` of one site into the grids
// (union_fold.hpp); bands [b0, b1) are counted (and the lowest height updated when b0 == 0).
// `zeros` is a window row of zeros, the "line of sight clear" figure when job.vis is null.
void fold_segment(const Accumulator& acc, const SiteJob& job, const float* zeros, int row, int seg_lo, int seg_hi,
                  std::size_t b0, std::size_t b1) {
  const SystemTables& tab = *job.tab;
  const int radius = tab.geometry.radius_cells, n = tab.geometry.side();
  const std::size_t window_row = static_cast<std::size_t>(row - job.er + radius);
  const std::size_t lk = window_row * n + static_cast<std::size_t>(seg_lo - job.ec + radius);  // window offset
  const std::size_t cell0 = static_cast<std::size_t>(row - acc.out.row0) * static_cast<std::size_t>(acc.out.width) +
                            static_cast<std::size_t>(seg_lo - acc.out.col0);  // offset in the output grids
  detail::RowFold r;
  r.seg_w = seg_hi - seg_lo + 1;
  r.z = acc.terrain.elevations_m().data() + acc.terrain.index(seg_lo, row);
  r.v = job.vis ? job.vis + lk : zeros;
  r.dz_max = tab.dz_max.data() + lk, r.dz_min = tab.dz_min.data() + lk;
  r.lowest = b0 == 0 && acc.lowest ? acc.lowest + cell0 : nullptr;
  r.n_bands = b1 - b0;
  for (std::size_t q = 0; q < r.n_bands; ++q) {
    r.count[q] = acc.counts[b0 + q] + cell0;
    r.alt[q] = static_cast<float>(acc.bands[b0 + q].altitude_m);
    r.msl[q] = acc.bands[b0 + q].msl;
  }
  r.eye = job.eye, r.ceiling_msl = job.ceiling_msl, r.h_floor = job.h_floor;
  r.one_interval = !tab.in_min_range[window_row];
  acc.fold(r);
}

// Fold a batch of sites into the grids, one lock tile at a time (never two locks held: no
// deadlock) and, within a tile, row by row with every site of the batch on that row before the
// next row: the grid row (lowest height and band counts) then stays in L1 across the batch, so
// the grids' memory traffic is paid once per batch instead of once per site. The order of the
// updates cannot change a byte (per-cell minimum, saturating +1).
void accumulate_batch(const Accumulator& acc, const SiteJob* jobs, std::size_t n_jobs, ThreadScratch& ts) {
  const TileRect& o = acc.out;
  int r_lo = o.row_end(), r_hi = o.row0 - 1, c_lo = o.col_end(), c_hi = o.col0 - 1, side = 0;
  for (std::size_t q = 0; q < n_jobs; ++q) {
    const int radius = jobs[q].tab->geometry.radius_cells;
    r_lo = std::min(r_lo, std::max(o.row0, jobs[q].er - radius));
    r_hi = std::max(r_hi, std::min(o.row_end() - 1, jobs[q].er + radius));
    c_lo = std::min(c_lo, std::max(o.col0, jobs[q].ec - radius));
    c_hi = std::max(c_hi, std::min(o.col_end() - 1, jobs[q].ec + radius));
    side = std::max(side, jobs[q].tab->geometry.side());
  }
  if (r_lo > r_hi || c_lo > c_hi) return;  // no site of the batch reaches the output cells
  if (ts.zeros.size() < static_cast<std::size_t>(side)) ts.zeros.assign(side, 0.f);
  const std::size_t nb = acc.bands.size();
  // Lock tiles are counted from the output's corner.
  for (int tr = (r_lo - o.row0) / kLockRows; tr <= (r_hi - o.row0) / kLockRows; ++tr)
    for (int tc = (c_lo - o.col0) / kLockCols; tc <= (c_hi - o.col0) / kLockCols; ++tc) {
      const std::lock_guard<std::mutex> lock(
          (*acc.locks)[static_cast<std::size_t>(tr) * acc.lock_cols + static_cast<std::size_t>(tc)]);
      const int seg_lo = std::max(c_lo, o.col0 + tc * kLockCols);
      const int seg_hi = std::min(c_hi, o.col0 + tc * kLockCols + kLockCols - 1);
      const int row_lo = std::max(r_lo, o.row0 + tr * kLockRows), row_hi = std::min(r_hi, o.row0 + tr * kLockRows + kLockRows - 1);
      for (int row = row_lo; row <= row_hi; ++row)
        for (std::size_t q = 0; q < n_jobs; ++q) {
          const SiteJob& job = jobs[q];
          const int radius = job.tab->geometry.radius_cells;
          if (row < job.er - radius || row > job.er + radius) continue;
          // Only the row's chord of the range disc: cells beyond max range (dz_max NaN) could
          // add nothing, so skipping them changes no byte and saves ~22 % of the cells.
          const int hw = job.tab->half_width[static_cast<std::size_t>(row - job.er + radius)];
          const int lo = std::max(seg_lo, job.ec - hw), hi = std::min(seg_hi, job.ec + hw);
          if (lo > hi) continue;
          std::size_t b0 = 0;
          do {  // usually one pass: all bands at once
            const std::size_t b1 = std::min(nb, b0 + detail::kMaxFoldBands);
            fold_segment(acc, job, ts.zeros.data(), row, lo, hi, b0, b1);
            b0 = b1;
          } while (b0 < nb);
        }
    }
}

Status validate(const Terrain& terrain, const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                const std::vector<AltitudeBand>& bands, const VisibilityModel& model) {
  if (terrain.width() <= 0 || terrain.height() <= 0) return Status::Invalid("engagement union: the terrain is empty");
  if (!(model.earth_radius_m > 0) || !std::isfinite(model.refraction_k))
    return Status::Invalid("engagement union: earth_radius_m must be > 0 and refraction_k finite");
  for (std::size_t i = 0; i < systems.size(); ++i) {
    const SystemSpec& s = systems[i];
    if (!(s.max_range_m > 0) || !std::isfinite(s.max_range_m) || !(s.min_range_m >= 0) ||
        s.min_range_m > s.max_range_m || !std::isfinite(s.min_altitude_m) || !std::isfinite(s.max_altitude_m))
      return Status::Invalid(fmt::format(
          "engagement union: system '{}' (systems[{}]) needs 0 <= min_range_m <= max_range_m, max_range_m > 0 and "
          "finite altitudes (got ranges {}..{} m, altitudes {}..{} m)",
          s.name, i, s.min_range_m, s.max_range_m, s.min_altitude_m, s.max_altitude_m));
    if (!detail::radius_fits(terrain.cell_size_m(), s.max_range_m, std::max(terrain.width(), terrain.height())))
      return Status::Invalid(fmt::format(
          "engagement union: system '{}' (systems[{}]) max_range_m {} m is {:.0f} cells of this {} m DEM; the "
          "viewshed kernel takes at most {} cells: use a coarser DEM (or a shorter range)",
          s.name, i, s.max_range_m, s.max_range_m / terrain.cell_size_m(), terrain.cell_size_m(),
          detail::kMaxRadiusCells));
  }
  for (std::size_t b = 0; b < bands.size(); ++b)
    if (!std::isfinite(bands[b].altitude_m))
      return Status::Invalid(fmt::format("engagement union: altitude band {} is not a finite number of metres", b));
  std::vector<std::string> bad;
  for (const Site& s : sites) {
    std::string why;
    if (s.system_index < 0 || s.system_index >= static_cast<int>(systems.size()))
      why = fmt::format("system_index {} (there are {} systems)", s.system_index, systems.size());
    else if (!std::isfinite(s.height_agl_m))
      why = "height_agl_m is not finite";
    else if (auto c = terrain.cell_of(s.x_m, s.y_m); !c)
      why = "off the DEM";
    else if (!terrain.is_valid(c->first, c->second))
      why = "on a nodata cell";
    if (!why.empty() && bad.size() < 10) bad.push_back(fmt::format("'{}' ({})", s.id, why));
    else if (!why.empty()) bad.push_back("...");
    if (bad.size() > 10) break;
  }
  if (!bad.empty())
    return Status::Invalid(fmt::format("engagement union: invalid sites: {}; fix their positions/system or drop them",
                                       fmt::join(bad, ", ")));
  return Status::Ok();
}

}  // namespace

namespace detail {
FoldRowFn widest_fold_row() {
#if SKYCOVER_UNION_HAVE_AVX2
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"))
    return fold_row_avx512;
  if (__builtin_cpu_supports("avx2")) return fold_row_avx2;
#endif
  return [](const RowFold& r) { fold_row(r); };  // this file's loop (SSE2, or AVX2 in -march=x86-64-v3 builds)
}
}  // namespace detail

int range_radius_cells(const SystemSpec& system, double cell_size_m, int max_radius_cells) {
  // As detail::make_viewshed_geometry sets ViewshedGeometry::radius_cells.
  return static_cast<int>(std::min(std::floor(system.max_range_m / cell_size_m), static_cast<double>(max_radius_cells)));
}

Result<EngagementUnion> engagement_union(const Terrain& terrain, const std::vector<Site>& sites,
                                         const std::vector<SystemSpec>& systems,
                                         const std::vector<AltitudeBand>& bands, const VisibilityModel& model,
                                         const UnionOptions& options) {
  SKYCOVER_RETURN_IF_ERROR(validate(terrain, sites, systems, bands, model));
  const TileRect out = options.output.value_or(terrain.geometry().full_rect());
  if (out.empty() || out.intersect(terrain.geometry().full_rect()) != out)
    return Status::Internal(fmt::format("engagement union: output {}x{} at ({}, {}) is not inside the {}x{} terrain",
                                        out.width, out.height, out.col0, out.row0, terrain.width(), terrain.height()));
  EngagementUnion u;
  if (options.recycle) u = std::move(*options.recycle);  // keeps the grids' capacity (assign below reuses it)
  u.geometry = terrain.geometry().window(out);
  u.bands = bands;
  const std::size_t cells = static_cast<std::size_t>(out.cell_count());
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  // The grids (~130 MB at the claim's scale) are allocated and first touched in parallel.
  u.site_count.resize(bands.size());
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, bands.size() + 1, [&](std::size_t k) {
      // Fresh grids are advised to huge pages before their first touch (no byte changes).
      auto fresh = [cells](auto& grid) {
        if (grid.capacity() >= cells) return;
        grid.reserve(cells);
        detail::advise_huge_pages(grid.data(), cells * sizeof(grid[0]));
      };
      if (k == 0 && options.lowest_height) {
        fresh(u.lowest_engageable_agl_m);
        u.lowest_engageable_agl_m.assign(cells, kInf);
      } else if (k == 0) {
        u.lowest_engageable_agl_m.clear();  // keeps its capacity for a later union that recycles it
      } else {
        fresh(u.site_count[k - 1]);
        u.site_count[k - 1].assign(cells, 0);
      }
    });
  });

  std::vector<Band> band_list;
  for (const AltitudeBand& b : bands) band_list.push_back({b.reference == HeightReference::kMsl, b.altitude_m});
  const std::size_t lock_rows = static_cast<std::size_t>((out.height + kLockRows - 1) / kLockRows);
  const std::size_t lock_cols = static_cast<std::size_t>((out.width + kLockCols - 1) / kLockCols);
  std::vector<std::mutex> locks(lock_rows * lock_cols);
  float* lowest = options.lowest_height ? u.lowest_engageable_agl_m.data() : nullptr;
  Accumulator acc{terrain, out, band_list, lowest, {}, &locks, lock_cols, detail::widest_fold_row()};
  for (auto& c : u.site_count) acc.counts.push_back(c.data());

  // Tables per system actually used, and the sites whose range disc reaches the output cells.
  std::vector<std::optional<SystemTables>> tables(systems.size());
  std::vector<std::size_t> active;
  active.reserve(sites.size());
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const Site& s = sites[i];
    auto& t = tables[s.system_index];
    if (!t) t = make_tables(systems[s.system_index], terrain.cell_size_m(), model, std::max(terrain.width(), terrain.height()));
    const auto [c, r] = *terrain.cell_of(s.x_m, s.y_m);
    if (out.distance_cells(c, r) <= t->geometry.radius_cells) active.push_back(i);
  }

  // Visit sites along a Z-order (Morton) curve of their cells: consecutive windows overlap and the
  // grid rows they update stay in cache, and TBB's range splitting hands threads far-apart parts of
  // the curve, so they rarely wait for the same row band. The order cannot change the result.
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  order.reserve(active.size());
  for (const std::size_t i : active) {
    const auto [c, r] = *terrain.cell_of(sites[i].x_m, sites[i].y_m);
    order.emplace_back(z_order(c, r), i);
  }
  std::sort(order.begin(), order.end());

  // The viewshed kernel reads a void-padded copy of the grid and its transpose, made once here
  // (bytes identical to the per-site window copies they replace, so results are unchanged).
  // With clutter the rays see ground + clutter (Terrain::surface), while the eyes, the ceilings
  // and the fold's bands stay on the bare elevation (`terrain`).
  const bool clutter = options.terrain_masking && options.clutter && terrain.has_clutter() && !active.empty();
  detail::PaddedTerrain padded;
  if (options.terrain_masking && !options.use_reference_kernel) {
    int pad = 0;
    for (const auto& t : tables)
      if (t) pad = std::max(pad, t->geometry.radius_cells);
    // (Two branches: `clutter ? terrain.surface() : terrain` would copy the terrain when false.)
    if (clutter)
      arena.execute([&] { padded = detail::make_padded_terrain(terrain.surface(), pad); });
    else if (!active.empty())
      arena.execute([&] { padded = detail::make_padded_terrain(terrain, pad); });
  }
  const Terrain reference_surface = clutter && options.use_reference_kernel ? terrain.surface() : Terrain();
  const Terrain& rays = clutter && options.use_reference_kernel ? reference_surface : terrain;

  tbb::enumerable_thread_specific<ThreadScratch> scratch;
  std::atomic<std::int64_t> done{0};
  // Sites go in batches of kBatch consecutive ones along the curve (near each other): each
  // computes its viewshed into its own buffer, then the batch is folded in one pass over the rows.
  auto run_batch = [&](std::size_t first, std::size_t last) {
    if (interrupted()) return;  // Ctrl-C: skip the remaining batches (core/interrupt.hpp)
    ThreadScratch& ts = scratch.local();
    SiteJob jobs[kBatch];
    std::size_t n_jobs = 0;
    for (std::size_t k = first; k < last; ++k, ++n_jobs) {
      const Site& site = sites[order[k].second];
      const SystemSpec& sys = systems[site.system_index];
      const SystemTables& tab = *tables[site.system_index];
      // The eye stands on the terrain cell (launcher_position, shared with exposure and the viewshed).
      const LauncherPosition lp = *launcher_position(site, terrain);
      SiteJob& job = jobs[n_jobs];
      job.tab = &tab;
      job.ec = lp.col, job.er = lp.row;
      job.h_floor = static_cast<float>(sys.min_altitude_m);
      job.ceiling_msl = static_cast<float>(lp.ground_msl_m + sys.max_altitude_m);
      job.eye = static_cast<float>(lp.eye_msl_m);
      if (options.terrain_masking) {
        detail::ViewshedScratch& s = ts.viewshed[n_jobs];
        if (options.use_reference_kernel)
          detail::viewshed_local_reference(rays, lp.col, lp.row, lp.eye_msl_m, tab.geometry, model, s);
        else
          // Out-of-range cells are masked by the dz_max table (NaN beyond range) in fold_segment().
          detail::viewshed_local_view(padded.view(lp.col, lp.row), job.eye, tab.geometry, s, false);
        if (clutter) detail::add_clutter(terrain, lp.col, lp.row, tab.geometry.radius_cells, s.out.data());
        job.vis = s.out.data();
      }
    }
    accumulate_batch(acc, jobs, n_jobs, ts);
    for (std::size_t q = 0; q < n_jobs; ++q) {  // once per site, as documented
      const std::int64_t d = done.fetch_add(1) + 1;
      if (options.on_progress) options.on_progress(d);
    }
  };

  const std::size_t n_batches = (order.size() + kBatch - 1) / kBatch;
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n_batches, 1), [&](const tbb::blocked_range<std::size_t>& r) {
      for (std::size_t b = r.begin(); b != r.end(); ++b) run_batch(b * kBatch, std::min(order.size(), (b + 1) * kBatch));
    });
  });

  if (interrupted()) return interrupted_status();
  for (float& v : u.lowest_engageable_agl_m)
    if (v == kInf) v = std::numeric_limits<float>::quiet_NaN();
  return u;
}

}  // namespace skycover
