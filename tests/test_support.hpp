// Shared test helpers.
#pragma once
#include <filesystem>
#include <functional>
#include <vector>
#include <random>
#include <string>

#include <fmt/format.h>

#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover::test {

// A fresh temporary directory removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / fmt::format("skycover-test-{:x}", rd());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Seeded synthetic fBm terrain of 30 m cells (no CRS): the rugged test surfaces of the
// visibility and exposure tests.
inline Terrain synthetic_terrain(int width, int height, double relief_m, std::uint64_t seed,
                                 double roughness = SyntheticTerrainParams{}.roughness) {
  SyntheticTerrainParams p;
  p.width = width;
  p.height = height;
  p.cell_size_m = 30;
  p.relief_m = relief_m;
  p.roughness = roughness;
  p.seed = seed;
  return make_synthetic_terrain(p);
}

// A w x h grid of `cell_m` cells (no CRS), north-west corner at (0, h * cell_m), with
// elevation f(x, y) sampled at cell centres.
inline Terrain terrain_from_function(int w, int h, double cell_m, const std::function<double(double, double)>& f) {
  GridGeometry g;
  g.width = w;
  g.height = h;
  g.cell_size_m = cell_m;
  g.origin_x_m = 0;
  g.origin_y_m = h * cell_m;
  std::vector<float> z(static_cast<std::size_t>(w) * h);
  for (int r = 0; r < h; ++r)
    for (int c = 0; c < w; ++c)
      z[static_cast<std::size_t>(r) * w + c] = static_cast<float>(f(g.cell_center_x_m(c), g.cell_center_y_m(r)));
  return Terrain(g, std::move(z));
}

}  // namespace skycover::test
