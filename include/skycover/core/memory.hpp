// Process memory policy for tiled runs.
#pragma once
#include <cstdint>
#include <string>

namespace skycover {

// Keep freed blocks up to `max_block_bytes` in the heap for reuse instead of returning them to the
// operating system (glibc: M_MMAP_THRESHOLD and M_TRIM_THRESHOLD). Why: every tile of a tiled run
// allocates and frees the same few hundred MB of grids (terrain window, padded copies, three
// unions); by default glibc maps each such block fresh and unmaps it on free, so every tile pays
// the page faults again. On a 2-vCPU VM that was more than half of a 1.44e8-cell run (26.8 s ->
// 12.0 s with reuse, bench/RESULTS.md), for ~13 % more peak RSS, still inside --memory-mb.
// Process-wide; a no-op where the C library has no such knob.
void keep_freed_memory_for_reuse(std::int64_t max_block_bytes);

// A byte count as people read it in a message: "2.8 MB", "4.1 GB" (decimal units, one decimal).
std::string format_bytes(std::int64_t bytes);

}  // namespace skycover
