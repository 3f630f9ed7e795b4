#include <gtest/gtest.h>

#include "skycover/systems/system.hpp"

namespace skycover {
namespace {

TEST(SystemCatalog, HasTheSixPresets) {
  std::vector<std::string> names;
  for (const auto& s : system_catalog()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"igla-s", "igla", "stinger", "mistral", "starstreak", "rbs-70"}));
}

TEST(SystemCatalog, IglaSMatchesTheExporterFigures) {
  auto s = find_preset("Igla-S");  // case-insensitive
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "igla-s");
  EXPECT_DOUBLE_EQ(s->max_range_m, 6000);
  EXPECT_DOUBLE_EQ(s->max_altitude_m, 3500);
  const Citation* c = find_citation(*s, "max_range_m");
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c->source.find("Rosoboronexport"), std::string::npos);
}

TEST(SystemCatalog, PublicFiguresOfTheOtherPresets) {
  struct Expect {
    const char* name;
    double range_m, ceiling_m;
    const char* publisher;
  };
  for (const Expect& e : {Expect{"igla", 5200, 3500, "Rosoboronexport"}, Expect{"stinger", 4800, 3800, "Raytheon"},
                          Expect{"mistral", 6000, 3000, "MBDA"}, Expect{"starstreak", 7000, 5000, "Thales"},
                          Expect{"rbs-70", 8000, 5000, "Saab"}}) {
    auto s = find_preset(e.name);
    ASSERT_TRUE(s.ok()) << e.name;
    EXPECT_DOUBLE_EQ(s->max_range_m, e.range_m) << e.name;
    EXPECT_DOUBLE_EQ(s->max_altitude_m, e.ceiling_m) << e.name;
    EXPECT_NE(find_citation(*s, "max_range_m")->source.find(e.publisher), std::string::npos) << e.name;
  }
}

TEST(SystemCatalog, EveryEnvelopeFigureHasASource) {
  for (const auto& s : system_catalog()) {
    for (const char* f :
         {"min_range_m", "max_range_m", "min_altitude_m", "max_altitude_m", "reaction_time_s", "missile_speed_mps"}) {
      const Citation* c = find_citation(s, f);
      ASSERT_NE(c, nullptr) << s.name << " has no source for " << f;
      EXPECT_GT(c->source.size(), 10u) << s.name << "." << f;
    }
    // Envelope sanity: min < max, positive speeds.
    EXPECT_LT(s.min_range_m, s.max_range_m) << s.name;
    EXPECT_LT(s.min_altitude_m, s.max_altitude_m) << s.name;
    EXPECT_GT(s.missile_speed_mps, 0) << s.name;
    // Reaction time is not public for any preset: its citation must say so.
    EXPECT_NE(find_citation(s, "reaction_time_s")->source.find("not public"), std::string::npos) << s.name;
  }
}

TEST(SystemCatalog, PresetsStateNoKillProbability) {
  for (const auto& s : system_catalog()) {
    for (int c = 0; c < 4; ++c) EXPECT_FALSE(s.pk.pk[c].has_value()) << s.name;
    EXPECT_EQ(s.pk.provenance, "none stated");
    auto pk = require_pk(s, TargetClass::kDrone);
    ASSERT_FALSE(pk.ok());
    EXPECT_NE(pk.status().message().find("pk_set"), std::string::npos);
  }
}

TEST(SystemCatalog, IllustrativeSetIsLabelled) {
  const auto k = illustrative_kill_probabilities();
  EXPECT_EQ(k.provenance.rfind("illustrative:", 0), 0u);
  EXPECT_NE(k.provenance.find("not a measured figure"), std::string::npos);
  for (int c = 0; c < 4; ++c) {
    ASSERT_TRUE(k.pk[c].has_value());
    EXPECT_GE(*k.pk[c], 0.0);
    EXPECT_LE(*k.pk[c], 1.0);
  }
  SystemSpec s = find_preset("stinger").value();
  s.pk = k;
  EXPECT_DOUBLE_EQ(require_pk(s, TargetClass::kCruiseMissile).value(), 0.3);
}

TEST(SystemCatalog, UnknownPresetListsKnownNames) {
  auto s = find_preset("sa-7");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(s.status().message().find("igla-s, igla, stinger, mistral, starstreak, rbs-70"), std::string::npos);
}

TEST(TargetClass, ParsesAllNames) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(static_cast<int>(*parse_target_class(kTargetClassNames[i])), i);
  EXPECT_FALSE(parse_target_class("boat").has_value());
}

}  // namespace
}  // namespace skycover
