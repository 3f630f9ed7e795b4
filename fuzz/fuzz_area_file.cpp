// Fuzz target: the [area] polygon file (GeoJSON, read by GDAL/OGR and rasterised).
#include "fuzz_support.hpp"
#include "skycover/sites/site.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = skycover::fuzz::write_input(data, size, "area.geojson");
  (void)skycover::make_area_mask(skycover::fuzz::small_terrain(), path);
  return 0;
}
