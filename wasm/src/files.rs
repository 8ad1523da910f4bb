//! The rules for the vault folder's files ([`agent_secrets_core::files`]),
//! for the npm package's file store: it `lstat`s or `fstat`s, passes the
//! numbers here, and throws the message it gets back. Each binding converts
//! and calls the core.

use agent_secrets_core::files::{self, Access, FileStat};
use agent_secrets_core::ErrorKind;
use wasm_bindgen::prelude::*;

use crate::error::{js_error, IntoJs};

/// `access` as the core's [`Access`]: `"read"`, `"tail"`, `"append"`,
/// `"inspect"` or `"report"`.
fn access(name: &str) -> Result<Access, JsValue> {
    match name {
        "read" => Ok(Access::Read),
        "tail" => Ok(Access::Tail),
        "append" => Ok(Access::Append),
        "inspect" => Ok(Access::Inspect),
        "report" => Ok(Access::ReadToReport),
        _ => Err(js_error(
            "access must be read, tail, append, inspect or report.",
            ErrorKind::Usage,
        )),
    }
}

/// The numbers of `fs.Stats` the rules need (`as` saturates a JavaScript
/// number that is not a u64).
pub(crate) fn file_stat(mode: u32, uid: u32, nlink: f64, size: f64) -> FileStat {
    FileStat {
        mode,
        uid,
        nlink: nlink as u64,
        size: size as u64,
    }
}

/// Why the vault folder `path` (its `lstat`: `mode`, `uid`) may not be
/// used by the user `euid`, or `undefined` if it may.
#[wasm_bindgen(js_name = folderProblem)]
pub fn folder_problem(path: &str, mode: u32, uid: u32, euid: u32) -> Option<String> {
    files::check_folder(path, &file_stat(mode, uid, 1.0, 0.0), euid)
        .err()
        .map(|p| p.to_string())
}

/// Why the file `name` (shown as `path`; its `fstat`, or its `lstat` when
/// the open failed) may not be used for `access` by the user `euid`, or
/// `undefined` if it may.
#[wasm_bindgen(js_name = fileProblem)]
#[allow(clippy::too_many_arguments)]
pub fn file_problem(
    path: &str,
    name: &str,
    mode: u32,
    uid: u32,
    nlink: f64,
    size: f64,
    euid: u32,
    access_name: &str,
) -> Result<Option<String>, JsValue> {
    let stat = file_stat(mode, uid, nlink, size);
    Ok(
        files::check_file(path, name, &stat, euid, access(access_name)?)
            .err()
            .map(|p| p.to_string()),
    )
}

/// Why `size` bytes read of the file `name` are too many, or `undefined`.
#[wasm_bindgen(js_name = sizeProblem)]
pub fn size_problem(path: &str, name: &str, size: f64) -> Option<String> {
    files::check_size(path, name, size as u64)
        .err()
        .map(|p| p.to_string())
}

/// The most bytes read whole of the file `name`.
#[wasm_bindgen(js_name = maxBytes)]
pub fn max_bytes(name: &str) -> f64 {
    files::max_bytes(name) as f64
}

/// A fresh temporary file name (`.agent-tmp-` and 16 random hex characters).
#[wasm_bindgen(js_name = tempName)]
pub fn temp_name() -> Result<String, JsValue> {
    files::temp_name().js()
}

/// Whether `name` is a temporary file of ours (the only names ever swept).
#[wasm_bindgen(js_name = isTempName)]
pub fn is_temp_name(name: &str) -> bool {
    files::is_temp_name(name)
}
