#include "skycover/core/memory.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace skycover {

void keep_freed_memory_for_reuse(std::int64_t max_block_bytes) {
#if defined(__GLIBC__)
  // mallopt takes an int (blocks above 2 GiB are still mapped afresh). Setting the threshold
  // also stops glibc's dynamic adjustment of it.
  const int bytes = static_cast<int>(std::clamp<std::int64_t>(max_block_bytes, 0, INT_MAX));
  mallopt(M_MMAP_THRESHOLD, bytes);
  mallopt(M_TRIM_THRESHOLD, bytes);
#else
  (void)max_block_bytes;
#endif
}

std::string format_bytes(std::int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b < 1e6) return fmt::format("{:.1f} kB", b / 1e3);
  if (b < 1e9) return fmt::format("{:.1f} MB", b / 1e6);
  return fmt::format("{:.1f} GB", b / 1e9);
}

}  // namespace skycover
