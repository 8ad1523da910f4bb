#!/usr/bin/env bash
# Every test of the project, from a fresh clone. Installs what it needs
# first (scripts/install-tools.sh), then: formatting, lints, docs, the Rust
# test suites (core, CLI black-box), core's line coverage (a floor), the
# wasm build's tests under Node, the npm package's build and tests (node
# --test), the dashboard (its committed browser build rebuilt and compared,
# its JavaScript type-checked, the end-to-end suite in headless Chromium),
# and the CI gate (agent preflight and agent secret scan on this repository).
# Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never
# Core's line coverage (cargo llvm-cov's summary) may not fall below this
# percent: every line. llvm-cov counts a line of a function as covered only
# when one build of it ran the line (a generic function has one build per
# type and test crate; the library has one for its unit tests and one for
# the integration tests), so new core code comes with tests that run all of
# it in one place. `cargo llvm-cov -p agent-secrets-core --show-missing-lines`
# names the lines no build ran.
CORE_LINE_FLOOR=100

step() { printf '\n==> %s\n' "$*"; }

step "tools"
bash scripts/install-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo clippy (libraries and binaries only: the shipped build, without the tests' hazmat feature)"
cargo clippy --workspace -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "npm ci in tests/dotenv (the dotenv package the .env parser is compared with)"
(cd tests/dotenv && npm ci --no-audit --no-fund --loglevel=error)

step "Rust tests (core, CLI black-box)"
cargo test --workspace

step "core: line coverage of its tests (cargo llvm-cov, fails below the floor)"
# The instrumented build lives in target/llvm-cov-target/.
cargo llvm-cov -p agent-secrets-core --summary-only --fail-under-lines "$CORE_LINE_FLOOR"

step "wasm build: tests under Node (wasm-bindgen-test)"
cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown

step "npm package: build (release wasm + wasm-bindgen --target nodejs into npm/wasm/)"
bash scripts/build-npm.sh

step "npm package: node --test against the CLI (debug build), packed tarball included"
cargo build -p agent-cli --bin agent
# No dependencies to install: the package and its tests use Node's own modules.
(cd npm && AGENT_BIN="$PWD/../target/debug/agent" node --test test/*.test.js)

step "dashboard: the committed browser build (web/pkg) is what the sources build"
web_check="$(mktemp -d)"
bash scripts/build-web.sh "$web_check" >/dev/null
for f in agent_secrets_wasm.js agent_secrets_wasm.d.ts agent_secrets_wasm_bg.wasm BUILD.txt; do
  if ! cmp -s "$web_check/$f" "web/pkg/$f"; then
    echo "web/pkg/$f differs from a fresh build: run scripts/build-web.sh and commit web/pkg/" >&2
    diff <(cat "web/pkg/BUILD.txt") <(cat "$web_check/BUILD.txt") >&2 || true
    exit 1
  fi
done
rm -rf "$web_check"
echo "web/pkg is reproducible"

step "dashboard: npm ci in tests/e2e, tsc --checkJs of the page, end-to-end in headless Chromium"
(
  cd tests/e2e
  npm ci --no-audit --no-fund --loglevel=error
  npx tsc -p ../../web/jsconfig.json
  AGENT_BIN="$PWD/../../target/debug/agent" node --test --test-concurrency=1 dashboard.test.js
)

step "CI gate: agent preflight and agent secret scan with a throw-away vault"
# The seed's governance check: a fresh vault must pass preflight, and no
# file git tracks may hold a stored value or a well-known key pattern.
# Password and value are generated here, passed by environment and stdin
# (never argv), and die with the temporary folder.
cargo build -p agent-cli --bin agent --quiet
gate_dir="$(mktemp -d)"
trap 'rm -rf "$gate_dir"' EXIT
(
  export AGENT_SECRETS_DIR="$gate_dir/secrets"
  AGENT_SECRETS_PASSWORD="Ci-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')-Gate9"
  export AGENT_SECRETS_PASSWORD
  agent=target/debug/agent
  "$agent" secret init --iterations 100000 >/dev/null
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n' | "$agent" secret set ci throwaway --value-stdin >/dev/null
  "$agent" preflight
  git rev-parse --is-inside-work-tree >/dev/null || { echo "the gate scans git-tracked files: run it in a git checkout" >&2; exit 1; }
  "$agent" secret scan
)

step "all tests passed"
