#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "skycover/core/atomic_file.hpp"
#include "skycover/core/csv.hpp"
#include "skycover/core/status.hpp"
#include "skycover/core/terminal_text.hpp"
#include "test_support.hpp"

namespace skycover {
namespace {
namespace fs = std::filesystem;

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

TEST(AtomicOutput, CommitMovesTheTemporaryIntoPlace) {
  test::TempDir dir;
  const auto final_path = dir.path() / "product.tif";
  AtomicOutput out(final_path);
  EXPECT_EQ(out.temp_path().parent_path(), dir.path());
  EXPECT_EQ(out.temp_path().extension(), ".tif");  // so GDAL still picks the driver by extension
  std::ofstream(out.temp_path()) << "data";
  EXPECT_FALSE(fs::exists(final_path));  // nothing under the final name before commit
  ASSERT_TRUE(out.commit().ok());
  EXPECT_TRUE(fs::exists(final_path));
  EXPECT_EQ(files_in(dir.path()), 1u);
}

TEST(AtomicOutput, AbandonedOutputLeavesNothingBehind) {
  test::TempDir dir;
  const auto final_path = dir.path() / "summary.json";
  std::ofstream(final_path) << "old";
  {
    AtomicOutput out(final_path);
    std::ofstream(out.temp_path()) << "half-writ";
  }  // an error path: no commit
  EXPECT_EQ(files_in(dir.path()), 1u);
  EXPECT_EQ(read_file(final_path).value(), "old");  // the previous result is untouched
}

TEST(AtomicOutput, WriteFileCreatesParentsAndReplaces) {
  test::TempDir dir;
  const auto p = dir.path() / "a" / "b" / "c.txt";
  ASSERT_TRUE(write_file_atomic(p, "one").ok());
  ASSERT_TRUE(write_file_atomic(p, "two").ok());
  EXPECT_EQ(read_file(p).value(), "two");
  EXPECT_EQ(files_in(p.parent_path()), 1u);
}

TEST(AtomicOutput, WriteIntoAFileAsDirectoryIsAnIoError) {
  test::TempDir dir;
  std::ofstream(dir.path() / "blocker") << "x";
  const Status st = write_file_atomic(dir.path() / "blocker" / "out.json", "{}");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.exit_code(), 3);
  EXPECT_NE(st.message().find("out.json"), std::string::npos);
}

TEST(Sha256, KnownVectors) {
  // FIPS 180-2 appendix B.1 and the empty string.
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_FALSE(sha256_file("/nonexistent/file").ok());
}

TEST(Status, ExitCodesFollowTheReadme) {
  EXPECT_EQ(Status::Ok().exit_code(), 0);
  EXPECT_EQ(Status::Invalid("x").exit_code(), 2);
  EXPECT_EQ(Status::OutOfRange("x").exit_code(), 2);
  EXPECT_EQ(Status::IoError("x").exit_code(), 3);
  EXPECT_EQ(Status::Internal("x").exit_code(), 4);
  Result<int> r = Status::Invalid("bad");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "bad");
  Result<int> v = 7;
  EXPECT_TRUE(v.ok());
  EXPECT_TRUE(v.status().ok());
  EXPECT_EQ(*v, 7);
}

}  // namespace
}  // namespace skycover

namespace skycover {
namespace {

// The CSV reader reads what the writer writes (RFC 4180): quoted commas and doubled quotes (issue 9).
TEST(Csv, ReaderReadsWhatTheWriterWrites) {
  const std::vector<std::string> fields{"plain", "with, comma", "say \"hi\"", "", " padded "};
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += csv_field(fields[i]);
  }
  const auto back = split_csv_line(line);
  ASSERT_EQ(back.size(), fields.size()) << line;
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(back[i], fields[i]) << line;
  EXPECT_EQ(back[4], "padded");  // unquoted blanks are trimmed
  EXPECT_EQ(split_csv_line("a,,b"), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split_csv_line("a,"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(split_csv_line(""), (std::vector<std::string>{""}));
  EXPECT_EQ(split_csv_line(" \"x\" , y\r"), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(duplicate_csv_column({"id", "x", "y", "x"}), "x");
  EXPECT_EQ(duplicate_csv_column({"id", "x", "y"}), "");
}

// Issue 9 minor: control bytes from binary input are never echoed to the terminal.
TEST(TerminalSafe, ControlBytesAreShownAsEscapesAndUtf8PassesUnchanged) {
  EXPECT_EQ(terminal_safe("plain text, tab\tand\nnewline"), "plain text, tab\tand\nnewline");
  EXPECT_EQ(terminal_safe("\x1b[31mred\x07"), "\\x1b[31mred\\x07");
  EXPECT_EQ(terminal_safe(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
  EXPECT_EQ(terminal_safe("\xc2\x9b" "2J"), "\\u009b2J");                    // C1 CSI
  EXPECT_EQ(terminal_safe("Tr\xc3\xadnidad \xe2\x86\x92 \xf0\x9f\x9a\x80"), "Tr\xc3\xadnidad \xe2\x86\x92 \xf0\x9f\x9a\x80");
  EXPECT_EQ(terminal_safe("\xff\xfe"), "\\xff\\xfe");                          // not UTF-8
  EXPECT_EQ(terminal_safe("\xe2\x86"), "\\xe2\\x86");                          // cut short
  EXPECT_EQ(terminal_safe("\xc0\xaf"), "\\xc0\\xaf");                          // overlong '/'
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\\xed\\xa0\\x80");                 // surrogate
}

TEST(CheckInputFile, MissingIsAnIoErrorAndAFolderIsInvalidInput) {
  test::TempDir dir;
  const Status missing = check_input_file(dir.path() / "none.csv", "site file");
  EXPECT_EQ(missing.code(), StatusCode::kIoError);
  EXPECT_NE(missing.message().find("site file " + (dir.path() / "none.csv").string() + " does not exist"),
            std::string::npos) << missing.message();
  const Status folder = check_input_file(dir.path(), "scenario");
  EXPECT_EQ(folder.code(), StatusCode::kInvalidInput);
  EXPECT_NE(folder.message().find("is a folder, not a file"), std::string::npos) << folder.message();
  std::ofstream(dir.path() / "ok.csv") << "id,x,y\n";
  EXPECT_TRUE(check_input_file(dir.path() / "ok.csv", "site file").ok());
  EXPECT_EQ(read_file(dir.path(), "scenario").status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace skycover
