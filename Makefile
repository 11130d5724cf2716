# nir-viewer: the two commands of the README, and the pieces they are made of.
#   make run   installs what is missing, builds, and opens the viewer in training mode
#   make test  installs test dependencies too, then runs every check and test
# Both work as root and, through sudo, as a normal user.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT      := $(abspath .)
SHARED    ?= $(abspath $(ROOT)/../shared)
TARGET    := $(or $(CARGO_TARGET_DIR),$(ROOT)/target)
BIN       := $(TARGET)/debug/nir-viewer
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CARGO     ?= cargo
export CARGO_TERM_COLOR := never
ifneq ($(CI),)
export CARGO_INCREMENTAL := 0
endif

# Debian packages: what building and running the viewer needs.
APT_BUILD := build-essential pkg-config cmake clang libclang-dev curl file \
	libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev libxdo-dev \
	libdbus-1-dev libopenjp2-7-dev libcharls-dev libpcsclite-dev
# What only the tests need: a virtual display, the WebKit WebDriver, real DICOM peers.
APT_TEST := xvfb xauth dbus dbus-x11 webkit2gtk-driver dcmtk libgdcm-tools orthanc \
	orthanc-dicomweb strace imagemagick pcscd python3 python3-pip python3-numpy python3-pydicom \
	gnome-keyring openssl xdg-utils desktop-file-utils

.PHONY: help run sandbox test deps-build deps-test ui build lint test-safety test-ui test-e2e \
	test-rust test-corpus test-package bench fuzz package clean ipc-types

help:
	@echo "make run    install what is missing, build, open the viewer in training mode"
	@echo "make test   install test dependencies, run every check and test"
	@echo "make bench  benchmarks (see docs/benchmarks.md)"
	@echo "make sandbox  run the embedded NIR sandbox alone (see docs/sandbox.md)"
	@echo "make package  build the .deb (see docs/packaging.md)"

run: deps-build build
	"$(BIN)"

sandbox: deps-build build
	"$(BIN)" sandbox

test: deps-build deps-test test-safety lint test-ui build test-package test-e2e test-rust

# ---- dependencies -----------------------------------------------------------------------
define apt_install
	missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null \
		| grep -q 'install ok installed' || echo "$$p"; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages: $$missing"; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-build:
	@$(call apt_install,$(APT_BUILD))
	@command -v node >/dev/null && command -v npm >/dev/null || { $(call apt_install,nodejs npm) ; }
	@command -v $(CARGO) >/dev/null || { echo "Rust (cargo) is missing: install it with rustup, then run make again." >&2; exit 1; }
	@$(MAKE) --no-print-directory ui/node_modules/.package-lock.json

deps-test: deps-build
	@$(call apt_install,$(APT_TEST))
	@command -v cargo-nextest >/dev/null || $(CARGO) install cargo-nextest --locked
	@command -v tauri-driver >/dev/null || $(CARGO) install tauri-driver --version '^2' --locked
	@python3 -c 'import numpy, pydicom' 2>/dev/null || python3 -m pip install --quiet numpy pydicom \
		|| python3 -m pip install --quiet --break-system-packages numpy pydicom
	@$(MAKE) --no-print-directory tests/oidc/node_modules/.package-lock.json

# The independent OpenID Connect provider of the sign-in tests (oauth2-mock-server).
tests/oidc/node_modules/.package-lock.json: tests/oidc/package-lock.json tests/oidc/package.json
	cd tests/oidc && npm install --no-audit --no-fund
	touch $@

ui/node_modules/.package-lock.json: ui/package-lock.json ui/package.json
	# npm ci rejects lock files written without registry addresses; install honours the lock.
	cd ui && npm install --no-audit --no-fund
	touch $@

# ---- build ------------------------------------------------------------------------------
ui:
	cd ui && npm run --silent build

build: ui
	$(CARGO) build --bin nir-viewer

# ---- checks and tests -------------------------------------------------------------------
# Formatting; clippy, also of nir-core without its optional codec back ends (docs/imaging.md;
# about a minute the first time, seconds after); the minimum Rust version; the platform
# gates of Unix-only code (the Windows and macOS builds cannot be checked here, see
# .github/workflows/packages.yml) and those checks' own tests.
lint: ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p nir-core --no-default-features --all-targets -- -D warnings
	python3 tests/deps/check_rust_version.py
	python3 tests/deps/check_platform_gates.py
	python3 -m unittest discover -s tests/deps
	cd ui && npx tsc --noEmit && npx eslint .

test-ui:
	cd ui && npx vitest run

# The hazard log (docs/safety/hazard-log.md): every test it names exists, every hazard has a
# tested control, every rating follows the DCB0129 matrix; then the check's own tests.
test-safety:
	python3 tests/safety/check_hazard_log.py
	python3 -m unittest discover -s tests/safety

# Every file in tests/e2e/. The ephemerality test runs the viewer under strace (APT_TEST) and
# reads its memory after close, which the viewer (non-dumpable) allows only to root.
test-e2e: build
	mkdir -p "$(TARGET)/e2e"
	NIR_VIEWER_BIN="$(BIN)" xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- \
		node --test --test-concurrency=1 tests/e2e/

test-rust:
	NIR_SHARED_DIR="$(SHARED)" $(CARGO) nextest run --no-fail-fast

# The TypeScript twins of the types that cross the IPC, ui/src/ipc/generated.ts, rendered
# from the Rust types (src-tauri/src/commands/ipc_types.rs). test-rust fails while the
# checked-in file differs from what the Rust types say; this writes it afresh.
ipc-types:
	UPDATE_IPC_TYPES=1 $(CARGO) test -p nir-viewer --lib commands::ipc_types::generated_file

# The Tauri CLI (major 2) comes from the UI's npm packages, as a prebuilt binary. It finds
# src-tauri/tauri.conf.json from the repository root and builds into $(TARGET).
TAURI := $(ROOT)/ui/node_modules/.bin/tauri

# The .deb of the debug build, installed, checked, removed and purged in a throwaway root
# (tests/package/deb_install.sh); the Windows and macOS configuration is checked statically.
test-package: build
	python3 tests/package/check_platform_configs.py
	rm -rf "$(TARGET)/debug/bundle/deb"
	$(TAURI) bundle --debug --bundles deb --ci
	packaging/linux/finish-deb.sh "$$(ls "$(TARGET)"/debug/bundle/deb/*.deb)"
	tests/package/deb_install.sh "$$(ls "$(TARGET)"/debug/bundle/deb/*.deb)"

# ---- beyond make test -------------------------------------------------------------------
# The release .deb, in $(TARGET)/release/bundle/deb/ (docs/packaging.md).
package: deps-build ui
	rm -rf "$(TARGET)/release/bundle/deb"
	$(TAURI) build --bundles deb --ci
	packaging/linux/finish-deb.sh "$$(ls "$(TARGET)"/release/bundle/deb/*.deb)"

bench: bench-retrieve

# Retrieval: local Orthanc vs curl, first image, peak memory (docs/benchmarks.md).
.PHONY: bench-retrieve
bench-retrieve:
	NIR_SHARED_DIR="$(SHARED)" bench/retrieve.sh

bench: bench-decode

# Decode throughput per transfer syntax vs DCMTK and GDCM, on the shared corpus and on large
# synthetic images made at run time (numpy, pydicom) (docs/benchmarks.md).
.PHONY: bench-decode
bench-decode: deps-build ui
	@$(call apt_install,dcmtk libgdcm-tools python3 python3-numpy python3-pydicom)
	@python3 -c 'import numpy, pydicom' 2>/dev/null || python3 -m pip install --quiet numpy pydicom \
		|| python3 -m pip install --quiet --break-system-packages numpy pydicom
	# nir-render is `nir-viewer render` without the window's libraries (start-up of a few ms,
	# not about 70); built in the same command so its dependencies' features are the viewer's.
	$(CARGO) build --release --bin nir-viewer --bin nir-render
	NIR_SHARED_DIR="$(SHARED)" bench/decode.sh "$(TARGET)/release/nir-render"

bench: bench-ui

# The window as the clinician feels it: first image, window/level drag and stack scroll rates,
# and the viewer's own cost per step, measured in the page while bench/ui.mjs drives the release
# build with debug assertions (profile ui-bench: a release build stays incognito, which
# tauri-driver cannot attach to) (docs/benchmarks.md).
.PHONY: bench-ui
bench-ui: deps-test ui
	$(CARGO) build --profile ui-bench --bin nir-viewer
	mkdir -p /tmp/nir-viewer-bench && chmod 700 /tmp/nir-viewer-bench
	XDG_RUNTIME_DIR=/tmp/nir-viewer-bench NIR_VIEWER_BIN="$(TARGET)/ui-bench/nir-viewer" \
		xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- node bench/ui.mjs

# Fuzzing (not part of `make test`): every target of the fuzz/ crate for FUZZ_SECONDS each.
# cargo-fuzz needs a nightly toolchain (-Z sanitizer flags); without cargo-fuzz or nightly
# this says so and succeeds, fuzzing nothing. -malloc_limit_mb makes any single allocation
# larger than that a crash: inputs are a few KiB, so such a block was sized from a claim.
FUZZ_SECONDS ?= 60
FUZZ_MALLOC_MB ?= 1024
fuzz: deps-build ui
	@if ! command -v cargo-fuzz >/dev/null; then \
		echo "make fuzz: cargo-fuzz is not installed (cargo install cargo-fuzz); nothing fuzzed."; exit 0; fi; \
	if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then \
		echo "make fuzz: no nightly toolchain (rustup toolchain install nightly); nothing fuzzed."; exit 0; fi; \
	mkdir -p fuzz/corpus/decode_dicom fuzz/corpus/dicom_lengths; \
	if [ -d "$(SHARED)/corpus/dicom" ]; then \
		cp -n "$(SHARED)"/corpus/dicom/*.dcm fuzz/corpus/decode_dicom/ 2>/dev/null || true; \
		cp -n "$(SHARED)"/corpus/dicom/*.dcm fuzz/corpus/dicom_lengths/ 2>/dev/null || true; fi; \
	for target in $$(cargo +nightly fuzz list); do \
		echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
		cargo +nightly fuzz run "$$target" -- -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=4096 -malloc_limit_mb=$(FUZZ_MALLOC_MB); \
	done

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
