#!/usr/bin/env bash
# ThreadSanitizer over the threaded code that sealion owns: the work sharing (distrib/, its
# single-process path with 4 threads) and the output locks. Builds the `tsan` preset (build-tsan/)
# and runs those tests with TSan halting on the first report.
#
# Not covered, and why: code that runs inside LibTorch's OpenMP threads or oneTBB's pool (count,
# train, extract's ParallelFor) — those libraries come from Debian uninstrumented, and TSan
# reports their internal synchronisation as races; the MPI path, for the same reason (Open MPI).
#
# usage: scripts/check-threads.sh        (about 4 minutes the first time on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset tsan > /dev/null
targets=(test_distrib_work_sharing test_util_output_guard test_util_csv)
cmake --build build-tsan -j "$(nproc)" --target "${targets[@]}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
for target in "${targets[@]}"; do
  echo "== $target under ThreadSanitizer"
  "build-tsan/src/sealion/$target" --gtest_brief=1
done
echo "ThreadSanitizer: no reports"
