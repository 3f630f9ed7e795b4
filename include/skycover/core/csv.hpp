// CSV: the one line reader used by every text input (site files, track files), and the one
// field writer used by every CSV product; the reader reads what the writer writes (RFC 4180
// quoting: ids with commas, doubled quotes). A UTF-8 byte order mark,
// which spreadsheet programs put at the start of "CSV UTF-8" exports, is stripped from the
// first line so the header still names its columns.
#pragma once
#include <algorithm>
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

// Fields of one line, RFC 4180 as csv_field() writes them: a field in double quotes may hold
// commas, and "" in it stands for one quote; blanks around a field are trimmed. "a,,b" gives three
// fields, "" one empty field. (One line: a quoted line break is not joined to the next line.)
inline std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i < line.size() && line[i] == '"') {
      std::string field;
      for (++i; i < line.size(); ++i) {
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      out.push_back(std::move(field));
      while (i < line.size() && line[i] != ',') ++i;  // blanks (or stray text) after the closing quote
    } else {
      const std::size_t end = std::min(line.find(',', i), line.size());
      out.emplace_back(trim_csv_field(line.substr(i, end - i)));
      i = end;
    }
    if (i >= line.size()) return out;
    ++i;  // the comma
    if (i == line.size()) {
      out.emplace_back();  // "a," ends with an empty field
      return out;
    }
  }
}

// The first name that appears twice in a header, or "" when all differ.
inline std::string duplicate_csv_column(const std::vector<std::string>& header) {
  for (std::size_t i = 0; i < header.size(); ++i)
    for (std::size_t j = i + 1; j < header.size(); ++j)
      if (!header[i].empty() && header[i] == header[j]) return header[i];
  return {};
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
