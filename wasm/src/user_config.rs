//! The user's own configuration (outside any vault) and the alert command
//! it names: the package opens the file, the core decides
//! ([`agent_secrets_core::user_config`]).

use agent_secrets_core::user_config::{self, FileFacts, FileState};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::set;

#[wasm_bindgen(typescript_custom_section)]
const USER_CONFIG_TS: &'static str = r#"
/** What the front end found at the user configuration file's path. */
export type AgentSecretsUserConfigFile =
  | { state: "absent" }
  | { state: "symlink" }
  | { state: "unreadable"; reason: string }
  | { state: "opened"; regular: boolean; owner: number; mode: number; bytes: Uint8Array };
/** What `alertCommand` decided. */
export interface AgentSecretsAlertCommand { command?: string[]; warning?: string; }
"#;

/// The user configuration file's path from `XDG_CONFIG_HOME` and `HOME`
/// ([`user_config::path`]); `undefined` when neither gives one.
#[wasm_bindgen(js_name = userConfigPath)]
pub fn user_config_path(
    #[wasm_bindgen(js_name = xdgConfigHome)] xdg_config_home: Option<String>,
    home: Option<String>,
) -> Option<String> {
    user_config::path(xdg_config_home.as_deref(), home.as_deref())
}

/// The most bytes the package reads of the user configuration file:
/// [`user_config::MAX_BYTES`] + 1 (one more tells "too large" apart).
#[wasm_bindgen(js_name = userConfigReadLimit)]
pub fn user_config_read_limit() -> u32 {
    u32::try_from(user_config::MAX_BYTES + 1).unwrap_or(u32::MAX)
}

/// The alert command ([`user_config::alert_command`]): `envValue` is
/// `AGENT_SECRETS_ALERT_COMMAND`, `file` what the package found at `path`
/// (opened without following a link, without blocking), `user` the
/// effective uid. `{ command?, warning? }`.
#[wasm_bindgen(js_name = alertCommand, unchecked_return_type = "AgentSecretsAlertCommand")]
pub fn alert_command(
    #[wasm_bindgen(js_name = envValue)] env_value: Option<String>,
    path: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "AgentSecretsUserConfigFile")] file: Object,
    user: u32,
) -> Result<Object, JsValue> {
    let get =
        |name: &str| Reflect::get(&file, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED);
    let number = |name: &str| get(name).as_f64().map_or(u32::MAX, |n| n as u32);
    let reason = get("reason").as_string().unwrap_or_default();
    let bytes = get("bytes")
        .dyn_into::<Uint8Array>()
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let state = match get("state").as_string().as_deref() {
        Some("symlink") => FileState::Symlink,
        Some("unreadable") => FileState::Unreadable(&reason),
        Some("opened") => FileState::Opened {
            facts: FileFacts {
                regular: get("regular").is_truthy(),
                owner: number("owner"),
                mode: number("mode") & 0o7777,
            },
            bytes: &bytes,
        },
        _ => FileState::Absent,
    };
    let choice = user_config::alert_command(env_value.as_deref(), path.as_deref(), state, user);
    let out = Object::new();
    if let Some(command) = &choice.command {
        let argv: Array = command.iter().map(|a| JsValue::from_str(a)).collect();
        set(&out, "command", &argv)?;
    }
    if let Some(warning) = &choice.warning {
        set(&out, "warning", &JsValue::from_str(warning))?;
    }
    Ok(out)
}
