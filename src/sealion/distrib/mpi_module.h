#pragma once
// What the program and the MPI module (mpi_work_sharing.cc, built as sealion-mpi.so) agree on.
// The module is loaded only under an MPI launcher, so that a run without one loads no MPI
// library.

namespace sealion {

class WorkSharing;

inline constexpr const char* kMpiModuleName = "sealion-mpi.so";

// Initialises MPI once per process and returns the process's MPI work sharing (owned by the
// module; MPI_Finalize runs at exit).
inline constexpr const char* kCreateMpiWorkSharingSymbol = "SealionCreateMpiWorkSharing";
using CreateMpiWorkSharingFunction = WorkSharing*();

// MPI_Abort on the whole job with this exit code; does not return.
inline constexpr const char* kAbortMpiJobSymbol = "SealionAbortMpiJob";
using AbortMpiJobFunction = void(int exit_code);

}  // namespace sealion
