#include "field_reader.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace skycover::scenario_detail {
namespace fs = std::filesystem;

void ParseContext::add(DiagnosticKind kind, const toml::source_region& where, std::string field, std::string message,
                       std::string hint) {
  Diagnostic d;
  d.kind = kind;
  d.file = file;
  d.line = static_cast<int>(where.begin.line);
  d.column = static_cast<int>(where.begin.column);
  d.field = std::move(field);
  d.message = std::move(message);
  d.hint = std::move(hint);
  diagnostics.push_back(std::move(d));
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  // Accept up to about a third of the word wrong: catches typos, not unrelated words.
  if (best && best_d < word.size() && best_d <= std::max<std::size_t>(2, word.size() / 3)) return best;
  return std::nullopt;
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

TableReader::TableReader(ParseContext& ctx, const toml::table& table, std::string path, std::vector<std::string> known)
    : ctx_(ctx), table_(table), path_(std::move(path)) {
  for (auto&& [k, v] : table_) {
    if (std::find(known.begin(), known.end(), k.str()) != known.end()) continue;
    const auto near = closest(k.str(), known);
    ctx_.add(DiagnosticKind::kUnknownKey, k.source(), field(k.str()),
             fmt::format("unknown key '{}'", k.str()),
             near ? fmt::format("did you mean '{}'?", *near)
                  : fmt::format("known keys here: {}", fmt::join(known, ", ")));
  }
}

std::string TableReader::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

toml::source_region TableReader::where(std::string_view key) const {
  if (const auto* n = table_.get(key)) return n->source();
  return table_.source();
}

void TableReader::missing(std::string_view key, std::string_view hint) {
  ctx_.add(DiagnosticKind::kMissing, table_.source(), field(key), fmt::format("required key '{}' is missing", key),
           std::string(hint));
}

void TableReader::error(DiagnosticKind kind, std::string_view key, std::string message, std::string hint) {
  ctx_.add(kind, where(key), field(key), std::move(message), std::move(hint));
}

void TableReader::exclusive(std::string_view a, std::string_view b, std::string_view hint) {
  if (has(a) && has(b))
    ctx_.add(DiagnosticKind::kConflict, where(b), field(b), fmt::format("'{}' and '{}' exclude each other", a, b),
             std::string(hint));
}

bool TableReader::check_bounds(std::string_view field_path, const toml::source_region& at, double v,
                               const Bounds& b) {
  std::string want;
  if (b.ge && !(v >= *b.ge)) want = fmt::format(">= {}", *b.ge);
  if (b.gt && !(v > *b.gt)) want = fmt::format("> {}", *b.gt);
  if (b.le && !(v <= *b.le)) want = fmt::format("<= {}", *b.le);
  if (b.lt && !(v < *b.lt)) want = fmt::format("< {}", *b.lt);
  if (!std::isfinite(v)) want = "a finite number";
  if (want.empty()) return true;
  std::string range;
  if (b.ge) range += fmt::format(">= {}", *b.ge);
  if (b.gt) range += fmt::format("> {}", *b.gt);
  if (b.le) range += fmt::format("{}<= {}", range.empty() ? "" : " and ", *b.le);
  if (b.lt) range += fmt::format("{}< {}", range.empty() ? "" : " and ", *b.lt);
  ctx_.add(DiagnosticKind::kRange, at, std::string(field_path), fmt::format("value {} is out of range: expected {}", v, want),
           fmt::format("use a value {}", range.empty() ? "that is finite" : range));
  return false;
}

std::optional<double> TableReader::number(std::string_view key, const Bounds& bounds, bool required,
                                          std::string_view hint) {
  const auto* n = node(key);
  if (!n) {
    if (required) missing(key, hint.empty() ? fmt::format("add {} = <number>", key) : std::string(hint));
    return std::nullopt;
  }
  if (!n->is_number()) {
    error(DiagnosticKind::kType, key, fmt::format("expected a number, got {}", type_name(*n)),
          fmt::format("write e.g. {} = 100.0 (no quotes)", key));
    return std::nullopt;
  }
  const double v = *n->value<double>();
  if (!check_bounds(field(key), n->source(), v, bounds)) return std::nullopt;
  return v;
}

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi,
                                                 bool required, std::string_view hint) {
  const auto* n = node(key);
  if (!n) {
    if (required) missing(key, hint.empty() ? fmt::format("add {} = <integer>", key) : std::string(hint));
    return std::nullopt;
  }
  if (!n->is_integer()) {
    error(DiagnosticKind::kType, key, fmt::format("expected an integer, got {}", type_name(*n)),
          fmt::format("write a whole number without quotes or decimal point, e.g. {} = {}", key, std::max<std::int64_t>(lo, 1)));
    return std::nullopt;
  }
  const std::int64_t v = *n->value<std::int64_t>();
  if (v < lo || v > hi) {
    error(DiagnosticKind::kRange, key, fmt::format("value {} is out of range: expected {}..{}", v, lo, hi),
          fmt::format("use an integer between {} and {}", lo, hi));
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> TableReader::string(std::string_view key, bool required, std::string_view hint) {
  const auto* n = node(key);
  if (!n) {
    if (required) missing(key, hint.empty() ? fmt::format("add {} = \"...\"", key) : std::string(hint));
    return std::nullopt;
  }
  if (!n->is_string()) {
    error(DiagnosticKind::kType, key, fmt::format("expected a string, got {}", type_name(*n)),
          fmt::format("quote the value: {} = \"...\"", key));
    return std::nullopt;
  }
  return *n->value<std::string>();
}

std::optional<std::string> TableReader::choice(std::string_view key, const std::vector<std::string>& allowed,
                                               bool required) {
  auto s = string(key, required, fmt::format("add {} = \"{}\" (one of: {})", key, allowed.front(), fmt::join(allowed, ", ")));
  if (!s) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  const auto near = closest(*s, allowed);
  error(DiagnosticKind::kUnknownValue, key, fmt::format("'{}' is not one of: {}", *s, fmt::join(allowed, ", ")),
        near ? fmt::format("did you mean \"{}\"?", *near) : fmt::format("use one of: {}", fmt::join(allowed, ", ")));
  return std::nullopt;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const auto* n = node(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) {
    error(DiagnosticKind::kType, key, fmt::format("expected a boolean, got {}", type_name(*n)),
          fmt::format("write {} = true or {} = false (no quotes)", key, key));
    return std::nullopt;
  }
  return *n->value<bool>();
}

std::optional<fs::path> TableReader::existing_file(std::string_view key, bool required, std::string_view what) {
  auto s = string(key, required, fmt::format("add {} = \"path/to/{}\" (relative to the scenario file)", key, what));
  if (!s) return std::nullopt;
  fs::path p(*s);
  if (p.is_relative()) p = ctx_.base_dir / p;
  std::error_code ec;
  if (!fs::exists(p, ec)) {
    error(DiagnosticKind::kMissingFile, key, fmt::format("{} '{}' does not exist (looked for {})", what, *s, p.string()),
          "paths are relative to the scenario file's directory; check the spelling or use an absolute path");
    return std::nullopt;
  }
  if (fs::is_directory(p, ec)) {
    error(DiagnosticKind::kMissingFile, key, fmt::format("{} '{}' is a folder, not a file (looked at {})", what, *s,
                                                         p.string()),
          "name a file inside the folder");
    return std::nullopt;
  }
  return p.lexically_normal();
}

const toml::table* TableReader::subtable(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) missing(key, fmt::format("add {} = {{ ... }}", key));
    return nullptr;
  }
  if (!n->is_table()) {
    error(DiagnosticKind::kType, key, fmt::format("expected a table, got {}", type_name(*n)),
          fmt::format("write {} = {{ key = value, ... }} or a [{}] section", key, field(key)));
    return nullptr;
  }
  return n->as_table();
}

const toml::array* TableReader::array(std::string_view key, bool required) {
  const auto* n = node(key);
  if (!n) {
    if (required) missing(key, fmt::format("add {} = [ ... ]", key));
    return nullptr;
  }
  if (!n->is_array()) {
    error(DiagnosticKind::kType, key, fmt::format("expected an array, got {}", type_name(*n)),
          fmt::format("write {} = [ ... ]", key));
    return nullptr;
  }
  return n->as_array();
}

std::optional<std::vector<double>> TableReader::number_list(std::string_view key, const Bounds& bounds) {
  const auto* a = array(key);
  if (!a) return std::nullopt;
  std::vector<double> out;
  bool ok = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& e = *a->get(i);
    const std::string f = fmt::format("{}[{}]", field(key), i);
    if (!e.is_number()) {
      ctx_.add(DiagnosticKind::kType, e.source(), f, fmt::format("expected a number, got {}", type_name(e)),
               "write numbers without quotes, e.g. [50, 150, 500]");
      ok = false;
      continue;
    }
    const double v = *e.value<double>();
    ok = check_bounds(f, e.source(), v, bounds) && ok;
    out.push_back(v);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::array<double, 2>>> TableReader::point_list(std::string_view key, bool required) {
  const auto* a = array(key, required);
  if (!a) return std::nullopt;
  std::vector<std::array<double, 2>> out;
  bool ok = true;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const auto& e = *a->get(i);
    const auto* p = e.as_array();
    if (!p || p->size() != 2 || !p->get(0)->is_number() || !p->get(1)->is_number()) {
      ctx_.add(DiagnosticKind::kType, e.source(), fmt::format("{}[{}]", field(key), i),
               fmt::format("expected a point [x, y] of two numbers, got {}", type_name(e)),
               "write points as [[x1, y1], [x2, y2], ...]");
      ok = false;
      continue;
    }
    out.push_back({*p->get(0)->value<double>(), *p->get(1)->value<double>()});
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace skycover::scenario_detail
