# vethkit: build, test and try the commands.
#   make demo    the walk-through, run in a throwaway sandbox
#   make test    unit tests, then the end-to-end tests (as root and as nobody)

CARGO ?= cargo

.PHONY: all build debug test lint demo clean

all: build

build:
	$(CARGO) build --release --locked

debug:
	$(CARGO) build --locked --bins

test: debug
	$(CARGO) test --locked --workspace
	CARGO=$(CARGO) tests/as-user

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

demo: build
	tests/sandbox env PATH="$(CURDIR)/target/release:$$PATH" examples/walkthrough.sh

clean:
	$(CARGO) clean
