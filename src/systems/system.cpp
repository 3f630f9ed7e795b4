// Built-in system presets. Every envelope figure carries its public source; figures that are not
// public are labelled as illustrative round values in their citation. Kill probabilities are
// never part of a preset (see DEVELOPERS.md: the user states them).
#include "skycover/systems/system.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace skycover {

std::optional<TargetClass> parse_target_class(std::string_view name) {
  for (std::size_t i = 0; i < kTargetClassNames.size(); ++i)
    if (kTargetClassNames[i] == name) return static_cast<TargetClass>(i);
  return std::nullopt;
}

namespace {

constexpr const char* kNotPublicReaction =
    "not public: illustrative round value (reaction time depends on crew, cueing and alert state)";
constexpr const char* kSpeedNote = " (peak speed used as the average: overstates speed, so flight times are optimistic for the defence)";

SystemSpec make(std::string name, double min_range_m, double max_range_m, double min_alt_m, double max_alt_m,
                double reaction_s, double speed_mps, std::vector<Citation> sources) {
  SystemSpec s;
  s.name = std::move(name);
  s.min_range_m = min_range_m;
  s.max_range_m = max_range_m;
  s.min_altitude_m = min_alt_m;
  s.max_altitude_m = max_alt_m;
  s.reaction_time_s = reaction_s;
  s.missile_speed_mps = speed_mps;
  s.missiles_per_site = 1;
  s.pk.provenance = "none stated";
  s.sources = std::move(sources);
  return s;
}

std::vector<SystemSpec> build_catalog() {
  std::vector<SystemSpec> c;
  c.push_back(make("igla-s", 500, 6000, 10, 3500, 10, 600,
                   {{"max_range_m", "Rosoboronexport (Russian state exporter), Igla-S MANPADS catalogue entry: range up to 6 km"},
                    {"max_altitude_m", "Rosoboronexport, Igla-S catalogue entry: altitude up to 3.5 km"},
                    {"min_range_m", "Rosoboronexport, Igla-S catalogue entry: minimum range 0.5 km"},
                    {"min_altitude_m", "Rosoboronexport, Igla-S catalogue entry: minimum altitude 10 m"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("open-source figure (~600 m/s peak, e.g. Jane's Land Warfare Platforms: "
                                                      "Artillery & Air Defence); not a manufacturer figure") + kSpeedNote}}));
  c.push_back(make("igla", 500, 5200, 10, 3500, 10, 570,
                   {{"max_range_m", "Rosoboronexport / KBM Kolomna, Igla (9K38) export brochure: range 5.2 km"},
                    {"max_altitude_m", "Rosoboronexport / KBM Kolomna, Igla (9K38) export brochure: altitude 3.5 km"},
                    {"min_range_m", "open-source figure (0.5 km, e.g. Jane's); not checked against the exporter"},
                    {"min_altitude_m", "open-source figure (10 m, e.g. Jane's); not checked against the exporter"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("open-source figure (~570 m/s peak, e.g. Jane's)") + kSpeedNote}}));
  c.push_back(make("stinger", 200, 4800, 10, 3800, 10, 700,
                   {{"max_range_m", "US Army / Raytheon FIM-92 Stinger fact sheets: range ~4.8 km"},
                    {"max_altitude_m", "US Army / Raytheon FIM-92 Stinger fact sheets: ceiling ~3.8 km"},
                    {"min_range_m", "open-source figure (~200 m, e.g. Jane's); not a manufacturer figure"},
                    {"min_altitude_m", "not public: illustrative round value 10 m"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("Raytheon / US Army: supersonic; 700 m/s (~Mach 2) is a rounded open-source reading") +
                                              kSpeedNote}}));
  c.push_back(make("mistral", 500, 6000, 10, 3000, 10, 800,
                   {{"max_range_m", "MBDA Mistral product sheet: range 6 km (Mistral 3: up to 8 km; the lower figure is used)"},
                    {"max_altitude_m", "MBDA Mistral product sheet: altitude ~3 km"},
                    {"min_range_m", "open-source figure (~500 m, e.g. Jane's); not a manufacturer figure"},
                    {"min_altitude_m", "not public: illustrative round value 10 m"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("open-source figure (Mach 2.5 class, e.g. Jane's); 800 m/s is a rounded reading") + kSpeedNote}}));
  c.push_back(make("starstreak", 300, 7000, 10, 5000, 10, 1000,
                   {{"max_range_m", "Thales Starstreak product sheet: range 7 km"},
                    {"max_altitude_m", "open-source figure (~5 km, e.g. Jane's); Thales does not state a ceiling publicly"},
                    {"min_range_m", "open-source figure (~300 m, e.g. Jane's); not a manufacturer figure"},
                    {"min_altitude_m", "not public: illustrative round value 10 m"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("Thales: in excess of Mach 3; 1000 m/s is a rounded reading") + kSpeedNote}}));
  c.push_back(make("rbs-70", 250, 8000, 10, 5000, 10, 680,
                   {{"max_range_m", "Saab RBS 70 product information, BOLIDE missile: range 8 km (Saab quotes 7 km for the older "
                                    "Mk II missile and up to 9 km for RBS 70 NG; the BOLIDE figure is used)"},
                    {"max_altitude_m", "Saab RBS 70 product information, BOLIDE missile: altitude coverage 5 km (Mk II: 4 km)"},
                    {"min_range_m", "open-source figure (~250 m, e.g. Jane's); not a manufacturer figure"},
                    {"min_altitude_m", "not public: illustrative round value 10 m"},
                    {"reaction_time_s", kNotPublicReaction},
                    {"missile_speed_mps", std::string("Saab: BOLIDE Mach 2 class; 680 m/s is a rounded reading") + kSpeedNote}}));
  return c;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return out;
}

}  // namespace

const std::vector<SystemSpec>& system_catalog() {
  static const std::vector<SystemSpec> catalog = build_catalog();  // immutable after construction
  return catalog;
}

std::vector<std::string> preset_names() {
  std::vector<std::string> names;
  for (const auto& s : system_catalog()) names.push_back(s.name);
  return names;
}

Result<SystemSpec> find_preset(std::string_view name) {
  const std::string key = lower(name);
  for (const auto& s : system_catalog())
    if (s.name == key) return s;
  return Status::Invalid(fmt::format("unknown system preset '{}'; known presets: {}", name,
                                     fmt::join(preset_names(), ", ")));
}

KillProbabilities illustrative_kill_probabilities() {
  KillProbabilities k;
  // Round numbers chosen only to exercise the exposure and raid maths; NOT measured figures.
  k.pk = {0.3, 0.5, 0.5, 0.4};
  k.provenance =
      "illustrative: round placeholder values (cruise_missile 0.3, drone 0.5, helicopter 0.5, aircraft 0.4), "
      "not a measured figure";
  return k;
}

Result<double> require_pk(const SystemSpec& system, TargetClass target) {
  if (auto p = system.pk.for_class(target)) return *p;
  return Status::Invalid(fmt::format(
      "system '{}' has no kill probability for target class '{}' (provenance: {}); state it in the scenario as "
      "pk = {{ {} = 0.5 }} under [[systems]], or set pk_set = \"illustrative\" for a labelled placeholder set",
      system.name, to_string(target), system.pk.provenance.empty() ? "none stated" : system.pk.provenance,
      to_string(target)));
}

const Citation* find_citation(const SystemSpec& system, std::string_view figure) {
  for (const auto& c : system.sources)
    if (c.figure == figure) return &c;
  return nullptr;
}

}  // namespace skycover
