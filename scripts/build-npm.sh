#!/usr/bin/env bash
# Builds the npm package's WebAssembly part: the wasm crate for
# wasm32-unknown-unknown with the size profile `wasm-release` (root
# Cargo.toml), then wasm-bindgen's Node (CommonJS) glue into npm/wasm/,
# names section dropped (nothing reads it; Node decodes it at compile), and
# the glue's compile-at-require replaced by an on-demand instantiation that
# npm/lib/wasm.js drives (it compiles the module off the main thread; see
# docs/adr/0003). The output is build output (.gitignore'd) that `npm pack`
# includes (package.json "files"). Idempotent; needs the tools of
# scripts/install-tools.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

cargo build -p agent-secrets-wasm --profile wasm-release --target wasm32-unknown-unknown
rm -rf npm/wasm.tmp
mkdir npm/wasm.tmp
# No multi-value returns at the JavaScript boundary (docs/adr/0012): the
# module's target_features section says `+multivalue` (rustc's default), and
# wasm-bindgen then rewrites every export that returns a string or a Result
# to return several values. V8 (Node 20) has no generic JS-to-wasm wrapper
# for such signatures and compiles one per signature with TurboFan while
# the module compiles: 38 of them, ~8 ms of CPU per cold start. Marked
# `-multivalue` (the same length, one place), wasm-bindgen keeps the
# return-pointer ABI, whose exports the generic wrapper serves. The code
# itself is unchanged; the build fails if the section is not as expected.
node - target/wasm32-unknown-unknown/wasm-release/agent_secrets_wasm.wasm \
  npm/wasm.tmp/input.wasm <<'JS'
const fs = require('node:fs');
const [from, to] = process.argv.slice(2);
const bytes = fs.readFileSync(from);
const marker = Buffer.from('+\nmultivalue');
const at = bytes.indexOf(marker);
if (at < 0 || bytes.indexOf(marker, at + 1) >= 0 || bytes.indexOf('target_features') < 0) {
  console.error('build-npm.sh: the module does not advertise multivalue once; update the patch');
  process.exit(1);
}
bytes[at] = '-'.charCodeAt(0);
fs.writeFileSync(to, bytes);
JS
wasm-bindgen --target nodejs --no-typescript --remove-name-section --remove-producers-section \
  --out-dir npm/wasm.tmp --out-name agent_secrets_wasm npm/wasm.tmp/input.wasm
rm npm/wasm.tmp/input.wasm
node - npm/wasm.tmp/agent_secrets_wasm.js <<'JS'
// The glue ends by compiling and instantiating the module synchronously at
// require. Replace exactly that with `__instantiate(module)` (called once
// by npm/lib/wasm.js, which reads the .wasm itself); fail the build if the glue changed.
const fs = require('node:fs');
const file = process.argv[2];
const src = fs.readFileSync(file, 'utf8');
const eager = [
  'const wasmPath = `${__dirname}/agent_secrets_wasm_bg.wasm`;',
  "const wasmBytes = require('fs').readFileSync(wasmPath);",
  'const wasmModule = new WebAssembly.Module(wasmBytes);',
  'let wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports());',
  'let wasm = wasmInstance.exports;',
  'wasm.__wbindgen_start();',
].join('\n');
const onDemand = [
  'const wasmPath = `${__dirname}/agent_secrets_wasm_bg.wasm`;',
  '// agent-secrets (scripts/build-npm.sh): instantiated once, on demand, by lib/wasm.js.',
  'let wasm;',
  'exports.__instantiate = function (wasmModule) {',
  '    if (wasm !== undefined) return;',
  '    const wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports());',
  '    wasm = wasmInstance.exports;',
  '    wasm.__wbindgen_start();',
  '};',
].join('\n');
const at = src.lastIndexOf(eager);
if (at < 0 || src.indexOf(eager) !== at || src.slice(at + eager.length).trim() !== '') {
  console.error('build-npm.sh: the wasm-bindgen glue does not end as expected; update the patch');
  process.exit(1);
}
fs.writeFileSync(file, src.slice(0, at) + onDemand + '\n');
JS
# Swap in whole: a test run never sees half a build.
rm -rf npm/wasm
mv npm/wasm.tmp npm/wasm
printf 'npm/wasm: %s bytes of wasm\n' "$(wc -c < npm/wasm/agent_secrets_wasm_bg.wasm)"
