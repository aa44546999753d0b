# SPDX-License-Identifier: MIT
#
# libFuzzer targets for the agent's parsers (userspace/fuzz/README.md).
# Included by the top-level Makefile (`include userspace/fuzz/fuzz.mk`,
# best at its end), whose B, VERSION, PKGS, COMMON_SRC and AGENT_SRC it
# uses; without them (included first, or make -f userspace/fuzz/fuzz.mk)
# it works them out the same way.
#
#   make fuzz-build       every fuzzer into $(B)/fuzz/bin/
#   make fuzz             each for FUZZ_SECONDS (60) on a copy of its corpus,
#                         or for FUZZ_RUNS executions (the long run: 10000000)
#   make fuzz-smoke       each over its seeds plus a few seconds (make check)
#   make fuzz-seeds       regenerate userspace/fuzz/corpus/ (and fixtures/
#                         when missing): see the README before committing
#
# FUZZ_TARGETS=fuzz_wire,fuzz_hs narrows fuzz and fuzz-smoke; FUZZ_CC picks
# the compiler (clang with libFuzzer: Debian's clang and
# libclang-rt-<ver>-dev).
#
# Everything is built apart from the normal build, in $(B)/fuzz, with
# clang, sanitizers and coverage instrumentation; the agent's and the
# common sources (not userspace/agent/main.c) go into one archive that each
# fuzzer links against.

# Whatever includes this keeps its default goal.
FUZZ_SAVED_GOAL := $(.DEFAULT_GOAL)

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_DIR := userspace/fuzz
FUZZ_B := $(or $(B),build)/fuzz
FUZZ_VERSION := $(or $(VERSION),$(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf))
FUZZ_PKGS := $(or $(PKGS),libnl-3.0 libnl-genl-3.0 libnl-route-3.0 openssl \
	yaml-0.1 libcares json-c)
FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_PKG_LIBS := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)
FUZZ_COMMON_SRC := $(or $(COMMON_SRC),$(wildcard userspace/common/*.c))
FUZZ_AGENT_SRC := $(or $(AGENT_SRC),$(wildcard userspace/agent/*.c \
	userspace/agent/*/*.c))
FUZZ_OBJ := $(FUZZ_B)/obj
FUZZ_BIN := $(FUZZ_B)/bin

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link $(FUZZ_SAN) \
	-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -D_GNU_SOURCE -DAEGIS_VERSION='"$(FUZZ_VERSION)"' \
	-DFUZZ_FIXTURES='"$(CURDIR)/$(FUZZ_DIR)/fixtures"' \
	-Iinclude/uapi -Iuserspace/common -Iuserspace/agent -I$(FUZZ_DIR) \
	$(FUZZ_PKG_CFLAGS) -MMD -MP
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN)

# clang (unlike gcc) warns about glibc's NLMSG_OK() with an int length.
$(FUZZ_OBJ)/userspace/common/genl.o: FUZZ_CFLAGS += -Wno-sign-compare

fuzz_obj = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))

FUZZ_LIB_SRC := $(FUZZ_COMMON_SRC) \
	$(filter-out userspace/agent/main.c,$(FUZZ_AGENT_SRC))
FUZZ_LIB := $(FUZZ_B)/libaegis-fuzz.a
FUZZ_HARNESS := $(call fuzz_obj,$(FUZZ_DIR)/harness.c)
FUZZ_ALL := $(patsubst $(FUZZ_DIR)/%.c,%,$(wildcard $(FUZZ_DIR)/fuzz_*.c))
FUZZ_BINS := $(addprefix $(FUZZ_BIN)/,$(FUZZ_ALL))
FUZZ_SEEDS_BIN := $(FUZZ_B)/seeds

# fuzz_demux runs the session code against a fake kernel (as test_session
# does) and fuzz_nl feeds genl.c its netlink datagrams through recv().
FUZZ_WRAP_KERNEL := node_set node_del node_get key_new key_swap key_del \
	key_get prefix_add prefix_del route_add route_del
$(FUZZ_BIN)/fuzz_demux: FUZZ_LDFLAGS += \
	$(foreach f,$(FUZZ_WRAP_KERNEL),-Wl,--wrap=kernel_$(f))
$(FUZZ_BIN)/fuzz_nl: FUZZ_LDFLAGS += -Wl,--wrap=recv -Wl,--wrap=sendto

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-seeds
# Keep the fuzzers' objects, which make would see as intermediate.
.SECONDARY: $(call fuzz_obj,$(wildcard $(FUZZ_DIR)/*.c))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(call fuzz_obj,$(FUZZ_LIB_SRC))
	@mkdir -p $(dir $@)
	@rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_BIN)/%: $(FUZZ_OBJ)/$(FUZZ_DIR)/%.o $(FUZZ_HARNESS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(FUZZ_PKG_LIBS)

# The seed generator is a plain program (no libFuzzer main) on the same
# objects.
$(FUZZ_SEEDS_BIN): $(FUZZ_OBJ)/$(FUZZ_DIR)/seeds.o $(FUZZ_HARNESS) $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -o $@ $^ $(FUZZ_PKG_LIBS)

fuzz-build: $(FUZZ_BINS) $(FUZZ_SEEDS_BIN)

fuzz: fuzz-build
	@tools/fuzz run --bin $(FUZZ_BIN) --work $(FUZZ_B)/work \
		$(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS),--seconds $(FUZZ_SECONDS)) \
		$(subst $(comma), ,$(FUZZ_TARGETS))

fuzz-smoke: fuzz-build
	@tools/fuzz smoke --bin $(FUZZ_BIN) --work $(FUZZ_B)/smoke \
		--seconds $(FUZZ_SMOKE_SECONDS) $(subst $(comma), ,$(FUZZ_TARGETS))

fuzz-seeds: $(FUZZ_SEEDS_BIN)
	$(FUZZ_SEEDS_BIN) $(FUZZ_DIR)/fixtures $(FUZZ_DIR)/corpus

comma := ,

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)

.DEFAULT_GOAL := $(FUZZ_SAVED_GOAL)
