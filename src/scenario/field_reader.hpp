// Private helper of the scenario parser: reads typed, range-checked fields out of one TOML
// table and records every problem as a Diagnostic (with file:line:column from toml++'s source
// regions) instead of stopping at the first. Keeps the parser free of copy-pasted checks.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "skycover/scenario/scenario.hpp"

namespace skycover::scenario_detail {

// Where diagnostics go, and what relative paths are relative to.
struct ParseContext {
  std::string file;                 // the scenario path as given (printed in diagnostics)
  std::filesystem::path base_dir;   // the scenario file's directory
  std::vector<Diagnostic> diagnostics;

  void add(DiagnosticKind kind, const toml::source_region& where, std::string field, std::string message,
           std::string hint);
};

// Allowed interval of a number; each bound optional, inclusive (ge/le) or exclusive (gt/lt).
struct Bounds {
  std::optional<double> ge, gt, le, lt;
  static Bounds non_negative() { return {0.0, {}, {}, {}}; }
  static Bounds positive() { return {{}, 0.0, {}, {}}; }
  static Bounds unit_interval() { return {0.0, {}, 1.0, {}}; }
};

// Levenshtein distance (for "did you mean" hints).
std::size_t edit_distance(std::string_view a, std::string_view b);
// Closest of `candidates` to `word`, if reasonably close.
std::optional<std::string> closest(std::string_view word, const std::vector<std::string>& candidates);
std::string_view type_name(const toml::node& node);

class TableReader {
 public:
  // `path` is the field path of the table ("" for the root, "systems[1]", "terrain.synthetic").
  // Every key of `table` not in `known` is reported as kUnknownKey immediately.
  TableReader(ParseContext& ctx, const toml::table& table, std::string path, std::vector<std::string> known);

  std::string field(std::string_view key) const;
  const toml::table& table() const { return table_; }
  const toml::node* node(std::string_view key) const { return table_.get(key); }
  bool has(std::string_view key) const { return table_.contains(key); }
  // Source region of `key`'s value, or of the table itself when the key is absent.
  toml::source_region where(std::string_view key) const;

  // Accessors: nullopt when absent (with a kMissing diagnostic if `required`) or invalid (diagnosed).
  std::optional<double> number(std::string_view key, const Bounds& bounds = {}, bool required = false,
                               std::string_view hint = {});
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t lo, std::int64_t hi, bool required = false,
                                      std::string_view hint = {});
  std::optional<std::string> string(std::string_view key, bool required = false, std::string_view hint = {});
  // A string that must be one of `allowed` (kUnknownValue otherwise).
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& allowed,
                                    bool required = false);
  std::optional<bool> boolean(std::string_view key);
  // A path (string) resolved against the scenario directory, which must exist (kMissingFile).
  std::optional<std::filesystem::path> existing_file(std::string_view key, bool required = false,
                                                     std::string_view what = "file");
  const toml::table* subtable(std::string_view key, bool required = false);
  const toml::array* array(std::string_view key, bool required = false);
  std::optional<std::vector<double>> number_list(std::string_view key, const Bounds& bounds = {});
  // [[x, y], ...] pairs.
  std::optional<std::vector<std::array<double, 2>>> point_list(std::string_view key, bool required = false);

  void missing(std::string_view key, std::string_view hint);
  void error(DiagnosticKind kind, std::string_view key, std::string message, std::string hint);
  // Report `a` and `b` both present when only one is allowed.
  void exclusive(std::string_view a, std::string_view b, std::string_view hint);

  ParseContext& ctx() { return ctx_; }

 private:
  bool check_bounds(std::string_view field_path, const toml::source_region& where, double v, const Bounds& b);

  ParseContext& ctx_;
  const toml::table& table_;
  std::string path_;
};

}  // namespace skycover::scenario_detail
