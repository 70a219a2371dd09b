# Sourced by the MPI tests and benchmarks: run_mpi RANKS COMMAND... runs COMMAND under Open MPI's
# mpirun on this machine, with what a container needs and nothing CPU-specific.
#   --oversubscribe: more ranks than cores (3 ranks on 2 cores).
#   OMPI_ALLOW_RUN_AS_ROOT*: CI runs as root, which mpirun refuses without them.
#   btl_vader_single_copy_mechanism none: containers often forbid the cross-process memory
#     access (ptrace scope) that Open MPI's shared-memory transport tries first, and warn.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_rmaps_base_oversubscribe=1
run_mpi() {
  local ranks="$1"; shift
  mpirun --oversubscribe -np "$ranks" "$@"
}
