# Top-level entry points; the build itself is Meson's.
#   make run    set up, build, and run the demo (a tenant and a stack)
#   make test   set up, build with ASan+UBSan, run every test
#   make bench  set up, build, run the benchmarks under bench/
SHELL := /bin/bash
BUILD ?= build
BUILD_ASAN ?= build-asan
STATE_DIR ?= $(CURDIR)/.cfp-demo

.PHONY: all setup build build-asan images run demo test bench format clean

all: build

setup:
	bash scripts/setup.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) --buildtype=debug \
	  -Db_sanitize=address,undefined -Db_lundef=false

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

build-asan: $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)

images:
	bash scripts/build-images.sh

run: setup build images demo

demo:
	bash scripts/demo.sh $(BUILD)/cfp $(STATE_DIR)

test: setup build-asan images
	bash tests/run.sh $(BUILD_ASAN)

bench: setup build images
	bash bench/run.sh $(BUILD)/cfp

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
