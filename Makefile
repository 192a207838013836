# Thin wrapper over the CMake presets. `make demo` and `make check` are the two
# commands of the README's Quick start.
.PHONY: all deps release demo bench bench-deps check check-ci check-asan check-fuzz asan fuzz format lint clean

JOBS ?= 2

all: release

deps:
	@sh cmake/install-debian-deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

# Starts the Cloudflare Access emulator, runs check_cf_access against one app per
# outcome in every output format, stops the emulator.
demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target check_cf_access cf-access-emulator
	@bash tests/demo/run-demo.sh build/release

# check_cf_access against check_curl and curl on this machine (not part of `make check`):
# prints a table and writes tests/bench/RESULTS.md. bench-deps installs the peers.
bench-deps:
	@sh tests/bench/install-bench-deps.sh

bench: deps bench-deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target check_cf_access cf-access-emulator cfmon_runstat
	@bash tests/bench/run-bench.sh build/release

# Everything CI runs: the whole test suite (warnings are errors), the lint (clang-format,
# clang-tidy), the suite again under AddressSanitizer + UBSan (without the `daemons` label:
# those prove the shipped configuration, which the sanitizers do not change; the checks'
# code paths run under ASan in the integration tests; nor the emulator's and the schema
# validator's own tests, test infrastructure that runs under ASan behind every integration
# test), and a short smoke of every fuzz target.
check: check-ci lint check-asan check-fuzz

check-ci: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)

check-asan: asan

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# Built by clang with libFuzzer; replays every seed of tests/fuzz/corpus and fuzzes each
# target briefly with a fixed seed.
check-fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	ctest --preset fuzz -j $(JOBS)

# Fuzzes each target (or FUZZ_TARGETS="dotenv range") for FUZZ_SECONDS; new inputs are kept
# in build/fuzz/tests/fuzz/work/<target>/corpus, crash reproducers in .../artifacts/, the
# whole libFuzzer output in .../fuzz.log. Extra libFuzzer flags: FUZZ_FLAGS.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(notdir $(wildcard tests/fuzz/corpus/*))
FUZZ_WORK = build/fuzz/tests/fuzz/work
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	@failed=""; for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; mkdir -p $(FUZZ_WORK)/$$t; \
	  sh tests/fuzz/run-fuzzer.sh fuzz build/fuzz/tests/fuzz/fuzz_$$t tests/fuzz/corpus/$$t $(FUZZ_WORK)/$$t \
	    -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) > $(FUZZ_WORK)/$$t/fuzz.log 2>&1 || failed="$$failed $$t"; \
	  grep -E 'DONE|property violated|ERROR|SUMMARY|Test unit written' $(FUZZ_WORK)/$$t/fuzz.log; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: failures in:$$failed"; exit 1; fi

format:
	git ls-files -z '*.cpp' '*.hpp' | xargs -0 clang-format -i

# clang-format in check mode and clang-tidy over the ci build's compile_commands.json.
lint: deps
	cmake --preset ci >/dev/null
	JOBS=$(JOBS) sh cmake/lint.sh build/ci

clean:
	rm -rf build
