# The two commands of the README: `make run` (the main job) and `make test`.
# Both install missing Debian packages, configure and build first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
RUN_ARGS ?=

.PHONY: all deps configure build build-program test test-all run model bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job runs the sealion program alone: building only it (and the libraries it loads), not
# the tests, fuzz targets and benchmarks that `make test` builds, took a fresh clone 5.3 minutes
# against 8.8 for everything (2026-12-07, 2 cores), to keep a first `make run` within 30 minutes
# on slower machines too (estimated there, not timed).
build-program: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target sealion

# The quick suite: everything but tests labelled slow or bench.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE 'slow|bench'

test-all: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

run: build-program
	@bash scripts/main-job.sh $(RUN_ARGS)

# Retrains the shipped default model on the real sample (three networks of 400 epochs, seeds 1-3,
# averaged by `sealion ensemble`: about 30 minutes with its calibrations on an idle 2-core
# AVX-512 machine, 2026-12-06; see models/README.md) and installs it into models/.
model: build
	@bash scripts/train-default-model.sh --install

bench: build
	@bash bench/run-all.sh

clean:
	rm -rf $(BUILD_DIR)
