#!/usr/bin/env bash
# Builds the dashboard's browser module: the wasm crate for
# wasm32-unknown-unknown with the size profile `wasm-release`, then
# wasm-bindgen's `--target web` glue, into web/pkg/ (or the folder given as
# $1), with its TypeScript declarations (for the page's type check).
# A second argument `hazmat` builds the crate with its `hazmat` feature
# (the raw primitives, for the end-to-end suite's Wycheproof run): such a
# build is a test's, never web/pkg/.
# web/pkg/ is committed: the `agent` binary embeds it, so a fresh
# clone builds a working dashboard with cargo alone. scripts/test.sh
# rebuilds it into a temporary folder and fails if the bytes differ.
#
# Reproducible: its own target folder (target/web-wasm), paths of this
# checkout and of the cargo home remapped, fixed flags; BUILD.txt beside
# the output names the toolchain that made it. Needs the tools of
# scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
out="${1:-web/pkg}"
features=()
case "${2:-}" in
  "") ;;
  hazmat) features=(--features hazmat) ;;
  *) echo "usage: scripts/build-web.sh [OUT] [hazmat]" >&2; exit 2 ;;
esac
repo="$(pwd -P)"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"

# RUSTFLAGS replaces the target's rustflags of .cargo/config.toml, so the
# getrandom backend is repeated here.
RUSTFLAGS="--cfg getrandom_backend=\"wasm_js\" --remap-path-prefix=$repo=/src --remap-path-prefix=$cargo_home=/cargo" \
CARGO_TARGET_DIR="$repo/target/web-wasm" \
  cargo build --quiet --locked -p agent-secrets-wasm --profile wasm-release --target wasm32-unknown-unknown "${features[@]}"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --remove-name-section --remove-producers-section \
  --out-dir "$tmp" --out-name agent_secrets_wasm \
  "$repo/target/web-wasm/wasm32-unknown-unknown/wasm-release/agent_secrets_wasm.wasm"
{
  echo "# Made by scripts/build-web.sh; checked by scripts/test.sh."
  rustc --version
  wasm-bindgen --version
} > "$tmp/BUILD.txt"
mkdir -p "$out"
files=(agent_secrets_wasm.js agent_secrets_wasm.d.ts agent_secrets_wasm_bg.wasm BUILD.txt)
for f in "${files[@]}"; do cp "$tmp/$f" "$out/$f"; done
printf '%s: %s bytes of wasm\n' "$out" "$(wc -c < "$out"/agent_secrets_wasm_bg.wasm)"
