// Test support: N "ranks" as N threads of one process, exchanging through shared memory with the
// same collective semantics as dist/'s MPI implementation (core/collective.hpp). Lets the tests
// spread a run over ranks, and make one rank fail, without MPI.
#pragma once
#include <algorithm>
#include <any>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "skycover/core/collective.hpp"

namespace skycover::test {

class ThreadWorld {
 public:
  explicit ThreadWorld(int ranks) : ranks_(ranks), slots_(static_cast<std::size_t>(ranks)) {}

  // Every rank deposits `mine`; every rank gets all ranks' deposits, in rank order.
  std::vector<std::any> exchange(int rank, std::any mine) {
    slots_[static_cast<std::size_t>(rank)] = std::move(mine);
    barrier();
    std::vector<std::any> all = slots_;
    barrier();  // nobody deposits the next round before everyone has copied this one
    return all;
  }
  int ranks() const { return ranks_; }

 private:
  void barrier() {
    std::unique_lock lock(mutex_);
    const long gen = generation_;
    if (++arrived_ == ranks_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != gen; });
    }
  }
  int ranks_;
  std::vector<std::any> slots_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  long generation_ = 0;
};

class ThreadCollective final : public Collective {
 public:
  ThreadCollective(ThreadWorld& world, int rank) : world_(world), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return world_.ranks(); }
  Status agree(const Status& mine) override {
    for (const std::any& s : world_.exchange(rank_, mine)) {
      const auto& st = std::any_cast<const Status&>(s);
      if (!st.ok()) return st;
    }
    return Status::Ok();
  }
  Status reduce(std::vector<std::int64_t>& values, Op op) override {
    const auto all = world_.exchange(rank_, values);
    for (std::size_t i = 0; i < values.size(); ++i) {
      std::int64_t v = op == Op::kSum ? 0 : std::any_cast<const std::vector<std::int64_t>&>(all[0])[i];
      for (const std::any& a : all) {
        const auto x = std::any_cast<const std::vector<std::int64_t>&>(a)[i];
        v = op == Op::kSum ? v + x : std::max(v, x);
      }
      values[i] = v;
    }
    return Status::Ok();
  }
  Status broadcast(std::string& text) override {
    text = std::any_cast<const std::string&>(world_.exchange(rank_, text)[0]);
    return Status::Ok();
  }
  Status gather(std::span<const std::byte> bytes,
                const std::function<Status(int, std::span<const std::byte>)>& on_root) override {
    const auto all = world_.exchange(rank_, std::vector<std::byte>(bytes.begin(), bytes.end()));
    if (rank_ != 0) return Status::Ok();
    Status first = Status::Ok();
    for (std::size_t r = 0; r < all.size(); ++r)
      if (first.ok()) first = on_root(static_cast<int>(r), std::any_cast<const std::vector<std::byte>&>(all[r]));
    return first;
  }

 private:
  ThreadWorld& world_;
  int rank_;
};

// Runs body(collective) on `ranks` threads; the results in rank order.
template <class T>
std::vector<T> run_ranks(int ranks, const std::function<T(Collective&)>& body) {
  ThreadWorld world(ranks);
  std::vector<T> out(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadCollective c(world, r);
      out[static_cast<std::size_t>(r)] = body(c);
    });
  for (auto& t : threads) t.join();
  return out;
}

}  // namespace skycover::test
