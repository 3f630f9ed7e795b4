#include "skycover/core/atomic_file.hpp"

#include <algorithm>
#include <cctype>

#include <openssl/evp.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <array>
#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

namespace skycover {
namespace fs = std::filesystem;

namespace {
// Unique per process and per call, so concurrent writers in one directory never collide.
fs::path make_temp_sibling(const fs::path& final_path) {
  static std::atomic<unsigned> counter{0};
  const auto n = counter.fetch_add(1);
  auto name = fmt::format(".{}.tmp{}-{}{}", final_path.stem().string(), static_cast<long>(::getpid()), n,
                          final_path.extension().string());
  return final_path.parent_path() / name;
}
}  // namespace

AtomicOutput::AtomicOutput(fs::path final_path)
    : final_path_(std::move(final_path)), temp_path_(make_temp_sibling(final_path_)) {
  std::error_code ec;
  if (!final_path_.parent_path().empty()) fs::create_directories(final_path_.parent_path(), ec);
}

AtomicOutput::AtomicOutput(AtomicOutput&& other) noexcept
    : final_path_(std::move(other.final_path_)), temp_path_(std::move(other.temp_path_)),
      committed_(other.committed_) {
  other.committed_ = true;  // the moved-from object must not delete our temp file
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
}

Status AtomicOutput::commit() {
  std::error_code ec;
  // Only a regular file (or nothing) is ever replaced: renaming over a symbolic link, FIFO or
  // device would replace that node itself (as root, /dev/full once became a GeoTIFF).
  const fs::file_status st = fs::symlink_status(final_path_, ec);
  if (!ec && fs::exists(st) && !fs::is_regular_file(st)) {
    fs::remove(temp_path_, ec);
    const char* what = fs::is_symlink(st) ? "a symbolic link" : fs::is_directory(st) ? "a directory"
                       : fs::is_fifo(st) ? "a FIFO" : "a device or special file";
    return Status::IoError(fmt::format("{} is {}; skycover only replaces regular files: choose another output path",
                                       final_path_.string(), what));
  }
  // On disk before it takes the final name: a write error the file system reports late (a full
  // disk on NFS, EIO) fails here instead of leaving a truncated file under the final name.
  if (const int fd = ::open(temp_path_.c_str(), O_RDONLY); fd >= 0) {
    const bool synced = ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    if (!synced && err != EINVAL) {  // EINVAL: a file system without fsync (e.g. some pseudo file systems)
      fs::remove(temp_path_, ec);
      return Status::IoError(fmt::format("{}: writing failed: {}", final_path_.string(), std::strerror(err)));
    }
  }
  fs::rename(temp_path_, final_path_, ec);
  if (ec) {
    return Status::IoError(fmt::format("cannot move {} into place as {}: {}", temp_path_.string(),
                                       final_path_.string(), ec.message()));
  }
  committed_ = true;
  return Status::Ok();
}

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

Status write_file_atomic(const fs::path& path, std::string_view content) {
  AtomicOutput out(path);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) return Status::IoError(fmt::format("cannot write {}: check the directory exists and is writable", path.string()));
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    f.flush();
    if (!f) return Status::IoError(fmt::format("write to {} failed (disk full?)", path.string()));
  }
  return out.commit();
}

Status check_input_file(const fs::path& path, std::string_view what) {
  if (path.string().rfind("/vsi", 0) == 0) return Status::Ok();
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (path.empty() || !fs::exists(st))
    return Status::IoError(fmt::format("{} {} does not exist; check the path", what,
                                       path.empty() ? "''" : path.string()));
  if (fs::is_directory(st))
    return Status::Invalid(fmt::format("{} {} is a folder, not a file; name the file inside it", what, path.string()));
  if (!std::ifstream(path, std::ios::binary))
    return Status::IoError(fmt::format("{} {} cannot be opened for reading (permission denied?); check its "
                                       "permissions", what, path.string()));
  return Status::Ok();
}

Result<std::string> read_file(const fs::path& path, std::string_view what) {
  SKYCOVER_RETURN_IF_ERROR(check_input_file(path, what));
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return Status::IoError(fmt::format("{} {}: reading failed", what, path.string()));
  return ss.str();
}

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &len, EVP_sha256(), nullptr);
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

Result<std::string> sha256_file(const fs::path& path) {
  // Streamed in 1 MiB pieces: a manifest hashes country-sized rasters and DEMs of several GB,
  // which must not be read into memory whole.
  std::ifstream f(path, std::ios::binary);
  if (!f) return Status::IoError(fmt::format("{}: cannot open to hash it", path.string()));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return Status::Internal("SHA-256 unavailable");
  std::vector<char> buf(1 << 20);
  while (f) {
    f.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (f.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(f.gcount()));
  }
  if (f.bad()) return Status::IoError(fmt::format("{}: read error while hashing", path.string()));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &len);
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace skycover
