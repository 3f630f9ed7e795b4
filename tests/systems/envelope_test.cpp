// Direct tests of the envelope geometry (include/skycover/systems/envelope.hpp). Expected values
// are worked by hand from the definition in the header:
//   Rmin <= sqrt(d^2 + dz^2) <= Rmax, dz = target_msl - eye_msl;  h >= min_altitude;
//   target_msl - site_ground <= ceiling  (ceiling above the SITE's ground, not the target's).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "skycover/systems/envelope.hpp"

namespace skycover {
namespace {

SystemSpec sys(double rmax, double ceiling, double rmin = 0, double min_alt = 10) {
  SystemSpec s;
  s.name = "test";
  s.max_range_m = rmax;
  s.max_altitude_m = ceiling;
  s.min_range_m = rmin;
  s.min_altitude_m = min_alt;
  return s;
}

LauncherGeometry launcher(double ground_m, double agl_m = 2) { return {ground_m, ground_m + agl_m}; }

TEST(Envelope, OneIntervalInsideRangeClippedByFloorAndCeiling) {
  HeightInterval iv[2];
  // d = 3,000 m: |dz| <= sqrt(6000^2 - 3000^2) = 5196.15 m, more than the ceiling: [10, 3500].
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), 0, 3000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 3500);
  // d = 5,000 m: the range sphere binds: top = 2 + sqrt(36e6 - 25e6) = 2 + 3316.62 m.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), 0, 5000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_NEAR(iv[0].hi_m, 2 + 3316.6247903554, 1e-9);
  // Beyond the maximum range: nothing.
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), 0, 6000.5, iv), 0);
}

TEST(Envelope, MinimumRangeSphereSplitsTheColumnInTwo) {
  HeightInterval iv[2];
  // Site ground 2,000 m, eye 2,002 m, target ground 0, d = 600 m, Rmin 1,000, Rmax 6,000,
  // ceiling 3,500 above the site's ground = 5,500 m MSL = 5,500 m AGL here.
  //   |dz| >= sqrt(1e6 - 36e4) = 800,  |dz| <= sqrt(36e6 - 36e4) = 5969.92
  //   below: [max(10, 2002 - 5969.92), 2002 - 800] = [10, 1202]
  //   above: [2002 + 800, min(2002 + 5969.92, 5500)] = [2802, 5500]
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500, 1000), launcher(2000), 0, 600, iv), 2);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 1202);
  EXPECT_DOUBLE_EQ(iv[1].lo_m, 2802);
  EXPECT_DOUBLE_EQ(iv[1].hi_m, 5500);
  // On flat ground the lower part lies under the ground / floor: only the upper interval is left.
  //   above: [2 + 800, 2 + 5969.92] clipped to the ceiling 3,500.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500, 1000), launcher(0), 0, 600, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 802);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 3500);
  // At or beyond the minimum range the sphere cuts nothing: one interval.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500, 1000), launcher(2000), 0, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 5500);
}

TEST(Envelope, MinimumAltitudeIsAboveTheTargetsGround) {
  HeightInterval iv[2];
  // Target ground 500 m below the site: the sphere reaches far below ground, the floor is 150 m AGL.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500, 0, 150), launcher(500), 0, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 150);
  const HeightInterval got = iv[0];
  EXPECT_FALSE(got.contains(149.9));
  EXPECT_TRUE(got.contains(150));
  // The floor does not move with the site: same floor with the site 500 m below the target.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500, 0, 150), launcher(0), 500, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 150);
}

TEST(Envelope, CeilingIsAboveTheSitesGroundNotTheTargets) {
  HeightInterval iv[2];
  // Site on a plateau at 1,000 m, target over a valley 1,000 m lower, d = 1,000 m:
  // ceiling = 1000 + 3500 - 0 = 4,500 m above the target's ground (the sphere top, 1002 + 5916, is higher).
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(1000), 0, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 4500);
  EXPECT_TRUE(in_envelope(sys(6000, 3500), launcher(1000), 0, 1000, 4400));
  EXPECT_FALSE(in_envelope(sys(6000, 3500), launcher(1000), 0, 1000, 4600));
  // Site in the valley at 0 m, target over ground 1,000 m higher: ceiling = 0 + 3500 - 1000 = 2,500 m AGL.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), 1000, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].lo_m, 10);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 2500);
  EXPECT_TRUE(in_envelope(sys(6000, 3500), launcher(0), 1000, 1000, 1000 + 2400));
  EXPECT_FALSE(in_envelope(sys(6000, 3500), launcher(0), 1000, 1000, 1000 + 2600));
  // The launcher's height above its ground moves the sphere, not the ceiling.
  ASSERT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(1000, 40), 0, 1000, iv), 1);
  EXPECT_DOUBLE_EQ(iv[0].hi_m, 4500);
}

TEST(Envelope, NonFiniteInputsGiveNoInterval) {
  HeightInterval iv[2];
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), nan, 1000, iv), 0);   // nodata target ground
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), 0, nan, iv), 0);      // no distance
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(nan), 0, 1000, iv), 0);   // nodata site ground
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), {0, nan}, 0, 1000, iv), 0);       // no eye height
  EXPECT_EQ(envelope_agl_intervals(sys(6000, 3500), launcher(0), -inf, 1000, iv), 0);
  EXPECT_FALSE(in_envelope(sys(6000, 3500), launcher(0), nan, 1000, 100));
  EXPECT_FALSE(in_envelope(sys(6000, 3500), launcher(0), 0, nan, 100));
}

}  // namespace
}  // namespace skycover
