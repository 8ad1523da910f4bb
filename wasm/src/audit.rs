//! Audit lines of the npm package's operations, the status an outcome is
//! recorded with, and the alert after a failed unlock: each the core's
//! decision ([`agent_secrets_core::operation`]), the package only calls.

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status};
use agent_secrets_core::{operation, Error, ErrorKind, KeyName, ServiceName};
use js_sys::Object;
use wasm_bindgen::prelude::*;

use crate::convert::set;
use crate::error::{IntoJs, INVALID_NAME};
use crate::store::{JsStore, StoreObject};
use crate::vault::{timestamp, Vault};

#[wasm_bindgen(typescript_custom_section)]
const AUDIT_TS: &'static str = r#"
/** What `alertAfterFailure` returns when it raised an alert. */
export interface AgentSecretsAlert {
  line: string;
  message: string;
  failedUnlocks: number;
  windowSeconds: number;
}
"#;

/// The audit status (`"success"`, `"unauthorized"`, …) an operation's
/// line is recorded with, by the core's [`operation::audit_status`]:
/// `code` is the `code` of the error it failed with (`undefined` when it
/// succeeded; the package's `INVALID_NAME` is a core `INVALID_INPUT`; an
/// unknown code a failure), `fromEnv` whether a value came from an
/// environment variable. `undefined` when nothing is recorded (bad input
/// never reached the vault; no vault).
#[wasm_bindgen(js_name = auditStatus)]
pub fn audit_status(
    code: Option<String>,
    #[wasm_bindgen(js_name = fromEnv)] from_env: bool,
) -> Option<String> {
    let kind = code.map(|code| match code.as_str() {
        INVALID_NAME => ErrorKind::Usage,
        other => ErrorKind::from_code(other).unwrap_or(ErrorKind::Io),
    });
    operation::audit_status(kind, from_env).map(|s| s.as_str().to_owned())
}

/// Appends one audit line for an operation of a front end (`source`:
/// `"node"` for the npm package), under the store's write lock.
/// `operation` and `status` are the names of the audit format
/// (`"get"`, `"success"`, …); service and key names that are not valid
/// names are left out, so nothing but a name reaches the log.
#[wasm_bindgen(js_name = appendAudit)]
#[allow(clippy::too_many_arguments)]
pub fn append_audit(
    store: StoreObject,
    operation: &str,
    status: &str,
    service: Option<String>,
    key: Option<String>,
    user: &str,
    source: &str,
    #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
) -> Result<(), JsValue> {
    let event = audit_event(
        operation,
        status,
        service,
        key,
        user,
        source,
        now_unix_seconds,
    )?;
    audit::append(&JsStore::new(store), event).js()?;
    Ok(())
}

/// An audit event from the names of the audit format. A name that is not
/// a valid one is left out (the line is still written).
pub(crate) fn audit_event(
    operation: &str,
    status: &str,
    service: Option<String>,
    key: Option<String>,
    user: &str,
    source: &str,
    now_unix_seconds: f64,
) -> Result<AuditEvent, JsValue> {
    let operation = Operation::parse(operation).js()?;
    let status = Status::parse(status).js()?;
    let now = timestamp(now_unix_seconds).js()?;
    let mut event = AuditEvent::new(now, operation, status, user, source);
    if let Some(service) = service.as_deref().and_then(|s| ServiceName::parse(s).ok()) {
        event = event.service(&service);
    }
    if let Some(key) = key.as_deref().and_then(|k| KeyName::parse(k).ok()) {
        event = event.key(&key);
    }
    Ok(event)
}

/// After a failed unlock: the core's [`operation::alert_after_failure`].
/// When `config.json` has `alerts` thresholds and the failed unlocks
/// reach them, it appends an `alert` line (status `failed`) and this
/// returns `{ line, message, failedUnlocks, windowSeconds }` (`line` is
/// the appended audit line as JSON, for the user's alert command,
/// `alertCommand`: never one from the vault's `config.json`; `message`
/// the warning to show); otherwise `null`. A failure to append the line
/// is thrown.
#[wasm_bindgen(js_name = alertAfterFailure, unchecked_return_type = "AgentSecretsAlert | null")]
pub fn alert_after_failure(
    store: StoreObject,
    user: &str,
    source: &str,
    #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
) -> Result<JsValue, JsValue> {
    let now = timestamp(now_unix_seconds).js()?;
    let Some(alert) =
        operation::alert_after_failure(&JsStore::new(store), user, source, now).js()?
    else {
        return Ok(JsValue::NULL);
    };
    let line = serde_json::to_string(&alert.line)
        .map_err(|_| Error::InvalidParameter("the alert line could not be encoded"))
        .js()?;
    let out = Object::new();
    set(&out, "line", &JsValue::from_str(&line))?;
    set(&out, "message", &JsValue::from_str(&alert.message()))?;
    set(&out, "failedUnlocks", &alert.failed_unlocks.into())?;
    // Exact up to 2^53 s, far beyond any real window.
    set(&out, "windowSeconds", &(alert.window_seconds as f64).into())?;
    Ok(out.into())
}

#[wasm_bindgen]
impl Vault {
    /// Appends one audit line for an operation on this open vault, MAC'ed
    /// with its audit key (so that nobody without the password can forge
    /// or edit it), with `"auth": "session"` when a session's key opened
    /// it; same arguments as the free `appendAudit`.
    #[wasm_bindgen(js_name = appendAudit)]
    #[allow(clippy::too_many_arguments)]
    pub fn append_audit(
        &self,
        operation: &str,
        status: &str,
        service: Option<String>,
        key: Option<String>,
        user: &str,
        source: &str,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<(), JsValue> {
        let event = audit_event(
            operation,
            status,
            service,
            key,
            user,
            source,
            now_unix_seconds,
        )?;
        let vault = self.core();
        // A vault opened with a session's key says so in its lines.
        let event = event.auth(vault.auth());
        audit::append_authenticated(vault.store(), event, vault.audit_key()).js()?;
        Ok(())
    }
}
