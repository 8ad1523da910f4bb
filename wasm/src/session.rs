//! The session agent's client side for the npm package: where the socket
//! is, whether its folder and socket may be used, the key request, and
//! opening a vault with the agent's answer. Node does the system calls
//! (`lstat`, `node:net`); every rule and every byte of the protocol is
//! the core's ([`agent_secrets_core::session`]).

use agent_secrets_core::format::{parse_config, CONFIG_FILE};
use agent_secrets_core::session::{self, frame_body, parse_response, Request, Response};
use agent_secrets_core::{Error, ErrorKind, Store, Vault as CoreVault, VaultKey};
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::error::{js_error, IntoJs};
use crate::files::file_stat;
use crate::store::{JsStore, StoreObject};
use crate::vault::{timestamp, AnyStore, Vault};

/// The socket of the vault whose canonical path is `canonical_vault_path`
/// (its bytes): `$XDG_RUNTIME_DIR/agent-secrets/<hash>.sock` when
/// `runtime_dir` is absolute, else `<temp_dir>/agent-secrets-<uid>/<hash>.sock`.
/// Throws when the path is too long for a Unix socket.
#[wasm_bindgen(js_name = sessionSocketPath)]
pub fn session_socket_path(
    runtime_dir: Option<String>,
    temp_dir: &str,
    uid: u32,
    canonical_vault_path: &[u8],
) -> Result<String, JsValue> {
    let dir = session::socket_dir(runtime_dir.as_deref(), temp_dir, uid);
    session::socket_path(&dir, canonical_vault_path)
        .map_err(|p| js_error(&p.to_string(), ErrorKind::Io))
}

/// Why the socket folder `path` (its `lstat`: `mode`, `uid`) may not be
/// used by the user `euid`, or `undefined` if it may.
#[wasm_bindgen(js_name = sessionFolderProblem)]
pub fn session_folder_problem(path: &str, mode: u32, uid: u32, euid: u32) -> Option<String> {
    session::check_socket_folder(path, &file_stat(mode, uid, 1.0, 0.0), euid)
        .err()
        .map(|p| p.to_string())
}

/// Why the socket `path` (its `lstat`) may not be used by the user `euid`,
/// or `undefined` if it may.
#[wasm_bindgen(js_name = sessionSocketProblem)]
pub fn session_socket_problem(path: &str, mode: u32, uid: u32, euid: u32) -> Option<String> {
    session::check_socket(path, &file_stat(mode, uid, 1.0, 0.0), euid)
        .err()
        .map(|p| p.to_string())
}

/// Whether `AGENT_SECRETS_NO_SESSION` (its value) turns sessions off.
#[wasm_bindgen(js_name = sessionDisabled)]
pub fn session_disabled(value: Option<String>) -> bool {
    session::disabled_by_env(value.as_deref())
}

/// The key request for the vault in `store` (the `vault_key_id` its
/// `config.json` names, unverified) whose canonical path is
/// `canonical_vault_path`, as one frame; `undefined` when there is no
/// `config.json` that parses.
#[wasm_bindgen(js_name = sessionKeyRequest)]
pub fn session_key_request(
    store: StoreObject,
    canonical_vault_path: &[u8],
) -> Result<Option<Vec<u8>>, JsValue> {
    let store = JsStore::new(store);
    let Some(config) = store
        .read(CONFIG_FILE)
        .ok()
        .flatten()
        .and_then(|bytes| parse_config(&bytes).ok())
    else {
        return Ok(None);
    };
    let frame = session::encode_request(&Request::Key {
        id: &config.vault_key_id,
        path: canonical_vault_path,
    })
    .map_err(|e| js_error(&e.to_string(), ErrorKind::Usage))?;
    Ok(Some(frame.to_vec()))
}

/// The length of the frame whose first 4 bytes are `header`, prefix
/// included (throws when out of bounds): how many bytes to wait for.
#[wasm_bindgen(js_name = sessionFrameLength)]
pub fn session_frame_length(header: &[u8]) -> Result<u32, JsValue> {
    let prefix: [u8; session::HEADER] = header
        .get(..session::HEADER)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| js_error("session message: truncated", ErrorKind::Io))?;
    let len = session::body_len(prefix).map_err(|e| js_error(&e.to_string(), ErrorKind::Io))?;
    Ok(u32::try_from(len + session::HEADER).unwrap_or(u32::MAX))
}

#[wasm_bindgen]
impl Vault {
    /// Opens the vault in `store` with a session agent's answer `frame` (a
    /// whole frame; the caller wipes its copy): no password, no KDF. The
    /// key's id must be the vault's current one and `config.json` must
    /// verify under it. `undefined` when the session has ended; a miss
    /// (the vault was rotated or replaced) throws the core's miss
    /// (`WRONG_PASSWORD`), after which the caller uses the password.
    #[wasm_bindgen(js_name = unlockWithSession)]
    pub fn unlock_with_session(
        store: StoreObject,
        frame: &[u8],
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<Option<Vault>, JsValue> {
        let frame = Zeroizing::new(frame.to_vec());
        let now = timestamp(now_unix_seconds).js()?;
        let protocol = |e: session::ProtocolError| js_error(&e.to_string(), ErrorKind::Io);
        let key = match parse_response(frame_body(&frame).map_err(protocol)?).map_err(protocol)? {
            Response::Key { id, key, .. } => VaultKey::from_bytes(id, *key).js()?,
            Response::Miss(_) => return Err(Error::VaultKeyMiss).js(),
            Response::Locked => return Ok(None),
            _ => {
                return Err(js_error(
                    "session message: not an answer to a key request",
                    ErrorKind::Io,
                ))
            }
        };
        let store = AnyStore::Js(JsStore::new(store));
        let inner = CoreVault::unlock_with_vault_key(store, key, now).js()?;
        Ok(Some(Vault::on_js_store(inner)))
    }
}
