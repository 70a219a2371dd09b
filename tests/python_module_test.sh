#!/usr/bin/env bash
# ctest python/module: the Python module `import sealion` (src/sealion/python/), built for
# Debian's /usr/bin/python3. Runs the README's Python example as written (the ```python block
# after the line <!-- python-example: run by tests/python_module_test.sh -->) from a folder with a
# `models` link, and checks what it prints; then
# tests/python_module_test.py, which checks the module against the `sealion` program.
#
# usage: python_module_test.sh MODULE_DIR SOURCE_DIR SEALION_BINARY
#        exit 77 (skipped) when the module was not built or /usr/bin/python3 lacks numpy
set -euo pipefail
if [ "${SEALION_SANITIZED:-0}" = 1 ]; then
  echo "SKIPPED: sanitizer build: /usr/bin/python3 cannot load a module built with AddressSanitizer (its runtime must come first)"
  exit 77
fi
module_dir="$(realpath "$1")"
source_dir="$(realpath "$2")"
sealion="$(realpath "$3")"
python=/usr/bin/python3
if ! compgen -G "$module_dir/sealion*.so" > /dev/null; then
  echo "SKIPPED: no Python module in $module_dir (install pybind11-dev, configure and build sealion_python)"
  exit 77
fi
if ! "$python" -c "import numpy" 2> /dev/null; then
  echo "SKIPPED: $python cannot import numpy (scripts/install-deps.sh installs python3-numpy)"
  exit 77
fi
export PYTHONPATH="$module_dir"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
fail() { echo "FAILED: $*"; exit 1; }

marker="<!-- python-example: run by tests/python_module_test.sh -->"
example_source="$source_dir/README.md"
# The ```python block that directly follows the marker line, without its fences.
awk -v marker="$marker" '
  state == 0 && $0 == marker { state = 1; next }
  state == 1 { if ($0 == "```python") { state = 2; next } exit 1 }
  state == 2 { if ($0 == "```") { found = 1; exit } print }
  END { exit !found }' "$example_source" > "$work/example.py" ||
  fail "$example_source: no \`\`\`python block right after the line $marker"

mkdir "$work/example"
ln -s "$source_dir/models" "$work/example/models"
(cd "$work/example" && "$python" ../example.py > ../example.out 2>&1) ||
  fail "the example of $example_source: $(cat "$work/example.out")"
"$python" - "$work/example.out" <<'PY' || fail "the example's output: $(cat "$work/example.out")"
import ast, sys
lines = open(sys.argv[1]).read().splitlines()
counts = [ast.literal_eval(line) for line in lines if line.startswith("{'adult_males'")]
detections = [int(line.split()[0]) for line in lines if line.endswith(" detections")]
assert len(counts) == 1 and len(detections) == 1, "expected one counts line and one detections line"
[counts], [detections] = counts, detections
classes = ["adult_males", "subadult_males", "adult_females", "juveniles", "pups"]
assert list(counts) == classes, f"counts of {list(counts)}"
assert sum(counts.values()) == detections > 0, f"{counts} and {detections} detections"
print(f"README example: {detections} animals counted, {counts}")
PY

mkdir "$work/checks"
(cd "$work/checks" &&
  "$python" "$source_dir/tests/python_module_test.py" "$sealion" "$source_dir/models/sealion-points-real.bin") ||
  fail "tests/python_module_test.py"
echo "PASSED"
