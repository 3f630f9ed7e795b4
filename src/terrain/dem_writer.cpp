#include "skycover/terrain/dem_writer.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <cpl_string.h>
#include <fmt/format.h>
#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogr_spatialref.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/interrupt.hpp"
#include "skycover/core/memory.hpp"
#include "skycover/terrain/gdal_support.hpp"

namespace skycover {
namespace fs = std::filesystem;

namespace {

// GeoTIFF block side, and the row height of a written window. 256, GDAL's default: a reader of
// one cell (a tiled run reads each site's cell) decodes one block, and a 512^2 ZSTD block made the
// 5,031 site reads of a 1e9-cell run take 17 s instead of 7 (bench/RESULTS.md).
constexpr int kBlockCells = 256;

CPLStringList creation_options(DemCompression compression, std::int64_t bytes, int threads) {
  CPLStringList co;
  co.AddString("TILED=YES");
  co.AddString(fmt::format("BLOCKXSIZE={}", kBlockCells).c_str());
  co.AddString(fmt::format("BLOCKYSIZE={}", kBlockCells).c_str());
  // libtiff's classic format stops at 4 GB; IF_SAFER guesses from the uncompressed size.
  co.AddString(bytes > (std::int64_t{4} << 30) - (std::int64_t{64} << 20) ? "BIGTIFF=YES" : "BIGTIFF=IF_SAFER");
  switch (compression) {
    case DemCompression::kNone: break;
    case DemCompression::kDeflate:
      co.AddString("COMPRESS=DEFLATE");
      co.AddString("PREDICTOR=3");
      break;
    case DemCompression::kZstd:
      co.AddString("COMPRESS=ZSTD");
      co.AddString("ZSTD_LEVEL=1");
      co.AddString("PREDICTOR=3");
      break;
  }
  if (compression != DemCompression::kNone && threads > 1) co.AddString(fmt::format("NUM_THREADS={}", threads).c_str());
  return co;
}

struct DatasetCloser {
  void operator()(GDALDataset* ds) const { GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

Result<DatasetPtr> create_geotiff(const fs::path& path, const GridGeometry& grid, DemCompression compression,
                                  int threads) {
  GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
  const CPLStringList co = creation_options(compression, grid.cell_count() * 4, threads);
  CPLErrorReset();
  DatasetPtr ds(gtiff->Create(path.c_str(), grid.width, grid.height, 1, GDT_Float32, co.List()));
  if (!ds) return Status::IoError(fmt::format("{}: cannot create GeoTIFF: {}", path.string(), last_gdal_error()));
  georeference(*ds, grid);
  GDALRasterBand* band = ds->GetRasterBand(1);
  band->SetNoDataValue(std::numeric_limits<double>::quiet_NaN());
  band->SetDescription("elevation_m");
  return ds;
}

// Writes the one-block-high window `at` (row-major values) block by block with WriteBlock, which goes
// straight to the GeoTIFF (or its compression threads) instead of through GDAL's block cache: the
// cache would allocate, fault in and copy every block once more.
Status write_window(GDALDataset& ds, const fs::path& path, const TileRect& at, const float* values,
                    std::vector<float>& block) {
  GDALRasterBand* band = ds.GetRasterBand(1);
  block.resize(static_cast<std::size_t>(kBlockCells) * kBlockCells);
  for (int c0 = 0; c0 < at.width; c0 += kBlockCells) {
    const int w = std::min(kBlockCells, at.width - c0);
    if (w < kBlockCells || at.height < kBlockCells) std::fill(block.begin(), block.end(), std::numeric_limits<float>::quiet_NaN());
    for (int r = 0; r < at.height; ++r)
      std::copy_n(values + static_cast<std::ptrdiff_t>(r) * at.width + c0, w, block.data() + static_cast<std::ptrdiff_t>(r) * kBlockCells);
    if (band->WriteBlock((at.col0 + c0) / kBlockCells, at.row0 / kBlockCells, block.data()) != CE_None)
      return Status::IoError(fmt::format("{}: writing failed: {} (is the disk full?)", path.string(), last_gdal_error()));
  }
  return Status::Ok();
}

// Close (flush) and check: libtiff reports a full disk only when the last blocks go out.
Status close_geotiff(DatasetPtr ds, const fs::path& path) {
  CPLErrorReset();
  ds.reset();
  return gdal_write_status(path);
}

// The windows of a grid: strips one block high cut into pieces of at most `max_cols` (a multiple of
// the block), so a window never splits a GeoTIFF block between two writes.
std::vector<TileRect> windows_of(const GridGeometry& grid, int max_cols) {
  std::vector<TileRect> out;
  for (int r = 0; r < grid.height; r += kBlockCells)
    for (int c = 0; c < grid.width; c += max_cols)
      out.push_back({c, r, std::min(max_cols, grid.width - c), std::min(kBlockCells, grid.height - r)});
  return out;
}

Status write_geotiff(const fs::path& path, const TerrainSource& source, DemCompression compression,
                     Progress* progress) {
  const GridGeometry& grid = source.geometry();
  AtomicOutput out(path);
  SKYCOVER_ASSIGN_OR_RETURN(DatasetPtr ds, create_geotiff(out.temp_path(), grid, compression, 2));
  const std::vector<TileRect> windows = windows_of(grid, 32 * kBlockCells);
  if (progress) progress->set_total(static_cast<std::int64_t>(windows.size()));
  // Generate (or read) window i + 1 while window i is compressed and written; two buffers, reused.
  std::array<std::vector<float>, 2> buffers;
  for (auto& b : buffers) b.resize(static_cast<std::size_t>(windows[0].cell_count()));
  std::vector<float> block;
  SKYCOVER_RETURN_IF_ERROR(source.read_into(windows[0], buffers[0]));
  for (std::size_t i = 0; i < windows.size(); ++i) {
    if (interrupted()) return interrupted_status();
    const std::vector<float>& current = buffers[i % 2];
    Status next = Status::Ok();
    tbb::task_group prefetch;
    if (i + 1 < windows.size()) prefetch.run([&] { next = source.read_into(windows[i + 1], buffers[(i + 1) % 2]); });
    Status written = write_window(*ds, out.temp_path(), windows[i], current.data(), block);
    prefetch.wait();
    SKYCOVER_RETURN_IF_ERROR(written);
    SKYCOVER_RETURN_IF_ERROR(next);
    if (progress) progress->advance();
  }
  SKYCOVER_RETURN_IF_ERROR(close_geotiff(std::move(ds), path));
  return out.commit();
}

// A folder beside `final` that is removed with everything in it unless released.
class StagingFolder {
 public:
  explicit StagingFolder(fs::path path) : path_(std::move(path)) {}
  ~StagingFolder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  const fs::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  fs::path path_;
};

std::string unique_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

Status write_vrt_mosaic(const fs::path& path, const TerrainSource& source, const DemWriteOptions& options,
                        Progress* progress) {
  const GridGeometry& grid = source.geometry();
  const int side = std::max(kBlockCells, options.vrt_tile_cells / kBlockCells * kBlockCells);
  const fs::path folder = path.parent_path() / (path.stem().string() + "_tiles");
  std::error_code ec;
  if (!path.parent_path().empty()) fs::create_directories(path.parent_path(), ec);
  if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
    return Status::Invalid(fmt::format("{}: the mosaic's tiles go to {}, which is a file; move it or name another VRT",
                                       path.string(), folder.string()));
  StagingFolder staging(folder.string() + ".partial-" + unique_suffix());
  if (!fs::create_directories(staging.path(), ec) || ec)
    return Status::IoError(fmt::format("{}: cannot create {}: {}", path.string(), staging.path().string(), ec.message()));

  std::vector<TileRect> tiles;
  for (int r = 0; r < grid.height; r += side)
    for (int c = 0; c < grid.width; c += side)
      tiles.push_back({c, r, std::min(side, grid.width - c), std::min(side, grid.height - r)});
  if (progress) progress->set_total(static_cast<std::int64_t>(tiles.size()));
  const auto tile_name = [side](const TileRect& t) { return fmt::format("r{}_c{}.tif", t.row0 / side, t.col0 / side); };

  // Tiles in parallel, each compressed by its own thread (one file each: GDAL datasets are not
  // shared between threads). The first error stops the rest.
  std::mutex error_mutex;
  std::optional<Status> first_error;
  std::atomic<bool> failed{false};
  tbb::parallel_for(std::size_t{0}, tiles.size(), [&](std::size_t i) {
    if (failed.load()) return;
    const auto fail = [&](Status st) {
      std::lock_guard lock(error_mutex);
      if (!first_error) first_error = std::move(st);
      failed = true;
    };
    if (interrupted()) return fail(interrupted_status());
    const TileRect& t = tiles[i];
    // One block-high window at a time, into buffers reused within the tile. Not thread_local:
    // read_into runs a nested parallel_for, during which TBB may start another tile on this thread.
    std::vector<float> buffer, block;
    const fs::path file = staging.path() / tile_name(t);
    auto ds = create_geotiff(file, grid.window(t), options.compression, 1);
    if (!ds.ok()) return fail(ds.status());
    for (int r = 0; r < t.height; r += kBlockCells) {
      const TileRect strip{t.col0, t.row0 + r, t.width, std::min(kBlockCells, t.height - r)};
      buffer.resize(static_cast<std::size_t>(strip.cell_count()));
      if (Status st = source.read_into(strip, buffer); !st.ok()) return fail(st);
      if (Status st = write_window(**ds, file, strip.relative_to(t), buffer.data(), block); !st.ok()) return fail(st);
    }
    if (Status st = close_geotiff(std::move(ds).value(), file); !st.ok()) return fail(st);
    if (progress) progress->advance();
  });
  if (first_error) return *first_error;

  // The tiles folder goes into place (an older one is kept aside until the VRT is written), then
  // the VRT, built by GDAL from the tiles at their final paths.
  StagingFolder previous(fs::exists(folder, ec) ? fs::path(folder.string() + ".old-" + unique_suffix()) : fs::path());
  if (!previous.path().empty()) fs::rename(folder, previous.path(), ec);
  if (!ec) fs::rename(staging.path(), folder, ec);
  if (ec) return Status::IoError(fmt::format("{}: cannot move the tiles into {}: {}", path.string(), folder.string(), ec.message()));
  staging.release();
  const auto build_vrt = [&]() -> Status {
    std::vector<std::string> names;
    for (const auto& t : tiles) names.push_back((folder / tile_name(t)).string());
    std::vector<const char*> name_ptrs;
    for (const auto& n : names) name_ptrs.push_back(n.c_str());
    AtomicOutput out(path);
    int usage_error = 0;
    // The tiles never overlap, so no source needs its nodata masked: without -srcnodata GDAL
    // writes ComplexSources with <NODATA>, which it reads through a temporary buffer and a copy
    // per pixel; SimpleSources read straight into the caller's buffer (NaN cells stay NaN).
    CPLStringList vrt_args;
    for (const char* a : {"-srcnodata", "None", "-vrtnodata", "nan"}) vrt_args.AddString(a);
    std::unique_ptr<GDALBuildVRTOptions, decltype(&GDALBuildVRTOptionsFree)> vrt_options(
        GDALBuildVRTOptionsNew(vrt_args.List(), nullptr), &GDALBuildVRTOptionsFree);
    CPLErrorReset();
    GDALDatasetH vrt = GDALBuildVRT(out.temp_path().c_str(), static_cast<int>(name_ptrs.size()), nullptr,
                                    name_ptrs.data(), vrt_options.get(), &usage_error);
    if (!vrt) return Status::IoError(fmt::format("{}: cannot build the VRT: {}", path.string(), last_gdal_error()));
    GDALClose(vrt);
    SKYCOVER_RETURN_IF_ERROR(gdal_write_status(path));
    return out.commit();
  };
  if (Status st = build_vrt(); !st.ok()) {
    // Back as it was: the new tiles out, the old ones (if any) in.
    fs::remove_all(folder, ec);
    if (!previous.path().empty()) {
      fs::rename(previous.path(), folder, ec);
      previous.release();
    }
    return st;
  }
  return Status::Ok();  // `previous` (the old tiles) is removed here
}

}  // namespace

std::int64_t estimated_dem_bytes(const GridGeometry& grid, DemCompression compression) {
  const std::int64_t raw = grid.cell_count() * static_cast<std::int64_t>(sizeof(float));
  return compression == DemCompression::kNone ? raw : raw / 10 * 7;
}

Status write_dem(const fs::path& path, const TerrainSource& source, const DemWriteOptions& options,
                 Progress* progress) {
  ensure_gdal();
  const std::string ext = lower_extension(path);
  if (ext != ".tif" && ext != ".tiff" && ext != ".vrt")
    return Status::Invalid(fmt::format("{}: a DEM is written as a GeoTIFF (.tif) or a VRT mosaic of GeoTIFF tiles "
                                       "(.vrt); rename the output",
                                       path.string()));
  const GridGeometry& grid = source.geometry();
  std::error_code ec;
  const fs::path dir = path.parent_path().empty() ? fs::current_path(ec) : path.parent_path();
  fs::path existing = dir;
  while (!existing.empty() && !fs::exists(existing, ec)) existing = existing.parent_path();
  const auto space = fs::space(existing.empty() ? fs::current_path(ec) : existing, ec);
  const std::int64_t needed = estimated_dem_bytes(grid, options.compression);
  if (!ec && static_cast<std::int64_t>(space.available) < needed)
    return Status::IoError(fmt::format("{}: a {}x{} DEM needs about {} on disk and {} has {} free; free space or "
                                       "write elsewhere{}",
                                       path.string(), grid.width, grid.height, format_bytes(needed),
                                       existing.string(), format_bytes(static_cast<std::int64_t>(space.available)),
                                       options.compression == DemCompression::kNone
                                           ? " (or compress it: --compress zstd needs about 0.7 of that)"
                                           : ""));
  return ext == ".vrt" ? write_vrt_mosaic(path, source, options, progress)
                       : write_geotiff(path, source, options.compression, progress);
}

}  // namespace skycover
