#!/usr/bin/env bash
# Fails when a tracked build, test, benchmark or script file pins a CPU: an OPENBLAS_CORETYPE
# value, -march/-mtune/-mcpu, an instruction-set flag (-mavx2, -mavx512f, -mfma, -msse4.2, ...),
# or a kernel choice for LibTorch, oneDNN or MKL. The machines this project is built and tested
# on differ from day to day (some CPUs have AVX-512, some only AVX2), and so do users' machines:
# such a setting made `make test` die with SIGILL on an AVX2-only CPU. What a CPU can do is
# decided at run time, in one place (src/sealion/exe/main.cc). Run by ctest as style/cpu-settings.
# Comment lines are not checked (they may name a setting to explain why it is not used).
set -euo pipefail
cd "$(dirname "$0")/.."
self="scripts/check-cpu-settings.sh"
files=$(git ls-files 'CMakeLists.txt' '*.cmake' 'CMakePresets.json' 'Makefile' '*/CMakeLists.txt' \
          'scripts/*' '.ci/*' 'tests/*' 'bench/*' '*_test.cc' 2>/dev/null ||
        find CMakeLists.txt CMakePresets.json Makefile cmake scripts .ci tests bench src -type f \
          \( -name '*.cmake' -o -name 'CMakeLists.txt' -o -name '*.json' -o -name 'Makefile' \
             -o -name '*.sh' -o -name '*.py' -o -name '*_test.cc' -o -path '.ci/*' \))
pattern='OPENBLAS_CORETYPE=[A-Za-z]|(^|[^A-Za-z0-9_])-m(arch|tune|cpu)=|(^|[^A-Za-z0-9_])-m(avx[0-9a-z]*|fma|sse[0-9.]*|ssse3|bmi2?|f16c|amx[a-z-]*)([^A-Za-z0-9]|$)|ATEN_CPU_CAPABILITY=|(DNNL|ONEDNN)_MAX_CPU_ISA=|MKL_ENABLE_INSTRUCTIONS=|MKL_DEBUG_CPU_TYPE=|CMAKE_INTERPROCEDURAL.*native'
found=0
for file in $files; do
  [ "$file" = "$self" ] && continue
  [ -f "$file" ] || continue
  hits=$(grep -nE "$pattern" "$file" | grep -vE '^[0-9]+:[[:space:]]*(#|//)' || true)
  if [ -n "$hits" ]; then
    found=1
    while IFS= read -r hit; do echo "$file:$hit"; done <<< "$hits"
  fi
done
if [ "$found" -ne 0 ]; then
  echo "cpu-settings: the lines above pin a CPU type or instruction set. This project's machines" \
       "(and its users') differ: some CPUs have AVX-512, some only AVX2, and such a setting makes" \
       "the program or its tests die with SIGILL on the others. Decide it at run time instead" \
       "(src/sealion/exe/main.cc) and leave the build, tests and scripts CPU-neutral."
  exit 1
fi
echo "cpu-settings: $(echo "$files" | wc -w) build, test and script files pin no CPU"
