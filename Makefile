# vethkit: build, test and try the commands.
#   make demo    the walk-through, run in a throwaway sandbox
#   make test    unit tests, then the end-to-end tests (as root and as nobody)
#   make bench   vethkit against iproute2, labs of 100 and 1000 hosts, in sandboxes
#
# For packagers:
#   make                          release binaries (cargo build --release --locked)
#   make install DESTDIR=... PREFIX=/usr
#   make uninstall DESTDIR=... PREFIX=/usr
#   make vendor                   vendor/ and .cargo/config.toml, for an offline build
#   make docs                     regenerate man/ and completions/ (they are committed)

CARGO ?= cargo
INSTALL ?= install

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

# The commands are the ones with a man page (crates/xtask writes one for each).
COMMANDS := $(basename $(notdir $(wildcard man/*.8)))
RELEASE_DIR := $(or $(CARGO_TARGET_DIR),target)/release

.PHONY: all build debug test lint demo bench docs install uninstall vendor clean tools-demo tools-test

all: build

build:
	$(CARGO) build --release --locked

debug:
	$(CARGO) build --locked --bins

# Say which packages are missing, and how to install them, before anything.
tools-demo:
	@tests/need-tools demo

tools-test:
	@tests/need-tools test

test: tools-test debug build
	$(CARGO) test --locked --workspace
	CARGO=$(CARGO) tests/as-user

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

demo: tools-demo build
	$(CARGO) build --release --locked -p vethkit-tests --bin vethkit-test-tcp
	tests/sandbox env PATH="$(CURDIR)/target/release:$$PATH:/usr/sbin:/sbin" examples/walkthrough.sh

bench: build
	$(CARGO) build --release --locked -p vethkit-tests --bin vethkit-bench
	bench/run

docs:
	$(CARGO) run --locked --quiet -p xtask -- docs

install:
	@for command in $(COMMANDS); do \
	    test -x "$(RELEASE_DIR)/$$command" || { \
	        echo "make install: $(RELEASE_DIR)/$$command is missing; run make first" >&2; exit 1; }; \
	done
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man8" \
	    "$(DESTDIR)$(BASHCOMPDIR)" "$(DESTDIR)$(ZSHCOMPDIR)" "$(DESTDIR)$(FISHCOMPDIR)"
	for command in $(COMMANDS); do \
	    $(INSTALL) -m 755 "$(RELEASE_DIR)/$$command" "$(DESTDIR)$(BINDIR)/$$command" && \
	    $(INSTALL) -m 644 "man/$$command.8" "$(DESTDIR)$(MANDIR)/man8/$$command.8" && \
	    $(INSTALL) -m 644 "completions/bash/$$command" "$(DESTDIR)$(BASHCOMPDIR)/$$command" && \
	    $(INSTALL) -m 644 "completions/zsh/_$$command" "$(DESTDIR)$(ZSHCOMPDIR)/_$$command" && \
	    $(INSTALL) -m 644 "completions/fish/$$command.fish" "$(DESTDIR)$(FISHCOMPDIR)/$$command.fish" \
	    || exit 1; \
	done

uninstall:
	for command in $(COMMANDS); do \
	    rm -f "$(DESTDIR)$(BINDIR)/$$command" "$(DESTDIR)$(MANDIR)/man8/$$command.8" \
	        "$(DESTDIR)$(BASHCOMPDIR)/$$command" "$(DESTDIR)$(ZSHCOMPDIR)/_$$command" \
	        "$(DESTDIR)$(FISHCOMPDIR)/$$command.fish"; \
	done

# Every crate the build needs, in vendor/, and the .cargo/config.toml that
# makes cargo take them from there: then `make` builds without a network.
vendor:
	mkdir -p .cargo
	$(CARGO) vendor --locked vendor > .cargo/config.toml.new
	mv .cargo/config.toml.new .cargo/config.toml

clean:
	$(CARGO) clean
