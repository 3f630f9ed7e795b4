// Scenario files (TOML): parsing and validation. Every problem is collected as a Diagnostic;
// the format is documented in docs/scenario.md.
#include "skycover/scenario/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "field_reader.hpp"
#include "skycover/core/atomic_file.hpp"
#include "skycover/core/random.hpp"
#include "skycover/terrain/projection.hpp"
#include "skycover/terrain/synthetic.hpp"

namespace skycover {
namespace fs = std::filesystem;
using scenario_detail::Bounds;
using scenario_detail::ParseContext;
using scenario_detail::TableReader;

std::string_view to_string(DiagnosticKind kind) {
  switch (kind) {
    case DiagnosticKind::kSyntax: return "syntax";
    case DiagnosticKind::kUnknownKey: return "unknown-key";
    case DiagnosticKind::kType: return "type";
    case DiagnosticKind::kRange: return "range";
    case DiagnosticKind::kMissing: return "missing";
    case DiagnosticKind::kConflict: return "conflict";
    case DiagnosticKind::kDuplicate: return "duplicate";
    case DiagnosticKind::kUnknownPreset: return "unknown-preset";
    case DiagnosticKind::kUnknownSystem: return "unknown-system";
    case DiagnosticKind::kMissingFile: return "missing-file";
    case DiagnosticKind::kUnknownValue: return "unknown-value";
  }
  return "?";
}

std::string Diagnostic::to_string() const {
  std::string s = fmt::format("{}:{}:{}: {}: {}", file, line, column, field.empty() ? "(file)" : field, message);
  if (!hint.empty()) s += fmt::format(" (hint: {})", hint);
  return s;
}

namespace {

// Mix a seed with a stream number so that deployments without their own seed still get
// distinct, reproducible streams derived from [analysis] seed. splitmix64 adds the golden
// ratio once more, so this is finaliser(seed + golden * (stream + 1)), as it always was.
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream) {
  return splitmix64(seed + 0x9E3779B97F4A7C15ull * stream);
}

const std::vector<std::string> kTargetClasses(kTargetClassNames.begin(), kTargetClassNames.end());

// ---------------------------------------------------------------- [terrain]
// clutter = "heights.tif" (metres above ground), or
// clutter = { raster = "landcover.tif", class_heights_m = { "10" = 15, "50" = 12 } }.
void parse_clutter(TableReader& r, Scenario& sc) {
  if (!r.has("clutter")) return;
  const char* hint = "clutter = \"canopy_height.tif\" (heights in metres), or clutter = { raster = \"landcover.tif\", "
                     "class_heights_m = { \"10\" = 15, \"50\" = 12 } }";
  if (r.node("clutter")->is_string()) {
    if (auto f = r.existing_file("clutter", false, "clutter raster")) sc.terrain.clutter = ClutterSpec{*f, {}};
    return;
  }
  const toml::table* ct = r.subtable("clutter");
  if (!ct) return;  // diagnosed: wrong type
  TableReader cr(r.ctx(), *ct, "terrain.clutter", {"raster", "class_heights_m"});
  auto f = cr.existing_file("raster", true, "clutter raster");
  ClutterSpec spec;
  bool ok = f.has_value();
  if (const toml::table* classes = cr.subtable("class_heights_m", true)) {
    for (const auto& [key, value] : *classes) {
      const std::string k(key.str());
      std::int64_t code = 0;
      const auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), code);
      const auto h = value.value<double>();
      if (ec != std::errc() || end != k.data() + k.size()) {
        cr.error(DiagnosticKind::kType, "class_heights_m",
                 fmt::format("class '{}' is not an integer land-cover code", k), hint);
        ok = false;
      } else if (!h || !std::isfinite(*h) || *h < 0 || *h > kMaxClutterM) {
        cr.error(DiagnosticKind::kRange, "class_heights_m",
                 fmt::format("class {} needs a height in metres from 0 to {:.0f}", k, kMaxClutterM), hint);
        ok = false;
      } else {
        spec.class_heights_m.emplace_back(code, *h);
      }
    }
    if (classes->empty()) {
      cr.error(DiagnosticKind::kMissing, "class_heights_m", "class_heights_m lists no class", hint);
      ok = false;
    }
  } else {
    ok = false;
  }
  if (ok) {
    spec.raster = *f;
    sc.terrain.clutter = std::move(spec);
  }
}

void parse_terrain(ParseContext& ctx, const toml::table* t, Scenario& sc) {
  if (!t) {
    ctx.diagnostics.push_back({DiagnosticKind::kMissing, ctx.file, 1, 1, "terrain", "the [terrain] section is missing",
                               "add [terrain] with dem = \"path.tif\" or synthetic = { width = 256, height = 256, "
                               "cell_m = 30, relief_m = 500, seed = 1 }"});
    return;
  }
  TableReader r(ctx, *t, "terrain", {"dem", "synthetic", "unit", "cell_size_m", "crs", "clutter"});
  r.exclusive("dem", "synthetic", "give either a DEM file or synthetic terrain parameters, not both");
  if (!r.has("dem") && !r.has("synthetic"))
    r.missing("dem", "add dem = \"path/to/dem.tif\" or synthetic = { width = .., height = .., cell_m = .., "
                     "relief_m = .., seed = .. }");
  sc.terrain.dem = r.existing_file("dem", false, "DEM");
  if (const auto* s = r.subtable("synthetic")) {
    TableReader sr(ctx, *s, "terrain.synthetic",
                   {"width", "height", "cell_m", "relief_m", "seed", "roughness", "epsg", "origin_x_m", "origin_y_m",
                    "base_elevation_m"});
    SyntheticTerrainParams p;
    auto w = sr.integer("width", 2, 100000, true);
    auto h = sr.integer("height", 2, 100000, true);
    // Plausible bounds (docs/scenario.md): 1 cm to 100 km cells, relief up to 20 km, origins and
    // base elevations on Earth; beyond them results are inf/NaN or meaningless.
    auto c = sr.number("cell_m", {0.01, {}, 100000.0, {}}, true);
    auto rel = sr.number("relief_m", {0.0, {}, 20000.0, {}}, true);
    auto seed = sr.integer("seed", 0, INT64_MAX, true);
    auto rough = sr.number("roughness", {0.05, {}, 0.95, {}});
    auto epsg = sr.integer("epsg", 1024, 999999);
    auto ox = sr.number("origin_x_m", {-1e8, {}, 1e8, {}});
    auto oy = sr.number("origin_y_m", {-1e8, {}, 1e8, {}});
    auto base = sr.number("base_elevation_m", {-11000.0, {}, 9000.0, {}});
    // No limit on width x height here: tiled runs generate each window when they read it
    // (synthetic.hpp). A run that would hold the grid whole checks kMaxSyntheticCells itself.
    if (w && h && c && rel && seed) {
      p.width = static_cast<int>(*w);
      p.height = static_cast<int>(*h);
      p.cell_size_m = *c;
      p.relief_m = *rel;
      p.seed = static_cast<std::uint64_t>(*seed);
      if (rough) p.roughness = *rough;
      if (epsg) p.epsg = static_cast<int>(*epsg);
      if (ox) p.origin_x_m = *ox;
      if (oy) p.origin_y_m = *oy;
      if (base) p.base_elevation_m = *base;
      // The grid is laid out in metres on the CRS: it must be a projected CRS in metres whose
      // scale over the grid is true to within kMaxDistanceError.
      bool crs_ok = true;
      if (Status st = check_metric_crs(fmt::format("EPSG:{}", p.epsg)); !st.ok()) {
        sr.error(DiagnosticKind::kRange, "epsg", st.message(), "e.g. epsg = 32633 (UTM zone 33N)");
        crs_ok = false;
      } else if (auto pe = projection_error(synthetic_geometry(p)); pe.ok() && *pe &&
                                                                   (*pe)->max_distance_error > kMaxDistanceError) {
        sr.error(DiagnosticKind::kRange, "epsg",
                 fmt::format("EPSG:{} ({}) distorts distances by up to {:.1f} % over this grid (more than {:g} %): "
                             "ranges and areas would be wrong by as much",
                             p.epsg, (*pe)->crs_name, (*pe)->max_distance_error * 100, kMaxDistanceError * 100),
                 "use the UTM zone of the place (EPSG:326NN or 327NN) and origin_x_m / origin_y_m inside it");
        crs_ok = false;
      }
      if (crs_ok) sc.terrain.synthetic = p;
    }
  }
  if (auto u = r.choice("unit", {"m", "ft"}))
    sc.terrain.load.unit = *u == "ft" ? ElevationUnit::kFeet : ElevationUnit::kMetres;
  if (auto c = r.number("cell_size_m", {0.01, {}, 100000.0, {}})) sc.terrain.load.cell_size_m = *c;
  if (auto crs = r.string("crs")) {
    if (Status st = check_metric_crs(*crs); !st.ok())
      r.error(DiagnosticKind::kRange, "crs", st.message(), "e.g. crs = \"EPSG:32633\", or remove crs for the default");
    else
      sc.terrain.load.target_crs = *crs;
  }
  parse_clutter(r, sc);
  if (r.has("synthetic"))
    for (const char* k : {"unit", "cell_size_m", "crs"})
      if (r.has(k))
        r.error(DiagnosticKind::kConflict, k, fmt::format("'{}' applies only to a DEM file, not to synthetic terrain", k),
                fmt::format("remove '{}' (synthetic terrain is in metres on EPSG:<epsg> with cell_m cells)", k));
}

// ---------------------------------------------------------------- [[systems]]
struct EnvelopeField {
  const char* key;
  double SystemSpec::*member;
  Bounds bounds;
};

void parse_pk(TableReader& r, SystemSpec& s) {
  const toml::table* pk = r.subtable("pk");
  std::optional<std::string> set = r.choice("pk_set", {"illustrative"});
  if (pk && r.has("pk_set")) {
    r.exclusive("pk", "pk_set", "state pk per target class yourself, or ask for the labelled illustrative set, not both");
    return;
  }
  if (set) {
    s.pk = illustrative_kill_probabilities();
    return;
  }
  if (!pk) {
    s.pk = KillProbabilities{};
    s.pk.provenance = "none stated";
    return;
  }
  TableReader pr(r.ctx(), *pk, r.field("pk"), kTargetClasses);
  KillProbabilities k;
  k.provenance = "user";
  for (std::size_t i = 0; i < kTargetClasses.size(); ++i)
    if (auto v = pr.number(kTargetClasses[i], Bounds::unit_interval())) k.pk[i] = *v;
  s.pk = k;
}

void parse_systems(ParseContext& ctx, TableReader& root, Scenario& sc) {
  const toml::array* arr = root.array("systems");
  if (!arr) {
    if (!root.has("systems"))
      root.missing("systems", "add at least one [[systems]] section, e.g. name = \"igla-s\" with preset = \"igla-s\"");
    return;
  }
  static const EnvelopeField kFields[] = {
      // Plausible bounds (docs/scenario.md): up to 1,000 km range, 100 km ceiling, a day's
      // reaction, 10 km/s (Mach ~30).
      {"min_range_m", &SystemSpec::min_range_m, {0.0, {}, 1e6, {}}},
      {"max_range_m", &SystemSpec::max_range_m, {{}, 0.0, 1e6, {}}},
      {"min_altitude_m", &SystemSpec::min_altitude_m, {0.0, {}, 1e5, {}}},
      {"max_altitude_m", &SystemSpec::max_altitude_m, {{}, 0.0, 1e5, {}}},
      {"reaction_time_s", &SystemSpec::reaction_time_s, {0.0, {}, 86400.0, {}}},
      {"missile_speed_mps", &SystemSpec::missile_speed_mps, {{}, 0.0, 1e4, {}}},
  };
  std::vector<std::string> known = {"name", "preset", "missiles_per_site", "pk", "pk_set"};
  for (const auto& f : kFields) known.emplace_back(f.key);
  std::set<std::string> names;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& node = *arr->get(i);
    const std::string path = fmt::format("systems[{}]", i);
    if (!node.is_table()) {
      ctx.add(DiagnosticKind::kType, node.source(), path, "expected a table", "use [[systems]] sections");
      continue;
    }
    TableReader r(ctx, *node.as_table(), path, known);
    SystemSpec s;
    auto name = r.string("name", true, "add name = \"...\" (used by [[deployments]] system = ...)");
    auto preset = r.string("preset");
    bool has_preset = false;
    if (preset) {
      auto p = find_preset(*preset);
      if (p.ok()) {
        s = p.value();
        has_preset = true;
      } else {
        const auto near = scenario_detail::closest(*preset, preset_names());
        r.error(DiagnosticKind::kUnknownPreset, "preset", fmt::format("unknown preset '{}'", *preset),
                fmt::format("{}known presets: {}", near ? fmt::format("did you mean \"{}\"? ", *near) : "",
                            fmt::join(preset_names(), ", ")));
      }
    }
    // Which envelope figures hold a usable value (from the user, or from a known preset), so each
    // cross-field check below runs whenever its own two fields are valid, whatever the others.
    std::set<std::string> usable;
    for (const auto& f : kFields) {
      const bool required = !has_preset && !r.has("preset");
      auto v = r.number(f.key, f.bounds, required,
                        fmt::format("without a preset every envelope figure is required: add {} = <number> or "
                                    "preset = \"igla-s\"", f.key));
      if (v) {
        s.*f.member = *v;
        // A user figure replaces the preset's citation for it.
        std::erase_if(s.sources, [&](const Citation& c) { return c.figure == f.key; });
        s.sources.push_back({f.key, fmt::format("user: {}:{}", ctx.file, r.where(f.key).begin.line)});
        usable.insert(f.key);
      } else if (has_preset && !r.has(f.key)) {
        usable.insert(f.key);
      }
    }
    auto both_usable = [&](const char* a, const char* b) { return usable.count(a) && usable.count(b); };
    if (auto m = r.integer("missiles_per_site", 1, 1000)) s.missiles_per_site = static_cast<int>(*m);
    // Cross-field consistency, reported at the "min" field.
    if (both_usable("min_range_m", "max_range_m") && s.min_range_m >= s.max_range_m) {
      r.error(DiagnosticKind::kRange, "min_range_m",
              fmt::format("min_range_m ({}) must be less than max_range_m ({})", s.min_range_m, s.max_range_m),
              "check the two figures (metres, slant range)");
    }
    if (both_usable("min_altitude_m", "max_altitude_m") && s.min_altitude_m >= s.max_altitude_m) {
      r.error(DiagnosticKind::kRange, "min_altitude_m",
              fmt::format("min_altitude_m ({}) must be less than max_altitude_m ({})", s.min_altitude_m,
                          s.max_altitude_m),
              "min_altitude_m is above the target's ground, max_altitude_m above the site's ground (metres)");
    }
    parse_pk(r, s);
    if (name) {
      if (!names.insert(*name).second)
        r.error(DiagnosticKind::kDuplicate, "name", fmt::format("system name '{}' is used twice", *name),
                "give every [[systems]] entry its own name");
      s.name = *name;
    }
    sc.systems.push_back(std::move(s));
  }
}

// ---------------------------------------------------------------- [[deployments]]
std::optional<std::vector<ClusterCentre>> parse_centres(TableReader& r) {
  const toml::array* a = r.array("centres", true);
  if (!a) return std::nullopt;
  std::vector<ClusterCentre> out;
  bool ok = true;
  if (a->empty()) {
    r.error(DiagnosticKind::kRange, "centres", "centres is empty", "give at least one centre: centres = [[x, y]]");
    return std::nullopt;
  }
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& e = *a->get(i);
    const std::string f = fmt::format("{}[{}]", r.field("centres"), i);
    if (const auto* p = e.as_array(); p && p->size() == 2 && p->get(0)->is_number() && p->get(1)->is_number()) {
      out.push_back({*p->get(0)->value<double>(), *p->get(1)->value<double>(), 1.0});
    } else if (const auto* t = e.as_table()) {
      TableReader cr(r.ctx(), *t, f, {"x", "y", "weight"});
      auto x = cr.number("x", {}, true);
      auto y = cr.number("y", {}, true);
      auto w = cr.number("weight", Bounds::positive());
      if (x && y && (w || !cr.has("weight")))
        out.push_back({*x, *y, w.value_or(1.0)});
      else
        ok = false;
    } else {
      r.ctx().add(DiagnosticKind::kType, e.source(), f, fmt::format("expected [x, y] or {{ x = .., y = .., weight = .. }}, got {}",
                                                                     scenario_detail::type_name(e)),
                  "write centres = [[x1, y1], [x2, y2]] or [{ x = .., y = .., weight = 2 }]");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

void parse_deployments(ParseContext& ctx, TableReader& root, Scenario& sc) {
  const toml::array* arr = root.array("deployments");
  if (!arr) {
    if (!root.has("deployments"))
      root.missing("deployments", "add at least one [[deployments]] section with system = \"...\" and hypothesis = "
                                  "\"uniform\", count = ..");
    return;
  }
  const std::vector<std::string> hypotheses = {"uniform", "clustered", "high_ground", "grid"};
  std::vector<std::string> system_names;
  for (const auto& s : sc.systems) system_names.push_back(s.name);
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& node = *arr->get(i);
    const std::string path = fmt::format("deployments[{}]", i);
    if (!node.is_table()) {
      ctx.add(DiagnosticKind::kType, node.source(), path, "expected a table", "use [[deployments]] sections");
      continue;
    }
    TableReader r(ctx, *node.as_table(), path,
                  {"system", "file", "crs", "hypothesis", "count", "spacing_m", "centres", "sigma_m", "height_agl_m",
                   "missiles", "seed", "drop_invalid_sites", "min_separation_m", "readiness"});
    DeploymentSpec d;
    d.source = fmt::format("{}:[[deployments]][{}]", ctx.file, i);
    if (auto sys = r.string("system", true, "add system = \"<name of a [[systems]] entry>\"")) {
      d.system = *sys;
      auto it = std::find(system_names.begin(), system_names.end(), *sys);
      if (it == system_names.end()) {
        const auto near = scenario_detail::closest(*sys, system_names);
        r.error(DiagnosticKind::kUnknownSystem, "system", fmt::format("no [[systems]] entry is named '{}'", *sys),
                near ? fmt::format("did you mean \"{}\"?", *near)
                     : fmt::format("defined systems: {}", system_names.empty() ? std::string("(none)")
                                                                               : fmt::format("{}", fmt::join(system_names, ", "))));
      } else {
        d.system_index = static_cast<int>(it - system_names.begin());
      }
    }
    d.id_prefix = fmt::format("d{}-{}", i, d.system);
    r.exclusive("file", "hypothesis", "a deployment is either read from a file or generated by a hypothesis");
    if (!r.has("file") && !r.has("hypothesis"))
      r.missing("hypothesis", "add hypothesis = \"uniform\" (or clustered, high_ground, grid), or file = \"sites.csv\"");
    if (auto f = r.existing_file("file", false, "site file")) {
      d.hypothesis = Hypothesis::kFile;
      d.file = *f;
    }
    if (auto crs = r.string("crs")) d.crs = *crs;
    const auto hyp = r.choice("hypothesis", hypotheses);
    // A misspelt hypothesis is already reported: don't guess which keys it would have allowed.
    const bool hypothesis_known = !r.has("hypothesis") || hyp.has_value();
    if (const auto& h = hyp) {
      d.hypothesis = *h == "uniform"     ? Hypothesis::kUniform
                     : *h == "clustered" ? Hypothesis::kClustered
                     : *h == "high_ground" ? Hypothesis::kHighGround
                                           : Hypothesis::kGrid;
      const bool needs_count = d.hypothesis != Hypothesis::kGrid;
      if (auto c = r.integer("count", 1, 10'000'000, needs_count, "add count = <number of sites>"))
        d.count = static_cast<int>(*c);
      if (d.hypothesis == Hypothesis::kGrid) {
        if (auto s = r.number("spacing_m", Bounds::positive(), true, "add spacing_m = <lattice spacing in metres>"))
          d.spacing_m = *s;
      }
      if (d.hypothesis == Hypothesis::kClustered) {
        if (auto c = parse_centres(r)) d.centres = *c;
        if (auto s = r.number("sigma_m", Bounds::positive(), true, "add sigma_m = <Gaussian spread in metres>"))
          d.sigma_m = *s;
      }
      if (d.hypothesis == Hypothesis::kHighGround)
        if (auto s = r.number("min_separation_m", Bounds::non_negative())) d.min_separation_m = *s;
    }
    // Keys that only make sense for some hypotheses: say so rather than silently ignore them.
    auto only_for = [&](const char* key, bool allowed, const char* which) {
      if (hypothesis_known && r.has(key) && !allowed)
        r.error(DiagnosticKind::kConflict, key, fmt::format("'{}' applies only to {}", key, which),
                fmt::format("remove '{}' or change the hypothesis", key));
    };
    only_for("spacing_m", d.hypothesis == Hypothesis::kGrid && r.has("hypothesis"), "hypothesis = \"grid\"");
    only_for("centres", d.hypothesis == Hypothesis::kClustered && r.has("hypothesis"), "hypothesis = \"clustered\"");
    only_for("sigma_m", d.hypothesis == Hypothesis::kClustered && r.has("hypothesis"), "hypothesis = \"clustered\"");
    only_for("min_separation_m", d.hypothesis == Hypothesis::kHighGround && r.has("hypothesis"),
             "hypothesis = \"high_ground\"");
    only_for("count", r.has("hypothesis"), "generated deployments (a hypothesis)");
    if (auto h = r.number("height_agl_m", {0.0, {}, 1000.0, {}})) d.height_agl_m = *h;  // a tower at most
    if (auto m = r.integer("missiles", 1, 1000)) d.missiles = static_cast<int>(*m);
    if (auto a = r.number("readiness", {0.0, {}, 1.0, {}})) d.readiness = *a;  // claimed vs on alert
    if (auto s = r.integer("seed", 0, INT64_MAX))
      d.seed = static_cast<std::uint64_t>(*s);
    else
      d.seed = derive_seed(sc.analysis.seed, i);
    if (auto b = r.boolean("drop_invalid_sites")) d.drop_invalid_sites = *b;
    sc.deployments.push_back(std::move(d));
  }
}

// ---------------------------------------------------------------- [analysis], [[tracks]], [raid], [output]
void parse_analysis(ParseContext& ctx, const toml::table* t, Scenario& sc) {
  if (!t) return;
  TableReader r(ctx, *t, "analysis", {"bands_agl_m", "bands_msl_m", "refraction_k", "threads", "seed"});
  auto bands = [&](const char* key, std::vector<double>& out, const Bounds& b) {
    auto v = r.number_list(key, b);
    if (!v) return;
    if (v->empty()) {
      r.error(DiagnosticKind::kRange, key, "the list is empty", "give at least one height, e.g. [50, 150, 500]");
      return;
    }
    // Each band is a pass of the union, a raster and a map: 64 covers any altitude study.
    constexpr std::size_t kMaxBands = 64;
    if (v->size() > kMaxBands) {
      r.error(DiagnosticKind::kRange, key, fmt::format("{} heights; at most {} bands are allowed", v->size(), kMaxBands),
              "keep the altitudes the question needs (each band is a full coverage pass), e.g. [50, 150, 500, 1500]");
      return;
    }
    for (std::size_t i = 1; i < v->size(); ++i)
      if (!((*v)[i] > (*v)[i - 1])) {
        r.error(DiagnosticKind::kRange, key, "heights must be strictly increasing", "sort the list and remove duplicates");
        return;
      }
    out = *v;
  };
  bands("bands_agl_m", sc.analysis.bands_agl_m, {0.0, {}, 1e5, {}});
  bands("bands_msl_m", sc.analysis.bands_msl_m, {-500.0, {}, 1e5, {}});
  if (auto k = r.number("refraction_k", {-1.0, {}, {}, 1.0})) sc.analysis.refraction_k = *k;
  if (auto n = r.integer("threads", 0, 4096)) sc.analysis.threads = static_cast<int>(*n);
  if (auto s = r.integer("seed", 0, INT64_MAX)) sc.analysis.seed = static_cast<std::uint64_t>(*s);
}

void parse_tracks(ParseContext& ctx, TableReader& root, Scenario& sc) {
  const toml::array* arr = root.array("tracks");
  if (!arr) return;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const auto& node = *arr->get(i);
    const std::string path = fmt::format("tracks[{}]", i);
    if (!node.is_table()) {
      ctx.add(DiagnosticKind::kType, node.source(), path, "expected a table", "use [[tracks]] sections");
      continue;
    }
    TableReader r(ctx, *node.as_table(), path,
                  {"id", "file", "waypoints", "crs", "speed_mps", "altitude_m", "altitude_reference", "target_class",
                   "count", "interval_s"});
    TrackSpec t;
    t.source = fmt::format("{}:[[tracks]][{}]", ctx.file, i);
    if (auto id = r.string("id", true)) {
      if (id->find_first_not_of(" \t") == std::string::npos)
        r.error(DiagnosticKind::kRange, "id", "the track id is empty", "give the track a name, e.g. id = \"t1\"");
      else if (!ids.insert(*id).second)
        r.error(DiagnosticKind::kDuplicate, "id", fmt::format("track id '{}' is used twice", *id),
                "give every track its own id");
      t.id = *id;
    }
    r.exclusive("file", "waypoints", "give a track file or inline waypoints, not both");
    if (!r.has("file") && !r.has("waypoints"))
      r.missing("waypoints", "add waypoints = [[x1, y1], [x2, y2]] or file = \"track.geojson\"");
    if (auto f = r.existing_file("file", false, "track file")) t.file = *f;
    if (auto w = r.point_list("waypoints")) {
      if (w->size() < 2)
        r.error(DiagnosticKind::kRange, "waypoints", fmt::format("a track needs at least 2 waypoints, got {}", w->size()),
                "add a start and an end point");
      t.waypoints = *w;
    }
    if (auto crs = r.string("crs")) t.crs = *crs;
    if (auto v = r.number("speed_mps", {0.1, {}, 1e4, {}}, true)) t.speed_mps = *v;  // 0.1 m/s to Mach ~30
    if (auto ref = r.choice("altitude_reference", {"agl", "msl"}))
      t.altitude_reference = *ref == "msl" ? AltitudeReference::kMsl : AltitudeReference::kAgl;
    const Bounds alt_bounds =
        t.altitude_reference == AltitudeReference::kAgl ? Bounds{0.0, {}, 1e5, {}} : Bounds{-500.0, {}, 1e5, {}};
    if (auto a = r.number("altitude_m", alt_bounds, true)) t.altitude_m = *a;
    if (auto c = r.choice("target_class", kTargetClasses, true)) t.target_class = *parse_target_class(*c);
    if (auto c = r.integer("count", 1, 1'000'000)) t.count = static_cast<int>(*c);
    if (auto s = r.number("interval_s", {0.0, {}, 86400.0, {}})) t.interval_s = *s;
    sc.tracks.push_back(std::move(t));
  }
}

void parse_raid(ParseContext& ctx, const toml::table* t, Scenario& sc) {
  sc.raid.seed = sc.analysis.seed;
  if (!t) return;
  TableReader r(ctx, *t, "raid", {"trials", "seed"});
  if (auto n = r.integer("trials", 1, 100'000'000)) sc.raid.trials = static_cast<int>(*n);
  if (auto s = r.integer("seed", 0, INT64_MAX)) sc.raid.seed = static_cast<std::uint64_t>(*s);
}


}  // namespace

namespace {

// Limits checked before toml++ sees the text: toml++ 3.3 (Debian 12) recurses once per dotted key
// part and per nested array or inline table, so a key of 100,000 parts overflowed the stack
// (SIGSEGV). A scenario is a few KB with keys of at most 3 parts; the limits are far above that.
constexpr std::size_t kMaxScenarioBytes = 16 << 20;
constexpr int kMaxKeyParts = 64, kMaxNesting = 64;

struct ShapeProblem {
  int line = 0, column = 0;
  std::string message, hint;
};

// Scans the text outside strings and comments: dots in a key (before '=' or inside a [table]
// header) and the depth of nested brackets and braces.
std::optional<ShapeProblem> check_toml_shape(std::string_view text) {
  if (text.size() > kMaxScenarioBytes)
    return ShapeProblem{1, 1, fmt::format("the file is {:.1f} MB; a scenario is a few KB (limit {} MB)",
                                          static_cast<double>(text.size()) / 1048576.0, kMaxScenarioBytes >> 20),
                        "check that this is the scenario file (DEMs and site lists are separate files it names)"};
  int line = 1, column = 0, dots = 0, depth = 0;
  bool in_key = true, comment = false;
  char quote = 0;      // the quote character inside a string
  bool multi = false;  // the string is a triple-quoted one
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++column;
    if (c == '\n') {
      ++line, column = 0, comment = false;
      if (!multi) quote = 0, in_key = depth == 0, dots = 0;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c == '\\' && quote == '"') {
        ++i, ++column;  // an escape in a basic string
      } else if (c == quote && (!multi || text.substr(i, 3) == std::string(3, quote))) {
        if (multi) i += 2, column += 2;
        quote = 0, multi = false;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      multi = text.substr(i, 3) == std::string(3, c);
      if (multi) i += 2, column += 2;
      continue;
    }
    if (c == '#') {
      comment = true;
    } else if (c == '=') {
      in_key = false;
    } else if (c == '.' && (in_key || depth > 0) && ++dots > kMaxKeyParts) {
      return ShapeProblem{line, column, fmt::format("a key has more than {} dotted parts", kMaxKeyParts),
                          "scenario keys have at most three parts (e.g. [terrain] synthetic.cell_m); check the file"};
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxNesting)
        return ShapeProblem{line, column, fmt::format("brackets or braces nest more than {} deep", kMaxNesting),
                            "scenario values nest at most three deep (waypoints = [[x, y], ...]); check the file"};
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

}  // namespace

ScenarioParse parse_scenario_text(std::string_view toml_text, const fs::path& path) {
  ScenarioParse result;
  ParseContext ctx;
  ctx.file = path.string();
  ctx.base_dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (const auto shape = check_toml_shape(toml_text)) {
    Diagnostic d;
    d.kind = DiagnosticKind::kSyntax;
    d.file = ctx.file;
    d.line = shape->line;
    d.column = shape->column;
    d.message = shape->message + "; nothing else was checked";
    d.hint = shape->hint;
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  toml::table doc;
  try {
    doc = toml::parse(toml_text, path.string());
  } catch (const toml::parse_error& e) {
    ctx.add(DiagnosticKind::kSyntax, e.source(), "", fmt::format("TOML syntax error: {}", e.description()),
            "fix the TOML syntax at this position (see https://toml.io); nothing else was checked");
    result.diagnostics = std::move(ctx.diagnostics);
    return result;
  }
  Scenario sc;
  sc.path = path;
  sc.sha256 = sha256_hex(toml_text);
  TableReader root(ctx, doc, "",
                   {"terrain", "area", "systems", "deployments", "analysis", "tracks", "raid", "output"});
  parse_analysis(ctx, root.subtable("analysis"), sc);  // first: its seed feeds the defaults below
  parse_terrain(ctx, root.subtable("terrain"), sc);
  if (const auto* a = root.subtable("area")) {
    TableReader r(ctx, *a, "area", {"polygon"});
    sc.area_polygon = r.existing_file("polygon", false, "area polygon");
  }
  parse_systems(ctx, root, sc);
  parse_deployments(ctx, root, sc);
  parse_tracks(ctx, root, sc);
  parse_raid(ctx, root.subtable("raid"), sc);
  if (const auto* o = root.subtable("output")) {
    TableReader r(ctx, *o, "output", {"dir"});
    if (auto d = r.string("dir")) {
      if (d->empty() || *d == "." || *d == "..")
        ctx.add(DiagnosticKind::kRange, (*o)["dir"].node()->source(), "output.dir",
                fmt::format("'{}' would write the outputs among the current folder's own files", *d),
                "name a folder of its own, e.g. dir = \"skycover-out\"");
      else
        sc.output_dir = *d;
    }
  }
  result.diagnostics = std::move(ctx.diagnostics);
  // File order reads best; stable so problems at one position keep the order they were found in.
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::pair(a.line, a.column) < std::pair(b.line, b.column);
  });
  if (result.diagnostics.empty()) result.scenario = std::move(sc);
  return result;
}

ScenarioParse parse_scenario_file(const fs::path& path) {
  auto text = read_file(path, "scenario");
  if (!text.ok()) {
    // A missing or unreadable file is an I/O error (exit 3), a folder named as the scenario is
    // bad input (2); scenario_read_status() returns it as it is.
    ScenarioParse r;
    r.diagnostics.push_back({DiagnosticKind::kMissingFile, path.string(), 0, 0, "", text.status().message(), ""});
    r.read_status = text.status();
    return r;
  }
  return parse_scenario_text(*text, path);
}

Status scenario_read_status(const ScenarioParse& parsed, const fs::path& /*path*/) {
  // The file itself could not be read: not a problem in its contents.
  return parsed.read_status;
}

Result<Scenario> load_scenario(const fs::path& path) {
  auto parsed = parse_scenario_file(path);
  if (parsed.scenario) return std::move(*parsed.scenario);
  SKYCOVER_RETURN_IF_ERROR(scenario_read_status(parsed, path));
  std::string msg = fmt::format("scenario {} has {} problem{}:", path.string(), parsed.diagnostics.size(),
                                parsed.diagnostics.size() == 1 ? "" : "s");
  for (const auto& d : parsed.diagnostics) msg += "\n  " + d.to_string();
  return Status::Invalid(msg);
}

}  // namespace skycover
