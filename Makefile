# Thin wrapper over the CMake presets. `make demo` and `make check` are the two
# commands of the README's Quick start.
.PHONY: all deps release demo check asan format clean

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

# The whole test suite (warnings are errors), as CI runs it.
check: deps
	cmake --preset ci >/dev/null
	cmake --build --preset ci -j $(JOBS)
	ctest --preset ci -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

format:
	find plugins nagios zabbix telegraf tests -name '*.[ch]pp' | xargs clang-format -i

clean:
	rm -rf build
