// Engagement envelope geometry: pure functions shared by coverage, exposure and raids.
//
// A target at horizontal distance d (m) from a launcher whose muzzle is at eye_msl_m, over
// ground at target_ground_msl_m, flying h metres above that ground, is inside the envelope iff
//   min_range_m <= slant <= max_range_m,  slant = sqrt(d^2 + (target_msl - eye_msl)^2)
//   h >= min_altitude_m                   (height above the target's own ground)
//   target_msl - site_ground_msl <= max_altitude_m  (ceiling above the site's ground)
// Line of sight is a separate test (visibility stage). Earth curvature is ignored inside the
// envelope (at 6 km it changes slant range by < 3 m); it is modelled in line of sight.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>

#include "skycover/systems/system.hpp"

namespace skycover {

struct HeightInterval {
  double lo_m = 0;
  double hi_m = -1;  // empty when hi < lo
  bool empty() const { return hi_m < lo_m; }
  bool contains(double h) const { return h >= lo_m && h <= hi_m; }
};

// Where a launcher stands.
struct LauncherGeometry {
  double site_ground_msl_m = 0;
  double eye_msl_m = 0;  // site ground + launcher height above ground
};

// Heights above the target's ground (AGL) at which the target is inside the envelope, at
// horizontal distance d_m. The set is at most two intervals (the minimum-range sphere can cut
// one out of the middle); returns their count and fills out[0..count). Returns 0 when any input
// position or ground height is not finite.
inline int envelope_agl_intervals(const SystemSpec& s, const LauncherGeometry& l, double target_ground_msl_m,
                                  double d_m, HeightInterval out[2]) {
  // Nodata ground or an undefined distance: nothing is engageable (NaN bounds would compare false
  // in HeightInterval::empty() and yield a bogus interval).
  if (!std::isfinite(d_m) || !std::isfinite(target_ground_msl_m) || !std::isfinite(l.eye_msl_m) ||
      !std::isfinite(l.site_ground_msl_m))
    return 0;
  if (d_m > s.max_range_m) return 0;
  // |dz| <= sqrt(Rmax^2 - d^2) and, if d < Rmin, |dz| >= sqrt(Rmin^2 - d^2); dz = target_msl - eye.
  const double dz_max = std::sqrt(s.max_range_m * s.max_range_m - d_m * d_m);
  const double dz_min = d_m < s.min_range_m ? std::sqrt(s.min_range_m * s.min_range_m - d_m * d_m) : 0.0;
  // Convert dz to AGL at the target: h = eye + dz - target_ground.
  const double base = l.eye_msl_m - target_ground_msl_m;
  const double h_floor = s.min_altitude_m;
  const double h_ceiling = l.site_ground_msl_m + s.max_altitude_m - target_ground_msl_m;
  auto clip = [&](double lo, double hi) {
    return HeightInterval{std::max(lo, h_floor), std::min(hi, h_ceiling)};
  };
  int n = 0;
  if (dz_min <= 0.0) {
    HeightInterval i = clip(base - dz_max, base + dz_max);
    if (!i.empty()) out[n++] = i;
  } else {
    HeightInterval below = clip(base - dz_max, base - dz_min);
    HeightInterval above = clip(base + dz_min, base + dz_max);
    if (!below.empty()) out[n++] = below;
    if (!above.empty()) out[n++] = above;
  }
  return n;
}

// Point test for a target at (horizontal distance d_m, target_msl_m) over ground target_ground_msl_m.
inline bool in_envelope(const SystemSpec& s, const LauncherGeometry& l, double target_ground_msl_m, double d_m,
                        double target_msl_m) {
  HeightInterval iv[2];
  const int n = envelope_agl_intervals(s, l, target_ground_msl_m, d_m, iv);
  const double h = target_msl_m - target_ground_msl_m;
  for (int i = 0; i < n; ++i)
    if (iv[i].contains(h)) return true;
  return false;
}

}  // namespace skycover
