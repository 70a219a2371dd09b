#!/usr/bin/env bash
# Kill -9 of one rank of an `mpirun sealion count` job at a random moment, then `--resume` with
# a random number of ranks (1 means without mpirun): the final submission and detections must be
# the bytes of an uninterrupted single-process run. Alternates the writing rank (0) and a
# non-writing one. Prints, per trial, which rank died when, how long mpirun took to notice (from
# the kill to mpirun's exit), how many photos the journal had kept, and the resume's ranks.
#
# usage: bench/mpi_kill_resume.sh [TRIALS=6] [SEALION_BINARY] [MODEL]
# Also the ctest distrib/mpi-kill-resume (label slow). Exit 1 on any difference.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
trials="${1:-6}"
sealion="$(realpath "${2:-$here/../build/src/sealion/sealion}")"
model="$(realpath "${3:-$here/../models/sealion-points-real.bin}")"
command -v mpirun > /dev/null || { echo "SKIPPED: mpirun is not installed"; exit 77; }
source "$here/../tests/mpi_support.sh"
work="${SEALION_KEEP_WORK:-$(mktemp -d)}"; [ -n "${SEALION_KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT; mkdir -p "$work"
cd "$work"

"$sealion" synth -o survey --train 0 --test 24 --width 2000 --height 1400 --seed 9 > /dev/null 2>&1
start=$(date +%s.%N)
"$sealion" count survey/Test --model "$model" -o reference.csv --detections reference-det.csv \
  > /dev/null 2>&1
single_seconds=$(echo "$(date +%s.%N) - $start" | bc)
echo "uninterrupted single process: 24 photos in ${single_seconds} s"

rank_pid() {  # rank_pid RANK: the pid of that rank of the running job (from its environment)
  local pid
  for pid in $(pgrep -f "sealion count survey/Test" || true); do
    if grep -qx "OMPI_COMM_WORLD_RANK=$1" <<< "$(tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null)"; then
      echo "$pid"; return 0
    fi
  done
  return 1
}

printf "%-6s %-6s %-12s %-10s %-16s %-14s %s\n" trial ranks killed at_s noticed_in_s journal_photos resume
for trial in $(seq 1 "$trials"); do
  rm -f out.csv* out-det.csv*
  ranks=$((2 + RANDOM % 2))
  victim=$(( trial % 2 == 1 ? 0 : 1 + RANDOM % (ranks - 1) ))
  # Somewhere between model loading and the end of the job (ranks share 2 cores here).
  delay=$(awk -v r=$RANDOM -v s="$single_seconds" 'BEGIN { printf "%.2f", 0.8 + r / 32768 * s }')
  run_mpi "$ranks" "$sealion" count survey/Test --model "$model" -o out.csv \
    --detections out-det.csv > job.log 2>&1 &
  job=$!
  sleep "$delay"
  pid=$(rank_pid "$victim") || { echo "trial $trial: rank $victim not found (job over before the kill?)"; wait $job || true; continue; }
  killed_at=$(date +%s.%N)
  kill -9 "$pid"
  set +e; wait $job; status=$?; set -e
  noticed=$(echo "$(date +%s.%N) - $killed_at" | bc)
  [ "$status" -ne 0 ] || { cat job.log; echo "FAILED: mpirun exited 0 after a rank was killed"; exit 1; }
  kept=0; [ -f out.csv.journal ] && kept=$(($(wc -l < out.csv.journal) - 1))
  resume_ranks=$((1 + RANDOM % 3))
  if [ "$resume_ranks" = 1 ]; then
    "$sealion" count survey/Test --model "$model" -o out.csv --detections out-det.csv --resume \
      > resume.log 2>&1
  else
    run_mpi "$resume_ranks" "$sealion" count survey/Test --model "$model" -o out.csv \
      --detections out-det.csv --resume > resume.log 2>&1
  fi || { cat resume.log; echo "FAILED: the resume exited non-zero"; exit 1; }
  cmp -s reference.csv out.csv || { echo "FAILED: trial $trial: the submission differs"; exit 1; }
  cmp -s reference-det.csv out-det.csv || { echo "FAILED: trial $trial: the detections differ"; exit 1; }
  printf "%-6s %-6s %-12s %-10s %-16s %-14s %s\n" "$trial" "$ranks" \
    "$([ "$victim" = 0 ] && echo "0 (writer)" || echo "$victim")" "$delay" "$noticed" "$kept" \
    "$resume_ranks rank(s): identical"
done
echo "every resumed run equals the uninterrupted one"
