#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "skycover/scenario/scenario.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

constexpr const char* kTerrain = "[terrain]\nsynthetic = { width = 32, height = 32, cell_m = 30, relief_m = 100, seed = 1 }\n";

// Parse `text` as if it were <tmp>/s.toml (so relative paths resolve into the temp dir).
struct Parsed {
  test::TempDir dir;
  ScenarioParse result;
  explicit Parsed(const std::string& text) { result = parse_scenario_text(text, dir.path() / "s.toml"); }
  const Diagnostic* find(const std::string& field) const {
    for (const auto& d : result.diagnostics)
      if (d.field == field) return &d;
    return nullptr;
  }
  std::string all() const {
    std::string s;
    for (const auto& d : result.diagnostics) s += d.to_string() + "\n";
    return s;
  }
};

// Expect a diagnostic at `field` of `kind` at line:col.
void expect_diag(const Parsed& p, const std::string& field, DiagnosticKind kind, int line, int col) {
  const Diagnostic* d = p.find(field);
  ASSERT_NE(d, nullptr) << "no diagnostic for " << field << "; got:\n" << p.all();
  EXPECT_EQ(d->kind, kind) << d->to_string();
  EXPECT_EQ(d->line, line) << d->to_string();
  EXPECT_EQ(d->column, col) << d->to_string();
  EXPECT_FALSE(d->hint.empty()) << d->to_string();
  EXPECT_FALSE(p.result.scenario.has_value());
}

const std::string kValid = std::string(kTerrain) +
                           "[[systems]]\n"
                           "name = \"A\"\n"
                           "preset = \"igla-s\"\n"
                           "max_range_m = 5000\n"
                           "pk = { drone = 0.7 }\n"
                           "[[systems]]\n"
                           "name = \"B\"\n"
                           "min_range_m = 100\nmax_range_m = 3000\nmin_altitude_m = 5\nmax_altitude_m = 2000\n"
                           "reaction_time_s = 8\nmissile_speed_mps = 500\nmissiles_per_site = 3\n"
                           "pk_set = \"illustrative\"\n"
                           "[[deployments]]\nsystem = \"A\"\nhypothesis = \"uniform\"\ncount = 5\n"
                           "[[deployments]]\nsystem = \"B\"\nhypothesis = \"grid\"\nspacing_m = 300\n"
                           "[[deployments]]\nsystem = \"B\"\nhypothesis = \"clustered\"\ncount = 4\nsigma_m = 100\n"
                           "centres = [[500300, 1199700], { x = 500500, y = 1199500, weight = 3 }]\n"
                           "[analysis]\nbands_agl_m = [10, 100]\nrefraction_k = 0.2\nseed = 9\n"
                           "[[tracks]]\nid = \"t1\"\nwaypoints = [[0, 0], [1000, 0]]\nspeed_mps = 250\n"
                           "altitude_m = 30\ntarget_class = \"drone\"\ncount = 4\ninterval_s = 10\n"
                           "[raid]\ntrials = 77\n"
                           "[output]\ndir = \"out\"\n";

TEST(Scenario, ParsesAValidFile) {
  Parsed p(kValid);
  ASSERT_TRUE(p.result.scenario) << p.all();
  const Scenario& sc = *p.result.scenario;
  ASSERT_TRUE(sc.terrain.synthetic);
  EXPECT_EQ(sc.terrain.synthetic->width, 32);
  ASSERT_EQ(sc.systems.size(), 2u);
  // Preset with one figure overridden: the override is cited as the user's, the rest keep the preset.
  EXPECT_DOUBLE_EQ(sc.systems[0].max_range_m, 5000);
  EXPECT_DOUBLE_EQ(sc.systems[0].max_altitude_m, 3500);
  EXPECT_EQ(find_citation(sc.systems[0], "max_range_m")->source.rfind("user:", 0), 0u);
  EXPECT_NE(find_citation(sc.systems[0], "max_altitude_m")->source.find("Rosoboronexport"), std::string::npos);
  EXPECT_EQ(sc.systems[0].pk.provenance, "user");
  EXPECT_DOUBLE_EQ(*sc.systems[0].pk.for_class(TargetClass::kDrone), 0.7);
  EXPECT_FALSE(sc.systems[0].pk.for_class(TargetClass::kAircraft).has_value());  // never defaulted
  EXPECT_EQ(sc.systems[1].pk.provenance.rfind("illustrative:", 0), 0u);
  EXPECT_EQ(sc.systems[1].missiles_per_site, 3);
  ASSERT_EQ(sc.deployments.size(), 3u);
  EXPECT_EQ(sc.deployments[1].system_index, 1);
  EXPECT_EQ(sc.deployments[1].hypothesis, Hypothesis::kGrid);
  EXPECT_DOUBLE_EQ(sc.deployments[2].centres[1].weight, 3);
  // Deployments without a seed get distinct seeds derived from [analysis] seed.
  EXPECT_NE(sc.deployments[0].seed, sc.deployments[1].seed);
  EXPECT_DOUBLE_EQ(sc.analysis.refraction_k, 0.2);
  EXPECT_EQ(sc.analysis.seed, 9u);
  ASSERT_EQ(sc.tracks.size(), 1u);
  EXPECT_EQ(sc.tracks[0].target_class, TargetClass::kDrone);
  EXPECT_EQ(sc.tracks[0].count, 4);
  EXPECT_EQ(sc.raid.trials, 77);
  EXPECT_EQ(sc.raid.seed, 9u);  // defaults to [analysis] seed
  EXPECT_EQ(sc.output_dir, fs::path("out"));
  EXPECT_EQ(sc.sha256.size(), 64u);
}

TEST(Scenario, DefaultsAreDocumentedValues) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 1\n");
  ASSERT_TRUE(p.result.scenario) << p.all();
  EXPECT_DOUBLE_EQ(p.result.scenario->analysis.refraction_k, 0.13);
  EXPECT_DOUBLE_EQ(p.result.scenario->deployments[0].height_agl_m, 2);
  EXPECT_EQ(p.result.scenario->systems[0].pk.provenance, "none stated");
}

TEST(ScenarioDiagnostics, SyntaxError) {
  Parsed p("[terrain]\ndem = \"a.tif\n");
  ASSERT_EQ(p.result.diagnostics.size(), 1u) << p.all();
  const auto& d = p.result.diagnostics[0];
  EXPECT_EQ(d.kind, DiagnosticKind::kSyntax);
  EXPECT_EQ(d.line, 2);
  EXPECT_GT(d.column, 1);
  EXPECT_NE(d.message.find("TOML syntax error"), std::string::npos);
}

TEST(ScenarioDiagnostics, UnknownKeySuggestsClosest) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\nmax_rnage_m = 5\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 1\n"
                                   "[analysiss]\n");
  expect_diag(p, "systems[0].max_rnage_m", DiagnosticKind::kUnknownKey, 6, 1);
  EXPECT_NE(p.find("systems[0].max_rnage_m")->hint.find("'max_range_m'"), std::string::npos);
  expect_diag(p, "analysiss", DiagnosticKind::kUnknownKey, 11, 2);
  EXPECT_NE(p.find("analysiss")->hint.find("'analysis'"), std::string::npos);
}

TEST(ScenarioDiagnostics, TypeError) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\nmax_range_m = \"6000\"\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 2.5\n");
  expect_diag(p, "systems[0].max_range_m", DiagnosticKind::kType, 6, 15);
  expect_diag(p, "deployments[0].count", DiagnosticKind::kType, 10, 9);
}

TEST(ScenarioDiagnostics, OutOfRangeValues) {
  Parsed p(std::string(kTerrain) +
           "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\nmax_range_m = -6000\npk = { drone = 1.5 }\n"  // 3..7
           "[[systems]]\nname = \"b\"\npreset = \"igla-s\"\nmin_range_m = 7000\n"                         // 8..11
           "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 1\n"                       // 12..15
           "[analysis]\nrefraction_k = 1.0\n");                                                          // 16..17
  expect_diag(p, "systems[0].max_range_m", DiagnosticKind::kRange, 6, 15);
  expect_diag(p, "systems[0].pk.drone", DiagnosticKind::kRange, 7, 16);
  // min > max is reported at the "min" field.
  expect_diag(p, "systems[1].min_range_m", DiagnosticKind::kRange, 11, 15);
  EXPECT_NE(p.find("systems[1].min_range_m")->message.find("less than max_range_m (6000)"), std::string::npos);
  expect_diag(p, "analysis.refraction_k", DiagnosticKind::kRange, 17, 16);
  EXPECT_EQ(p.result.diagnostics.size(), 4u) << p.all();
}

TEST(ScenarioDiagnostics, MissingEnvelopeWithoutPreset) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\nmax_range_m = 6000\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 1\n");
  // Reported at the [[systems]] header.
  expect_diag(p, "systems[0].max_altitude_m", DiagnosticKind::kMissing, 3, 1);
  EXPECT_NE(p.find("systems[0].min_range_m"), nullptr);
  EXPECT_EQ(p.find("systems[0].max_range_m"), nullptr);
}

TEST(ScenarioDiagnostics, UnknownPresetListsKnown) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-z\"\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 1\n");
  expect_diag(p, "systems[0].preset", DiagnosticKind::kUnknownPreset, 5, 10);
  EXPECT_NE(p.find("systems[0].preset")->hint.find("igla-s, igla, stinger, mistral, starstreak, rbs-70"),
            std::string::npos);
  EXPECT_EQ(p.result.diagnostics.size(), 1u) << p.all();  // no cascade of "missing envelope" errors
}

TEST(ScenarioDiagnostics, UnknownSystemInDeployment) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"igla\"\npreset = \"igla-s\"\n"
                                   "[[deployments]]\nsystem = \"iglaa\"\nhypothesis = \"uniform\"\ncount = 1\n");
  expect_diag(p, "deployments[0].system", DiagnosticKind::kUnknownSystem, 7, 10);
  EXPECT_NE(p.find("deployments[0].system")->hint.find("\"igla\""), std::string::npos);
}

TEST(ScenarioDiagnostics, MissingFileResolvedRelativeToScenario) {
  Parsed p("[terrain]\ndem = \"nope.tif\"\n[area]\npolygon = \"area.geojson\"\n"
           "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
           "[[deployments]]\nsystem = \"a\"\nfile = \"sites.csv\"\n");
  expect_diag(p, "terrain.dem", DiagnosticKind::kMissingFile, 2, 7);
  EXPECT_NE(p.find("terrain.dem")->message.find((p.dir.path() / "nope.tif").string()), std::string::npos);
  expect_diag(p, "area.polygon", DiagnosticKind::kMissingFile, 4, 11);
  expect_diag(p, "deployments[0].file", DiagnosticKind::kMissingFile, 10, 8);
}

TEST(ScenarioDiagnostics, ExistingFilesAreFound) {
  test::TempDir dir;
  std::ofstream(dir.path() / "sites.csv") << "id,x,y,height_agl_m\n";
  std::ofstream(dir.path() / "dem.tif") << "x";
  const auto r = parse_scenario_text("[terrain]\ndem = \"dem.tif\"\n[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
                                     "[[deployments]]\nsystem = \"a\"\nfile = \"sites.csv\"\ncrs = \"EPSG:4326\"\n",
                                     dir.path() / "s.toml");
  ASSERT_TRUE(r.scenario) << (r.diagnostics.empty() ? "" : r.diagnostics[0].to_string());
  EXPECT_EQ(r.scenario->deployments[0].hypothesis, Hypothesis::kFile);
  EXPECT_EQ(*r.scenario->deployments[0].file, dir.path() / "sites.csv");
}

TEST(ScenarioDiagnostics, ConflictsAndDuplicates) {
  Parsed p("[terrain]\ndem = \"x.tif\"\nsynthetic = { width = 8, height = 8, cell_m = 1, relief_m = 1, seed = 1 }\n"
           "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\npk = { drone = 0.5 }\npk_set = \"illustrative\"\n"
           "[[systems]]\nname = \"a\"\npreset = \"igla\"\n"
           "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\ncount = 3\nspacing_m = 100\n");
  expect_diag(p, "terrain.synthetic", DiagnosticKind::kConflict, 3, 13);
  expect_diag(p, "systems[0].pk_set", DiagnosticKind::kConflict, 8, 10);
  expect_diag(p, "systems[1].name", DiagnosticKind::kDuplicate, 10, 8);
  expect_diag(p, "deployments[0].spacing_m", DiagnosticKind::kConflict, 16, 13);
}

TEST(ScenarioDiagnostics, UnknownEnumValue) {
  Parsed p(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
                                   "[[deployments]]\nsystem = \"a\"\nhypothesis = \"unifrom\"\ncount = 1\n"
                                   "[[tracks]]\nid = \"t\"\nwaypoints = [[0, 0], [1, 1]]\nspeed_mps = 10\n"
                                   "altitude_m = 10\ntarget_class = \"jet\"\n");
  expect_diag(p, "deployments[0].hypothesis", DiagnosticKind::kUnknownValue, 8, 14);
  EXPECT_NE(p.find("deployments[0].hypothesis")->hint.find("\"uniform\""), std::string::npos);
  expect_diag(p, "tracks[0].target_class", DiagnosticKind::kUnknownValue, 15, 16);
}

TEST(ScenarioDiagnostics, ListsTracksAndNestedTables) {
  Parsed p(std::string(kTerrain) +
           "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\npk = { drones = 0.5 }\n"     // 3..6
           "[[deployments]]\nsystem = \"a\"\n"                                            // 7..8
           "[analysis]\nbands_agl_m = [100, \"x\", 50]\nbands_msl_m = [500, 100]\nthreads = -1\n"  // 9..12
           "[[tracks]]\nid = \"t\"\nwaypoints = [[0, 0]]\nspeed_mps = 0\naltitude_m = -5\n"  // 13..17
           "target_class = \"drone\"\n"                                                     // 18
           "[[tracks]]\nid = \"t\"\nspeed_mps = 1\naltitude_m = 1\ntarget_class = \"drone\"\n");  // 19..23
  expect_diag(p, "systems[0].pk.drones", DiagnosticKind::kUnknownKey, 6, 8);
  EXPECT_NE(p.find("systems[0].pk.drones")->hint.find("'drone'"), std::string::npos);
  expect_diag(p, "deployments[0].hypothesis", DiagnosticKind::kMissing, 7, 1);
  expect_diag(p, "analysis.bands_agl_m[1]", DiagnosticKind::kType, 10, 21);
  expect_diag(p, "analysis.bands_msl_m", DiagnosticKind::kRange, 11, 15);
  expect_diag(p, "analysis.threads", DiagnosticKind::kRange, 12, 11);
  expect_diag(p, "tracks[0].waypoints", DiagnosticKind::kRange, 15, 13);
  expect_diag(p, "tracks[0].speed_mps", DiagnosticKind::kRange, 16, 13);
  expect_diag(p, "tracks[0].altitude_m", DiagnosticKind::kRange, 17, 14);
  expect_diag(p, "tracks[1].id", DiagnosticKind::kDuplicate, 20, 6);
  expect_diag(p, "tracks[1].waypoints", DiagnosticKind::kMissing, 19, 1);
  EXPECT_EQ(p.result.diagnostics.size(), 10u) << p.all();
  // Sorted by position in the file.
  for (std::size_t i = 1; i < p.result.diagnostics.size(); ++i)
    EXPECT_LE(p.result.diagnostics[i - 1].line, p.result.diagnostics[i].line);
}

TEST(ScenarioDiagnostics, CollectsEveryProblemAndLoadScenarioJoinsThem) {
  test::TempDir dir;
  const auto path = dir.path() / "bad.toml";
  std::ofstream(path) << "[terrain]\nsynthetic = { width = 0, height = 8, cell_m = -1, relief_m = 1, seed = 1 }\n"
                         "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\nmin_altitude_m = -1\n"
                         "[[deployments]]\nsystem = \"a\"\nhypothesis = \"uniform\"\n";
  const auto parsed = parse_scenario_file(path);
  ASSERT_EQ(parsed.diagnostics.size(), 4u);
  EXPECT_EQ(parsed.diagnostics[0].field, "terrain.synthetic.width");
  EXPECT_EQ(parsed.diagnostics[1].field, "terrain.synthetic.cell_m");
  EXPECT_EQ(parsed.diagnostics[2].field, "systems[0].min_altitude_m");
  EXPECT_EQ(parsed.diagnostics[3].field, "deployments[0].count");
  EXPECT_EQ(parsed.diagnostics[3].kind, DiagnosticKind::kMissing);
  auto loaded = load_scenario(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(loaded.status().message().find(path.string() + ":2:23: terrain.synthetic.width: "), std::string::npos)
      << loaded.status().message();
  EXPECT_NE(loaded.status().message().find("4 problems"), std::string::npos);
}

TEST(ScenarioDiagnostics, ToStringFormat) {
  Diagnostic d{DiagnosticKind::kRange, "s.toml", 3, 7, "systems[1].max_range_m", "bad", "fix it"};
  EXPECT_EQ(d.to_string(), "s.toml:3:7: systems[1].max_range_m: bad (hint: fix it)");
}

TEST(Scenario, PrepareSyntheticPlacesAllSites) {
  Parsed p(kValid);
  ASSERT_TRUE(p.result.scenario) << p.all();
  auto prep = prepare_scenario(*p.result.scenario);
  ASSERT_TRUE(prep.ok()) << prep.status().message();
  EXPECT_EQ(prep->terrain.width(), 32);
  EXPECT_EQ(prep->area.inside_count(), 32 * 32);
  int a = 0, b = 0;
  for (const auto& s : prep->sites) (s.system_index == 0 ? a : b)++;
  EXPECT_EQ(a, 5);
  EXPECT_EQ(b, 9 + 4);  // 3x3 grid at 300 m over 960 m, + 4 clustered
  for (const auto& s : prep->sites) {
    if (s.system_index == 1) {
      EXPECT_EQ(s.missiles, 3);
    }
    const auto cell = prep->terrain.cell_of(s.x_m, s.y_m);
    ASSERT_TRUE(cell);
    EXPECT_EQ(s.ground_msl_m, prep->terrain.elevation_m(cell->first, cell->second));
  }
}

TEST(Scenario, PrepareRejectsRepeatedSiteIds) {
  test::TempDir dir;
  std::ofstream(dir.path() / "s.csv") << "id,x,y\nx1,500100,1199900\nx1,500200,1199800\n";
  const auto r = parse_scenario_text(std::string(kTerrain) + "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\n"
                                                             "[[deployments]]\nsystem = \"a\"\nfile = \"s.csv\"\n",
                                     dir.path() / "s.toml");
  ASSERT_TRUE(r.scenario);
  auto prep = prepare_scenario(*r.scenario);
  ASSERT_FALSE(prep.ok());
  EXPECT_NE(prep.status().message().find("repeated: x1"), std::string::npos) << prep.status().message();
}

int run_cli(const std::string& args, const fs::path& err_file) {
  const std::string cmd = std::string(SKYCOVER_CLI_PATH) + " " + args + " >/dev/null 2>" + err_file.string();
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(ValidateCli, ExamplesAreValid) {
  test::TempDir dir;
  for (const char* f : {"basic.toml", "trinidad.toml", "tracks.toml", "country_tiled.toml", "clutter.toml"}) {
    const fs::path path = fs::path(SKYCOVER_SOURCE_DIR) / "examples" / f;
    EXPECT_EQ(run_cli("validate " + path.string(), dir.path() / "err"), 0) << f;
  }
}

TEST(ValidateCli, PrintsDiagnosticsAndExits2) {
  test::TempDir dir;
  const auto path = dir.path() / "bad.toml";
  std::ofstream(path) << kTerrain << "[[systems]]\nname = \"a\"\npreset = \"igla-s\"\nmax_range_m = -1\n"
                      << "[[deployments]]\nsystem = \"b\"\nhypothesis = \"uniform\"\ncount = 1\n";
  EXPECT_EQ(run_cli("validate " + path.string(), dir.path() / "err"), 2);
  std::ifstream in(dir.path() / "err");
  std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find(path.string() + ":6:15: systems[0].max_range_m: value -1 is out of range"), std::string::npos) << err;
  EXPECT_NE(err.find(path.string() + ":8:10: deployments[0].system: "), std::string::npos) << err;
}

}  // namespace
}  // namespace skycover
