// Internal: a std::allocator replacement for large, long-scanned buffers (the viewshed kernel's
// padded terrain copies): blocks of 4 MiB and more are 2 MiB-aligned and advised to the kernel as
// transparent huge pages (Linux madvise(MADV_HUGEPAGE); where THP is "madvise" only, as on Debian,
// nothing else asks for them). The kernel reads ~R rows of the padded grid per column, each in a
// different 4 KiB page; with 2 MiB pages a whole window fits in a few TLB entries and the copy
// takes 512 times fewer page faults. Elsewhere, or for small blocks, it is plain operator new.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace skycover::detail {

// The same advice for a buffer that is already allocated but not yet written (a std::vector
// after reserve()): the 2 MiB-aligned part of [p, p + bytes) becomes eligible for huge pages when
// first touched. For the engagement union's grids (~130 MB at the claim's scale), whose first
// touch otherwise takes one page fault per 4 KiB.
inline void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(p);
  const std::uintptr_t lo = (begin + kHuge - 1) / kHuge * kHuge, hi = (begin + bytes) / kHuge * kHuge;
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // advice only
#else
  (void)p, (void)bytes;
#endif
}

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;  // 2 MiB
  static constexpr std::size_t kMinBytes = std::size_t{4} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  static std::size_t rounded(std::size_t bytes) { return (bytes + kHuge - 1) / kHuge * kHuge; }

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kMinBytes) return static_cast<T*>(::operator new(bytes));
    void* p = std::aligned_alloc(kHuge, rounded(bytes));
    if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    madvise(p, rounded(bytes), MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kMinBytes)
      ::operator delete(p);
    else
      std::free(p);
  }
  // resize() default-initialises instead of zero-filling: the padded terrain is filled in
  // parallel right after, so a single-threaded zero pass over ~100 MB would be wasted.
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(static_cast<Args&&>(args)...);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace skycover::detail
