// The engagement union's row fold with its AVX-512 loop (union_fold.hpp), compiled with
// -mavx512f -mavx512bw -mavx512vl (CMakeLists.txt) and called only when the CPU has all three;
// the same bits as the SSE2 and AVX2 loops (tests/visibility/union_fold_test.cpp).
#include "union_fold.hpp"

#if SKYCOVER_UNION_HAVE_AVX2
namespace skycover::detail {

void fold_row_avx512(const RowFold& r) { fold_row(r); }

}  // namespace skycover::detail
#endif
