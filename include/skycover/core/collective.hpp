// The processes of one run and the few collective operations the engine needs from them.
//
// A run may be spread over MPI ranks (`mpirun -np N skycover coverage ...`). The engine and the
// workflows see only this interface, so that only dist/ includes mpi.h (docs/distributed.md);
// SoloCollective, the default, is one process and does nothing. Every operation is collective:
// every rank calls it, in the same order, or the run hangs. Errors are therefore never returned
// early past a collective call: a rank that fails carries its Status to the next agree(), where
// every rank learns the first failure and stops together.
//
// The reductions are over integers only (sums and maxima of int64), so their results do not
// depend on the order in which ranks arrive: the same bytes for any rank count.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "skycover/core/status.hpp"

namespace skycover {

class Collective {
 public:
  enum class Op { kSum, kMax };

  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool is_root() const { return rank() == 0; }

  // Every rank passes its own status; every rank gets back the status of the lowest-numbered rank
  // that failed (its message prefixed with the rank when there are several), or OK.
  virtual Status agree(const Status& mine) = 0;
  // Element-wise reduction over ranks, in place. Every rank passes the same length.
  virtual Status reduce(std::vector<std::int64_t>& values, Op op) = 0;
  // The root's `text` to every rank.
  virtual Status broadcast(std::string& text) = 0;
  // Every rank's `bytes` to the root, handed to `on_root(rank, bytes)` one rank at a time in rank
  // order (the root's own first), so the root holds one rank's bytes at a time. The root keeps
  // receiving after `on_root` fails (no sender is left waiting) and returns the first failure;
  // other ranks return the status of their send. Callers agree() afterwards.
  virtual Status gather(std::span<const std::byte> bytes,
                        const std::function<Status(int rank, std::span<const std::byte> bytes)>& on_root) = 0;
};

// One process: every collective is the identity.
class SoloCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  Status agree(const Status& mine) override { return mine; }
  Status reduce(std::vector<std::int64_t>&, Op) override { return Status::Ok(); }
  Status broadcast(std::string&) override { return Status::Ok(); }
  Status gather(std::span<const std::byte> bytes,
                const std::function<Status(int, std::span<const std::byte>)>& on_root) override {
    return on_root(0, bytes);
  }
};

// A byte buffer for gather(): trivially copyable values appended and read back in order.
class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_span(std::span<const T> v) {
    const auto* p = reinterpret_cast<const std::byte*>(v.data());
    bytes_.insert(bytes_.end(), p, p + v.size_bytes());
  }
  std::span<const std::byte> bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool done() const { return at_ == bytes_.size(); }
  // False (and nothing read) when fewer bytes are left than a T.
  template <class T>
  bool get(T& v) {
    if (bytes_.size() - at_ < sizeof(T)) return false;
    std::memcpy(&v, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return true;
  }

 private:
  std::span<const std::byte> bytes_;
  std::size_t at_ = 0;
};

}  // namespace skycover
