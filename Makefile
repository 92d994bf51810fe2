# Thin wrapper around CMake. `make demo` and `make test` are the README's two
# commands: each installs what it needs first (scripts/setup.sh, idempotent).
BUILD      ?= build
BUILD_SAN  ?= build-san
CMAKE_OPTS ?=
ifeq ($(CI),true)
CMAKE_OPTS += -DKMIG_WERROR=ON
endif

.PHONY: all setup build build-san demo test test-unit test-mock test-real bench clean

all: build

setup:
	@scripts/setup.sh

build:
	@cmake -S . -B $(BUILD) $(CMAKE_OPTS) >/dev/null
	@cmake --build $(BUILD) -j2

build-san:
	@cmake -S . -B $(BUILD_SAN) -DKMIG_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_OPTS) >/dev/null
	@cmake --build $(BUILD_SAN) -j2

demo: setup build
	@$(BUILD)/kmig demo

# All three tiers; prints "N passed, N failed" last.
test: setup build build-san
	@tests/run.sh all

test-unit: build-san
	@tests/run.sh unit

test-mock: build build-san
	@tests/run.sh mock

test-real: build build-san
	@tests/run.sh real

bench: setup build
	@bench/run.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
