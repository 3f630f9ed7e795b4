#include "skycover/dist/world.hpp"

#include <fmt/format.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#if SKYCOVER_HAVE_MPI
#include <mpi.h>
#endif

namespace skycover {

namespace {

// Ranks the launcher says this run has (0 = not started by a launcher).
int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    if (const char* v = std::getenv(name)) return std::atoi(v);
  }
  return std::getenv("PMIX_RANK") ? 1 : 0;
}

#if SKYCOVER_HAVE_MPI

Status mpi_error(int code, const char* what) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  return Status::IoError(fmt::format("MPI: {} failed: {}", what, std::string(text, static_cast<std::size_t>(len))));
}

#define SKYCOVER_MPI(call, what)                    \
  do {                                              \
    const int mpi_rc_ = (call);                     \
    if (mpi_rc_ != MPI_SUCCESS) return mpi_error(mpi_rc_, what); \
  } while (0)

class MpiCollective final : public Collective {
 public:
  MpiCollective() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    // Errors come back as return codes, not an abort, so they read like every other error.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status agree(const Status& mine) override {
    int failing = mine.ok() ? size_ : rank_, first = size_;
    SKYCOVER_MPI(MPI_Allreduce(&failing, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD), "agreeing on errors");
    if (first == size_) return Status::Ok();
    // The first failing rank's code and message to every rank.
    int code = static_cast<int>(mine.code());
    std::string message = mine.message();
    SKYCOVER_MPI(MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD), "sharing an error");
    SKYCOVER_RETURN_IF_ERROR(broadcast_from(message, first));
    return Status(static_cast<StatusCode>(code), first == 0 ? message : fmt::format("rank {}: {}", first, message));
  }

  Status reduce(std::vector<std::int64_t>& values, Op op) override {
    if (values.size() > static_cast<std::size_t>(INT_MAX)) return Status::Internal("MPI reduction over 2^31 values");
    SKYCOVER_MPI(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_INT64_T,
                               op == Op::kSum ? MPI_SUM : MPI_MAX, MPI_COMM_WORLD),
                 "reducing counts");
    return Status::Ok();
  }

  Status broadcast(std::string& text) override { return broadcast_from(text, 0); }

  Status gather(std::span<const std::byte> bytes,
                const std::function<Status(int, std::span<const std::byte>)>& on_root) override {
    constexpr int kTag = 71;
    constexpr std::size_t kChunk = std::size_t{1} << 30;  // MPI counts are int: send in 1 GiB pieces
    if (rank_ != 0) {
      const auto n = static_cast<std::int64_t>(bytes.size());
      SKYCOVER_MPI(MPI_Send(&n, 1, MPI_INT64_T, 0, kTag, MPI_COMM_WORLD), "sending results to rank 0");
      for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
        const int len = static_cast<int>(std::min(kChunk, bytes.size() - at));
        SKYCOVER_MPI(MPI_Send(bytes.data() + at, len, MPI_BYTE, 0, kTag, MPI_COMM_WORLD), "sending results to rank 0");
      }
      return Status::Ok();
    }
    Status first = on_root(0, bytes);
    std::vector<std::byte> buffer;
    for (int r = 1; r < size_; ++r) {
      std::int64_t n = 0;
      SKYCOVER_MPI(MPI_Recv(&n, 1, MPI_INT64_T, r, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "receiving results");
      buffer.resize(static_cast<std::size_t>(n));
      for (std::size_t at = 0; at < buffer.size(); at += kChunk) {
        const int len = static_cast<int>(std::min(kChunk, buffer.size() - at));
        SKYCOVER_MPI(MPI_Recv(buffer.data() + at, len, MPI_BYTE, r, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                     "receiving results");
      }
      if (first.ok()) first = on_root(r, buffer);  // keep receiving after a failure: no sender waits forever
    }
    return first;
  }

 private:
  Status broadcast_from(std::string& text, int root) {
    auto n = static_cast<std::int64_t>(text.size());
    SKYCOVER_MPI(MPI_Bcast(&n, 1, MPI_INT64_T, root, MPI_COMM_WORLD), "broadcasting");
    if (n > INT_MAX) return Status::Internal("MPI broadcast of over 2 GiB");
    text.resize(static_cast<std::size_t>(n));
    SKYCOVER_MPI(MPI_Bcast(text.data(), static_cast<int>(n), MPI_CHAR, root, MPI_COMM_WORLD), "broadcasting");
    return Status::Ok();
  }

  int rank_ = 0, size_ = 1;
};

#endif  // SKYCOVER_HAVE_MPI

}  // namespace

World::World(std::unique_ptr<Collective> c, bool finalize) : collective_(std::move(c)), finalize_(finalize) {}
World::World(World&& o) noexcept : collective_(std::move(o.collective_)), finalize_(o.finalize_) { o.finalize_ = false; }
World& World::operator=(World&& o) noexcept {
  std::swap(collective_, o.collective_);
  std::swap(finalize_, o.finalize_);
  return *this;
}

World::~World() {
#if SKYCOVER_HAVE_MPI
  if (finalize_) MPI_Finalize();
#endif
}

void World::abort_all([[maybe_unused]] int exit_code) {
#if SKYCOVER_HAVE_MPI
  if (finalize_ && collective_->size() > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
#endif
}

bool World::built_with_mpi() { return SKYCOVER_HAVE_MPI != 0; }

Status check_launch(int launched_ranks, bool built_with_mpi) {
  if (launched_ranks <= 1 || built_with_mpi) return Status::Ok();
  return Status::Invalid(fmt::format(
      "started by an MPI launcher with {} ranks, but this skycover was built without MPI: install OpenMPI "
      "(scripts/setup-deps installs libopenmpi-dev and openmpi-bin) and rebuild with scripts/build release, "
      "or run without mpirun",
      launched_ranks));
}

Result<World> World::open([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
  const int launched = launcher_size();
  SKYCOVER_RETURN_IF_ERROR(check_launch(launched, built_with_mpi()));
#if SKYCOVER_HAVE_MPI
  if (launched > 0) {
    // Only the main thread calls MPI; TBB's workers never do.
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      return Status::IoError("MPI_Init failed: check the mpirun command and the MPI installation");
    return World(std::make_unique<MpiCollective>(), true);
  }
#endif
  return World(std::make_unique<SoloCollective>(), false);
}

}  // namespace skycover
