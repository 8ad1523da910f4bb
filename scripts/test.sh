#!/usr/bin/env bash
# Every test of the project, from a fresh clone. Installs what it needs
# first (scripts/install-tools.sh), then: formatting, lints, docs, the Rust
# test suites (core, CLI black-box), and the wasm build's tests under Node.
# Fails on the first failing step.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=never

step() { printf '\n==> %s\n' "$*"; }

step "tools"
bash scripts/install-tools.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

step "Rust tests (core, CLI black-box)"
cargo test --workspace

step "wasm build: tests under Node (wasm-bindgen-test)"
cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown

step "all tests passed"
