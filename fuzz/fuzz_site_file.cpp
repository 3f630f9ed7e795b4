// Fuzz target: site files, CSV (header naming id, x, y[, height_agl_m, missiles]) and GeoJSON
// points, chosen by the first byte; read, checked and placed on a small terrain.
#include "fuzz_support.hpp"
#include "skycover/sites/site.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const bool csv = data[0] % 2 == 0;
  const auto path = skycover::fuzz::write_input(data + 1, size - 1, csv ? "sites.csv" : "sites.geojson");
  const skycover::Terrain& t = skycover::fuzz::small_terrain();
  const auto area = skycover::make_area_mask(t, std::nullopt);
  if (!area.ok()) return 0;
  skycover::DeploymentSpec d;
  d.system = "s";
  d.hypothesis = skycover::Hypothesis::kFile;
  d.file = path;
  d.source = "fuzz";
  (void)skycover::make_sites(d, t, *area, 1);
  return 0;
}
