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

# The fault soak on real Kafka (tests/real/test_soak.sh): 100 fault cycles
# against Kafka 4.1.2 unless SOAK_CYCLES / SOAK_KAFKA_VERSION say otherwise;
# SOAK_SEED=N replays a schedule, SOAK_FAULTS=kill9,term,target,source,topics,groups
# picks the fault kinds. Its output is also in build/test-logs/soak.log; a
# failed soak keeps its files in $TMPDIR/kmig-test_soak.* (named at the end).
.PHONY: soak
soak: setup build build-san
	@mkdir -p build/test-logs
	@SOAK_CYCLES=$${SOAK_CYCLES:-100} SOAK_KAFKA_VERSION=$${SOAK_KAFKA_VERSION:-4.1.2} \
		bash -c 'set -o pipefail; bash tests/real/test_soak.sh 2>&1 | tee build/test-logs/soak.log'

bench: setup build
	@bench/run.sh

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
