# The two commands from README.md. Each one installs the Debian packages it
# is missing, configures CMake into build/ and builds, then runs. The real
# build is CMakeLists.txt; this file only sequences the steps.
BUILD_DIR := build
# Debian's interpreter: its python3-pytest and python3-jsonschema are the ones
# installed, whatever python3 comes first on PATH.
PYTHON := /usr/bin/python3
JOBS := $(shell nproc 2>/dev/null || echo 2)

# Build noise is shown only with VERBOSE=1: make's "Entering directory" lines and CMake's "Built
# target" line for each of some forty targets on every build, even one with nothing to do. What
# is compiled and linked is still said. VERBOSE=1 also shows every compiler command, which is what
# CMake's makefiles make of it.
ifeq ($(VERBOSE),)
Q := @
TARGET_MESSAGES := OFF
BUILD_FLAGS := -- --no-print-directory
else
Q :=
TARGET_MESSAGES := ON
BUILD_FLAGS :=
endif

# CMake's "Built target" lines are a cache setting of the build directory: set where it differs (a
# reconfigure of about a second, once), then build.
define cmake_build
	$(Q)grep -q '^CMAKE_TARGET_MESSAGES:[A-Z]*=$(TARGET_MESSAGES)$$' $(BUILD_DIR)/CMakeCache.txt || \
		cmake -S . -B $(BUILD_DIR) -DCMAKE_TARGET_MESSAGES=$(TARGET_MESSAGES) >/dev/null
	$(Q)cmake --build $(BUILD_DIR) -j $(JOBS) $(BUILD_FLAGS)
endef

.PHONY: all build test conformance check-sanitize check-ci vectors bench fuzz clean distclean

all: build

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_TARGET_MESSAGES=$(TARGET_MESSAGES)

build-deps-%:
	@scripts/install-deps.sh $*

build: build-deps-build $(BUILD_DIR)/CMakeCache.txt
	$(cmake_build)

# The project's own tests: C unit tests (ctest) and end-to-end tests (pytest).
test: build-deps-test $(BUILD_DIR)/CMakeCache.txt
	$(cmake_build)
	ctest --test-dir $(BUILD_DIR) --output-on-failure
	$(PYTHON) -m pytest suites -n auto

# A vendor's inputs to `make conformance` (README.md, "Your inputs to make conformance"), each
# optional: DRIVERS="NAME=PATH ..." (space-separated; exactly the drivers of both steps, so list
# openssl and wolfssl beside your own to pair it with them), EXPECT=FILE, OUTPUT=DIR,
# FILTER="GLOB ..." (space-separated; the run only: the vectors are always all checked),
# PROFILE=fast|pairwise|full (the run's --profile: which combinations of the scenarios' axes run,
# docs/suite.md) and JOBS=N (the run's --jobs, and the build's parallelism). Each word is passed
# quoted, so globs reach kxconform unexpanded; a path cannot hold a space.
quote = '$(subst ','\'',$(1))'
DRIVER_ARGS = $(foreach d,$(DRIVERS),--driver $(call quote,$(d)))
OUTPUT_ARGS = $(if $(OUTPUT),--output $(call quote,$(OUTPUT)))
VECTORS_ARGS = $(DRIVER_ARGS) $(OUTPUT_ARGS)
RUN_ARGS = $(DRIVER_ARGS) $(OUTPUT_ARGS) $(if $(EXPECT),--expect $(call quote,$(EXPECT))) \
	$(foreach f,$(FILTER),--filter $(call quote,$(f))) \
	$(if $(PROFILE),--profile $(call quote,$(PROFILE))) \
	$(if $(filter command line,$(origin JOBS)),--jobs $(call quote,$(JOBS)))

# The conformance run a vendor's CI calls: the vectors, then the scenario
# matrix; both run even when the first fails, and the worse status is returned.
# Both write into OUTPUT/reports/: vectors.json and junit-vectors.xml, then
# report.json, junit.xml and index.html, which show the vectors too; a CI reads
# reports/junit*.xml, so its test view is red whenever this target fails.
conformance: build-deps-conformance $(BUILD_DIR)/CMakeCache.txt
	$(cmake_build)
	@$(BUILD_DIR)/kxconform vectors $(VECTORS_ARGS); vectors=$$?; \
	$(BUILD_DIR)/kxconform run $(RUN_ARGS); run=$$?; \
	exit $$(( vectors > run ? vectors : run ))

# The whole harness under ASan+UBSan in build-sanitize/: unit tests, vectors,
# the full matrix and the end-to-end tests, failing on any sanitizer finding.
check-sanitize: build-deps-test
	scripts/check-sanitize.sh

# The CI templates in ci/ (README.md, "Scale-out"): their structure and commands, the GitHub
# workflow against its schema (an npm validator installed into build/ci-node), and the GNU
# parallel recipe run with 2 and 4 local shards, each merge compared with one run.
check-ci: build-deps-check-ci $(BUILD_DIR)/CMakeCache.txt
	$(cmake_build)
	@BUILD_DIR=$(BUILD_DIR) PYTHON=$(PYTHON) scripts/check-ci.sh

# Regenerates the generated vector files from vectors/gen/ (Python standard library only).
vectors:
	$(PYTHON) vectors/gen/generate.py --out vectors

bench: build
	$(PYTHON) bench/bench.py --build $(BUILD_DIR) --results bench/RESULTS.md

# Fuzzing with clang's libFuzzer (fuzz/README.md): configures build-fuzz/ with
# CC=clang -DKX_FUZZ=ON, builds every fuzz target, replays the regressions and
# runs each target for FUZZ_SECONDS (default 30) on a copy of its corpus.
# FUZZ_TARGETS="notify keyid" runs only those. Exit status 2: clang or
# libFuzzer is missing (it names the Debian packages).
FUZZ_SECONDS ?= 30
fuzz: build-deps-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS="$(FUZZ_TARGETS)" JOBS=$(JOBS) fuzz/run-libfuzzer.sh

# Removes the harness's build products; keeps the cached wolfSSL build.
clean:
	-cmake --build $(BUILD_DIR) --target clean
	rm -rf reports/*.json reports/*.xml reports/*.html captures/*.pcapng captures/*.keylog

# Removes everything built, including the cached wolfSSL.
distclean:
	rm -rf $(BUILD_DIR) build-sanitize build-fuzz
