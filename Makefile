# CRM customer API: one Makefile for the service, crmctl, tests and tools.
# `make run` and `make test` are the two commands; see README.md.

-include Makefile.local

PKGS      := fcgi jansson libmariadb libjwt libcrypto libutf8proc libdeflate libsystemd
# the tests inflate what the service compressed with zlib, an independent decoder
TEST_PKGS := zlib
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
TEST_LIBS  = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

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

.PHONY: all bootstrap run test unit http lint clean valgrind fuzz fuzz-build fuzz-smoke bench check-docs docs openapi \
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
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lcriterion

$(BUILD)/http-tests: $(HTTP_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lcriterion -lcurl

$(BUILD)/fault-tests: $(FAULT_OBJ) $(CLIENT_OBJ) $(BUILD)/libcrm.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS) -lcriterion -lcurl

$(BUILD)/fixed-fcgi: bench/fixed_fcgi.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIBS)

$(BUILD)/gen-data: $(wildcard bench/gen_data.c) $(BUILD)/libcrm.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

# The two commands.  Both bootstrap first so a fresh Debian 12 needs nothing by hand.
run: bootstrap
	@$(MAKE) --no-print-directory all docs
	@sh scripts/run.sh $(BUILD)

TEST_BINS := $(BUILD)/unit-tests $(BUILD)/http-tests $(if $(FAULT_SRC),$(BUILD)/fault-tests)
test: bootstrap
	@$(MAKE) --no-print-directory all $(TEST_BINS) check-docs openapi
	@$(MAKE) --no-print-directory fuzz-smoke
	@sh scripts/test.sh $(BUILD)

# The same tests with the service under valgrind memcheck (failing on any
# error or definite leak), and with AddressSanitizer + UBSan (SANITIZE=1).
valgrind: bootstrap
	@$(MAKE) --no-print-directory all $(TEST_BINS) openapi
	@CRM_TEST_VALGRIND=1 sh scripts/test.sh $(BUILD)

# CLUSTER=1: the same scenarios on a three-node Galera cluster behind two pools as well, beside
# the single node's (bench/cluster.sh)
bench: bootstrap
	@$(MAKE) --no-print-directory all $(BUILD)/fixed-fcgi $(BUILD)/gen-data
	@$(if $(CLUSTER),BENCH_CLUSTER=$(CLUSTER) )sh bench/bench.sh $(BUILD)

# Three MariaDB Galera nodes on loopback, two pools behind one nginx upstream, a keyed write
# load while a node, a pool and a pool's preferred node fail (README, "Scale out").
.PHONY: cluster-test
cluster-test: bootstrap
	@$(MAKE) --no-print-directory all $(BUILD)/cluster-load
	@sh scripts/cluster_test.sh $(BUILD)

$(BUILD)/cluster-load: tests/cluster/load.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lcurl -lpthread

# ---- the API document ---------------------------------------------------------------------
# docs/openapi.yaml is the one source; from it, at build time: $(OPENAPI)/openapi.json (bundled
# by Redocly CLI, which lints it first: the document must validate) and $(OPENAPI)/docs.html
# (Redoc, one self-contained page), both served by nginx; for the tests, a client generated by
# @hey-api/openapi-ts with a scripted session compiled against it, and the route table
# (`crmctl routes`) compared with the document's operations.  The npm tools are pinned by
# tools/openapi/package-lock.json and installed by `npm ci` when it changed; nothing of npm is
# needed at run time.  scripts/test.sh runs the checks that need the running service.
OPENAPI    := $(BUILD)/openapi
NODE_TOOLS := tools/openapi
NPM_STAMP  := $(NODE_TOOLS)/node_modules/.installed
REDOCLY    := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
              $(NODE_TOOLS)/node_modules/.bin/redocly

# Under a lock: two makes in one tree (make test and make SANITIZE=1 test side by side) must
# not run npm ci into the same node_modules at once; the second finds the first's stamp.
$(NPM_STAMP): $(NODE_TOOLS)/package.json $(NODE_TOOLS)/package-lock.json
	@cd $(NODE_TOOLS) && flock .npm-install.lock sh -c '[ node_modules/.installed -nt package.json ] && \
		[ node_modules/.installed -nt package-lock.json ] || \
		{ npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; }'

$(OPENAPI)/openapi.json: docs/openapi.yaml $(NODE_TOOLS)/redocly.yaml $(NPM_STAMP)
	@mkdir -p $(@D)
	@$(REDOCLY) lint --config $(NODE_TOOLS)/redocly.yaml docs/openapi.yaml >$(OPENAPI)/lint.log 2>&1 || \
		{ grep -v '[║╔╚]' $(OPENAPI)/lint.log; echo "docs/openapi.yaml: redocly lint failed"; exit 1; }
	@$(REDOCLY) bundle docs/openapi.yaml -o $@ >$(OPENAPI)/bundle.log 2>&1 || \
		{ cat $(OPENAPI)/bundle.log; exit 1; }
	@echo "docs/openapi.yaml: valid (redocly lint), bundled into $@"

$(OPENAPI)/docs.html: $(OPENAPI)/openapi.json $(NODE_TOOLS)/build_docs.mjs
	@node $(NODE_TOOLS)/build_docs.mjs $< $@

$(OPENAPI)/session/session.js: $(OPENAPI)/openapi.json $(NODE_TOOLS)/client_session.ts
	@rm -rf $(OPENAPI)/session && mkdir -p $(OPENAPI)/session
	@$(NODE_TOOLS)/node_modules/.bin/openapi-ts -i $< -o $(OPENAPI)/session/client \
		-c @hey-api/client-fetch >$(OPENAPI)/openapi-ts.log 2>&1 || { cat $(OPENAPI)/openapi-ts.log; exit 1; }
	@cp $(NODE_TOOLS)/client_session.ts $(OPENAPI)/session/session.ts
	@$(NODE_TOOLS)/node_modules/.bin/tsc --strict --target es2022 --module commonjs \
		--moduleResolution node10 --lib es2022,dom --types node \
		--typeRoots $(NODE_TOOLS)/node_modules/@types --skipLibCheck $(OPENAPI)/session/session.ts

docs: $(OPENAPI)/openapi.json $(OPENAPI)/docs.html

# What `make test` builds and checks before the service runs: the document, the page, the
# generated client's session, and the route table against the document (both ways).
openapi: docs $(OPENAPI)/session/session.js $(BUILD)/crmctl
	@$(BUILD)/crmctl routes >$(OPENAPI)/routes.txt
	@node $(NODE_TOOLS)/check_routes.mjs $(OPENAPI)/openapi.json $(OPENAPI)/routes.txt
	@$(BUILD)/crmctl lifecycle >$(OPENAPI)/lifecycle.md
	@sed -n '/lifecycle:begin/,/lifecycle:end/p' docs/openapi.yaml | sed '1d;$$d;s/^    //' | \
		diff -u $(OPENAPI)/lifecycle.md - >/dev/null || \
		{ echo "docs/openapi.yaml: the lifecycle table differs from 'crmctl lifecycle'"; exit 1; }

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
