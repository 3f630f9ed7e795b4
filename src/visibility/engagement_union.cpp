// Union of many sites' engagement volumes over the terrain grid.
//
// Parallel scheme (deterministic for any thread count): the grid is cut into square tiles at
// least one window wide (2R+1 cells), so a site's window, centred in its tile, touches only that
// tile and its 8 neighbours. Tiles are coloured (tx mod 3, ty mod 3); the 9 colours run one after
// another, and within a colour every tile's sites run as one task. Two tasks of one colour are
// >= 3 tiles apart, so their windows never overlap: every cell is updated by one task at a time
// without atomics or per-thread copies of the grid. The updates are per-cell minima and integer
// additions, which do not depend on order, so the bytes do not depend on the schedule.
#include "skycover/visibility/engagement_union.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "skycover/systems/envelope.hpp"
#include "viewshed_kernel.hpp"

namespace skycover {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Per system: the viewshed geometry for its range and, per window offset, the envelope's
// |dz| bounds (exactly the expressions of envelope_agl_intervals, so results are identical).
struct SystemTables {
  detail::ViewshedGeometry geometry;
  std::vector<double> dz_max;  // (2R+1)^2; NaN beyond max range
  std::vector<double> dz_min;  // 0 beyond min range
};

SystemTables make_tables(const SystemSpec& s, double cell_size_m, const VisibilityModel& model) {
  SystemTables t;
  t.geometry = detail::make_viewshed_geometry(cell_size_m, s.max_range_m, model);
  const int radius = t.geometry.radius_cells, n = t.geometry.side();
  t.dz_max.assign(static_cast<std::size_t>(n) * n, std::numeric_limits<double>::quiet_NaN());
  t.dz_min.assign(static_cast<std::size_t>(n) * n, 0.0);
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      if (!detail::offset_in_range(dx, dy, cell_size_m, s.max_range_m)) continue;
      const double d = cell_size_m * std::sqrt(static_cast<double>(dx) * dx + static_cast<double>(dy) * dy);
      const std::size_t k = static_cast<std::size_t>(dy + radius) * n + (dx + radius);
      t.dz_max[k] = std::sqrt(s.max_range_m * s.max_range_m - d * d);
      t.dz_min[k] = d < s.min_range_m ? std::sqrt(s.min_range_m * s.min_range_m - d * d) : 0.0;
    }
  return t;
}

struct Band {
  bool msl;
  double altitude_m;
};

struct Accumulator {
  const Terrain& terrain;
  const std::vector<Band>& bands;
  float* lowest;
  std::vector<std::uint16_t*> counts;
};

// Fold one site's window into the grids. `vis` is the (2R+1)^2 local minimum-visible-height
// window (NaN = not visible / nodata / out of range), or null for "line of sight assumed clear".
void accumulate(const Accumulator& acc, const SystemSpec& sys, const SystemTables& tab, int ec, int er,
                double ground_msl, double eye_msl, const float* vis) {
  const Terrain& t = acc.terrain;
  const int radius = tab.geometry.radius_cells, n = tab.geometry.side();
  const int r_lo = std::max(0, er - radius), r_hi = std::min(t.height() - 1, er + radius);
  const int c_lo = std::max(0, ec - radius), c_hi = std::min(t.width() - 1, ec + radius);
  const double h_floor = sys.min_altitude_m;
  const double ceiling_msl = ground_msl + sys.max_altitude_m;
  const std::size_t nb = acc.bands.size();
  for (int row = r_lo; row <= r_hi; ++row) {
    const std::size_t lrow = static_cast<std::size_t>(row - er + radius) * n;
    for (int col = c_lo; col <= c_hi; ++col) {
      const std::size_t k = lrow + static_cast<std::size_t>(col - ec + radius);
      const double dz_max = tab.dz_max[k];
      if (std::isnan(dz_max)) continue;  // beyond max range
      const float zt_f = t.elevation_m(col, row);
      if (std::isnan(zt_f)) continue;
      float hv_f = 0.f;
      if (vis) {
        hv_f = vis[k];
        if (std::isnan(hv_f)) continue;
      }
      const double hv = hv_f, zt = zt_f;
      // envelope_agl_intervals (systems/envelope.hpp), with the tabulated square roots.
      const double dz_min = tab.dz_min[k];
      const double base = eye_msl - zt;
      const double h_ceiling = ceiling_msl - zt;
      HeightInterval iv[2];
      int cnt = 0;
      auto add = [&](double lo, double hi) {
        HeightInterval i{std::max(lo, h_floor), std::min(hi, h_ceiling)};
        // Engageable: inside the envelope and at or above the lowest visible height.
        i.lo_m = std::max(i.lo_m, hv);
        if (!i.empty()) iv[cnt++] = i;
      };
      if (dz_min <= 0.0) {
        add(base - dz_max, base + dz_max);
      } else {
        add(base - dz_max, base - dz_min);
        add(base + dz_min, base + dz_max);
      }
      if (cnt == 0) continue;
      const std::size_t cell = t.index(col, row);
      const float lowest = static_cast<float>(iv[0].lo_m);  // intervals are in ascending order
      if (lowest < acc.lowest[cell]) acc.lowest[cell] = lowest;
      for (std::size_t b = 0; b < nb; ++b) {
        const double h = acc.bands[b].msl ? acc.bands[b].altitude_m - zt : acc.bands[b].altitude_m;
        bool in = false;
        for (int i = 0; i < cnt; ++i) in = in || iv[i].contains(h);
        std::uint16_t& c = acc.counts[b][cell];
        if (in && c != std::numeric_limits<std::uint16_t>::max()) ++c;  // saturating
      }
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

Result<EngagementUnion> engagement_union(const Terrain& terrain, const std::vector<Site>& sites,
                                         const std::vector<SystemSpec>& systems,
                                         const std::vector<AltitudeBand>& bands, const VisibilityModel& model,
                                         const UnionOptions& options) {
  SKYCOVER_RETURN_IF_ERROR(validate(terrain, sites, systems, bands, model));
  EngagementUnion u;
  u.geometry = terrain.geometry();
  u.bands = bands;
  const std::size_t cells = static_cast<std::size_t>(terrain.geometry().cell_count());
  u.lowest_engageable_agl_m.assign(cells, kInf);
  u.site_count.assign(bands.size(), std::vector<std::uint16_t>(cells, 0));

  std::vector<Band> band_list;
  for (const AltitudeBand& b : bands) band_list.push_back({b.reference == HeightReference::kMsl, b.altitude_m});
  Accumulator acc{terrain, band_list, u.lowest_engageable_agl_m.data(), {}};
  for (auto& c : u.site_count) acc.counts.push_back(c.data());

  // Tables per system actually used.
  std::vector<std::optional<SystemTables>> tables(systems.size());
  int max_radius = 0;
  for (const Site& s : sites) {
    auto& t = tables[s.system_index];
    if (!t) t = make_tables(systems[s.system_index], terrain.cell_size_m(), model);
    max_radius = std::max(max_radius, t->geometry.radius_cells);
  }

  // Bucket sites by tile, keeping input order within a tile.
  const int tile = 2 * max_radius + 1;
  const int tiles_x = (terrain.width() + tile - 1) / tile, tiles_y = (terrain.height() + tile - 1) / tile;
  std::vector<std::vector<std::size_t>> by_tile(static_cast<std::size_t>(tiles_x) * tiles_y);
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const auto cell = *terrain.cell_of(sites[i].x_m, sites[i].y_m);
    by_tile[static_cast<std::size_t>(cell.second / tile) * tiles_x + cell.first / tile].push_back(i);
  }

  tbb::enumerable_thread_specific<detail::ViewshedScratch> scratch;
  std::atomic<std::int64_t> done{0};
  auto run_site = [&](std::size_t i) {
    const Site& site = sites[i];
    const SystemSpec& sys = systems[site.system_index];
    const SystemTables& tab = *tables[site.system_index];
    const auto [ec, er] = *terrain.cell_of(site.x_m, site.y_m);
    // The eye stands on the terrain cell (the same ground the viewshed uses).
    const double ground = terrain.elevation_m(ec, er);
    const double eye = ground + site.height_agl_m;
    const float* vis = nullptr;
    if (options.terrain_masking) {
      detail::ViewshedScratch& s = scratch.local();
      if (options.use_reference_kernel)
        detail::viewshed_local_reference(terrain, ec, er, eye, tab.geometry, model, s);
      else
        detail::viewshed_local(terrain, ec, er, static_cast<float>(eye), tab.geometry, s);
      vis = s.out.data();
    }
    accumulate(acc, sys, tab, ec, er, ground, eye, vis);
    const std::int64_t d = done.fetch_add(1) + 1;
    if (options.on_progress) options.on_progress(d);
  };

  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  arena.execute([&] {
    for (int colour = 0; colour < 9; ++colour) {
      std::vector<std::size_t> batch;
      for (int ty = colour / 3; ty < tiles_y; ty += 3)
        for (int tx = colour % 3; tx < tiles_x; tx += 3)
          if (!by_tile[static_cast<std::size_t>(ty) * tiles_x + tx].empty())
            batch.push_back(static_cast<std::size_t>(ty) * tiles_x + tx);
      tbb::parallel_for(std::size_t{0}, batch.size(), [&](std::size_t b) {
        for (std::size_t i : by_tile[batch[b]]) run_site(i);
      });
    }
  });

  for (float& v : u.lowest_engageable_agl_m)
    if (v == kInf) v = std::numeric_limits<float>::quiet_NaN();
  return u;
}

}  // namespace skycover
