// Progress: silent when stderr is not a terminal, unless SKYCOVER_PROGRESS=lines asks for a line
// per percent (what the QGIS plugin parses).
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "skycover/core/progress.hpp"

namespace skycover {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(Progress, SilentWithoutATerminal) {
  ::unsetenv("SKYCOVER_PROGRESS");
  testing::internal::CaptureStderr();
  {
    Progress p("stage", 50);
    for (int i = 0; i < 50; ++i) p.advance();
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST(Progress, LinesModeWritesALinePerPercentWithoutATerminal) {
  ::setenv("SKYCOVER_PROGRESS", "lines", 1);
  testing::internal::CaptureStderr();
  {
    Progress p("union, tile 3", 400);
    for (int i = 0; i < 400; ++i) p.advance();
  }
  {
    Progress off("disabled", 10, false);  // a caller that asked for silence stays silent
    off.advance(10);
  }
  const std::string text = testing::internal::GetCapturedStderr();
  ::unsetenv("SKYCOVER_PROGRESS");
  EXPECT_EQ(text.find('\r'), std::string::npos);
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 100u) << text;  // 1 % ... 100 %, once each
  EXPECT_EQ(lines.front(), "skycover: progress: union, tile 3 1.0%");
  EXPECT_EQ(lines.back(), "skycover: progress: union, tile 3 100.0%");
  for (const auto& l : lines) EXPECT_EQ(l.rfind("skycover: progress: union, tile 3 ", 0), 0u) << l;
}

}  // namespace
}  // namespace skycover
