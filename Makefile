# Thin wrapper over CMake: `make demo` and `make test` are the README's quick start.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: setup configure build demo test clean fuzz

setup:
	@bash scripts/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

# `make test`: the release tree's ctest, then the suite under ASan + UBSan in a second tree
# (scripts/sanitize.sh; SANITIZE=0 skips it).
SANITIZE ?= 1
ASAN_BUILD ?= build-asan
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@if [ "$(SANITIZE)" != 0 ]; then JOBS=$(JOBS) bash scripts/sanitize.sh $(ASAN_BUILD); fi

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# libFuzzer targets (fuzz/): a clang tree with coverage, ASan and UBSan, then each target for
# FUZZ_SECONDS seconds (scripts/fuzz.sh). Not part of `make test`.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: setup
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTESSERA_FUZZ=ON -DTESSERA_SANITIZE=ON -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link \
	  -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
	@cmake --build $(FUZZ_BUILD) --target fuzz_all -j $(JOBS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh $(FUZZ_BUILD)
