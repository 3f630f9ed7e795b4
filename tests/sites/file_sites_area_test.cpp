// Sites read from a file may stand outside [area]: kept, and make_sites warns with their count and ids.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "skycover/sites/site.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {

// Routes spdlog's default logger into a string for the lifetime of the object.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::ostringstream out_;
};

TEST(Sites, FileSitesOutsideTheAreaAreKeptWithAWarning) {
  test::TempDir dir;
  GridGeometry g;
  g.width = g.height = 20;
  g.cell_size_m = 100;
  g.origin_x_m = 0;
  g.origin_y_m = 2000;
  const Terrain t(g, std::vector<float>(g.cell_count(), 50.0f));
  AreaMask west;  // columns 0-9
  west.geometry = g;
  west.inside.assign(g.cell_count(), 0);
  for (int r = 0; r < 20; ++r)
    for (int c = 0; c < 10; ++c) west.inside[static_cast<std::size_t>(r) * 20 + c] = 1;
  std::ofstream(dir.path() / "s.csv") << "id,x,y\n"
                                      << "in1,150,1500\n"
                                      << "east1,1550,1500\n"
                                      << "in2,950,250\n"
                                      << "east2,1050,250\n";
  DeploymentSpec d;
  d.system = "test";
  d.hypothesis = Hypothesis::kFile;
  d.file = dir.path() / "s.csv";
  d.source = "deployment 1";
  CapturedLog log;
  auto s = make_sites(d, t, west, 1);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->size(), 4u);  // kept
  const std::string text = log.text();
  EXPECT_NE(text.find("deployment 1: 2 of 4 site(s) lie outside the analysis area ([area]): east1, east2"),
            std::string::npos)
      << text;
  // All inside: no warning.
  CapturedLog quiet;
  auto all = make_sites(d, t, AreaMask{g, std::vector<std::uint8_t>(g.cell_count(), 1)}, 1);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(quiet.text().find("outside the analysis area"), std::string::npos) << quiet.text();
}

}  // namespace
}  // namespace skycover
