// Status / Result<T>: error values in the style of Apache Arrow.
// Library code never throws across its public API for bad *input*; it returns a Status
// whose message names the file, the field and the fix. Programming errors may still assert.
#pragma once
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace skycover {

enum class StatusCode {
  kOk = 0,
  kInvalidInput,  // user data is wrong: scenario, DEM, site file, arguments
  kIoError,       // a file could not be read or written
  kOutOfRange,    // a point lies outside the terrain or the analysis area
  kInternal,      // a bug: please report
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status Invalid(std::string m) { return {StatusCode::kInvalidInput, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status OutOfRange(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Process exit code a front end should use for this status (0 ok, 2 bad input, 3 I/O, 4 internal).
  int exit_code() const {
    switch (code_) {
      case StatusCode::kOk: return 0;
      case StatusCode::kInvalidInput:
      case StatusCode::kOutOfRange: return 2;
      case StatusCode::kIoError: return 3;
      case StatusCode::kInternal: return 4;
    }
    return 4;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Status status) : data_(std::move(status)) {       // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(data_).ok() && "Result built from an OK status carries no value");
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace skycover

#define SKYCOVER_CONCAT_INNER(a, b) a##b
#define SKYCOVER_CONCAT(a, b) SKYCOVER_CONCAT_INNER(a, b)

// Return the Status from the enclosing function if `expr` is not OK.
#define SKYCOVER_RETURN_IF_ERROR(expr)          \
  do {                                          \
    ::skycover::Status _st = (expr);            \
    if (!_st.ok()) return _st;                  \
  } while (0)

// `lhs = value of result_expr`, or return its Status.
#define SKYCOVER_ASSIGN_OR_RETURN(lhs, result_expr)                              \
  auto SKYCOVER_CONCAT(_res_, __LINE__) = (result_expr);                         \
  if (!SKYCOVER_CONCAT(_res_, __LINE__).ok())                                    \
    return SKYCOVER_CONCAT(_res_, __LINE__).status();                            \
  lhs = std::move(SKYCOVER_CONCAT(_res_, __LINE__)).value()
