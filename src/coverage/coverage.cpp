#include "skycover/coverage/coverage.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "skycover/core/interrupt.hpp"
#include "skycover/coverage/count_histogram.hpp"
#include "skycover/coverage/elevation_sum.hpp"
#include "skycover/grid/tiling.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <optional>
#include <cmath>
#include <numbers>

namespace skycover {

const char* height_reference_name(HeightReference reference) {
  return reference == HeightReference::kAgl ? "agl" : "msl";
}

std::vector<AltitudeBand> analysis_bands(const AnalysisSpec& analysis) {
  std::vector<AltitudeBand> bands;
  for (double h : analysis.bands_agl_m) bands.push_back({HeightReference::kAgl, h});
  for (double h : analysis.bands_msl_m) bands.push_back({HeightReference::kMsl, h});
  return bands;
}

VisibilityModel analysis_visibility(const AnalysisSpec& analysis) {
  VisibilityModel m;
  m.refraction_k = analysis.refraction_k;
  return m;
}

double flat_reach_area_km2(const SystemSpec& system, const Site& site, double target_agl_m) {
  // On flat ground the ceiling (above the site's ground) and the floor (above the target's ground)
  // both apply to the same height.
  if (target_agl_m < system.min_altitude_m || target_agl_m > system.max_altitude_m) return 0.0;
  const double dz = target_agl_m - site.height_agl_m;
  const double outer = std::max(0.0, system.max_range_m * system.max_range_m - dz * dz);
  const double inner = std::max(0.0, system.min_range_m * system.min_range_m - dz * dz);
  return std::numbers::pi * (outer - inner) * 1e-6;
}

double flat_expected_fraction(const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                              const AltitudeBand& band, double area_km2) {
  if (!(area_km2 > 0)) return 0.0;
  double sum_km2 = 0;  // sequential sum in site order: deterministic
  for (const auto& s : sites) {
    const double h = band.reference == HeightReference::kAgl ? band.altitude_m : band.altitude_m - s.ground_msl_m;
    sum_km2 += flat_reach_area_km2(systems.at(static_cast<std::size_t>(s.system_index)), s, h);
  }
  return 1.0 - std::exp(-sum_km2 / area_km2);
}

std::vector<Site> sites_inside_area(const std::vector<Site>& sites, const AreaMask& area) {
  std::vector<Site> inside;
  for (const auto& s : sites) {
    const double c = std::floor(area.geometry.col_of(s.x_m)), r = std::floor(area.geometry.row_of(s.y_m));
    if (c >= 0 && r >= 0 && c < area.geometry.width && r < area.geometry.height &&
        area.contains(static_cast<int>(c), static_cast<int>(r)))
      inside.push_back(s);
  }
  return inside;
}

double mean_area_elevation_m(const Terrain& terrain, const AreaMask& area) {
  ElevationSum sum;
  sum.add(terrain, area);
  return sum.mean_m();
}

namespace {

Status check_bands_and_systems(const std::vector<AltitudeBand>& bands, const std::vector<Site>& sites,
                               const std::vector<SystemSpec>& systems) {
  if (bands.empty()) {
    return Status::Invalid("coverage: no altitude bands; set [analysis] bands_agl_m = [50, 150, ...] (or bands_msl_m)");
  }
  for (const auto& s : sites) {
    if (s.system_index < 0 || s.system_index >= static_cast<int>(systems.size())) {
      return Status::Internal(fmt::format("coverage: site {} refers to system {} of {}", s.id, s.system_index,
                                          systems.size()));
    }
  }
  return Status::Ok();
}

// Add the histogram of band `b` of a tile's union over the tile's area cells into `hist`.
void add_band_histogram(const EngagementUnion& u, std::size_t b, const AreaMask& area, std::vector<std::int64_t>& hist) {
  const auto& counts = u.site_count[b];
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (!area.inside[i]) continue;
    const std::size_t k = counts[i];
    if (k >= hist.size()) hist.resize(k + 1, 0);
    ++hist[k];
  }
}

// All bands' histograms of a tile's union, added into hists[b]. Rows in parallel, each chunk
// counting into its own full-range (65,536-bin) histograms (add_count_histogram), merged after:
// integer sums, the same for any split. Bins past the largest count are trimmed.
void add_band_histograms(const EngagementUnion& u, const AreaMask& area, std::vector<std::vector<std::int64_t>>& hists,
                         tbb::task_arena& arena) {
  const int w = u.geometry.width, h = u.geometry.height;
  const std::size_t nb = u.site_count.size();
  using Hists = std::vector<std::vector<std::int64_t>>;
  tbb::enumerable_thread_specific<Hists> local([&] { return Hists(nb, std::vector<std::int64_t>(65536, 0)); });
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, h, 64), [&](const tbb::blocked_range<int>& rows) {
      Hists& mine = local.local();
      const std::size_t i0 = static_cast<std::size_t>(rows.begin()) * w, i1 = static_cast<std::size_t>(rows.end()) * w;
      for (std::size_t b = 0; b < nb; ++b)
        add_count_histogram(std::span(u.site_count[b]).subspan(i0, i1 - i0), std::span(area.inside).subspan(i0, i1 - i0),
                            mine[b]);
    });
  });
  for (const Hists& mine : local)
    for (std::size_t b = 0; b < nb; ++b) {
      std::size_t top = mine[b].size();
      while (top > 1 && mine[b][top - 1] == 0) --top;
      auto& into = hists[b];
      if (into.size() < top) into.resize(top, 0);
      for (std::size_t k = 0; k < top; ++k) into[k] += mine[b][k];
    }
}

BandCoverage band_from_histogram(const AltitudeBand& band, std::vector<std::int64_t> hist, double cell_km2) {
  BandCoverage b;
  b.band = band;
  if (hist.empty()) hist.assign(1, 0);
  for (std::int64_t n : hist) b.area_cells += n;
  b.covered_cells = b.area_cells - hist[0];
  b.area_km2 = static_cast<double>(b.area_cells) * cell_km2;
  b.covered_km2 = static_cast<double>(b.covered_cells) * cell_km2;
  b.fraction = b.area_cells > 0 ? static_cast<double>(b.covered_cells) / static_cast<double>(b.area_cells) : 0.0;
  b.multiplicity = std::move(hist);
  return b;
}

// A site's cell on the grid, or nullopt off it (Terrain::cell_of's rule).
std::optional<std::pair<int, int>> site_cell(const GridGeometry& g, const Site& s) {
  const double c = std::floor(g.col_of(s.x_m)), r = std::floor(g.row_of(s.y_m));
  if (!(c >= 0 && r >= 0 && c < g.width && r < g.height)) return std::nullopt;
  return std::make_pair(static_cast<int>(c), static_cast<int>(r));
}

// Sites off the grid: the union's own message (it sees only a window, so it cannot tell).
Status check_sites_on_grid(const GridGeometry& g, const std::vector<Site>& sites) {
  std::vector<std::string> bad;
  for (const Site& s : sites) {
    if (site_cell(g, s)) continue;
    bad.push_back(bad.size() < 10 ? fmt::format("'{}' (off the DEM)", s.id) : "...");
    if (bad.size() > 10) break;
  }
  if (bad.empty()) return Status::Ok();
  return Status::Invalid(fmt::format("engagement union: invalid sites: {}; fix their positions/system or drop them",
                                     fmt::join(bad, ", ")));
}

// An area mask as runs of inside cells, (row, first, last) triples in its own cells, and back:
// what a tile keeps for its flat run (a few bytes per row, not a byte per cell).
std::vector<std::int32_t> mask_runs(const AreaMask& area) {
  std::vector<std::int32_t> runs;
  const int w = area.geometry.width;
  for (int r = 0; r < area.geometry.height; ++r)
    for_each_run(area.inside.data() + static_cast<std::size_t>(r) * static_cast<std::size_t>(w), w,
                 [&](int c0, int c1) { runs.insert(runs.end(), {r, c0, c1}); });
  return runs;
}

AreaMask mask_from_runs(const GridGeometry& geometry, const std::vector<std::int32_t>& runs) {
  AreaMask area;
  area.geometry = geometry;
  area.inside.assign(static_cast<std::size_t>(geometry.cell_count()), 0);
  for (std::size_t i = 0; i + 2 < runs.size(); i += 3) {
    auto* row = area.inside.data() + static_cast<std::size_t>(runs[i]) * static_cast<std::size_t>(geometry.width);
    std::fill(row + runs[i + 1], row + runs[i + 2], std::uint8_t{1});
  }
  return area;
}

// One tile: its window, the sites that reach it (moved to their cell centres, so that the
// window's own geometry puts them on the same cell as the whole grid's), and its progress weight.
struct TileWork {
  std::vector<Site> sites;
  std::vector<std::size_t> owned;  // indices (into the inputs' sites) of the sites standing on the tile
};

struct Histograms {
  std::vector<std::vector<std::int64_t>> masked, clear, flat, bare;  // [band][k]; bare: with clutter only
  // Mixed readiness: per band, the sum over area cells of the engageable probability in units of
  // 2^-30 (one integer per cell, so the sum is the same for any tiling and rank count).
  std::vector<std::int64_t> engageable;
};

// Fixed-point scale of the per-cell engageable probability (2^30: 8.6e9 cells of 1.0 fit an int64).
constexpr double kEngageableScale = 1073741824.0;

// Folds `part` (the union of some sites over the same cells) into `all`: the per-cell minimum of
// the lowest engageable height (NaN = none) and saturating sums of the band counts, as one run
// over both sets of sites gives (the fold's count saturates at 65,535 too).
void merge_union(EngagementUnion& all, const EngagementUnion& part) {
  for (std::size_t i = 0; i < all.lowest_engageable_agl_m.size(); ++i) {
    const float a = all.lowest_engageable_agl_m[i], b = part.lowest_engageable_agl_m[i];
    if (std::isnan(a) || b < a) all.lowest_engageable_agl_m[i] = b;
  }
  for (std::size_t b = 0; b < all.site_count.size(); ++b)
    for (std::size_t i = 0; i < all.site_count[b].size(); ++i)
      all.site_count[b][i] = static_cast<std::uint16_t>(
          std::min<std::uint32_t>(0xFFFF, std::uint32_t{all.site_count[b][i]} + part.site_count[b][i]));
}

// Mixed readiness: `parts[c]` is the union of the sites of readiness class c (null: none reach the
// tile); `ready_pow[c][k]` = (1 - a_c)^k. Adds per band, over area cells, round(2^30 (1 - prod_c
// (1 - a_c)^k_c)): the probability that at least one of the k_c sites of each class is ready.
void add_engageable(const std::vector<const EngagementUnion*>& parts, const std::vector<std::vector<double>>& ready_pow,
                    const AreaMask& area, std::vector<std::int64_t>& sums, tbb::task_arena& arena) {
  const EngagementUnion* any = nullptr;
  for (const auto* p : parts) any = p ? p : any;
  if (!any) return;
  const std::size_t nb = sums.size();
  const int w = any->geometry.width, h = any->geometry.height;
  tbb::enumerable_thread_specific<std::vector<std::int64_t>> local([&] { return std::vector<std::int64_t>(nb, 0); });
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(0, h, 64), [&](const tbb::blocked_range<int>& rows) {
      std::vector<std::int64_t>& mine = local.local();
      for (std::size_t b = 0; b < nb; ++b)
        for (std::size_t i = static_cast<std::size_t>(rows.begin()) * w; i < static_cast<std::size_t>(rows.end()) * w; ++i) {
          if (!area.inside[i]) continue;
          double none_ready = 1.0;
          for (std::size_t c = 0; c < parts.size(); ++c)
            if (parts[c]) none_ready *= ready_pow[c][parts[c]->site_count[b][i]];
          mine[b] += std::llround((1.0 - none_ready) * kEngageableScale);
        }
    });
  });
  for (const auto& mine : local)
    for (std::size_t b = 0; b < nb; ++b) sums[b] += mine[b];
}

// Every rank's histograms and site-inside flags added up: integer sums, so the totals are the
// same bytes for any rank count (a tile is counted by exactly one rank).
Status reduce_over_ranks(Collective& world, Histograms& h, std::vector<char>& site_inside) {
  if (world.size() == 1) return Status::Ok();
  std::vector<std::vector<std::int64_t>*> all;
  for (auto* run : {&h.masked, &h.clear, &h.flat, &h.bare})
    for (auto& hist : *run) all.push_back(&hist);
  all.push_back(&h.engageable);
  std::vector<std::int64_t> lengths;
  for (const auto* hist : all) lengths.push_back(static_cast<std::int64_t>(hist->size()));
  SKYCOVER_RETURN_IF_ERROR(world.reduce(lengths, Collective::Op::kMax));
  std::vector<std::int64_t> flat;
  for (std::size_t i = 0; i < all.size(); ++i) {
    all[i]->resize(static_cast<std::size_t>(lengths[i]), 0);
    flat.insert(flat.end(), all[i]->begin(), all[i]->end());
  }
  SKYCOVER_RETURN_IF_ERROR(world.reduce(flat, Collective::Op::kSum));
  auto at = flat.begin();
  for (auto* hist : all) {
    std::copy_n(at, hist->size(), hist->begin());
    at += static_cast<std::ptrdiff_t>(hist->size());
  }
  std::vector<std::int64_t> inside(site_inside.begin(), site_inside.end());
  SKYCOVER_RETURN_IF_ERROR(world.reduce(inside, Collective::Op::kMax));
  std::copy(inside.begin(), inside.end(), site_inside.begin());
  return Status::Ok();
}

// Rank 0 receives every other rank's tiles of a whole-grid union (each rank filled its own tiles):
// per tile in order, the lowest heights then each band's counts, row by row.
Status gather_union_tiles(Collective& world, int tile_cells, EngagementUnion& whole) {
  const GridGeometry& g = whole.geometry;
  const TilePlan plan = make_tile_plan(g.width, g.height, tile_cells, 0);
  auto rows_of = [&](const TileRect& tile, auto&& each_row) {
    for (int r = 0; r < tile.height; ++r)
      each_row(static_cast<std::size_t>(tile.row0 + r) * static_cast<std::size_t>(g.width) +
               static_cast<std::size_t>(tile.col0));
  };
  ByteWriter mine;
  if (!world.is_root()) {
    for (int t = 0; t < plan.tile_count(); ++t) {
      if (tile_owner(t, world.size()) != world.rank()) continue;
      const TileRect tile = plan.tile(t);
      const auto w = static_cast<std::size_t>(tile.width);
      rows_of(tile, [&](std::size_t at) {
        mine.put_span(std::span<const float>(whole.lowest_engageable_agl_m).subspan(at, w));
      });
      for (const auto& counts : whole.site_count)
        rows_of(tile, [&](std::size_t at) { mine.put_span(std::span<const std::uint16_t>(counts).subspan(at, w)); });
    }
  }
  const Status gathered = world.gather(mine.bytes(), [&](int rank, std::span<const std::byte> bytes) -> Status {
    if (rank == 0) return Status::Ok();
    ByteReader in(bytes);
    bool ok = true;
    for (int t = 0; t < plan.tile_count() && ok; ++t) {
      if (tile_owner(t, world.size()) != rank) continue;
      const TileRect tile = plan.tile(t);
      rows_of(tile, [&](std::size_t at) {
        for (int c = 0; c < tile.width; ++c) ok = ok && in.get(whole.lowest_engageable_agl_m[at + c]);
      });
      for (auto& counts : whole.site_count)
        rows_of(tile, [&](std::size_t at) {
          for (int c = 0; c < tile.width; ++c) ok = ok && in.get(counts[at + c]);
        });
    }
    if (!ok || !in.done()) return Status::Internal(fmt::format("coverage: rank {} sent a union of the wrong size", rank));
    return Status::Ok();
  });
  return world.agree(gathered);
}

}  // namespace

BandCoverage summarize_band(const EngagementUnion& u, std::size_t band_index, const AreaMask& area) {
  std::vector<std::int64_t> hist;
  add_band_histogram(u, band_index, area, hist);
  return band_from_histogram(u.bands.at(band_index), std::move(hist), area.geometry.cell_area_km2());
}

Result<CoverageResult> compute_coverage(const TiledCoverageInputs& in, const CoverageOptions& options) {
  SKYCOVER_RETURN_IF_ERROR(check_bands_and_systems(in.bands, in.sites, in.systems));
  const GridGeometry& g = in.terrain.geometry();
  SKYCOVER_RETURN_IF_ERROR(check_sites_on_grid(g, in.sites));
  int radius = 0;
  const int cap = std::max(g.width, g.height);
  for (const Site& s : in.sites)
    radius = std::max(radius, range_radius_cells(in.systems[s.system_index], g.cell_size_m, cap));
  const TilePlan plan = make_tile_plan(g.width, g.height, options.tile_cells, 2 * radius);
  const int n_tiles = plan.tile_count();
  const std::size_t nb = in.bands.size();

  // Sites per tile: those whose range disc reaches it (Chebyshev distance <= their radius).
  std::vector<TileWork> work(static_cast<std::size_t>(n_tiles));
  for (std::size_t i = 0; i < in.sites.size(); ++i) {
    const Site& s = in.sites[i];
    const auto [col, row] = *site_cell(g, s);
    const int r = range_radius_cells(in.systems[s.system_index], g.cell_size_m, cap);
    Site centred = s;
    centred.x_m = g.cell_center_x_m(col);
    centred.y_m = g.cell_center_y_m(row);
    const int tx0 = std::max(0, (col - r) / plan.tile_cells), tx1 = std::min(plan.tiles_x() - 1, (col + r) / plan.tile_cells);
    const int ty0 = std::max(0, (row - r) / plan.tile_cells), ty1 = std::min(plan.tiles_y() - 1, (row + r) / plan.tile_cells);
    for (int ty = ty0; ty <= ty1; ++ty)
      for (int tx = tx0; tx <= tx1; ++tx) {
        TileWork& w = work[static_cast<std::size_t>(ty * plan.tiles_x() + tx)];
        w.sites.push_back(centred);
        if (plan.tile(ty * plan.tiles_x() + tx).contains(col, row)) w.owned.push_back(i);
      }
  }
  SoloCollective solo;
  Collective& world = options.collective ? *options.collective : solo;
  // With clutter, the split runs terrain masking once more without it (the clutter loss term).
  const bool split_clutter = options.split_masking && in.terrain.has_clutter();
  const int runs = options.split_masking ? (split_clutter ? 4 : 3) : 1;
  std::int64_t total = 0;  // this rank's site runs
  for (int t = 0; t < n_tiles; ++t)
    if (tile_owner(t, world.size()) == world.rank()) total += static_cast<std::int64_t>(work[static_cast<std::size_t>(t)].sites.size()) * runs;
  std::atomic<std::int64_t> done{0};

  CoverageResult result;
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  // The flat run's ground level, the mean elevation over the area, is summed from the tiles as
  // they are read; the flat runs come after the tile pass, so the DEM is read once. Each tile
  // with sites keeps its area mask as runs for them (a few bytes per row of a tile).
  ElevationSum elevation;
  std::vector<std::vector<std::int32_t>> flat_area(static_cast<std::size_t>(n_tiles));

  Histograms h;
  h.masked.resize(nb), h.clear.resize(nb), h.flat.resize(nb);
  if (split_clutter) h.bare.resize(nb);
  // Readiness classes: the distinct readiness values of the sites. With more than one, the masked
  // union runs once per class (the same site runs, merged into the same bytes) and the engageable
  // probability is summed per cell (add_engageable); with one it comes from the histogram.
  std::vector<double> classes;
  for (const Site& s : in.sites) classes.push_back(s.readiness);
  classes = readiness_classes(std::move(classes));
  const bool mixed = classes.size() > 1;
  std::vector<std::vector<double>> ready_pow;
  if (mixed) {
    h.engageable.assign(nb, 0);
    for (const double a : classes) {
      std::vector<double> t(65536);
      for (std::size_t k = 0; k < t.size(); ++k) t[k] = std::pow(1.0 - a, static_cast<double>(k));
      ready_pow.push_back(std::move(t));
    }
  }
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  std::vector<char> site_inside(in.sites.size(), 0);
  // The last union's grids, handed to the next run (UnionOptions::recycle): one union's memory
  // serves a tile's masked and clear runs, then the flat runs, instead of being paged in afresh.
  std::optional<EngagementUnion> spare;
  // A tile's reads: its window's terrain (the tile alone when no site reaches it: its area cells
  // all count 0), the tile's own cells when there is a halo, and its area mask.
  struct TileInput {
    Terrain z, z_tile;  // z_tile: empty when the window is the tile
    AreaMask area;
  };
  auto read_tile = [&](int t) -> Result<TileInput> {
    const TileRect tile = plan.tile(t);
    const TileRect window = work[static_cast<std::size_t>(t)].sites.empty() ? tile : plan.window(t);
    TileInput r;
    SKYCOVER_ASSIGN_OR_RETURN(r.z, in.terrain.read(window));
    if (window != tile) r.z_tile = r.z.crop(tile.relative_to(window));
    SKYCOVER_ASSIGN_OR_RETURN(r.area, in.area.read(tile, window == tile ? r.z : r.z_tile));
    return r;
  };
  auto process_tile = [&](int t, const TileInput& input) -> Status {
    // The recycled union (`spare`) passes from tile to tile, so no tile's first run faults in and
    // zeroes fresh grids (~240 MB a tile at 1e9 cells). It is held while the next window is read,
    // when less is allocated than during a masked run (window terrain, kernel copies and union),
    // so a summary's peak does not rise (1,484 MB against 1,657 MB when each tile began afresh).
    // Not when products take each tile (on_tile): their sinks and the height grid would sit
    // beside the next window and push the peak past the memory plan (2,108 MB against a
    // 2,048 MB budget on the 1e9-cell run).
    if (options.on_tile) spare.reset();
    const TileRect tile = plan.tile(t);
    TileWork& w = work[static_cast<std::size_t>(t)];
    const TileRect window = w.sites.empty() ? tile : plan.window(t);
    const TileRect local = tile.relative_to(window);
    const Terrain& z = input.z;
    const Terrain& z_tile = input.z_tile;
    const AreaMask& area = input.area;
    if (options.split_masking) {
      elevation.add(window == tile ? z : z_tile, area);
      if (!w.sites.empty()) flat_area[static_cast<std::size_t>(t)] = mask_runs(area);
    }
    for (const std::size_t i : w.owned) {
      const auto [col, row] = *site_cell(g, in.sites[i]);
      site_inside[i] = area.contains(col - tile.col0, row - tile.row0) ? 1 : 0;
    }
    auto run = [&](const Terrain& terrain, const std::vector<Site>& sites, bool masking, bool clutter = true) {
      UnionOptions u;
      u.threads = options.threads;
      u.terrain_masking = masking;
      u.clutter = clutter;
      u.use_reference_kernel = options.use_reference_kernel;
      u.output = local;
      u.lowest_height = masking && options.on_tile;  // products draw it; summaries need only the counts
      if (options.on_progress)
        u.on_progress = [&](std::int64_t) { options.on_progress(done.fetch_add(1) + 1, total); };
      if (spare) u.recycle = &*spare;
      auto r = engagement_union(terrain, sites, in.systems, in.bands, in.model, u);
      spare.reset();
      return r;
    };
    if (w.sites.empty()) {
      const std::int64_t n = area.inside_count();
      for (std::size_t b = 0; b < nb; ++b)
        for (auto* runs_h : {&h.masked, &h.clear, &h.flat, &h.bare}) {
          if (runs_h->empty()) continue;
          auto& hist = (*runs_h)[b];
          if (hist.empty()) hist.assign(1, 0);
          hist[0] += n;
        }
      if (!options.on_tile) return Status::Ok();
      EngagementUnion none;
      none.geometry = z.geometry();
      none.bands = in.bands;
      none.lowest_engageable_agl_m.assign(static_cast<std::size_t>(tile.cell_count()),
                                          std::numeric_limits<float>::quiet_NaN());
      none.site_count.assign(nb, std::vector<std::uint16_t>(static_cast<std::size_t>(tile.cell_count()), 0));
      return options.on_tile(tile, none, area, window == tile ? z : z_tile);
    }
    auto t_run = Clock::now();
    {
      auto masked_run = [&]() -> Result<EngagementUnion> {
        if (!mixed) return run(z, w.sites, true);
        std::vector<std::optional<EngagementUnion>> parts(classes.size());
        for (std::size_t c = 0; c < classes.size(); ++c) {
          std::vector<Site> of_class;
          for (const Site& s : w.sites)
            if (s.readiness == classes[c]) of_class.push_back(s);
          if (!of_class.empty()) {
            SKYCOVER_ASSIGN_OR_RETURN(parts[c], run(z, of_class, true));
          }
        }
        std::vector<const EngagementUnion*> ptrs;
        for (const auto& p : parts) ptrs.push_back(p ? &*p : nullptr);
        add_engageable(ptrs, ready_pow, area, h.engageable, arena);
        std::optional<EngagementUnion> all;  // the classes' unions merged: one run's bytes
        for (auto& p : parts)
          if (p && !all)
            all = std::move(*p);
          else if (p)
            merge_union(*all, *p);
        return std::move(*all);
      };
      SKYCOVER_ASSIGN_OR_RETURN(EngagementUnion masked, masked_run());
      add_band_histograms(masked, area, h.masked, arena);
      if (options.on_tile) SKYCOVER_RETURN_IF_ERROR(options.on_tile(tile, masked, area, window == tile ? z : z_tile));
      spare = std::move(masked);
    }
    result.phases.masked_s += since(t_run);
    if (!options.split_masking) return Status::Ok();
    t_run = Clock::now();
    {
      SKYCOVER_ASSIGN_OR_RETURN(EngagementUnion clear, run(z, w.sites, false));
      add_band_histograms(clear, area, h.clear, arena);
      spare = std::move(clear);
    }
    result.phases.clear_s += since(t_run);
    if (split_clutter) {
      t_run = Clock::now();
      SKYCOVER_ASSIGN_OR_RETURN(EngagementUnion bare, run(z, w.sites, true, false));
      add_band_histograms(bare, area, h.bare, arena);
      spare = std::move(bare);
      result.phases.bare_s += since(t_run);
    }
    return Status::Ok();
  };
  // This rank's tiles (all of them in one process); a failure is carried to the agreement below,
  // never returned past it, so no rank is left waiting in a collective.
  // (Reading the next tile on a thread of its own while this one computes was tried: on 2 cores the
  // reader's page faults and GDAL's decoding threads slowed the unions ~2.5x; bench/RESULTS.md.)
  Status mine = Status::Ok();
  int mine_n = 0;
  for (int t = 0; t < n_tiles && mine.ok(); ++t) {
    if (tile_owner(t, world.size()) != world.rank()) continue;
    ++mine_n;
    if (interrupted()) {
      mine = interrupted_status();
      break;
    }
    const auto t_read = Clock::now();
    Result<TileInput> input = read_tile(t);
    result.phases.read_s += since(t_read);
    mine = input.ok() ? process_tile(t, *input) : input.status();
  }
  if (world.size() > 1)
    spdlog::debug("coverage: rank {} of {} ran {} of {} tiles ({} site runs)", world.rank(), world.size(), mine_n,
                  n_tiles, total);
  SKYCOVER_RETURN_IF_ERROR(world.agree(mine));

  // The clear-line-of-sight runs on flat ground: every cell of a tile's window and every site's
  // ground set to the mean level, the same sites, window and area as the tile's other runs. No
  // viewsheds, and nothing read: the area comes from the runs kept per tile. Cells the terrain
  // left without data are outside the area, so counting them level changes no histogram.
  if (options.split_masking) {
    SKYCOVER_RETURN_IF_ERROR(sum_over_ranks(world, elevation));
    result.flat_ground_msl_m = elevation.mean_m();
    const auto ground = static_cast<float>(*result.flat_ground_msl_m);
    const auto t_run = Clock::now();
    auto flat_tile = [&](int t) -> Status {
      const TileWork& w = work[static_cast<std::size_t>(t)];
      const TileRect tile = plan.tile(t), window = plan.window(t);
      const Terrain flat(g.window(window), std::vector<float>(static_cast<std::size_t>(window.cell_count()), ground));
      std::vector<Site> flat_sites = w.sites;
      for (Site& s : flat_sites) s.ground_msl_m = ground;  // the same float the cells hold
      UnionOptions u;
      u.threads = options.threads;
      u.terrain_masking = false;
      u.use_reference_kernel = options.use_reference_kernel;
      u.output = tile.relative_to(window);
      u.lowest_height = false;
      if (options.on_progress)
        u.on_progress = [&](std::int64_t) { options.on_progress(done.fetch_add(1) + 1, total); };
      if (spare) u.recycle = &*spare;  // flat runs hold nothing else: one union serves them all
      SKYCOVER_ASSIGN_OR_RETURN(EngagementUnion level, engagement_union(flat, flat_sites, in.systems, in.bands, in.model, u));
      const AreaMask area = mask_from_runs(g.window(tile), flat_area[static_cast<std::size_t>(t)]);
      add_band_histograms(level, area, h.flat, arena);
      spare = std::move(level);
      return Status::Ok();
    };
    spare.reset();
    for (int t = 0; t < n_tiles && mine.ok(); ++t)
      if (tile_owner(t, world.size()) == world.rank() && !work[static_cast<std::size_t>(t)].sites.empty())
        mine = interrupted() ? interrupted_status() : flat_tile(t);
    spare.reset();
    result.phases.flat_s = since(t_run);
    SKYCOVER_RETURN_IF_ERROR(world.agree(mine));
  }
  SKYCOVER_RETURN_IF_ERROR(reduce_over_ranks(world, h, site_inside));

  const double cell_km2 = g.cell_area_km2();
  if (auto pe = projection_error(g); pe.ok()) result.projection = *pe;  // a CRS PROJ cannot scale: no figure
  result.site_count = static_cast<int>(in.sites.size());
  result.clutter = in.terrain.has_clutter();
  // Only sites standing inside the area count in the Poisson expectation's N (its density is N / A).
  std::vector<Site> inside;
  for (std::size_t i = 0; i < in.sites.size(); ++i)
    if (site_inside[i]) inside.push_back(in.sites[i]);
  result.sites_in_area = static_cast<int>(inside.size());
  for (std::size_t b = 0; b < nb; ++b) result.bands.push_back(band_from_histogram(in.bands[b], h.masked[b], cell_km2));
  result.area_km2 = static_cast<double>(result.bands.front().area_cells) * cell_km2;
  for (auto& bc : result.bands) bc.flat_expected_fraction = flat_expected_fraction(inside, in.systems, bc.band, bc.area_km2);
  // Readiness: exact from the multiplicity histogram when every site has the same readiness.
  result.readiness = common_readiness(in.sites);
  if (result.readiness)
    for (auto& bc : result.bands)
      bc.engageable_probability = engageable_probability(bc.multiplicity, bc.area_cells, *result.readiness);
  if (mixed)
    for (std::size_t b = 0; b < nb; ++b) {
      BandCoverage& bc = result.bands[b];
      bc.engageable_probability = bc.area_cells > 0 ? static_cast<double>(h.engageable[b]) / kEngageableScale /
                                                          static_cast<double>(bc.area_cells)
                                                    : 0.0;
    }
  result.readiness_levels = classes;
  if (options.split_masking) {
    for (std::size_t b = 0; b < nb; ++b) {
      BandCoverage& bc = result.bands[b];
      const BandCoverage open = band_from_histogram(in.bands[b], h.clear[b], cell_km2);
      const BandCoverage level = band_from_histogram(in.bands[b], h.flat[b], cell_km2);
      bc.covered_km2_without_masking = open.covered_km2;
      bc.fraction_without_masking = open.fraction;
      bc.flat_same_sites_fraction = level.fraction;
      // Poisson - real = placement/edge + relief/envelope + masking (+ clutter) (telescoping sum).
      bc.placement_loss_fraction = *bc.flat_expected_fraction - level.fraction;
      bc.relief_envelope_loss_fraction = level.fraction - open.fraction;
      if (split_clutter) {
        bc.fraction_without_clutter = band_from_histogram(in.bands[b], h.bare[b], cell_km2).fraction;
        bc.clutter_loss_fraction = *bc.fraction_without_clutter - bc.fraction;
      }
      bc.masking_loss_fraction = open.fraction - bc.fraction_without_clutter.value_or(bc.fraction);
    }
  }
  return result;
}

Result<CoverageResult> compute_coverage(const CoverageInputs& in, const CoverageOptions& options) {
  const auto& g = in.terrain.geometry();
  if (in.area.geometry.width != g.width || in.area.geometry.height != g.height ||
      in.area.inside.size() != static_cast<std::size_t>(g.cell_count())) {
    return Status::Internal(fmt::format("coverage: area mask {}x{} does not match the terrain grid {}x{}",
                                        in.area.geometry.width, in.area.geometry.height, g.width, g.height));
  }
  const InMemoryTerrainSource terrain(in.terrain);
  const AreaSource area = AreaSource::from_mask(in.area);
  CoverageOptions o = options;
  std::optional<EngagementUnion> whole;
  if (options.keep_union) {
    // Assemble the tiles' masked unions into one grid (products of a whole-grid run).
    whole.emplace();
    whole->geometry = g;
    whole->bands = in.bands;
    whole->lowest_engageable_agl_m.assign(static_cast<std::size_t>(g.cell_count()), 0.f);
    whole->site_count.assign(in.bands.size(), std::vector<std::uint16_t>(static_cast<std::size_t>(g.cell_count()), 0));
    o.on_tile = [&](const TileRect& tile, const EngagementUnion& u, const AreaMask& a, const Terrain& z) -> Status {
      for (int r = 0; r < tile.height; ++r) {
        const auto src = static_cast<std::ptrdiff_t>(r) * tile.width;
        const auto dst = static_cast<std::ptrdiff_t>(tile.row0 + r) * g.width + tile.col0;
        std::copy_n(u.lowest_engageable_agl_m.begin() + src, tile.width, whole->lowest_engageable_agl_m.begin() + dst);
        for (std::size_t b = 0; b < u.site_count.size(); ++b)
          std::copy_n(u.site_count[b].begin() + src, tile.width, whole->site_count[b].begin() + dst);
      }
      return options.on_tile ? options.on_tile(tile, u, a, z) : Status::Ok();
    };
  }
  const TiledCoverageInputs tiled{terrain, area, in.sites, in.systems, in.bands, in.model};
  SKYCOVER_ASSIGN_OR_RETURN(CoverageResult result, compute_coverage(tiled, o));
  if (whole && options.collective && options.collective->size() > 1)
    SKYCOVER_RETURN_IF_ERROR(gather_union_tiles(*options.collective, options.tile_cells, *whole));
  if (whole) result.engagement = std::move(whole);
  return result;
}
Result<CoverageResult> compute_coverage(const PreparedScenario& p, const CoverageOptions& options) {
  CoverageOptions o = options;
  if (o.threads == 0) o.threads = p.scenario.analysis.threads;
  const CoverageInputs in{p.terrain, p.area, p.sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                          analysis_visibility(p.scenario.analysis)};
  return compute_coverage(in, o);
}

double engageable_probability(const std::vector<std::int64_t>& multiplicity, std::int64_t area_cells, double readiness) {
  if (area_cells <= 0) return 0;
  // Sum over k of the cells k sites reach times P(at least one of k ready) = 1 - (1 - a)^k, in k
  // order (the same bits every run).
  double sum = 0;
  for (std::size_t k = 1; k < multiplicity.size(); ++k)
    sum += static_cast<double>(multiplicity[k]) * (1.0 - std::pow(1.0 - readiness, static_cast<double>(k)));
  return sum / static_cast<double>(area_cells);
}

std::vector<double> readiness_classes(std::vector<double> readiness) {
  std::sort(readiness.begin(), readiness.end());
  readiness.erase(std::unique(readiness.begin(), readiness.end()), readiness.end());
  return readiness;
}

std::optional<double> common_readiness(const std::vector<Site>& sites) {
  if (sites.empty()) return 1.0;
  for (const Site& s : sites)
    if (s.readiness != sites.front().readiness) return std::nullopt;
  return sites.front().readiness;
}

}  // namespace skycover
