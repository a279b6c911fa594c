# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer targets for every parser of outside input (included by the top-level Makefile).
#
#   make fuzz-build            build every target with clang into build-fuzz/
#   make fuzz-smoke            each target ~FUZZ_SMOKE_SECONDS (10) from its seed corpus in a fresh
#                              working corpus, then replay of tests/fuzz/regressions/<target>/*
#   make fuzz                  each target FUZZ_SECONDS (60) on the persistent corpus
#                              build-fuzz/corpus/<target>/ (grows from run to run)
#   make fuzz-<target>         one target, the long way (e.g. make fuzz-fuzz_csv FUZZ_SECONDS=600)
#   make fuzz-clean            remove build-fuzz/
#   tests/fuzz/run.sh          installs clang if missing, runs fuzz-smoke, prints the summary
# Targets run in parallel with -j. Crashes land in build-fuzz/artifacts/<target>/; copy one to
# tests/fuzz/regressions/<target>/ to keep it as a regression input.
#
# The module sources each target needs are compiled here with clang (the objects in build/ are
# gcc's and carry no coverage instrumentation); programs' *_main.c files are never linked in.

FUZZ_CC            ?= clang
FUZZ_BUILD         ?= build-fuzz
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_PKGS          := libutf8proc libconfig jansson yajl libevent
FUZZ_SAN           := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		      -fno-omit-frame-pointer
FUZZ_CFLAGS        ?= -O1 -g
FUZZ_ALLCFLAGS      = -std=gnu11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		      -Wno-unused-parameter -Werror=implicit-function-declaration -pthread -MMD -MP \
		      $(FUZZ_SAN) $(FUZZ_CFLAGS) -I. \
		      $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_LDLIBS         = $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null) -pthread

FUZZ_TARGETS := fuzz_text fuzz_sms_plan fuzz_conf fuzz_csv fuzz_pdu fuzz_proto fuzz_json_campaign fuzz_ussd

# Module sources linked into each target.
fuzz_text_SRCS     := gateway/gw_text.c
fuzz_sms_plan_SRCS := modem/sms.c
fuzz_conf_SRCS     := conf/conf.c conf/conf_ussd.c common/log.c common/util.c
fuzz_csv_SRCS      := gateway/ctl_csv.c
fuzz_pdu_SRCS      := modem/sim/sim_pdu.c modem/sms.c
fuzz_proto_SRCS    := modem/proto.c common/util.c
fuzz_json_campaign_SRCS := gateway/campaign_req.c gateway/jstream.c gateway/gw_text.c modem/sms.c \
			   queue/queue_rset.c common/util.c
fuzz_ussd_SRCS     := gateway/ussd_menu.c conf/conf.c conf/conf_ussd.c common/log.c common/util.c

FUZZ_BINS := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_TARGETS))
fuzz_objs  = $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,tests/fuzz/$(1).c $($(1)_SRCS))

fuzz-build: $(FUZZ_BINS)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_ALLCFLAGS) -c -o $@ $<

define fuzz_target_rules
$(FUZZ_BUILD)/$(1): $(call fuzz_objs,$(1))
	$$(FUZZ_CC) $$(FUZZ_SAN) -o $$@ $$^ $$(FUZZ_LDLIBS)

fuzz-$(1): $(FUZZ_BUILD)/$(1)
	@tests/fuzz/fuzz-one.sh long $(1) $$(FUZZ_SECONDS)

fuzz-smoke-$(1): $(FUZZ_BUILD)/$(1)
	@tests/fuzz/fuzz-one.sh smoke $(1) $$(FUZZ_SMOKE_SECONDS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target_rules,$(t))))

fuzz: $(addprefix fuzz-,$(FUZZ_TARGETS))
fuzz-smoke: $(addprefix fuzz-smoke-,$(FUZZ_TARGETS))

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

.PHONY: fuzz-build fuzz fuzz-smoke fuzz-clean $(addprefix fuzz-,$(FUZZ_TARGETS)) \
	$(addprefix fuzz-smoke-,$(FUZZ_TARGETS))
-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
