#!/usr/bin/env bash
# What counting the competition's test set (18636 full-size photos, 86 GB) would take on 1, 4, 16
# and 64 nodes of 2 and of 32 cores, from figures measured here in this run:
#   - per-photo count time of the default point model on full-size (5616x3744) synthetic photos,
#     one process with 2 threads, decoding included;
#   - the work-sharing overhead per photo (bench/work_sharing_overhead.cc under mpirun -np 2 and
#     3, with a 20 ms stand-in for the work and a 4 KB result);
#   - the writer's capacity: results per second it takes in and journals (flushed), with 7
#     ranks and no work on these 2 cores (a lower bound: they share the cores with it).
# Assumed, not measured (printed): ranks of 2 threads, so a node of C cores runs C/2 ranks at
# this machine's per-core speed; a shared filesystem that serves 1 GB/s in all (NFS over 10 GbE);
# 4.6 MB per photo (86 GB / 18636).
#
# usage: bench/cluster_projection.sh [SEALION_BINARY] [MODEL]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sealion="$(realpath "${1:-$here/../build/src/sealion/sealion}")"
model="$(realpath "${2:-$here/../models/sealion-points-real.bin}")"
bench="$(dirname "$sealion")/../../bench/sealion_bench_work_sharing"
[ -x "$bench" ] || bench="$here/../build/bench/sealion_bench_work_sharing"
command -v mpirun > /dev/null || { echo "SKIPPED: mpirun is not installed"; exit 77; }
source "$here/../tests/mpi_support.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"

"$sealion" synth -o survey --train 0 --test 4 --width 5616 --height 3744 --seed 11 > /dev/null 2>&1
"$sealion" count survey/Test --model "$model" -o warmup.csv --threads 2 > /dev/null 2>&1
start=$(date +%s.%N)
"$sealion" count survey/Test --model "$model" -o single.csv --threads 2 > /dev/null 2>&1
photo_s=$(echo "($(date +%s.%N) - $start) / 4" | bc -l)
printf "measured: point counter, one process, 2 threads: %.2f s per 5616x3744 photo (model loading included)\n" "$photo_s"

overhead_ms=$(for ranks in 2 3; do
  run_mpi "$ranks" "$bench" 200 20 4000 "$([ "$ranks" = 3 ] && echo 0 || echo 1)"
done | tee sharing.txt | sed -E 's/.*overhead ([0-9.]+) ms per item.*/\1/' | sort -g | tail -1)
sed 's/^/measured: /' sharing.txt
writer_rate=$(run_mpi 8 "$bench" 5000 0 4000 0 | tee writer.txt | sed -E 's/.* ([0-9]+) items\/s.*/\1/')
sed 's/^/measured: /' writer.txt
share=$(echo "$overhead_ms / ($photo_s * 1000) * 100" | bc -l)
printf "work-sharing overhead: %.2f ms per photo = %.3f%% of a photo's count time (limit 1%%)\n" \
  "$overhead_ms" "$share"

photos=18636 gigabytes=86 fs_gb_per_s=1.0
echo
echo "projection for $photos photos ($gigabytes GB), assuming a shared filesystem of $fs_gb_per_s GB/s:"
printf "%-6s %-6s %-6s %-11s %-10s %-10s %-14s %-10s %s\n" nodes cores ranks compute_min writer_min read_min needs_GB/s total_min bottleneck
for cores in 2 32; do
  for nodes in 1 4 16 64; do
    awk -v n="$nodes" -v c="$cores" -v t="$photo_s" -v o="$overhead_ms" -v w="$writer_rate" \
      -v p="$photos" -v gb="$gigabytes" -v fs="$fs_gb_per_s" 'BEGIN {
        ranks = n * c / 2
        compute = p * (t + o / 1000) / ranks
        writer = p / w
        reading = gb / fs
        total = compute; neck = "compute"
        if (writer > total) { total = writer; neck = "writer" }
        if (reading > total) { total = reading; neck = "filesystem" }
        # The read rate the ranks would need to stay busy (4.6 MB per photo).
        needs = ranks / (t + o / 1000) * gb / p
        printf "%-6d %-6d %-6d %-11.1f %-10.2f %-10.1f %-14.2f %-10.1f %s\n", n, c, ranks,
               compute / 60, writer / 60, reading / 60, needs, total / 60, neck
      }'
  done
done
