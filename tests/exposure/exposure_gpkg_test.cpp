// exposure.gpkg: the windows, intercepts and tracks of `skycover exposure` as a GIS layer set that
// agrees with the per-track JSON, in the grid's CRS, the same bytes for the same run.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "skycover/core/atomic_file.hpp"
#include "skycover/exposure/exposure_products.hpp"
#include "skycover/exposure/track.hpp"
#include "skycover/products/exposure_run.hpp"
#include "skycover/render/gis.hpp"
#include "skycover/scenario/scenario.hpp"
#include "skycover/terrain/gdal_support.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

nlohmann::json json_file(const fs::path& p) {
  auto text = read_file(p);
  EXPECT_TRUE(text.ok()) << p;
  return text.ok() ? nlohmann::json::parse(*text) : nlohmann::json();
}

std::vector<std::unique_ptr<OGRFeature>> features(OGRLayer* layer) {
  std::vector<std::unique_ptr<OGRFeature>> out;
  layer->ResetReading();
  std::unique_ptr<OGRFeature> f;
  while (f.reset(layer->GetNextFeature()), f) out.push_back(std::move(f));
  return out;
}

TEST(ExposureGpkg, LayersAgreeWithTheJsonTheTracksAndTheGridAndAreReproducible) {
  test::TempDir dir;
  const fs::path scenario = fs::path(SKYCOVER_SOURCE_DIR) / "examples" / "tracks.toml";
  const fs::path a = dir.path() / "a", b = dir.path() / "b";
  auto run_a = exposure_command(scenario, a, false, "skycover exposure tracks.toml");
  ASSERT_TRUE(run_a.ok()) << run_a.status().message();
  auto run_b = exposure_command(scenario, b, false, "skycover exposure tracks.toml");
  ASSERT_TRUE(run_b.ok()) << run_b.status().message();
  const fs::path gpkg = a / "exposure.gpkg";
  ASSERT_TRUE(fs::exists(gpkg));
  EXPECT_EQ(read_file(gpkg).value(), read_file(b / "exposure.gpkg").value())
      << "two runs must write the same GeoPackage bytes";

  // Listed in the manifest with its hash.
  const auto manifest = json_file(a / "manifest.json");
  bool listed = false;
  for (const auto& o : manifest["outputs"])
    if (o["path"] == "exposure.gpkg") listed = o["sha256"] == sha256_file(gpkg).value();
  EXPECT_TRUE(listed) << manifest["outputs"].dump(1);

  // The tracks and grid of the same scenario, for positions along the tracks and the CRS.
  auto sc = load_scenario(scenario);
  ASSERT_TRUE(sc.ok()) << sc.status().message();
  auto analysis = analyse_tracks(*sc, std::int64_t{2048} << 20, {}, false);
  ASSERT_TRUE(analysis.ok()) << analysis.status().message();
  const std::string& crs_wkt = analysis->prepared.terrain.geometry().crs_wkt;
  ASSERT_FALSE(crs_wkt.empty());
  OGRSpatialReference grid_srs;
  ASSERT_EQ(grid_srs.importFromWkt(crs_wkt.c_str()), OGRERR_NONE);
  std::map<std::string, const Track*> track_by_id;
  for (const Track& t : analysis->tracks) track_by_id[t.id] = &t;

  const auto summary = json_file(a / "summary.json");
  ASSERT_EQ(summary.size(), analysis->tracks.size());
  const auto stems = track_file_stems(analysis->tracks);
  std::vector<nlohmann::json> per_track;
  std::size_t n_windows = 0, n_shots = 0;
  for (const auto& stem : stems) {
    per_track.push_back(json_file(a / (stem + ".json")));
    n_windows += per_track.back()["windows"].size();
    for (const auto& w : per_track.back()["windows"]) n_shots += w["shots"].size();
  }
  ASSERT_GT(n_windows, 0u);
  ASSERT_GT(n_shots, 0u);

  ensure_gdal();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  ASSERT_EQ(ds->GetLayerCount(), 3);
  OGRLayer* windows = ds->GetLayerByName("windows");
  OGRLayer* intercepts = ds->GetLayerByName("intercepts");
  OGRLayer* tracks = ds->GetLayerByName("tracks");
  ASSERT_NE(windows, nullptr);
  ASSERT_NE(intercepts, nullptr);
  ASSERT_NE(tracks, nullptr);
  for (OGRLayer* layer : {windows, intercepts, tracks}) {
    ASSERT_NE(layer->GetSpatialRef(), nullptr) << layer->GetName();
    EXPECT_TRUE(layer->GetSpatialRef()->IsSame(&grid_srs)) << layer->GetName();
  }
  EXPECT_EQ(wkbFlatten(windows->GetGeomType()), wkbLineString);
  EXPECT_EQ(wkbFlatten(intercepts->GetGeomType()), wkbPoint);
  EXPECT_EQ(wkbFlatten(tracks->GetGeomType()), wkbLineString);
  const auto wf = features(windows), sf = features(intercepts), tf = features(tracks);
  ASSERT_EQ(wf.size(), n_windows);
  ASSERT_EQ(sf.size(), n_shots);
  ASSERT_EQ(tf.size(), analysis->tracks.size());

  // Features in the order of the JSON: tracks in order, windows and shots as listed.
  std::size_t wi = 0, si = 0;
  for (std::size_t t = 0; t < per_track.size(); ++t) {
    const auto& j = per_track[t];
    const Track& track = *track_by_id.at(j["track"].get<std::string>());
    for (std::size_t k = 0; k < j["windows"].size(); ++k, ++wi) {
      const auto& jw = j["windows"][k];
      const OGRFeature& f = *wf[wi];
      EXPECT_EQ(f.GetFieldAsString("track"), j["track"].get<std::string>());
      EXPECT_EQ(f.GetFieldAsString("site"), jw["site"].get<std::string>());
      EXPECT_EQ(f.GetFieldAsString("system"), jw["system"].get<std::string>());
      EXPECT_EQ(f.GetFieldAsInteger64("window"), static_cast<GIntBig>(k));
      const double start = jw["interval_start_s"], end = jw["interval_end_s"];
      EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("start_s"), start);
      EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("end_s"), end);
      EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("duration_s"), end - start);
      EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("earliest_launch_s"), jw["earliest_launch_s"].get<double>());
      EXPECT_EQ(f.GetFieldAsInteger64("shots"), static_cast<GIntBig>(jw["shots"].size()));
      const OGRLineString* line = f.GetGeometryRef()->toLineString();
      ASSERT_GE(line->getNumPoints(), 2);
      const TrackSample p0 = position_at(track, start), p1 = position_at(track, end);
      const int last = line->getNumPoints() - 1;
      EXPECT_NEAR(line->getX(0), p0.x_m, 1e-6);
      EXPECT_NEAR(line->getY(0), p0.y_m, 1e-6);
      EXPECT_NEAR(line->getX(last), p1.x_m, 1e-6);
      EXPECT_NEAR(line->getY(last), p1.y_m, 1e-6);
      for (std::size_t s = 0; s < jw["shots"].size(); ++s, ++si) {
        const auto& js = jw["shots"][s];
        const OGRFeature& g = *sf[si];
        EXPECT_EQ(g.GetFieldAsString("track"), j["track"].get<std::string>());
        EXPECT_EQ(g.GetFieldAsString("site"), jw["site"].get<std::string>());
        EXPECT_EQ(g.GetFieldAsInteger64("shot"), static_cast<GIntBig>(s + 1));
        EXPECT_DOUBLE_EQ(g.GetFieldAsDouble("launch_s"), js["launch_s"].get<double>());
        EXPECT_DOUBLE_EQ(g.GetFieldAsDouble("intercept_s"), js["intercept_s"].get<double>());
        EXPECT_DOUBLE_EQ(g.GetFieldAsDouble("z_msl_m"), js["intercept_z_msl_m"].get<double>());
        EXPECT_DOUBLE_EQ(g.GetFieldAsDouble("pk"), js["pk"].get<double>());
        const OGRPoint* p = g.GetGeometryRef()->toPoint();
        EXPECT_DOUBLE_EQ(p->getX(), js["intercept_x_m"].get<double>());
        EXPECT_DOUBLE_EQ(p->getY(), js["intercept_y_m"].get<double>());
      }
    }
    const OGRFeature& f = *tf[t];
    EXPECT_EQ(f.GetFieldAsString("track"), j["track"].get<std::string>());
    EXPECT_EQ(f.GetFieldAsString("target_class"), j["target_class"].get<std::string>());
    EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("length_m"), j["length_m"].get<double>());
    EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("duration_s"), j["duration_s"].get<double>());
    EXPECT_EQ(f.GetFieldAsInteger64("sites_engaging"), j["sites_engaging"].get<GIntBig>());
    EXPECT_EQ(f.GetFieldAsInteger64("sites_with_shots"), j["sites_with_shots"].get<GIntBig>());
    EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("exposed_time_s"), j["exposed_time_s"].get<double>());
    EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("expected_shots"), j["expected_shots"].get<double>());
    EXPECT_DOUBLE_EQ(f.GetFieldAsDouble("survival_probability"), j["survival_probability"].get<double>());
    const OGRLineString* line = f.GetGeometryRef()->toLineString();
    ASSERT_EQ(line->getNumPoints(), static_cast<int>(track.samples.size()));
    EXPECT_DOUBLE_EQ(line->getX(0), track.samples.front().x_m);
    EXPECT_DOUBLE_EQ(line->getY(line->getNumPoints() - 1), track.samples.back().y_m);
    EXPECT_NEAR(line->get_Length(), track.length_m(), 1e-6 * track.length_m());
  }
}

TEST(ExposureGpkg, VectorLayersRefuseFeaturesThatDoNotFitAndWriteNothing) {
  test::TempDir dir;
  using T = VectorField::Type;
  const fs::path path = dir.path() / "x.gpkg";
  // Two positions on a point layer.
  VectorLayer points{"p", true, {{"n", T::kInteger}}, {{{{0, 0}, {1, 1}}, {std::int64_t{1}}}}};
  EXPECT_EQ(write_vector_layers(path, "", {points}).code(), StatusCode::kInternal);
  // A string in a real field.
  VectorLayer lines{"l", false, {{"v", T::kReal}}, {{{{0, 0}, {1, 1}}, {std::string("x")}}}};
  EXPECT_EQ(write_vector_layers(path, "", {lines}).code(), StatusCode::kInternal);
  EXPECT_FALSE(fs::exists(path));
  // Fixed, they are written, with no CRS when none is given.
  lines.features[0].values = {2.5};
  points.features[0].xy.pop_back();
  ASSERT_TRUE(write_vector_layers(path, "", {points, lines}).ok());
  ensure_gdal();
  std::unique_ptr<GDALDataset> ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
  ASSERT_TRUE(ds);
  ASSERT_EQ(ds->GetLayerCount(), 2);
  // No CRS given: none, or one of the GeoPackage's "undefined" ones (no authority code).
  if (const OGRSpatialReference* srs = ds->GetLayerByName("p")->GetSpatialRef()) {
    EXPECT_EQ(srs->GetAuthorityCode(nullptr), nullptr) << srs->GetName();
  }
  auto f = features(ds->GetLayerByName("l"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_DOUBLE_EQ(f[0]->GetFieldAsDouble("v"), 2.5);
  EXPECT_DOUBLE_EQ(f[0]->GetGeometryRef()->toLineString()->get_Length(), std::sqrt(2.0));
}

}  // namespace
}  // namespace skycover
