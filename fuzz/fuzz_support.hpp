// Shared by the fuzz targets: a small synthetic terrain, and fuzz bytes written to a file (the
// readers under test take paths; the file lives in a per-process temporary folder).
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "skycover/terrain/synthetic.hpp"
#include "skycover/terrain/terrain.hpp"

namespace skycover::fuzz {

inline const Terrain& small_terrain() {
  static const Terrain t = [] {
    SyntheticTerrainParams p;
    p.width = 64, p.height = 64, p.cell_size_m = 30, p.relief_m = 300, p.seed = 1;
    return make_synthetic_terrain(p);
  }();
  return t;
}

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("skycover-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace skycover::fuzz
