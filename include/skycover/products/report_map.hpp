// The layers of a report's interactive map (render/web_map.hpp) built from the stages' results:
// the coverage overlays of each band, the sites with their envelope figures and sources, the
// area outline, and (exposure, raid) the tracks, engagement windows and intercepts.
#pragma once
#include <string>
#include <vector>

#include "skycover/core/status.hpp"
#include "skycover/coverage/coverage.hpp"
#include "skycover/exposure/exposure.hpp"
#include "skycover/render/web_map.hpp"
#include "skycover/sites/site.hpp"
#include "skycover/systems/system.hpp"

namespace skycover {

// The base of a map over `geometry`: its hillshade (may be empty), the two ways to colour a
// coverage band ("sites able to engage", the static maps' colours; and "covered or not"), and the
// area's outline as an always-shown layer (none when the area is the whole DEM).
Result<web::MapSpec> report_map_base(const GridGeometry& geometry, const std::vector<std::uint8_t>& hillshade,
                                     const AreaMask& area);

// One view of a coverage run: a class image per band (multiplicity_class of each cell) and the
// sites. `union_` must hold the counts of every band of `result`, on the map's grid.
web::View coverage_view(const std::string& name, const CoverageResult& result, const EngagementUnion& union_,
                        const AreaMask& area, const std::vector<Site>& sites, const std::vector<SystemSpec>& systems);

// The sites as points: popups give the id, the system, the envelope figures each with its
// citation, the launcher height and the missiles.
web::Layer site_layer(const std::string& name, const std::vector<Site>& sites, const std::vector<SystemSpec>& systems);

// Exposure: each track (popup: class, speed, altitude, exposed time, survival), its engagement
// windows as coloured stretches of the track (one colour per site; popup: site, times, launches),
// and the shots' intercept points (popup: site, launch time, intercept time, Pk).
struct TrackMapInputs {
  const std::vector<Track>& tracks;
  const std::vector<EngagementWindow>& windows;
  const std::vector<TrackExposure>* exposures = nullptr;  // shots and survival; null: windows only
  const std::vector<Site>& sites;
  const std::vector<SystemSpec>& systems;
};
std::vector<web::Layer> track_layers(const TrackMapInputs& in);

}  // namespace skycover
