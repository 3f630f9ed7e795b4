// The engagement union's row fold with its AVX2 loop (union_fold.hpp), compiled with -mavx2
// (CMakeLists.txt) and called only when the CPU has AVX2; the same bits as the SSE2 loop.
#include "union_fold.hpp"

#if SKYCOVER_UNION_HAVE_AVX2
namespace skycover::detail {

void fold_row_avx2(const RowFold& r) { fold_row(r); }

}  // namespace skycover::detail
#endif
