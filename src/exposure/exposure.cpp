#include "skycover/exposure/exposure.hpp"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "skycover/systems/envelope.hpp"

namespace skycover {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Roots this close outside a segment (seconds) still count: a crossing exactly at a sample must
// not fall between two segments through rounding.
constexpr double kRootSlackS = 1e-9;

struct Vec3 {
  double x, y, z;
};

}  // namespace

std::vector<std::pair<int, int>> true_runs(const std::vector<std::uint8_t>& flags) {
  std::vector<std::pair<int, int>> runs;
  const int n = static_cast<int>(flags.size());
  for (int i = 0; i < n;) {
    if (!flags[i]) {
      ++i;
      continue;
    }
    int j = i;
    while (j + 1 < n && flags[j + 1]) ++j;
    runs.emplace_back(i, j);
    i = j + 1;
  }
  return runs;
}

double solve_intercept(const Track& track, const LauncherPoint& eye, double missile_speed_mps, double t_launch_s,
                       int from_segment, int last_sample, int* segment_out) {
  const auto& s = track.samples;
  const double v2 = missile_speed_mps * missile_speed_mps;
  for (int k = std::max(from_segment, 0); k < last_sample; ++k) {
    const double a = s[k].t_s, b = s[k + 1].t_s;
    if (b < t_launch_s) continue;
    // Target on this segment: P(t) = P_a + V (t - a). With tau = t - a and c = a - t_L,
    //   g(tau) = |D + V tau|^2 - v^2 (tau + c)^2,  D = P_a - eye,
    // and for t >= t_L, slant(t) <= v (t - t_L)  <=>  g(tau) <= 0.
    const double dt = b - a;
    const Vec3 d{s[k].x_m - eye.x_m, s[k].y_m - eye.y_m, s[k].z_msl_m - eye.z_msl_m};
    const Vec3 vel{(s[k + 1].x_m - s[k].x_m) / dt, (s[k + 1].y_m - s[k].y_m) / dt,
                   (s[k + 1].z_msl_m - s[k].z_msl_m) / dt};
    const double c = a - t_launch_s;
    const double qa = vel.x * vel.x + vel.y * vel.y + vel.z * vel.z - v2;
    const double qb = 2.0 * (d.x * vel.x + d.y * vel.y + d.z * vel.z - v2 * c);
    const double qc = d.x * d.x + d.y * d.y + d.z * d.z - v2 * c * c;
    const double lo = std::max(0.0, t_launch_s - a);
    const double hi = dt;
    auto g = [&](double tau) { return (qa * tau + qb) * tau + qc; };
    std::optional<double> tau;
    if (g(lo) <= 0) {
      tau = lo;
    } else {
      // g(lo) > 0: the first point with g <= 0 is a root of g.
      double r1 = kNaN, r2 = kNaN;
      if (qa == 0) {
        if (qb != 0) r1 = r2 = -qc / qb;
      } else {
        const double disc = qb * qb - 4 * qa * qc;
        if (disc >= 0) {
          // Numerically stable roots (Press et al., Numerical Recipes, 5.6).
          const double q = -0.5 * (qb + std::copysign(std::sqrt(disc), qb));
          const double x1 = q / qa;
          const double x2 = q != 0 ? qc / q : x1;
          r1 = std::min(x1, x2);
          r2 = std::max(x1, x2);
        }
      }
      // Smallest root at or after lo (both roots bracket the region where g <= 0 or > 0).
      for (double r : {r1, r2}) {
        if (std::isnan(r)) continue;
        if (r >= lo - kRootSlackS && r <= hi + kRootSlackS) {
          tau = std::clamp(r, lo, hi);
          break;
        }
      }
    }
    if (tau) {
      if (segment_out) *segment_out = k;
      return a + *tau;
    }
  }
  return kNaN;
}

void fill_intercepts(EngagementWindow& w, const Track& track, const LauncherPoint& eye, const SystemSpec& system) {
  const auto& s = track.samples;
  w.earliest_launch_s = w.start_s + system.reaction_time_s;
  w.intercept_s.clear();
  // First sample at or after the earliest launch time.
  int i = w.first_sample;
  while (i <= w.last_sample && s[i].t_s < w.earliest_launch_s) ++i;
  w.first_launch_sample = i;
  int seg = i;
  for (; i <= w.last_sample; ++i) {
    seg = std::max(seg, i);
    int found = seg;
    double t = solve_intercept(track, eye, system.missile_speed_mps, s[i].t_s, seg, w.last_sample, &found);
    if (std::isnan(t)) break;  // later launches cannot intercept either (monotone)
    // Degenerate zero-range intercept: keep it strictly after the launch so a shoot-look-shoot
    // chain always moves on to a later launch sample.
    if (t <= s[i].t_s) t = std::nextafter(s[i].t_s, std::numeric_limits<double>::infinity());
    w.intercept_s.push_back(t);
    seg = found;
  }
}

int launch_sample_for(const EngagementWindow& w, const Track& track, double free_at_s) {
  if (w.intercept_s.empty()) return -1;
  const int last = w.last_launch_sample();
  if (free_at_s <= track.samples[w.first_launch_sample].t_s) return w.first_launch_sample;
  if (free_at_s > track.samples[last].t_s) return -1;
  const auto begin = track.samples.begin() + w.first_launch_sample;
  const auto end = track.samples.begin() + last + 1;
  const auto it =
      std::lower_bound(begin, end, free_at_s, [](const TrackSample& a, double t) { return a.t_s < t; });
  return static_cast<int>(it - track.samples.begin());
}

ShotStatistics shot_statistics(std::vector<Shot> shots) {
  ShotStatistics st;
  std::sort(shots.begin(), shots.end(), [](const Shot& a, const Shot& b) {
    return a.launch_s != b.launch_s ? a.launch_s < b.launch_s : a.site < b.site;
  });
  // Kills become known at intercept; a launch at t_L sees every intercept at t <= t_L.
  std::vector<const Shot*> by_intercept;
  for (const auto& s : shots) by_intercept.push_back(&s);
  std::stable_sort(by_intercept.begin(), by_intercept.end(), [](const Shot* a, const Shot* b) {
    return a->intercept_s != b->intercept_s ? a->intercept_s < b->intercept_s : a->site < b->site;
  });
  double alive = 1;
  std::size_t j = 0;
  for (const auto& s : shots) {
    while (j < by_intercept.size() && by_intercept[j]->intercept_s <= s.launch_s) alive *= 1 - by_intercept[j++]->pk;
    st.expected_shots += alive;
  }
  for (const auto* s : by_intercept) st.survival *= 1 - s->pk;
  return st;
}

namespace {

struct Box {
  double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
  void add(double x, double y) {
    x0 = std::min(x0, x);
    y0 = std::min(y0, y);
    x1 = std::max(x1, x);
    y1 = std::max(y1, y);
  }
  bool near(double x, double y, double r) const { return x >= x0 - r && x <= x1 + r && y >= y0 - r && y <= y1 + r; }
};

// Samples grouped in blocks with bounding boxes, so a site far from most of a long track skips it quickly.
constexpr int kBlock = 64;
struct TrackIndex {
  Box all;
  std::vector<Box> blocks;
};

TrackIndex index_track(const Track& t) {
  TrackIndex ix;
  const int n = static_cast<int>(t.samples.size());
  for (int b = 0; b < n; b += kBlock) {
    Box box;
    for (int i = b; i < std::min(n, b + kBlock); ++i) box.add(t.samples[i].x_m, t.samples[i].y_m);
    ix.all.add(box.x0, box.y0);
    ix.all.add(box.x1, box.y1);
    ix.blocks.push_back(box);
  }
  return ix;
}

void windows_for_site(int site_index, const Site& site, const SystemSpec& sys, const Terrain& terrain,
                      const std::vector<Track>& tracks, const std::vector<TrackIndex>& index,
                      const VisibilityModel& model, const ExposureOptions& opt, std::vector<EngagementWindow>& out,
                      Status& status) {
  const double reach = sys.max_range_m;
  // Ranges, line of sight and intercepts all from the launcher's cell centre (site.hpp).
  const auto launcher = launcher_position(site, terrain);
  if (!launcher || std::isnan(launcher->ground_msl_m)) {
    status = Status::OutOfRange(fmt::format("site '{}' ({}, {}) lies off the terrain or on nodata", site.id, site.x_m,
                                            site.y_m));
    return;
  }
  const double sx = launcher->x_m, sy = launcher->y_m;
  std::vector<int> candidates;
  for (int t = 0; t < static_cast<int>(tracks.size()); ++t) {
    if (!index[t].all.near(sx, sy, reach)) continue;
    bool any = false;
    for (std::size_t b = 0; b < index[t].blocks.size() && !any; ++b) {
      if (!index[t].blocks[b].near(sx, sy, reach)) continue;
      const int n = static_cast<int>(tracks[t].samples.size());
      for (int i = static_cast<int>(b) * kBlock; i < std::min(n, static_cast<int>(b + 1) * kBlock); ++i) {
        const auto& s = tracks[t].samples[i];
        if (std::hypot(s.x_m - sx, s.y_m - sy) <= reach) {
          any = true;
          break;
        }
      }
    }
    if (any) candidates.push_back(t);
  }
  if (candidates.empty()) return;

  std::optional<ViewshedWindow> vs;
  if (opt.terrain_masking) {
    // Pad by a cell diagonal so every cell holding a sample within `reach` lies in the window.
    const Observer obs{sx, sy, site.height_agl_m, reach + terrain.cell_size_m() * 1.5};
    auto r = opt.use_reference_viewshed ? viewshed_reference(terrain, obs, model) : viewshed(terrain, obs, model);
    if (!r.ok()) {
      status = r.status();
      return;
    }
    vs = std::move(r).value();
  }
  const LauncherGeometry lg{launcher->ground_msl_m, launcher->eye_msl_m};
  const LauncherPoint eye{sx, sy, launcher->eye_msl_m};
  std::vector<std::uint8_t> flags;
  for (int t : candidates) {
    const auto& tr = tracks[t];
    const int n = static_cast<int>(tr.samples.size());
    flags.assign(n, 0);
    for (std::size_t b = 0; b < index[t].blocks.size(); ++b) {
      if (!index[t].blocks[b].near(sx, sy, reach)) continue;
      for (int i = static_cast<int>(b) * kBlock; i < std::min(n, static_cast<int>(b + 1) * kBlock); ++i) {
        const auto& s = tr.samples[i];
        const double d = std::hypot(s.x_m - sx, s.y_m - sy);
        if (d > reach || !in_envelope(sys, lg, s.ground_msl_m, d, s.z_msl_m)) continue;
        if (vs) {
          const auto cell = terrain.cell_of(s.x_m, s.y_m);
          if (!cell || !vs->contains(cell->first, cell->second)) continue;
          const float min_agl = vs->at(cell->first, cell->second);
          const float ground = terrain.elevation_m(cell->first, cell->second);
          // LOS is monotonic in height: visible iff at or above the lowest visible height.
          if (std::isnan(min_agl) || std::isnan(ground) || s.z_msl_m - ground < min_agl) continue;
        }
        flags[i] = 1;
      }
    }
    for (auto [first, last] : true_runs(flags)) {
      EngagementWindow w;
      w.track = t;
      w.site = site_index;
      w.first_sample = first;
      w.last_sample = last;
      w.start_s = tr.samples[first].t_s;
      w.end_s = tr.samples[last].t_s;
      fill_intercepts(w, tr, eye, sys);
      out.push_back(std::move(w));
    }
  }
}

}  // namespace

Result<std::vector<EngagementWindow>> find_engagement_windows(const Terrain& terrain, const std::vector<Site>& sites,
                                                              const std::vector<SystemSpec>& systems,
                                                              const std::vector<Track>& tracks,
                                                              const VisibilityModel& model,
                                                              const ExposureOptions& options) {
  for (const auto& s : sites) {
    if (s.system_index < 0 || s.system_index >= static_cast<int>(systems.size()))
      return Status::Internal(fmt::format("site '{}' refers to system {} of {}", s.id, s.system_index, systems.size()));
    const auto& sys = systems[s.system_index];
    if (!(sys.missile_speed_mps > 0))
      return Status::Invalid(fmt::format("system '{}': missile_speed_mps must be > 0 to compute intercepts", sys.name));
  }
  for (const auto& t : tracks)
    if (t.samples.size() < 2) return Status::Internal(fmt::format("track '{}' has fewer than 2 samples", t.id));
  std::vector<TrackIndex> index;
  for (const auto& t : tracks) index.push_back(index_track(t));

  const int n = static_cast<int>(sites.size());
  std::vector<std::vector<EngagementWindow>> per_site(n);
  std::vector<Status> statuses(n);
  auto body = [&](const tbb::blocked_range<int>& r) {
    for (int i = r.begin(); i < r.end(); ++i) {
      windows_for_site(i, sites[i], systems[sites[i].system_index], terrain, tracks, index, model, options,
                       per_site[i], statuses[i]);
      if (options.on_progress) options.on_progress(1);
    }
  };
  if (options.threads > 0) {
    tbb::task_arena arena(options.threads);
    arena.execute([&] { tbb::parallel_for(tbb::blocked_range<int>(0, n, 16), body); });
  } else {
    tbb::parallel_for(tbb::blocked_range<int>(0, n, 16), body);
  }
  for (const auto& st : statuses)
    if (!st.ok()) return st;
  std::vector<EngagementWindow> all;
  for (auto& v : per_site)
    for (auto& w : v) all.push_back(std::move(w));
  // Site-major order from the loop; make it track-major (stable keeps each site's windows in time order).
  std::stable_sort(all.begin(), all.end(), [](const EngagementWindow& a, const EngagementWindow& b) {
    return a.track != b.track ? a.track < b.track : a.site < b.site;
  });
  return all;
}

Result<std::vector<TrackExposure>> analyse_exposure(const std::vector<Track>& tracks,
                                                    const std::vector<EngagementWindow>& windows,
                                                    const std::vector<Site>& sites,
                                                    const std::vector<SystemSpec>& systems,
                                                    const ExposureOptions& options) {
  std::vector<TrackExposure> out(tracks.size());
  for (std::size_t t = 0; t < tracks.size(); ++t) out[t].track = static_cast<int>(t);
  // Windows arrive sorted by (track, site, start): walk each (track, site) group.
  std::size_t w = 0;
  while (w < windows.size()) {
    const int t = windows[w].track;
    const int s = windows[w].site;
    std::size_t end = w;
    while (end < windows.size() && windows[end].track == t && windows[end].site == s) ++end;
    const Track& track = tracks[t];
    const SystemSpec& sys = systems[sites[s].system_index];
    auto& te = out[t];
    te.sites_engaging += 1;
    int missiles = options.unlimited_missiles ? INT_MAX : sites[s].missiles;
    double free_at = -std::numeric_limits<double>::infinity();
    bool shot_any = false;
    std::optional<double> pk;
    for (std::size_t k = w; k < end; ++k) {
      te.windows.push_back(static_cast<int>(k));
      const auto& win = windows[k];
      while (missiles > 0) {
        const int i = launch_sample_for(win, track, free_at);
        if (i < 0) break;
        if (!pk) {
          auto p = require_pk(sys, track.target_class);
          if (!p.ok())
            return Status::Invalid(fmt::format("track '{}' ({}), site '{}': {}", track.id,
                                               to_string(track.target_class), sites[s].id, p.status().message()));
          pk = *p;
        }
        Shot shot;
        shot.window = static_cast<int>(k);
        shot.site = s;
        shot.launch_sample = i;
        shot.launch_s = track.samples[i].t_s;
        shot.intercept_s = win.intercept_s[i - win.first_launch_sample];
        shot.intercept_point = position_at(track, shot.intercept_s);
        shot.pk = *pk;
        te.shots.push_back(shot);
        free_at = shot.intercept_s;
        --missiles;
        shot_any = true;
      }
    }
    if (shot_any) te.sites_with_shots += 1;
    w = end;
  }
  for (auto& te : out) {
    std::sort(te.windows.begin(), te.windows.end(), [&](int a, int b) {
      return windows[a].start_s != windows[b].start_s ? windows[a].start_s < windows[b].start_s
                                                      : windows[a].site < windows[b].site;
    });
    // Union of the windows' time spans.
    double covered = 0, cur_lo = 0, cur_hi = -1;
    bool open = false;
    for (int k : te.windows) {
      const auto& win = windows[k];
      if (open && win.start_s <= cur_hi) {
        cur_hi = std::max(cur_hi, win.end_s);
      } else {
        if (open) covered += cur_hi - cur_lo;
        cur_lo = win.start_s;
        cur_hi = win.end_s;
        open = true;
      }
    }
    if (open) covered += cur_hi - cur_lo;
    te.exposed_time_s = covered;
    std::sort(te.shots.begin(), te.shots.end(), [](const Shot& a, const Shot& b) {
      return a.launch_s != b.launch_s ? a.launch_s < b.launch_s : a.site < b.site;
    });
    const auto st = shot_statistics(te.shots);
    te.survival = st.survival;
    te.expected_shots = st.expected_shots;
  }
  return out;
}

}  // namespace skycover
