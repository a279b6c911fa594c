# SPDX-License-Identifier: GPL-2.0-or-later
# Loa build. Every module builds into build/lib<module>.a; binaries link the libraries they need.
# make            build bin/loagw bin/loactl bin/loa-modem bin/loa-modemsim
# make check      install missing packages, build, run unit + integration tests (+ ASan/UBSan pass)
# make asan       same build with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/
# make run        install missing packages, build, start two simulated modems and loagw
# make bench      benchmarks (figures printed, never timed assertions)

PKGS     := gammu libevent libconfig sqlite3 jansson yajl libutf8proc libcurl libcrypto
BUILD    ?= build
BIN      ?= bin
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	    -Wno-unused-parameter -Werror=implicit-function-declaration -pthread -MMD -MP
CPPFLAGS += -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread -lutil
CFLAGS   += $(if $(filter 1,$(WERROR)),-Werror)
ifdef SANITIZER
CFLAGS   += -fsanitize=$(SANITIZER) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZER)
endif

MODULES  := common conf queue modem gateway
lib_srcs  = $(filter-out %_main.c,$(wildcard $(1)/*.c))
lib_objs  = $(patsubst %.c,$(BUILD)/%.o,$(call lib_srcs,$(1)))
LIBS     := $(foreach m,$(MODULES),$(BUILD)/lib$(m).a)
# link order: dependants first
LINKLIBS := $(BUILD)/libgateway.a $(BUILD)/libmodem.a $(BUILD)/libqueue.a $(BUILD)/libconf.a \
	    $(BUILD)/libcommon.a
SIM_SRCS := $(wildcard modem/sim/*.c)
SIM_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRCS))
PROGS    := $(BIN)/loagw $(BIN)/loactl $(BIN)/loa-modem $(BIN)/loa-modemsim
UNIT_SRCS := $(wildcard tests/unit/*_test.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

all: $(PROGS) $(UNIT_BINS)

define lib_rule
$(BUILD)/lib$(1).a: $(call lib_objs,$(1))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call lib_rule,$(m))))
$(BUILD)/libmodemsim.a: $(filter-out %_main.o,$(SIM_OBJS))
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

# The dashboard page embedded into loagw (scripts/embed.sh; see gateway/dashboard/).
$(BUILD)/gen/dashboard_html.c: gateway/dashboard/index.html scripts/embed.sh
	@mkdir -p $(@D)
	sh scripts/embed.sh $< $@
$(BUILD)/gen/dashboard_html.o: $(BUILD)/gen/dashboard_html.c gateway/dashboard/dashboard.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
$(BUILD)/libgateway.a: $(BUILD)/gen/dashboard_html.o

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BIN)/loagw: $(BUILD)/gateway/loagw_main.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LINKLIBS) $(LDLIBS)
$(BIN)/loactl: $(BUILD)/gateway/loactl_main.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LINKLIBS) $(LDLIBS)
$(BIN)/loa-modem: $(BUILD)/modem/worker_main.o $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(LINKLIBS) $(LDLIBS)
$(BIN)/loa-modemsim: $(BUILD)/modem/sim/modemsim_main.o $(BUILD)/libmodemsim.a $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libmodemsim.a $(LINKLIBS) $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libmodemsim.a $(LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libmodemsim.a $(LINKLIBS) $(LDLIBS)

deps:
	@scripts/deps.sh

# Tests: unit binaries, then integration tests against the real daemon; the sanitizer pass
# rebuilds everything with ASan+UBSan in build-asan/ and runs the same suites.
check:
	@scripts/deps.sh check
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin SANITIZER=address,undefined all
	@tests/run.sh

test: all
	@LOA_NO_ASAN=1 tests/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan BIN=build-asan/bin SANITIZER=address,undefined all

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-demo.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@tests/bench/run.sh

clean:
	rm -rf build build-asan build-fuzz bin

soak: all
	@LOA_CRASH_KILLS=200 LOA_CRASH_MESSAGES=3000 python3 tests/integration/test_crash.py

.PHONY: all deps check test asan run bench soak clean
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:

# Fuzz targets (libFuzzer, clang): see tests/fuzz/.
-include tests/fuzz/fuzz.mk
