# ppcemu - a PowerPC 750 system emulator.
#
#   make run      build everything and boot the default guest
#   make check    build and run every test
#   make asan     the same tests under AddressSanitizer + UBSan
#   make bench    benchmarks (figures, no pass/fail)
#
# Sources are picked up by wildcard: a new .c in cpu/ mem/ timebase/
# migration/ boards/ joins the emulator; a new tests/unit/test_NAME.c that
# defines `Suite *suite_NAME(void)` joins the unit-test runner.

BUILD ?= build
CC ?= cc
CROSS ?= powerpc-linux-gnu-
XCC := $(CROSS)gcc
PKGS := sdl2 zlib check capstone jansson
OPT ?= -O2
CFLAGS_BASE := -std=gnu11 -g $(OPT) -Wall -Wextra -Werror -I. -D_GNU_SOURCE
SAN ?=
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif

# ---- dependencies: install what is missing (tools/deps.sh) ----
DEPS_STAMP := $(BUILD)/.deps-ok
$(DEPS_STAMP): tools/deps.sh
	@mkdir -p $(BUILD)
	@if ! pkg-config --exists $(PKGS) || ! command -v $(XCC) >/dev/null 2>&1 \
	    || ! test -f /usr/include/libfdt.h || ! command -v qemu-ppc >/dev/null 2>&1 \
	    || ! command -v gdb-multiarch >/dev/null 2>&1; then \
	    tools/deps.sh build; fi
	@touch $@

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfdt -lm -lpthread
CFLAGS = $(CFLAGS_BASE) $(PKG_CFLAGS)
LDLIBS = $(PKG_LIBS) $(LDFLAGS_SAN)

# ---- the emulator ----
LIB_SRCS := $(wildcard cpu/*.c mem/*.c timebase/*.c migration/*.c boards/*.c)
LIB_SRCS := $(filter-out boards/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
HDRS := $(wildcard cpu/*.h mem/*.h timebase/*.h migration/*.h boards/*.h tests/*.h)

$(BUILD)/%.o: %.c $(HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libppcemu.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

PPCEMU := $(BUILD)/ppcemu
ifneq ($(wildcard boards/main.c),)
$(PPCEMU): $(BUILD)/boards/main.o $(BUILD)/libppcemu.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
all: $(PPCEMU)
endif

.DEFAULT_GOAL := all
.PHONY: all run check asan bench clean fuzz-diff unit guests firmware
all: $(BUILD)/libppcemu.a $(BUILD)/tests/unit-tests

# ---- unit tests (libcheck) ----
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_NAMES := $(patsubst tests/unit/test_%.c,%,$(UNIT_SRCS))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/tests/unit/main.o \
             $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))

$(BUILD)/tests/unit/suites.h: $(UNIT_SRCS) Makefile
	@mkdir -p $(dir $@)
	@{ for n in $(UNIT_NAMES); do echo "SUITE($$n)"; done; } > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/unit/main.o: tests/unit/main.c $(BUILD)/tests/unit/suites.h $(HDRS) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(BUILD)/tests/unit -c $< -o $@

$(BUILD)/tests/unit-tests: $(UNIT_OBJS) $(BUILD)/libppcemu.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/tests/unit-tests
	$(BUILD)/tests/unit-tests

# ---- firmware and guest programs (cross compiler) ----
-include firmware/firmware.mk
-include tests/guest/guest.mk
-include tests/diff/diff.mk
-include tests/bench.mk
-include tools/guest.mk
-include tools/ppcsnap.mk
-include tests/migration/migration.mk
-include tests/fuzz.mk

# ---- the suite ----
CHECK_STEPS ?= unit
check: all
	@tests/run-checks.sh $(BUILD)

asan:
	$(MAKE) BUILD=build-asan SAN=1 OPT=-O1 check

clean:
	rm -rf build build-asan
