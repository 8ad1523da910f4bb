#!/usr/bin/env bash
# Installs what the test suite needs, only where it is missing (idempotent):
#   - the wasm32-unknown-unknown target;
#   - wasm-bindgen-cli at exactly the version the wasm crate pins;
#   - cargo-llvm-cov and rustup's llvm-tools (core's line coverage gate);
#   - Debian's chromium (the dashboard's end-to-end tests drive it with
#     playwright-core from npm; no browser is downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The pin lives in the workspace Cargo.toml: wasm-bindgen = "=X.Y.Z".
want=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
[ -n "$want" ] || { echo "cannot find the wasm-bindgen pin in Cargo.toml" >&2; exit 1; }
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none}); this takes a few minutes"
  # --locked first for reproducibility; a yanked transitive crate can make
  # the lock file unusable, then resolve afresh.
  cargo install wasm-bindgen-cli --version "$want" --locked --force ||
    cargo install wasm-bindgen-cli --version "$want" --force
fi

if ! rustup component list --installed | grep -q '^llvm-tools'; then
  say "adding rustup's llvm-tools (for cargo llvm-cov)"
  rustup component add llvm-tools-preview
fi
if ! cargo llvm-cov --version >/dev/null 2>&1; then
  say "installing cargo-llvm-cov; this takes a few minutes"
  cargo install cargo-llvm-cov --version 0.9.1 --locked
fi

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/lib/chromium/chromium ]; then
  say "installing Debian's chromium (dashboard end-to-end tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  fi
fi
command -v node >/dev/null 2>&1 || { echo "node and npm are needed (Debian: apt-get install nodejs npm)" >&2; exit 1; }
