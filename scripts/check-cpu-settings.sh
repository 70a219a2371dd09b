#!/usr/bin/env bash
# Fails when a tracked source, build, test, benchmark or script file pins a CPU: an
# OPENBLAS_CORETYPE value, -march/-mtune/-mcpu, an instruction-set flag (-mavx2, -mavx512f,
# -mfma, -msse4.2, ...), or a kernel choice for LibTorch, oneDNN or MKL, in code or in comments.
# The machines this project is built and tested on differ from day to day (some CPUs have
# AVX-512, some only AVX2), and so do users' machines: such a setting made `make test` die with
# SIGILL on an AVX2-only CPU. The libraries detect the CPU at run time; sealion sets no CPU type.
# Run by ctest as style/cpu-settings.
set -euo pipefail
cd "$(dirname "$0")/.."
self="scripts/check-cpu-settings.sh"
files=$(git ls-files 'CMakeLists.txt' '*.cmake' 'CMakePresets.json' 'Makefile' '*/CMakeLists.txt' \
          'scripts/*' '.ci/*' 'tests/*' 'bench/*' 'src/*' 2>/dev/null ||
        find CMakeLists.txt CMakePresets.json Makefile cmake scripts .ci tests bench src -type f)
pattern='OPENBLAS_CORETYPE=[A-Za-z]|(^|[^A-Za-z0-9_])-m(arch|tune|cpu)=|(^|[^A-Za-z0-9_])-m(avx[0-9a-z]*|fma|sse[0-9.]*|ssse3|bmi2?|f16c|amx[a-z-]*)([^A-Za-z0-9]|$)|ATEN_CPU_CAPABILITY=|(DNNL|ONEDNN)_MAX_CPU_ISA=|MKL_ENABLE_INSTRUCTIONS=|MKL_DEBUG_CPU_TYPE=|CMAKE_INTERPROCEDURAL.*native'
found=0
for file in $files; do
  [ "$file" = "$self" ] && continue
  [ -f "$file" ] || continue
  hits=$(grep -nE "$pattern" "$file" || true)
  if [ -n "$hits" ]; then
    found=1
    while IFS= read -r hit; do echo "$file:$hit"; done <<< "$hits"
  fi
done
if [ "$found" -ne 0 ]; then
  echo "cpu-settings: the lines above pin a CPU type or instruction set. This project's machines" \
       "(and its users') differ: some CPUs have AVX-512, some only AVX2, and such a setting makes" \
       "the program or its tests die with SIGILL on the others. Decide it at run time instead" \
       "(the libraries detect the CPU they load on) and leave sources, build, tests and scripts CPU-neutral."
  exit 1
fi
echo "cpu-settings: $(echo "$files" | wc -w) source, build, test and script files pin no CPU"
