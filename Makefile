# ivs-server: the commands. `make run` and `make test` work as the first command on a fresh
# Debian bookworm machine: they install what is missing, build, then run.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build debug run test test-unit bench chaos fuzz env-example npm-deps clean format

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja:
	cmake --preset release $(CMAKE_ARGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

debug: deps
	cmake --preset debug && cmake --build build-debug -j $(JOBS)

run: build
	@mkdir -p data
	@echo "ivs-server: embedded mode (memory + SQLite + built-in IVS emulator) on port $${API_PORT:-3000}"
	@echo "API key: $${API_SECRET_KEY:-see data/api-key (generated on first start)}"
	./$(BUILD_DIR)/ivs-server

npm-deps:
	@./scripts/npm-deps.sh

# Every suite: unit, contract (memory/Redis, SQLite/PostgreSQL), integration, sdk, browser.
test: build npm-deps
	./tests/harness/run-tests.sh $(BUILD_DIR)

test-unit: build
	cd $(BUILD_DIR) && ctest -L unit --output-on-failure -j $(JOBS)

bench: build npm-deps
	./bench/run.sh $(BUILD_DIR)

# Fault injection against real Redis, PostgreSQL and the server: CHAOS_ARGS="--short" or "--only NAME".
chaos: build
	python3 tests/chaos/chaos.py --build $(BUILD_DIR) $(CHAOS_ARGS)

# libFuzzer targets (clang 14, ASan+UBSan) in build-fuzz, each run FUZZ_SECONDS (default 60):
# FUZZ_TARGETS="http_request resp_reply" to run some of them.
fuzz:
	@./scripts/install-deps.sh --fuzz
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} JOBS=$(JOBS) ./scripts/fuzz.sh

# .env.example from `ivs-server --help` (a packaging test checks that it is current).
env-example: build
	./scripts/gen-env-example.sh $(BUILD_DIR)/ivs-server

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp')

clean:
	rm -rf $(BUILD_DIR) build-debug build-tsan build-fuzz
