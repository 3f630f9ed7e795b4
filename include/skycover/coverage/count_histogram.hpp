// Histograms of per-cell site counts over an area: the coverage summary's input (every band of
// every tile of every run passes through here, ~1.5e10 cells for a country).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace skycover {

// hist[counts[i]] += 1 for every i with inside[i] != 0. `hist` has 65,536 bins (every uint16).
// Counts below 256 go to four interleaved 32-bit sub-histograms first: neighbouring cells mostly
// hold the same small count, and one histogram would make each increment wait for the previous
// one's store (about twice as slow). Integer sums: the same result for any split of the cells.
// At most 2^32 - 1 cells per call.
void add_count_histogram(std::span<const std::uint16_t> counts, std::span<const std::uint8_t> inside,
                         std::span<std::int64_t> hist);

}  // namespace skycover
