// Atomic output: every product is written to a temporary sibling and renamed into place,
// so a crash or an error never leaves a half-written file under the final name.
#pragma once
#include <filesystem>
#include <string>
#include <string_view>

#include "skycover/core/status.hpp"

namespace skycover {

// A temporary path beside `final_path`; commit() renames it over `final_path`.
// If the object is destroyed without commit(), the temporary file is removed.
class AtomicOutput {
 public:
  explicit AtomicOutput(std::filesystem::path final_path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  AtomicOutput(AtomicOutput&&) noexcept;
  AtomicOutput& operator=(AtomicOutput&&) = delete;

  // Where to write (same directory and extension as the final path, so GDAL picks the driver).
  const std::filesystem::path& temp_path() const { return temp_path_; }
  const std::filesystem::path& final_path() const { return final_path_; }
  Status commit();

 private:
  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  bool committed_ = false;
};

// The extension of `path` in lower case, with its dot (".tif"; "" when there is none): how every
// output and input format is chosen from a file name.
std::string lower_extension(const std::filesystem::path& path);

// Write `content` to `path` atomically (creating parent directories).
Status write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Before opening an input the user named: an I/O error (exit 3) when `path` does not exist or
// cannot be read, and invalid input (exit 2) when it is a folder, whose open() would succeed on
// Linux and then read as an empty file. `what` names the input in the message ("scenario",
// "site file"). GDAL virtual paths (/vsizip/..., /vsicurl/...) pass: GDAL judges them.
Status check_input_file(const std::filesystem::path& path, std::string_view what);

// Read a whole file (after check_input_file); errors name the path.
Result<std::string> read_file(const std::filesystem::path& path, std::string_view what = "file");

// Hex SHA-256 of bytes / of a file (used in manifests to trace results to inputs).
std::string sha256_hex(std::string_view bytes);
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace skycover
