//! The folder rules through the wasm build, under Node: the bindings the
//! npm package's file store calls, and a refusal thrown by a store
//! reaching JavaScript as the core's message, unwrapped.
//!
//! `cargo test -p agent-secrets-wasm --target wasm32-unknown-unknown`

#![cfg(target_arch = "wasm32")]

use agent_secrets_wasm::{
    file_problem, folder_problem, is_temp_name, list, max_bytes, size_problem, temp_name,
    StoreObject,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen(inline_js = r#"
export function refusingStore(message) {
  const refuse = () => { const e = new Error(message); e.refused = true; throw e; };
  return { read: refuse, write: refuse, remove: refuse, list: refuse, lock: refuse, unlock: refuse };
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = refusingStore)]
    fn refusing_store(message: &str) -> StoreObject;
}

const ME: u32 = 1000;

#[wasm_bindgen_test]
fn the_bindings_give_the_cores_decisions() {
    assert_eq!(
        file_problem("v/a.json", "a.json", 0o100_600, ME, 1.0, 10.0, ME, "read").expect("ok"),
        None
    );
    let fifo = file_problem("v/.lock", ".lock", 0o010_600, ME, 1.0, 0.0, ME, "read")
        .expect("ok")
        .expect("a FIFO is refused");
    assert!(
        fifo.starts_with("v/.lock is a FIFO (named pipe), not a regular file"),
        "{fifo}"
    );
    let linked = file_problem(
        "v/audit.log",
        "audit.log",
        0o100_600,
        ME,
        2.0,
        0.0,
        ME,
        "append",
    )
    .expect("ok")
    .expect("two links refused for an append");
    assert!(linked.contains("has 2 hard links"), "{linked}");
    assert!(file_problem("v/x", "x", 0o100_600, ME, 1.0, 0.0, ME, "write").is_err());
    let folder = folder_problem("v/", 0o040_777, ME, ME).expect("world-writable");
    assert!(folder.ends_with("Fix: `chmod 700 v/`."), "{folder}");
    assert_eq!(folder_problem("v/", 0o040_700, 0, ME), None);
    assert_eq!(max_bytes("config.json"), 1_048_576.0);
    assert!(size_problem("v/config.json", "config.json", 1_048_577.0).is_some());
    let name = temp_name().expect("random");
    assert!(is_temp_name(&name), "{name}");
    assert!(!is_temp_name("notes.tmp.txt"));
}

#[wasm_bindgen_test]
fn a_refusal_thrown_by_the_store_is_the_cores_message_as_it_is() {
    let message = "v/ is owned by uid 7, not by you (uid 1000) or root: its owner could change what agent secrets reads. Fix: `chown -R 1000 v/` (as root), or use a vault of your own.";
    let Err(thrown) = list(refusing_store(message), None) else {
        panic!("expected the refusal");
    };
    let error: js_sys::Error = thrown.dyn_into().expect("an Error object");
    assert_eq!(String::from(error.message()), message);
    let code = js_sys::Reflect::get(&error, &JsValue::from_str("code"))
        .expect("code")
        .as_string();
    assert_eq!(code.as_deref(), Some("IO"));
}
