# SPDX-License-Identifier: MIT
#
# AegisRay top-level build.
#   make            module, aegis-agent and the tools
#   make check      lint, unit tests, DKMS build and VM selftests
#   make demo       boot a guest and show AegisRay working
#   make install    module into /lib/modules/<ver>/updates, binaries, unit, templates
# See README.md.

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

# Kernel build directory: the running kernel's when it has one, otherwise
# the newest installed one (announced, since it is a guess).
ifeq ($(origin KDIR),undefined)
  KDIR := /lib/modules/$(shell uname -r)/build
  ifeq ($(wildcard $(KDIR)/Makefile),)
    KDIR := $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
    ifneq ($(KDIR),)
      $(info note: running kernel has no build dir; using newest installed: $(KDIR))
    endif
  endif
endif
KVER = $(shell sed -n 's/^#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DATADIR := $(PREFIX)/share/aegisray

B := build
TEMPLATES := $(wildcard configs/templates/*.yaml)
PKGS := libnl-3.0 libnl-genl-3.0 libnl-route-3.0 openssl yaml-0.1 libcares json-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -fstack-protector-strong \
	-D_FORTIFY_SOURCE=2 -D_GNU_SOURCE -DAEGIS_VERSION='"$(VERSION)"' \
	-Iinclude/uapi -Iuserspace/common $(PKG_CFLAGS) -MMD -MP
# The agent's headers are named by their room: #include "session/hs.h".
$(B)/obj/userspace/agent/%.o: override CFLAGS += -Iuserspace/agent
LDLIBS := $(PKG_LIBS)

COMMON_SRC := $(wildcard userspace/common/*.c)
AGENT_SRC := $(wildcard userspace/agent/*.c userspace/agent/*/*.c)
CTL_SRC := $(wildcard tools/aegisctl/*.c)
NLPROBE_SRC := $(wildcard tools/nlprobe/*.c)
UDPPROBE_SRC := $(wildcard tools/udpprobe/*.c)
HSPROBE_SRC := $(wildcard tools/hsprobe/*.c)
KERNELPROBE_SRC := $(wildcard tools/kernelprobe/*.c)
TEST_SRC := $(wildcard userspace/tests/test_*.c)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))
COMMON_LIB := $(B)/libaegis-common.a
# The agent's modules without its main: for the unit tests and hsprobe.
AGENT_LIB_OBJ := $(filter-out $(B)/obj/userspace/agent/main.o,$(call obj,$(AGENT_SRC)))
BINS := $(B)/bin/aegis-agent $(B)/bin/aegisctl $(B)/bin/nlprobe $(B)/bin/udpprobe \
	$(B)/bin/hsprobe $(B)/bin/kernelprobe
TESTS := $(patsubst userspace/tests/%.c,$(B)/tests/%,$(TEST_SRC))

.PHONY: all module module-debug module-clean userspace tests lint check demo bench profile \
	install uninstall clean deps selftests unit dkms-check check-debug debug-kernel soak

all: module userspace

module:
	@test -n "$(KDIR)" -a -f "$(KDIR)/Makefile" || \
		{ echo "error: no kernel build dir (install linux-headers-amd64 or set KDIR=)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Debug build: DEBUG logging and the in-module selftests, run at load.
# Built in its own tree (build/debug) so that it never mixes objects with
# the normal build.
DEBUG_TREE := $(B)/debug
module-debug:
	@mkdir -p $(DEBUG_TREE)
	cp -r Kbuild kernel include $(DEBUG_TREE)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(DEBUG_TREE) CONFIG_AEGISRAY_DEBUG=y modules

module-clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

userspace: $(BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(COMMON_LIB): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(B)/bin/aegis-agent: $(call obj,$(AGENT_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/aegisctl: $(call obj,$(CTL_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/nlprobe: $(call obj,$(NLPROBE_SRC)) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# hsprobe speaks the control protocol with the agent's own modules.
$(B)/bin/hsprobe: $(call obj,$(HSPROBE_SRC)) $(AGENT_LIB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/bin/udpprobe: $(call obj,$(UDPPROBE_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^

# kernelprobe drives the agent's kernel.c end to end (selftests/40-*).
$(B)/obj/tools/kernelprobe/%.o: override CFLAGS += -Iuserspace/agent
$(B)/bin/kernelprobe: $(call obj,$(KERNELPROBE_SRC)) $(call obj,$(wildcard userspace/agent/fib/kernel*.c)) \
		$(B)/obj/userspace/agent/core/log.o $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests: each userspace/tests/test_X.c is one cmocka binary, linked
# with the common library and the agent's objects (minus its main).
CTL_LIB_OBJ := $(filter-out $(B)/obj/tools/aegisctl/main.o,$(call obj,$(CTL_SRC)))
$(B)/obj/userspace/tests/%.o: override CFLAGS += -Itools/aegisctl -Iuserspace/agent
$(B)/obj/tools/hsprobe/%.o: override CFLAGS += -Iuserspace/agent
$(B)/tests/%: $(B)/obj/userspace/tests/%.o $(AGENT_LIB_OBJ) $(CTL_LIB_OBJ) $(COMMON_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# test_session runs the handshake state machine against a fake kernel.
WRAP_KERNEL := node_set node_del node_get key_new key_swap key_del key_get \
	prefix_add prefix_del route_add route_del
$(B)/tests/test_session: LDFLAGS += $(foreach f,$(WRAP_KERNEL),-Wl,--wrap=kernel_$(f))

tests: $(TESTS)

unit: tests
	@tools/run-unit $(TESTS)

lint:
	@tools/lint KDIR=$(KDIR)
	@tools/test-check-nlschema

selftests: all
	@tools/run-selftests

dkms-check:
	@tools/dkms-check $(KVER)

check:
	@tools/check

# The debug-kernel lane (docs/testing.md): lockdep, KASAN, UBSAN, kmemleak.
check-debug: all
	@tools/check-debug

debug-kernel:
	@tools/debug-kernel

# One hour of mixed load on the debug kernel (AEGIS_SOAK_SECONDS to change).
soak: all
	@tools/soak

demo:
	@tools/demo

bench: all
	@tools/bench

profile: all
	@tools/profile

deps:
	@tools/install-deps.sh

install: all
	install -D -m 0644 kernel/aegisray.ko $(DESTDIR)/lib/modules/$(KVER)/updates/aegisray.ko
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)/templates \
		$(DESTDIR)$(SYSCONFDIR)/aegisray
	install -m 0755 $(B)/bin/aegis-agent $(B)/bin/aegisctl $(DESTDIR)$(BINDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/aegis-agent.service \
		> $(DESTDIR)$(UNITDIR)/aegis-agent.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/aegis-agent.service
	$(if $(TEMPLATES),install -m 0644 $(TEMPLATES) $(DESTDIR)$(DATADIR)/templates/)
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); else depmod -b $(DESTDIR) -a $(KVER) 2>/dev/null || true; fi

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/aegisray.ko \
		$(DESTDIR)$(BINDIR)/aegis-agent $(DESTDIR)$(BINDIR)/aegisctl \
		$(DESTDIR)$(UNITDIR)/aegis-agent.service
	rm -rf $(DESTDIR)$(DATADIR)
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

clean: module-clean
	rm -rf $(B)

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)

# libFuzzer targets: make fuzz, fuzz-smoke (userspace/fuzz/README.md).
# The DKMS source tree carries only the module, so this is optional.
-include userspace/fuzz/fuzz.mk
