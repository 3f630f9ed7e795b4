// White-box: the fast kernel's candidate columns (src/visibility/viewshed_group.hpp) are exactly
// the columns within kSpreadVec of the group's kLanes + 1 neighbour pointers, clamped to
// [1, i-2], whether the pointers fit one 64-bit word or need several.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

#include "visibility/viewshed_group.hpp"

namespace skycover::detail {
namespace {

TEST(ViewshedGroup, CandidateColumnsAreTheDilatedPointersClampedToTheColumn) {
  std::mt19937 rng(7);
  int multi_word = 0, single_word = 0, refused = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    const int i = 2 + static_cast<int>(rng() % 700);
    // Pointers clustered (one word) or scattered over the whole column (several words).
    const int spread = trial % 3 == 0 ? 6 : i;
    const int centre = static_cast<int>(rng() % static_cast<unsigned>(i));
    std::vector<int> kp(kLanes + 1);
    for (int& k : kp) {
      const int v = centre + static_cast<int>(rng() % static_cast<unsigned>(2 * spread + 1)) - spread;
      k = v < 0 ? 0 : (v > i - 1 ? i - 1 : v);
    }
    int kmin = 0, kmax = 0;
    pointer_range(kp.data(), 0, kmin, kmax);
    GroupColumns cols;
    const bool ok = candidate_columns(kp.data(), i, 0, kmin, kmax, cols);
    if (kmax - kmin + 2 * kSpreadVec >= 64 * kMaxColumnWords) {
      EXPECT_FALSE(ok);
      ++refused;
      continue;
    }
    ASSERT_TRUE(ok);
    (cols.n_words > 1 ? multi_word : single_word)++;
    std::set<int> expected, got;
    for (int k : kp)
      for (int dk = -kSpreadVec; dk <= kSpreadVec; ++dk)
        if (k + dk >= 1 && k + dk <= i - 2) expected.insert(k + dk);
    for_each_column(cols, [&](int k) { EXPECT_TRUE(got.insert(k).second) << "column " << k << " twice"; });
    EXPECT_EQ(expected, got) << "i " << i << " trial " << trial;
  }
  EXPECT_GT(multi_word, 100);  // both representations were exercised
  EXPECT_GT(single_word, 100);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace skycover::detail
