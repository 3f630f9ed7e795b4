#include "skycover/products/coverage_run.hpp"

#include "skycover/products/report_map.hpp"
#include "skycover/render/map.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>
#include <thread>

#include "skycover/grid/tiling.hpp"
#include "skycover/render/raster_sink.hpp"

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/progress.hpp"
#include "skycover/products/output_dir.hpp"
#include "skycover/products/summary.hpp"

namespace skycover {

Result<CoverageResult> compute_coverage_with_progress(const CoverageInputs& inputs, CoverageOptions options,
                                                      const ProgressObserver& observer, const std::string& label,
                                                      bool show_progress) {
  const auto runs = options.split_masking ? 3 : 1;  // real, clear line of sight, flat ground
  Progress progress(label, static_cast<std::int64_t>(inputs.sites.size()) * runs, show_progress);
  progress.set_observer(observer);
  std::atomic<std::int64_t> last{0};
  options.on_progress = [&](std::int64_t done, std::int64_t total) {
    progress.set_total(total);
    // Callbacks report a running total, possibly out of order across worker threads: advance only
    // by what raises the maximum seen so far.
    std::int64_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
    if (done > prev) progress.advance(done - prev);
  };
  auto r = compute_coverage(inputs, options);
  progress.finish();
  return r;
}

namespace {

// All placement draws of a run whose draw 0 is `result` (coverage/draws.hpp): the others are run
// here, summary only (no union, no loss split), spread like the run itself; empty when draws <= 1.
template <class Prepared>
Result<std::vector<PlacementDraw>> placement_draws(const Prepared& p, const CoverageResult& result, int draws,
                                                   CoverageOptions options, const ProgressObserver& observer,
                                                   bool show_progress) {
  std::vector<PlacementDraw> out;
  if (draws <= 1) return out;
  PlacementDraw first;
  first.draw = 0;
  for (const DeploymentSpec& d : p.scenario.deployments) first.seeds.push_back(d.seed);
  first.coverage.bands = result.bands;  // the statistics need the bands only
  first.coverage.site_count = result.site_count;
  first.coverage.area_km2 = result.area_km2;
  out.push_back(std::move(first));
  Progress progress("placement draws", draws - 1, show_progress);
  progress.set_observer(observer);
  options.split_masking = false;
  options.keep_union = false;
  options.on_tile = nullptr;
  options.on_progress = nullptr;
  SKYCOVER_ASSIGN_OR_RETURN(auto more, run_draws(p, 1, draws - 1, options, &progress));
  progress.finish();
  for (auto& d : more) out.push_back(std::move(d));
  return out;
}

nlohmann::json draws_extra(const std::vector<PlacementDraw>& draws) {
  return draws.empty() ? nlohmann::json() : nlohmann::json{{"draws", draws_json(draws)}};
}

// Products of a tiled run: full-resolution rasters written tile by tile (TiledRasterSink), and a
// preview of the grid, one cell in `factor` each way (the nearest full cell to the preview
// cell's centre), from which the maps, polygons and charts are drawn by the whole-grid product
// writers: a person opens a map of ~2,000 px, not 30,000.
class TiledProducts {
 public:
  static constexpr int kPreviewCells = 2048;  // longest side of the preview

  // preview = false: rasters only (a whole-grid run draws its maps from the grid itself).
  // `part`: this process's rank (its raster parts; raster_sink.hpp).
  static Result<TiledProducts> open(const std::filesystem::path& dir, const GridGeometry& g,
                                    const std::vector<AltitudeBand>& bands, bool preview, int part) {
    TiledProducts t;
    t.grid_ = g;
    SKYCOVER_ASSIGN_OR_RETURN(auto lowest, TiledRasterSink::create(dir / "lowest_engageable_agl_m.tif", g, RasterType::kFloat32,
                                                                   std::numeric_limits<double>::quiet_NaN(),
                                                                   "lowest engageable height above ground (m)", part));
    t.sinks_.push_back(std::move(lowest));
    t.names_.push_back("lowest_engageable_agl_m.tif");
    for (const AltitudeBand& b : bands) {
      const std::string tag = band_tag(b);
      SKYCOVER_ASSIGN_OR_RETURN(auto sink, TiledRasterSink::create(dir / ("multiplicity_" + tag + ".tif"), g,
                                                                   RasterType::kUInt16, 65535,
                                                                   "sites able to engage at " + band_label(b), part));
      t.sinks_.push_back(std::move(sink));
      t.names_.push_back("multiplicity_" + tag + ".tif");
    }
    if (!preview) return t;
    t.preview_ = true;
    t.factor_ = std::max(1, (std::max(g.width, g.height) + kPreviewCells - 1) / kPreviewCells);
    GridGeometry pg = g;
    pg.width = (g.width + t.factor_ - 1) / t.factor_;
    pg.height = (g.height + t.factor_ - 1) / t.factor_;
    pg.cell_size_m = g.cell_size_m * t.factor_;
    const auto n = static_cast<std::size_t>(pg.cell_count());
    t.preview_z_.assign(n, std::numeric_limits<float>::quiet_NaN());
    t.preview_area_.geometry = pg;
    t.preview_area_.inside.assign(n, 0);
    t.preview_union_.geometry = pg;
    t.preview_union_.bands = bands;
    t.preview_union_.lowest_engageable_agl_m.assign(n, std::numeric_limits<float>::quiet_NaN());
    t.preview_union_.site_count.assign(bands.size(), std::vector<std::uint16_t>(n, 0));
    t.preview_filled_.assign(n, 0);
    return t;
  }

  Status add(const TileRect& tile, const EngagementUnion& u, const AreaMask& area, const Terrain& z) {
    SKYCOVER_RETURN_IF_ERROR(sinks_[0].write(tile, u.lowest_engageable_agl_m.data()));
    std::vector<std::uint16_t> v(static_cast<std::size_t>(tile.cell_count()));
    for (std::size_t b = 0; b < u.site_count.size(); ++b) {
      for (std::size_t i = 0; i < v.size(); ++i) v[i] = area.inside[i] ? u.site_count[b][i] : std::uint16_t{65535};
      SKYCOVER_RETURN_IF_ERROR(sinks_[b + 1].write(tile, v.data()));
    }
    if (!preview_) return Status::Ok();
    // Preview cells whose sample (the full cell nearest their centre) lies in this tile.
    const int half = factor_ / 2, pw = preview_area_.geometry.width;
    for (int pr = (tile.row0 + factor_ - 1 - half) / factor_; pr * factor_ + half < tile.row_end(); ++pr) {
      const int row = pr * factor_ + half;
      if (row < tile.row0) continue;
      for (int pc = (tile.col0 + factor_ - 1 - half) / factor_; pc * factor_ + half < tile.col_end(); ++pc) {
        const int col = pc * factor_ + half;
        if (col < tile.col0) continue;
        const std::size_t src = static_cast<std::size_t>(row - tile.row0) * tile.width + (col - tile.col0);
        const std::size_t dst = static_cast<std::size_t>(pr) * pw + pc;
        preview_filled_[dst] = 1;
        preview_z_[dst] = z.elevations_m()[src];
        preview_area_.inside[dst] = area.inside[src];
        preview_union_.lowest_engageable_agl_m[dst] = u.lowest_engageable_agl_m[src];
        for (std::size_t b = 0; b < u.site_count.size(); ++b) preview_union_.site_count[b][dst] = u.site_count[b][src];
      }
    }
    return Status::Ok();
  }

  // Every rank: close its raster parts, and send its preview cells to rank 0.
  Status close_parts(Collective& world) {
    Status closed = Status::Ok();
    for (auto& sink : sinks_)
      if (closed.ok()) closed = sink.close_part();
    SKYCOVER_RETURN_IF_ERROR(world.agree(closed));
    if (!preview_ || world.size() == 1) return Status::Ok();
    // Preview cells as (index, elevation, inside, lowest height, counts): each filled by one rank.
    ByteWriter mine;
    if (!world.is_root())
      for (std::uint32_t i = 0; i < preview_filled_.size(); ++i) {
        if (!preview_filled_[i]) continue;
        mine.put(i);
        mine.put(preview_z_[i]);
        mine.put(preview_area_.inside[i]);
        mine.put(preview_union_.lowest_engageable_agl_m[i]);
        for (const auto& counts : preview_union_.site_count) mine.put(counts[i]);
      }
    const Status gathered = world.gather(mine.bytes(), [&](int rank, std::span<const std::byte> bytes) -> Status {
      ByteReader in(bytes);
      std::uint32_t i = 0;
      while (in.get(i)) {
        if (i >= preview_filled_.size() || !in.get(preview_z_[i]) || !in.get(preview_area_.inside[i]) ||
            !in.get(preview_union_.lowest_engageable_agl_m[i]))
          return Status::Internal(fmt::format("coverage: rank {} sent a malformed preview", rank));
        for (auto& counts : preview_union_.site_count)
          if (!in.get(counts[i])) return Status::Internal(fmt::format("coverage: rank {} sent a malformed preview", rank));
      }
      return Status::Ok();
    });
    return world.agree(gathered);
  }

  // Root, after close_parts(): the rasters from every rank's parts (tile t from rank
  // tile_owner(t, ranks) of tiles of `tile_cells`); their file names.
  Result<std::vector<std::filesystem::path>> assemble_rasters(int ranks, int tile_cells) {
    const TilePlan plan = make_tile_plan(grid_.width, grid_.height, tile_cells, 0);
    std::vector<std::vector<TileRect>> rects(static_cast<std::size_t>(ranks));
    for (int t = 0; t < plan.tile_count(); ++t) rects[static_cast<std::size_t>(tile_owner(t, ranks))].push_back(plan.tile(t));
    for (auto& sink : sinks_) SKYCOVER_RETURN_IF_ERROR(sink.assemble(rects));
    return names_;
  }

  // Root: the rasters, then maps, polygons and charts from the preview.
  // exact_polygons: the GeoPackage polygons from the full-resolution rasters, not the preview.
  Result<CoverageProductFiles> finish(const std::filesystem::path& dir, const TiledScenario& p, CoverageResult result,
                                      const std::string& title, int ranks, int tile_cells, bool exact_polygons) {
    SKYCOVER_RETURN_IF_ERROR(assemble_rasters(ranks, tile_cells).status());
    const Terrain preview(preview_area_.geometry, std::move(preview_z_));
    result.engagement = std::move(preview_union_);
    CoverageProductInputs pin{preview, preview_area_, p.sites, result, title, nullptr, {}, &p.scenario.systems};
    pin.write_rasters = false;
    if (exact_polygons) pin.full_grid = &grid_;
    if (exact_polygons && factor_ > 1)
      spdlog::warn("--exact-polygons: the GeoPackage polygons are made from the full-resolution rasters one band at a "
                   "time and outside --memory-mb (GDALPolygonize holds each polygon until its last row, and a "
                   "coverage polygon can span the whole area with all its holes): at 1e9 cells, ~100 s and up to "
                   "~0.5 GB more per band");
    SKYCOVER_ASSIGN_OR_RETURN(CoverageProductFiles files, write_coverage_products(pin, dir));
    files.files.insert(files.files.begin(), names_.begin(), names_.end());
    return files;
  }

  int factor() const { return factor_; }

 private:
  GridGeometry grid_;
  std::vector<TiledRasterSink> sinks_;
  std::vector<std::filesystem::path> names_;
  bool preview_ = false;
  int factor_ = 1;
  std::vector<float> preview_z_;
  AreaMask preview_area_;
  EngagementUnion preview_union_;
  std::vector<std::uint8_t> preview_filled_;  // preview cells this rank sampled
};

}  // namespace

namespace {

// The output folder on every rank: rank 0 stages it (output_dir.hpp) and tells the others where.
struct SharedOutputDir {
  std::optional<StagedOutputDir> staged;  // rank 0 only
  std::filesystem::path path;
};

Result<SharedOutputDir> open_shared_output(Collective& world, const std::filesystem::path& target) {
  SharedOutputDir d;
  Status opened = Status::Ok();
  if (world.is_root()) {
    auto staged = StagedOutputDir::open(target);
    if (staged.ok()) {
      d.path = staged->path();
      d.staged.emplace(std::move(staged).value());
    } else {
      opened = staged.status();
    }
  }
  SKYCOVER_RETURN_IF_ERROR(world.agree(opened));
  std::string path = d.path.string();
  SKYCOVER_RETURN_IF_ERROR(world.broadcast(path));
  d.path = path;
  return d;
}

// Run `root_work` on rank 0 only; every rank returns its status.
template <class Work>
Status on_root(Collective& world, Work&& root_work) {
  return world.agree(world.is_root() ? root_work() : Status::Ok());
}

}  // namespace

Result<CoverageRunOutput> run_coverage(const PreparedScenario& p, const std::vector<Site>& sites,
                                       const CoverageRunSettings& s) {
  SoloCollective solo;
  Collective& world = s.collective ? *s.collective : solo;
  CoverageOptions opt;
  opt.threads = s.threads ? s.threads : p.scenario.analysis.threads;
  opt.keep_union = s.products;
  opt.collective = &world;
  opt.tile_cells = s.tile_cells;
  const CoverageInputs in{p.terrain, p.area, sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                          analysis_visibility(p.scenario.analysis)};
  CoverageRunOutput out;
  // The rasters go through the same tile-by-tile writer as a tiled run's (the same bytes).
  std::optional<TiledProducts> rasters;
  if (s.products) {
    auto opened = TiledProducts::open(s.out_dir, p.terrain.geometry(), in.bands, false, world.rank());
    SKYCOVER_RETURN_IF_ERROR(world.agree(opened.status()));
    rasters = std::move(opened).value();
    opt.on_tile = [&](const TileRect& tile, const EngagementUnion& u, const AreaMask& a, const Terrain& z) {
      return rasters->add(tile, u, a, z);
    };
  }
  SKYCOVER_ASSIGN_OR_RETURN(out.result, compute_coverage_with_progress(in, opt, s.on_progress, "coverage " + s.title,
                                                                      s.show_progress && world.is_root()));
  if (s.products) SKYCOVER_RETURN_IF_ERROR(rasters->close_parts(world));
  SKYCOVER_ASSIGN_OR_RETURN(out.draws, placement_draws(p, out.result, s.draws, opt, s.on_progress,
                                                       s.show_progress && world.is_root()));
  const Status root_work = on_root(world, [&]() -> Status {
    SKYCOVER_RETURN_IF_ERROR(write_coverage_summary(s.out_dir, out.result, s.run, draws_extra(out.draws)));
    if (!out.draws.empty()) SKYCOVER_RETURN_IF_ERROR(write_draws(s.out_dir, out.draws));
    if (!s.products) return Status::Ok();
    SKYCOVER_ASSIGN_OR_RETURN(const auto raster_names, rasters->assemble_rasters(world.size(), s.tile_cells));
    CoverageProductInputs pin{p.terrain, p.area, sites, out.result, s.title, s.hillshade, s.landmarks,
                              &p.scenario.systems};
    pin.write_rasters = false;
    SKYCOVER_ASSIGN_OR_RETURN(out.products, write_coverage_products(pin, s.out_dir));
    out.products.files.insert(out.products.files.begin(), raster_names.begin(), raster_names.end());
    return Status::Ok();
  });
  SKYCOVER_RETURN_IF_ERROR(root_work);
  out.result.engagement.reset();  // large; products are written
  return out;
}

namespace {

// The report of a scenario command: opening line, `body`, the claim-check explanation and the
// provenance, written atomically as report.html in dir.
template <class Body>
Status write_scenario_report(const std::filesystem::path& dir, const std::string& title, const Scenario& scenario,
                             const RunInfo& run, const std::string& scenario_text, Body&& body) {
  HtmlReport report(title);
  report.paragraph(fmt::format("Scenario {} on {}.", scenario.path.string(), run.terrain_description));
  SKYCOVER_RETURN_IF_ERROR(body(report));
  add_claim_check_explanation(report);
  add_provenance_section(report, run, scenario_text);
  return write_file_atomic(dir / "report.html", report.html());
}

}  // namespace

Result<CoverageRunOutput> coverage_command(const PreparedScenario& p, const CoverageRunSettings& settings) {
  SoloCollective solo;
  Collective& world = settings.collective ? *settings.collective : solo;
  // Staged: a failure leaves no partial new folder (see output_dir.hpp).
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, open_shared_output(world, settings.out_dir));
  CoverageRunSettings s = settings;
  s.out_dir = dir.path;
  s.collective = &world;
  SKYCOVER_ASSIGN_OR_RETURN(auto out, run_coverage(p, p.sites, s));
  const Status root_work = on_root(world, [&]() -> Status {
    if (s.products) {
      SKYCOVER_RETURN_IF_ERROR(write_scenario_report(
          s.out_dir, fmt::format("skycover coverage: {}", s.title), p.scenario, s.run, s.scenario_text,
          [&](HtmlReport& report) {
            add_draws_section(report, out.draws);
            return add_coverage_section(report, out.result, out.products, "Coverage per altitude band");
          }));
    }
    SKYCOVER_RETURN_IF_ERROR(write_manifest(s.out_dir, s.run));
    return dir.staged->commit();
  });
  SKYCOVER_RETURN_IF_ERROR(root_work);
  return out;
}

Result<CoveragePlan> plan_coverage(const Scenario& scenario, const GridGeometry& g, std::int64_t budget_bytes,
                                   int threads, int forced_tile_cells, bool products, int ranks) {
  int radius = 0;
  for (const auto& d : scenario.deployments)
    if (d.system_index >= 0 && d.system_index < static_cast<int>(scenario.systems.size()))
      radius = std::max(radius, range_radius_cells(scenario.systems[d.system_index], g.cell_size_m,
                                                   std::max(g.width, g.height)));
  const std::size_t n_bands = analysis_bands(scenario.analysis).size();
  const int n_threads = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const bool clutter = scenario.terrain.clutter.has_value();
  std::vector<double> readiness;
  for (const auto& d : scenario.deployments) readiness.push_back(d.readiness);
  const auto classes = static_cast<int>(readiness_classes(std::move(readiness)).size());
  TileCost cost = coverage_tile_cost(n_bands, radius, n_threads, clutter, classes);
  cost.fixed_bytes += budget_bytes / 8;  // GDAL's block cache in tiled runs (GdalReadSettings)
  // Products: the preview grids (at most 2048^2 cells of terrain, area, lowest height and counts)
  // and the COG driver's working memory while it converts the tiled rasters (~300 MB measured on a
  // 1.44e8-cell run).
  if (products)
    cost.fixed_bytes += std::int64_t{2048} * 2048 * (4 + 1 + 4 + 2 * static_cast<std::int64_t>(n_bands)) +
                        (std::int64_t{320} << 20);
  CoveragePlan plan;
  // The whole-grid run holds the terrain and area mask (5 B/cell), the assembled union for the
  // products (4 + 2 per band) and their transient whole-grid rasters (~8 B/cell), on top of one
  // tile over the grid.
  const std::int64_t cells = g.cell_count();
  plan.whole_grid_bytes = cost.bytes(std::max(g.width, g.height), 2 * radius) +
                          cells * (5 + 4 + 2 * static_cast<std::int64_t>(n_bands) + 8 + (clutter ? 4 : 0));
  if (forced_tile_cells > 0) {
    plan.tile_cells = forced_tile_cells;
  } else {
    SKYCOVER_ASSIGN_OR_RETURN(plan.tile_cells, tile_side_for_budget(cost, g.width, g.height, 2 * radius, budget_bytes));
  }
  TilePlan tiles = make_tile_plan(g.width, g.height, plan.tile_cells, 2 * radius);
  plan.whole_grid = forced_tile_cells <= 0 && tiles.tile_count() == 1 && plan.whole_grid_bytes <= budget_bytes;
  if (ranks > 1 && forced_tile_cells <= 0) {
    // k x k tiles with k^2 >= 2 ranks, sides rounded up to 64 cells: every rank gets tiles, and
    // round robin (tile_owner) evens out tiles of unequal work. Smaller tiles cost more halo, so
    // no smaller than the budget forces.
    const int k = static_cast<int>(std::ceil(std::sqrt(2.0 * ranks)));
    const int side = (std::max(g.width, g.height) + k - 1) / k;
    const int spread = std::max(64, (side + 63) / 64 * 64);
    if (spread < tiles.tile_cells) tiles = make_tile_plan(g.width, g.height, spread, 2 * radius);
  }
  plan.tile_cells = tiles.tile_cells;
  plan.tiles = tiles.tile_count();
  return plan;
}

namespace {

// Peak resident memory of this process so far (Linux VmHWM), in MB; 0 where unknown.
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmHWM:") {
      double kb = 0;
      status >> kb;
      return kb / 1024.0;
    }
    std::getline(status, key);
  }
  return 0;
}

}  // namespace

Result<CoverageRunOutput> tiled_coverage_command(const TiledScenario& p, const CoverageRunSettings& settings,
                                              const CoveragePlan& plan, std::int64_t budget_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  auto round1 = [](double s) { return std::round(s * 10) / 10; };
  SoloCollective solo;
  Collective& world = settings.collective ? *settings.collective : solo;
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, open_shared_output(world, settings.out_dir));
  CoverageOptions opt;
  opt.threads = settings.threads ? settings.threads : p.scenario.analysis.threads;
  opt.tile_cells = plan.tile_cells;
  opt.collective = &world;
  const TiledCoverageInputs in{*p.terrain, p.area, p.sites, p.scenario.systems, analysis_bands(p.scenario.analysis),
                               analysis_visibility(p.scenario.analysis)};
  // The bar counts site runs (a site once per run and per tile it reaches: an even measure of the
  // work for the ETA); the label says how many tiles. Under MPI it shows rank 0's share.
  Progress progress(world.size() > 1 ? fmt::format("coverage, {} tiles over {} ranks (rank 0's share)", plan.tiles,
                                                   world.size())
                                     : fmt::format("coverage, {} tiles", plan.tiles),
                    1, settings.show_progress && world.is_root());
  std::atomic<std::int64_t> last{0};
  progress.set_observer(settings.on_progress);
  opt.on_progress = [&](std::int64_t done, std::int64_t total) {
    progress.set_total(total);
    std::int64_t prev = last.load();
    while (done > prev && !last.compare_exchange_weak(prev, done)) {
    }
    if (done > prev) progress.advance(done - prev);
  };
  std::optional<TiledProducts> products;
  if (settings.products) {
    auto opened = TiledProducts::open(dir.path, p.terrain->geometry(), in.bands, true, world.rank());
    SKYCOVER_RETURN_IF_ERROR(world.agree(opened.status()));
    products = std::move(opened).value();
    opt.on_tile = [&](const TileRect& tile, const EngagementUnion& u, const AreaMask& a, const Terrain& z) {
      return products->add(tile, u, a, z);
    };
  }
  SKYCOVER_ASSIGN_OR_RETURN(CoverageResult result, compute_coverage(in, opt));
  progress.finish();
  const auto t_products = std::chrono::steady_clock::now();
  if (products) SKYCOVER_RETURN_IF_ERROR(products->close_parts(world));
  SKYCOVER_ASSIGN_OR_RETURN(auto draws, placement_draws(p, result, settings.draws, opt, settings.on_progress,
                                                        settings.show_progress && world.is_root()));
  const Status root_work = on_root(world, [&]() -> Status {
    SKYCOVER_RETURN_IF_ERROR(write_coverage_summary(dir.path, result, settings.run, draws_extra(draws)));
    if (!draws.empty()) SKYCOVER_RETURN_IF_ERROR(write_draws(dir.path, draws));
    if (products) {
      SKYCOVER_ASSIGN_OR_RETURN(CoverageProductFiles files,
                                products->finish(dir.path, p, result, settings.title, world.size(), plan.tile_cells,
                                                 settings.exact_polygons));
      const int f = products->factor();
      SKYCOVER_RETURN_IF_ERROR(write_scenario_report(
          dir.path, fmt::format("skycover coverage: {}", settings.title), p.scenario, settings.run,
          settings.scenario_text, [&](HtmlReport& report) {
            report.paragraph(fmt::format(
                "A tiled run ({} tiles of {} cells). The GeoTIFFs{} hold every cell; the maps and the {} polygons are "
                "drawn from a preview of one cell in {} each way ({:g} m cells), so their edges are generalised to "
                "about {:g} m.",
                plan.tiles, plan.tile_cells, settings.exact_polygons ? " and the GeoPackage polygons" : "",
                settings.exact_polygons ? "GeoJSON and KML" : "coverage", f, p.terrain->geometry().cell_size_m * f,
                p.terrain->geometry().cell_size_m * f / 2));
            add_draws_section(report, draws);
            return add_coverage_section(report, result, files, "Coverage per altitude band");
          }));
    }
    const double products_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_products).count();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    nlohmann::json extra;
    extra["tiling"] = {{"tile_cells", plan.tile_cells},
                       {"tiles", plan.tiles},
                       {"ranks", world.size()},
                       {"grid_width_cells", p.terrain->geometry().width},
                       {"grid_height_cells", p.terrain->geometry().height},
                       {"memory_budget_mb", budget_bytes >> 20},
                       {"peak_rss_mb", std::round(peak_rss_mb())},
                       {"compute_seconds", round1(seconds)},
                       {"phase_seconds",
                        {{"survey", round1(p.survey_s)},
                         {"placement", round1(p.placement_s)},
                         {"tile_reads", round1(result.phases.read_s)},
                         {"masked_union", round1(result.phases.masked_s)},
                         {"clear_union", round1(result.phases.clear_s)},
                         {"flat_union", round1(result.phases.flat_s)},
                         {"products", round1(products_s)}}}};
    if (world.size() > 1) extra["tiling"]["note"] = "peak_rss_mb and phase_seconds are rank 0's";
    SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path, settings.run, extra));
    return dir.staged->commit();
  });
  SKYCOVER_RETURN_IF_ERROR(root_work);
  return CoverageRunOutput{std::move(result), {}, std::move(draws)};
}

namespace {

// A sweep's rows, products, report and manifest in a staged folder; `run(progress)` gives the rows.
// `map_of(rows)`: the report's interactive map, or nullopt.
template <class Run, class MapOf>
Result<std::vector<SweepRow>> sweep_into(const Scenario& scenario, const SweepRunSettings& settings, Run&& run,
                                         MapOf&& map_of) {
  SoloCollective solo;
  Collective& world = settings.collective ? *settings.collective : solo;
  SKYCOVER_ASSIGN_OR_RETURN(auto dir, open_shared_output(world, settings.out_dir));
  std::size_t hyps = settings.spec.hypotheses.empty() ? 1 : settings.spec.hypotheses.size();
  Progress progress("sweep", static_cast<std::int64_t>(hyps * settings.spec.counts.size() * settings.spec.draws),
                    settings.show_progress && world.is_root());
  progress.set_observer(settings.on_progress);
  CoverageOptions opt;
  opt.threads = settings.threads;
  opt.collective = &world;
  opt.tile_cells = settings.tile_cells;
  SKYCOVER_ASSIGN_OR_RETURN(auto rows, run(opt, &progress));
  progress.finish();
  const Status root_work = on_root(world, [&]() -> Status {
    SKYCOVER_ASSIGN_OR_RETURN(auto files, write_sweep_products(dir.path, rows, settings.run, settings.presentation));
    SKYCOVER_RETURN_IF_ERROR(write_scenario_report(
        dir.path, "skycover sweep", scenario, settings.run, settings.scenario_text,
        [&](HtmlReport& report) -> Status {
          add_sweep_section(report, rows, files, settings.presentation);
          SKYCOVER_ASSIGN_OR_RETURN(const std::optional<web::MapSpec> map, map_of(rows));
          if (!map) return Status::Ok();
          report.heading("Map: each hypothesis at the largest count", 2);
          return report.interactive_map(*map);
        }));
    SKYCOVER_RETURN_IF_ERROR(write_manifest(dir.path, settings.run));
    return dir.staged->commit();
  });
  SKYCOVER_RETURN_IF_ERROR(root_work);
  for (SweepRow& row : rows) row.coverage.engagement.reset();  // large; the map is drawn
  return rows;
}

}  // namespace

Result<std::vector<SweepRow>> run_sweep_products(const PreparedScenario& p, const SweepRunSettings& s,
                                                 SweepProductFiles* files) {
  std::size_t hyps = s.spec.hypotheses.empty() ? 1 : s.spec.hypotheses.size();
  Progress progress("sweep", static_cast<std::int64_t>(hyps * s.spec.counts.size() * s.spec.draws), s.show_progress);
  CoverageOptions opt;
  opt.threads = s.threads;
  SKYCOVER_ASSIGN_OR_RETURN(auto rows, run_sweep(p, s.spec, opt, &progress));
  progress.finish();
  SKYCOVER_ASSIGN_OR_RETURN(auto written, write_sweep_products(s.out_dir, rows, s.run, s.presentation));
  if (files) *files = std::move(written);
  return rows;
}

Result<std::vector<SweepRow>> sweep_command(const PreparedScenario& p, const SweepRunSettings& settings) {
  SweepSpec spec = settings.spec;
  // The map keeps each hypothesis' union at its largest count until the report is drawn: 4 + 2 B
  // per band per cell and hypothesis beyond the memory plan (which counts one union), so only
  // while that stays under 512 MB; past it the report has the curves and tables without a map.
  const std::int64_t hypotheses = std::max<std::int64_t>(1, static_cast<std::int64_t>(spec.hypotheses.size()));
  const std::int64_t kept_bytes = p.terrain.geometry().cell_count() *
                                  (4 + 2 * static_cast<std::int64_t>(analysis_bands(p.scenario.analysis).size())) *
                                  hypotheses;
  spec.keep_last_union = kept_bytes <= (std::int64_t{512} << 20);
  return sweep_into(
      p.scenario, settings,
      [&](const CoverageOptions& opt, Progress* progress) { return run_sweep(p, spec, opt, progress); },
      [&](const std::vector<SweepRow>& rows) -> Result<std::optional<web::MapSpec>> {
        SKYCOVER_ASSIGN_OR_RETURN(const auto shade, map::hillshade(p.terrain));
        SKYCOVER_ASSIGN_OR_RETURN(web::MapSpec map, report_map_base(p.terrain.geometry(), shade, p.area));
        for (const SweepRow& row : rows) {
          if (!row.coverage.engagement) continue;
          const DeploymentOverride o{row.hypothesis, row.count, spec.clusters};
          SKYCOVER_ASSIGN_OR_RETURN(const auto sites, place_sites(p.scenario, p.terrain, p.area, p.shape, o));
          map.views.push_back(coverage_view(fmt::format("{}: {} sites", hypothesis_name(row.hypothesis), row.count),
                                            row.coverage, *row.coverage.engagement, p.area, sites,
                                            p.scenario.systems));
        }
        if (map.views.empty()) return std::optional<web::MapSpec>();
        return std::optional<web::MapSpec>(std::move(map));
      });
}

Result<std::vector<SweepRow>> sweep_command(const TiledScenario& p, const SweepRunSettings& settings) {
  // A tiled sweep holds no grid to draw: its report has the curves and tables only.
  return sweep_into(
      p.scenario, settings,
      [&](const CoverageOptions& opt, Progress* progress) { return run_sweep(p, settings.spec, opt, progress); },
      [](const std::vector<SweepRow>&) -> Result<std::optional<web::MapSpec>> { return std::optional<web::MapSpec>(); });
}

}  // namespace skycover
