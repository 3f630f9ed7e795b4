#include "skycover/raid/raid.hpp"

#include "skycover/core/interrupt.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "skycover/core/random.hpp"

namespace skycover {

// Chaining SplitMix64 over (seed, trial, shot) gives a stateless counter-based stream.
double raid_uniform(std::uint64_t seed, std::uint64_t trial, std::uint64_t shot) {
  return unit_from_hash(splitmix64(splitmix64(seed ^ splitmix64(trial)) ^ splitmix64(shot)));
}

double raid_availability_uniform(std::uint64_t seed, std::uint64_t trial, std::uint64_t plan_site) {
  constexpr std::uint64_t kReady = 0x7265616479ull;  // "ready": a stream apart from the shots'
  return u01(splitmix64(seed ^ kReady) ^ trial, kReady, plan_site);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

enum EventKind : int { kIntercept = 0, kLaunch = 1 };  // intercepts first at equal times

struct Event {
  double t;
  int kind;
  int site;    // plan site
  int a;       // launch: opportunity; intercept: target
  int b;       // launch: sample index; intercept: 1 if the shot kills
};

// Min-heap order: time, then kind (a kill at t is known to a launch at t), then site. A site has
// at most one pending event, so the order is total and the simulation deterministic.
struct Later {
  bool operator()(const Event& x, const Event& y) const {
    if (x.t != y.t) return x.t > y.t;
    if (x.kind != y.kind) return x.kind > y.kind;
    return x.site > y.site;
  }
};

struct Scratch {
  std::vector<double> dead_at;  // per target: time its kill became known (inf = alive)
  std::vector<int> missiles;    // per plan site
  std::vector<Event> heap;
};

// Earliest launch for plan site p free at time tau; pushes a launch event if there is one.
void decide(const RaidPlan& plan, int p, double tau, Scratch& s) {
  double best_t = kInf;
  int best_o = -1, best_i = -1;
  const int end = plan.opportunity_offsets[p + 1];
  for (int o = plan.opportunity_offsets[p]; o < end; ++o) {
    const RaidOpportunity& op = plan.opportunities[o];
    if (op.first_launch_s > best_t) break;  // sorted by first launch: nothing later can be earlier
    if (op.last_launch_s < tau || s.dead_at[op.target] <= tau) continue;
    const EngagementWindow& w = plan.windows[op.window];
    const auto& times = plan.track_times_s[plan.targets[op.target].track];
    int i = w.first_launch_sample;
    if (tau > op.first_launch_s) {
      const double rel = tau - op.offset_s;
      i = static_cast<int>(std::lower_bound(times.begin() + w.first_launch_sample,
                                            times.begin() + w.last_launch_sample() + 1, rel) -
                           times.begin());
      if (i > w.last_launch_sample()) continue;
    }
    const double t = times[i] + op.offset_s;
    if (t < best_t) {
      best_t = t;
      best_o = o;
      best_i = i;
    }
  }
  if (best_o < 0) return;
  s.heap.push_back({best_t, kLaunch, p, best_o, best_i});
  std::push_heap(s.heap.begin(), s.heap.end(), Later{});
}

TrialOutcome simulate(const RaidPlan& plan, std::uint64_t seed, std::uint64_t trial, Scratch& s,
                      std::vector<std::int64_t>* site_use, std::vector<std::int64_t>* target_survived) {
  s.dead_at.assign(plan.targets.size(), kInf);
  s.missiles.assign(plan.missiles.begin(), plan.missiles.end());
  for (std::size_t p = 0; p < plan.readiness.size(); ++p)  // an unready site fires nothing this trial
    if (plan.readiness[p] < 1.0 && !(raid_availability_uniform(seed, trial, p) < plan.readiness[p])) s.missiles[p] = 0;
  s.heap.clear();
  std::uint64_t shot = 0;
  // Sites join when their first opportunity opens (plan.activation, sorted by time then site)
  // instead of all being pushed at the start: the heap then holds only the sites in play, which
  // keeps it small on long raids over thousands of sites.
  std::size_t next = 0;
  const std::size_t n_act = plan.activation.size();
  while (!s.heap.empty() || next < n_act) {
    if (next < n_act) {
      const Event init{plan.activation[next].first, kLaunch, plan.activation[next].second, 0, 0};
      if (s.heap.empty() || Later{}(s.heap.front(), init)) {
        ++next;
        if (s.missiles[init.site] > 0) decide(plan, init.site, init.t, s);
        continue;
      }
    }
    std::pop_heap(s.heap.begin(), s.heap.end(), Later{});
    const Event e = s.heap.back();
    s.heap.pop_back();
    if (e.kind == kLaunch) {
      const RaidOpportunity& op = plan.opportunities[e.a];
      if (s.dead_at[op.target] <= e.t) {  // killed since the choice: choose again now
        decide(plan, e.site, e.t, s);
        continue;
      }
      const EngagementWindow& w = plan.windows[op.window];
      const double intercept = w.intercept_s[e.b - w.first_launch_sample] + op.offset_s;
      const double u = raid_uniform(seed, trial, shot++);
      --s.missiles[e.site];
      if (site_use) ++(*site_use)[e.site];
      s.heap.push_back({intercept, kIntercept, e.site, op.target, u < op.pk ? 1 : 0});
      std::push_heap(s.heap.begin(), s.heap.end(), Later{});
    } else {
      if (e.b && s.dead_at[e.a] == kInf) s.dead_at[e.a] = e.t;
      if (s.missiles[e.site] > 0) decide(plan, e.site, e.t, s);
    }
  }
  TrialOutcome out;
  out.missiles = static_cast<int>(shot);
  for (std::size_t k = 0; k < s.dead_at.size(); ++k) {
    if (s.dead_at[k] == kInf) {
      ++out.survivors;
      if (target_survived) ++(*target_survived)[k];
    }
  }
  return out;
}

// Nearest-rank percentile from a histogram: the smallest k with cumulative count >= q * n.
int percentile(const std::vector<std::int64_t>& hist, std::int64_t n, double q) {
  const double need = std::max(1.0, std::ceil(q * static_cast<double>(n)));
  std::int64_t cum = 0;
  for (std::size_t k = 0; k < hist.size(); ++k) {
    cum += hist[k];
    if (static_cast<double>(cum) >= need) return static_cast<int>(k);
  }
  return static_cast<int>(hist.size()) - 1;
}

}  // namespace


Result<RaidPlan> plan_raid(const std::vector<Track>& tracks, const std::vector<EngagementWindow>& windows,
                           const std::vector<Site>& sites, const std::vector<SystemSpec>& systems,
                           bool unlimited_missiles) {
  RaidPlan plan;
  plan.total_sites = static_cast<int>(sites.size());
  std::vector<int> first_target(tracks.size());
  for (std::size_t t = 0; t < tracks.size(); ++t) {
    first_target[t] = static_cast<int>(plan.targets.size());
    for (int c = 0; c < std::max(1, tracks[t].count); ++c)
      plan.targets.push_back({static_cast<int>(t), c, c * tracks[t].interval_s});
    std::vector<double> times;
    times.reserve(tracks[t].samples.size());
    for (const auto& s : tracks[t].samples) times.push_back(s.t_s);
    plan.track_times_s.push_back(std::move(times));
  }
  // Group usable windows by site.
  std::vector<std::vector<RaidOpportunity>> per_site(sites.size());
  for (const auto& w : windows) {
    if (w.intercept_s.empty()) continue;
    const Track& tr = tracks[w.track];
    const SystemSpec& sys = systems[sites[w.site].system_index];
    auto pk = require_pk(sys, tr.target_class);
    if (!pk.ok())
      return Status::Invalid(fmt::format("track '{}' ({}), site '{}': {}", tr.id, to_string(tr.target_class),
                                         sites[w.site].id, pk.status().message()));
    const int wi = static_cast<int>(plan.windows.size());
    plan.windows.push_back(w);
    const double first = tr.samples[w.first_launch_sample].t_s;
    const double last = tr.samples[w.last_launch_sample()].t_s;
    for (int c = 0; c < std::max(1, tr.count); ++c) {
      const int target = first_target[w.track] + c;
      const double off = plan.targets[target].offset_s;
      per_site[w.site].push_back({target, wi, off, first + off, last + off, *pk});
    }
  }
  plan.opportunity_offsets.push_back(0);
  for (std::size_t s = 0; s < sites.size(); ++s) {
    auto& v = per_site[s];
    if (v.empty()) continue;
    std::sort(v.begin(), v.end(), [](const RaidOpportunity& a, const RaidOpportunity& b) {
      if (a.first_launch_s != b.first_launch_s) return a.first_launch_s < b.first_launch_s;
      if (a.target != b.target) return a.target < b.target;
      return a.window < b.window;
    });
    plan.sites.push_back(static_cast<int>(s));
    plan.missiles.push_back(unlimited_missiles ? INT_MAX : sites[s].missiles);
    plan.readiness.push_back(sites[s].readiness);
    plan.opportunities.insert(plan.opportunities.end(), v.begin(), v.end());
    plan.opportunity_offsets.push_back(static_cast<int>(plan.opportunities.size()));
    plan.activation.emplace_back(v.front().first_launch_s, static_cast<int>(plan.sites.size()) - 1);
  }
  std::sort(plan.activation.begin(), plan.activation.end());
  return plan;
}

TrialOutcome simulate_trial(const RaidPlan& plan, std::uint64_t seed, std::uint64_t trial,
                            std::vector<std::int64_t>* site_use, std::vector<std::int64_t>* target_survived) {
  Scratch s;
  return simulate(plan, seed, trial, s, site_use, target_survived);
}

RaidResult run_raid(const RaidPlan& plan, const RaidOptions& options) {
  RaidResult r;
  r.trials = options.trials;
  r.seed = options.seed;
  r.targets = static_cast<int>(plan.targets.size());
  const std::int64_t n = options.trials;
  std::vector<int> survivors(static_cast<std::size_t>(n)), missiles(static_cast<std::size_t>(n));
  struct Local {
    Scratch scratch;
    std::vector<std::int64_t> site_use;
    std::vector<std::int64_t> target_survived;
  };
  tbb::enumerable_thread_specific<Local> locals([&] {
    Local l;
    l.site_use.assign(plan.sites.size(), 0);
    l.target_survived.assign(plan.targets.size(), 0);
    return l;
  });
  auto body = [&](const tbb::blocked_range<std::int64_t>& range) {
    if (interrupted()) return;  // Ctrl-C: skip the remaining trials (core/interrupt.hpp)
    Local& l = locals.local();
    for (std::int64_t k = range.begin(); k < range.end(); ++k) {
      const auto o = simulate(plan, options.seed, static_cast<std::uint64_t>(k), l.scratch, &l.site_use,
                              &l.target_survived);
      survivors[k] = o.survivors;
      missiles[k] = o.missiles;
    }
    if (options.on_progress) options.on_progress(range.end() - range.begin());
  };
  const tbb::blocked_range<std::int64_t> all(0, n, 64);
  if (options.threads > 0) {
    tbb::task_arena arena(options.threads);
    arena.execute([&] { tbb::parallel_for(all, body); });
  } else {
    tbb::parallel_for(all, body);
  }
  // Interrupted: the result is incomplete; the caller checks interrupted() (core/interrupt.hpp).
  // Integer sums: the same for any split of the trials over threads.
  r.site_missiles_total.assign(plan.sites.size(), 0);
  r.target_survived.assign(plan.targets.size(), 0);
  for (const auto& l : locals) {
    for (std::size_t i = 0; i < l.site_use.size(); ++i) r.site_missiles_total[i] += l.site_use[i];
    for (std::size_t i = 0; i < l.target_survived.size(); ++i) r.target_survived[i] += l.target_survived[i];
  }
  r.survivors_histogram.assign(plan.targets.size() + 1, 0);
  int max_missiles = 0;
  for (int m : missiles) max_missiles = std::max(max_missiles, m);
  r.missiles_histogram.assign(static_cast<std::size_t>(max_missiles) + 1, 0);
  for (std::int64_t k = 0; k < n; ++k) {
    ++r.survivors_histogram[survivors[k]];
    ++r.missiles_histogram[missiles[k]];
  }
  if (n == 0) return r;
  // Moments from the histograms, summed in a fixed order.
  const double dn = static_cast<double>(n);
  double sum = 0, sumsq = 0;
  for (std::size_t k = 0; k < r.survivors_histogram.size(); ++k) {
    const double c = static_cast<double>(r.survivors_histogram[k]);
    sum += c * static_cast<double>(k);
    sumsq += c * static_cast<double>(k) * static_cast<double>(k);
  }
  r.mean_survivors = sum / dn;
  const double var = n > 1 ? std::max(0.0, (sumsq - sum * sum / dn) / (dn - 1)) : 0.0;
  r.sd_survivors = std::sqrt(var);
  const double half = 1.959963984540054 * r.sd_survivors / std::sqrt(dn);
  r.mean_ci95_lo = r.mean_survivors - half;
  r.mean_ci95_hi = r.mean_survivors + half;
  r.survivors_p025 = percentile(r.survivors_histogram, n, 0.025);
  r.survivors_p975 = percentile(r.survivors_histogram, n, 0.975);
  double msum = 0;
  for (std::size_t k = 0; k < r.missiles_histogram.size(); ++k)
    msum += static_cast<double>(r.missiles_histogram[k]) * static_cast<double>(k);
  r.mean_missiles = msum / dn;
  r.missiles_p025 = percentile(r.missiles_histogram, n, 0.025);
  r.missiles_p975 = percentile(r.missiles_histogram, n, 0.975);
  return r;
}

}  // namespace skycover
