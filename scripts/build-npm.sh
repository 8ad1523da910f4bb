#!/usr/bin/env bash
# Builds the npm package's WebAssembly part: the wasm crate in release for
# wasm32-unknown-unknown, then wasm-bindgen's Node (CommonJS) glue into
# npm/wasm/. The output is build output (.gitignore'd) that `npm pack`
# includes (package.json "files"). Idempotent; needs the tools of
# scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build -p agent-secrets-wasm --release --target wasm32-unknown-unknown
rm -rf npm/wasm.tmp
wasm-bindgen --target nodejs --no-typescript \
  --out-dir npm/wasm.tmp --out-name agent_secrets_wasm \
  target/wasm32-unknown-unknown/release/agent_secrets_wasm.wasm
# Swap in whole: a test run never sees half a build.
rm -rf npm/wasm
mv npm/wasm.tmp npm/wasm
printf 'npm/wasm: %s bytes of wasm\n' "$(wc -c < npm/wasm/agent_secrets_wasm_bg.wasm)"
