# CRM customer API: one Makefile for the service, crmctl, tests and tools.
# `make run` and `make test` are the two commands; see README.md.

-include Makefile.local

PKGS      := fcgi jansson libmariadb libjwt libcrypto libutf8proc zlib libsystemd
SANITIZE  ?= 0
FUZZ      ?= 0
ifeq ($(FUZZ),1)
CC        := clang
BUILD     ?= build-fuzz
else
CC        ?= cc
BUILD     ?= $(if $(filter 1,$(SANITIZE)),build-san,build)
endif

WARN      := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -Wvla -Wno-unused-parameter
OPT       ?= -O2 -g
CFLAGS    := $(OPT) -std=c11 -D_GNU_SOURCE -fno-strict-aliasing $(WARN) -I. $(EXTRA_CFLAGS)
ifeq ($(SANITIZE),1)
CFLAGS    += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS   += -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CFLAGS    += -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
endif
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS    += $(PKG_CFLAGS)
LIBS      := $(PKG_LIBS) -lpthread -lm

LIB_SRC      := $(wildcard lib/*.c conf/*.c fcgi/*.c handlers/*.c model/*.c)
# the program that wires the layers together (the only code above handlers/)
MAIN_SRC     := service/main.c
CTL_SRC      := $(wildcard tools/crmctl/*.c)
UNIT_SRC     := $(wildcard tests/unit/*.c)
HTTP_SRC     := $(wildcard tests/http/*.c)
FAULT_SRC    := $(wildcard tests/faults/*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ  := $(UNIT_SRC:%.c=$(BUILD)/%.o)
HTTP_OBJ  := $(HTTP_SRC:%.c=$(BUILD)/%.o)
FAULT_OBJ := $(FAULT_SRC:%.c=$(BUILD)/%.o)
# the fault tests reuse the HTTP tests' client
CLIENT_OBJ := $(BUILD)/tests/http/client.o
DEPS      := $(LIB_OBJ:.o=.d) $(CTL_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(HTTP_OBJ:.o=.d) \
             $(FAULT_OBJ:.o=.d) $(MAIN_SRC:%.c=$(BUILD)/%.d)

.PHONY: all bootstrap run test unit http lint clean valgrind fuzz fuzz-build fuzz-smoke bench check-docs \
        install deb deb-test
all: $(BUILD)/crm-fcgi $(BUILD)/crmctl

bootstrap:
	@sh scripts/bootstrap.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libcrm.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/crm-fcgi: $(MAIN_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/crmctl: $(CTL_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The demo fixture is embedded in crmctl (.incbin in demo_data.c; test_demo.c includes that file).
$(BUILD)/tools/crmctl/demo_data.o $(BUILD)/tests/unit/test_demo.o: tools/crmctl/demo.json

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcriterion

$(BUILD)/http-tests: $(HTTP_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcriterion -lcurl

$(BUILD)/fault-tests: $(FAULT_OBJ) $(CLIENT_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcriterion -lcurl

$(BUILD)/fixed-fcgi: bench/fixed_fcgi.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBS)

$(BUILD)/gen-data: $(wildcard bench/gen_data.c) $(BUILD)/libcrm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# The two commands.  Both bootstrap first so a fresh Debian 12 needs nothing by hand.
run: bootstrap
	@$(MAKE) --no-print-directory all
	@sh scripts/run.sh $(BUILD)

TEST_BINS := $(BUILD)/unit-tests $(BUILD)/http-tests $(if $(FAULT_SRC),$(BUILD)/fault-tests)
test: bootstrap
	@$(MAKE) --no-print-directory all $(TEST_BINS) check-docs
	@$(MAKE) --no-print-directory fuzz-smoke
	@sh scripts/test.sh $(BUILD)

# The same tests with the service under valgrind memcheck (failing on any
# error or definite leak), and with AddressSanitizer + UBSan (SANITIZE=1).
valgrind: bootstrap
	@$(MAKE) --no-print-directory all $(TEST_BINS)
	@CRM_TEST_VALGRIND=1 sh scripts/test.sh $(BUILD)

bench: bootstrap
	@$(MAKE) --no-print-directory all $(BUILD)/fixed-fcgi $(BUILD)/gen-data
	@sh bench/bench.sh $(BUILD)

# The README's lifecycle section is generated from the code's one table, and the
# production nginx example must pass `nginx -t`.
check-docs: $(BUILD)/crmctl
	@$(BUILD)/crmctl lifecycle > $(BUILD)/lifecycle.md
	@sed -n '/lifecycle:begin/,/lifecycle:end/p' README.md | sed '1d;$$d' | \
		diff -u $(BUILD)/lifecycle.md - >/dev/null || \
		{ echo "README.md: the lifecycle section differs from 'crmctl lifecycle'"; exit 1; }
	@sh scripts/check_nginx_example.sh
	@mandoc -T lint -W warning man/crm-fcgi.8 man/crmctl.1 || \
		{ echo "man/: mandoc -T lint found the problems above"; exit 1; }

# Installed like any Debian service (README, "Install on a server"): the programs, the
# manuals, /etc/crm/crm.conf (never overwritten), the systemd units and the nginx parts.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/crm-customer-api
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
install: all
	@DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" BINDIR="$(BINDIR)" SBINDIR="$(SBINDIR)" \
		MANDIR="$(MANDIR)" DOCDIR="$(DOCDIR)" SYSCONFDIR="$(SYSCONFDIR)" UNITDIR="$(UNITDIR)" \
		sh scripts/install.sh $(BUILD)

# The Debian package crm-customer-api, built offline from a copy of this tree (the .deb and
# lintian's report land in $(BUILD)/deb/), and its test: the package unpacked, its units
# checked, the unpacked service socket-activated behind nginx and MariaDB (CI runs it).
deb: bootstrap
	@sh scripts/deb.sh $(BUILD)

deb-test: deb
	@sh scripts/deb_test.sh $(BUILD)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# libFuzzer targets for every parser that sees request bytes (clang).
FUZZ_TARGETS := uri cursor auth rfc3339 bodies shape request
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 20000
fuzz-build:
	@$(MAKE) --no-print-directory FUZZ=1 $(FUZZ_TARGETS:%=build-fuzz/fuzz_%)

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libcrm.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

# `make fuzz` explores for FUZZ_SECONDS each; `make fuzz-smoke` (part of
# `make test`) replays the corpus and regressions plus FUZZ_RUNS new inputs.
fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do mkdir -p tests/fuzz/corpus-work/$$t; \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    tests/fuzz/corpus-work/$$t tests/fuzz/corpus/$$t tests/fuzz/regression/$$t || exit 1; done

# (new inputs go to build-fuzz/smoke-*, never into the repository's corpus)
fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do rm -rf build-fuzz/smoke-$$t; mkdir -p build-fuzz/smoke-$$t; \
	  build-fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) -seed=1 build-fuzz/smoke-$$t tests/fuzz/corpus/$$t \
	    tests/fuzz/regression/$$t \
	    >build-fuzz/fuzz_$$t.log 2>&1 || { tail -30 build-fuzz/fuzz_$$t.log; exit 1; }; \
	  echo "fuzz $$t: $$(grep -c . build-fuzz/fuzz_$$t.log >/dev/null; tail -1 build-fuzz/fuzz_$$t.log)"; done

lint:
	@clang-format --dry-run --Werror $(LIB_SRC) $(MAIN_SRC) $(CTL_SRC) $$(find lib conf fcgi handlers model tools -name '*.h')
	@cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr -I. $(LIB_SRC) $(MAIN_SRC) $(CTL_SRC)

clean:
	rm -rf build build-san build-fuzz

-include $(DEPS)
