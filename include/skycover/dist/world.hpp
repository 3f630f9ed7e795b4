// The processes of this run: MPI's world when the program was started by mpirun (or srun) and
// built with MPI, otherwise one process. The only folder that includes mpi.h (src/dist/).
//
// MPI is initialised only when a launcher's environment says so (OMPI_COMM_WORLD_SIZE, PMI_SIZE or
// PMIX_RANK), so a plain `skycover ...` starts as fast as before and prints nothing of MPI's. A
// build without MPI that finds itself started by a launcher with more than one rank refuses with
// a message that says how to build with MPI, rather than running N copies that overwrite each
// other's outputs.
#pragma once
#include <memory>

#include "skycover/core/collective.hpp"
#include "skycover/core/status.hpp"

namespace skycover {

// Whether a run started by a launcher with `launched_ranks` ranks (0: no launcher) can go on in a
// build with or without MPI: refused only for several ranks without MPI (the message says how to
// build with MPI).
Status check_launch(int launched_ranks, bool built_with_mpi);

class World {
 public:
  // Call once, before any other use of MPI; MPI_Finalize runs when the World is destroyed.
  static Result<World> open(int* argc, char*** argv);
  World(World&&) noexcept;
  World& operator=(World&&) noexcept;
  ~World();

  Collective& collective() { return *collective_; }
  // Stop every rank now with `exit_code` (MPI_Abort): for a failure outside the agreed paths (an
  // exception), where waiting in MPI_Finalize for ranks that wait in a collective would hang.
  // Alone, it returns and the caller exits as usual.
  void abort_all(int exit_code);
  // Whether this binary was built with MPI (it then also runs alone).
  static bool built_with_mpi();

 private:
  explicit World(std::unique_ptr<Collective> c, bool finalize);
  std::unique_ptr<Collective> collective_;
  bool finalize_ = false;
};

}  // namespace skycover
