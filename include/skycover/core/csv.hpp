// CSV: the one line reader used by every text input (site files, track files), and the one
// field writer used by every CSV product. The reader is deliberately
// small: comma-separated fields, surrounding blanks and double quotes trimmed, no embedded
// commas or escaped quotes (coordinates and ids do not need them). A UTF-8 byte order mark,
// which spreadsheet programs put at the start of "CSV UTF-8" exports, is stripped from the
// first line so the header still names its columns.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace skycover {

// `text` without a leading UTF-8 byte order mark (EF BB BF).
constexpr std::string_view strip_utf8_bom(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  return text;
}

// A field without surrounding spaces, tabs, carriage returns and double quotes.
constexpr std::string_view trim_csv_field(std::string_view s) {
  constexpr std::string_view kBlank = " \t\r\"";
  while (!s.empty() && kBlank.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && kBlank.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
  return s;
}

// Fields of one line, each trimmed; "a,,b" gives three fields, "" gives one empty field.
// The views point into `line`.
inline std::vector<std::string_view> split_csv_line(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(trim_csv_field(line.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

// A value written into a CSV file: quoted, with quotes doubled, when it holds a comma, quote or
// line break (RFC 4180); as it is otherwise.
inline std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(s);
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + '"';
}

}  // namespace skycover
