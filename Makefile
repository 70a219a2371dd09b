# The two commands of the README: `make run` (the main job) and `make test`.
# Both install missing Debian packages, configure and build first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
RUN_ARGS ?=

.PHONY: all deps configure build test test-all run model bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The quick suite: everything but tests labelled slow or bench.
test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE 'slow|bench'

test-all: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

run: build
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
