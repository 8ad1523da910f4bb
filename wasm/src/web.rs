//! Bindings the browser dashboard needs beyond the vault itself: its
//! audit lines, the audit chain check, the env mapping, and the `.env`
//! import plan. Each converts and calls the core.

use agent_secrets_core::audit;
use agent_secrets_core::env::{self, Origin};
use agent_secrets_core::format::parse_config;
use agent_secrets_core::import::{self, PlanError};
use agent_secrets_core::{Error, VarName};
use js_sys::{Array, Object};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::audit::audit_event;
use crate::convert::{key, service, set};
use crate::error::IntoJs;
use crate::vault::{timestamp, Vault};

#[wasm_bindgen(typescript_custom_section)]
const WEB_TS: &'static str = r#"
/** What `auditVerify` found: lines read and the first broken one (1-based), if any. */
export interface AgentSecretsAuditCheck { lines: number; firstBroken: number | null; reason: string | null; macsChecked: boolean; authenticated: number; summary: string; }
/** The audit lines that parse, and the numbers of those that do not. */
export interface AgentSecretsAuditLines {
  lines: { number: number; timestamp: string; operation: string; service?: string; key?: string; status: string; user: string; source: string; seq: number; prev: string }[];
  bad: number[];
}
/** A secret's variables and where the mapping comes from. */
export interface AgentSecretsMapping { variables: string[]; origin: "user" | "builtin" | "key" | "rule"; }
/** The plan of a `.env` import; values are for the page only. */
export interface AgentSecretsImportPlan {
  planned: { service: string; key: string; variable: string; line: number; value: string }[];
  notes: string[];
}
"#;

fn to_object<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value)
        .map_err(|_| Error::InvalidParameter("cannot encode the result"))
        .js()?;
    js_sys::JSON::parse(&json)
}

/// The audit line (with its newline) the page sends to the server for an
/// operation of its own (`source` `ui`) made without the vault open (a
/// failed unlock), chained after the log whose last bytes are `tail`, with
/// no MAC. Names that are not valid names are left out. An open vault's
/// lines come from `Vault.auditNextLine`.
#[wasm_bindgen(js_name = auditNextLine)]
#[allow(clippy::too_many_arguments)]
pub fn audit_next_line(
    tail: &[u8],
    operation: &str,
    status: &str,
    service: Option<String>,
    key: Option<String>,
    user: &str,
    #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
) -> Result<String, JsValue> {
    let event = audit_event(
        operation,
        status,
        service,
        key,
        user,
        "ui",
        now_unix_seconds,
    )?;
    Ok(String::from_utf8_lossy(&audit::next_line(tail, event, None)).into_owned())
}

/// Checks the hash chain of a whole audit log, without a key (MACs are
/// not checked; `Vault.auditVerify` does): `{ lines, firstBroken, reason,
/// macsChecked, authenticated, summary }` (`summary` is the core's sentence).
#[wasm_bindgen(js_name = auditVerify, unchecked_return_type = "AgentSecretsAuditCheck")]
pub fn audit_verify(log: &[u8]) -> Result<JsValue, JsValue> {
    verification(audit::verify(log))
}

fn verification(v: audit::Verification) -> Result<JsValue, JsValue> {
    let out = Object::new();
    set(&out, "lines", &(v.lines as f64).into())?;
    set(&out, "macsChecked", &v.macs_checked.into())?;
    set(&out, "authenticated", &(v.authenticated as f64).into())?;
    set(&out, "summary", &JsValue::from_str(&v.summary()))?;
    match v.first_broken {
        Some((line, reason)) => {
            set(&out, "firstBroken", &(line as f64).into())?;
            set(&out, "reason", &JsValue::from_str(&reason))?;
        }
        None => {
            set(&out, "firstBroken", &JsValue::NULL)?;
            set(&out, "reason", &JsValue::NULL)?;
        }
    }
    Ok(out.into())
}

/// The lines of an audit log that parse (as stored, each with its line
/// `number`) and the numbers of those that do not.
#[wasm_bindgen(js_name = auditLines, unchecked_return_type = "AgentSecretsAuditLines")]
pub fn audit_lines(log: &[u8]) -> Result<JsValue, JsValue> {
    #[derive(Serialize)]
    struct Numbered {
        number: usize,
        #[serde(flatten)]
        line: audit::AuditLine,
    }
    #[derive(Serialize)]
    struct Out {
        lines: Vec<Numbered>,
        bad: Vec<usize>,
    }
    let (lines, bad) = audit::parse_numbered_lines(log);
    let lines = lines
        .into_iter()
        .map(|(number, line)| Numbered { number, line })
        .collect();
    to_object(&Out { lines, bad })
}

/// The variables `service`/`key` maps to under the configuration
/// `config` (the text of `config.json`), and where that comes from.
#[wasm_bindgen(js_name = mappingOf, unchecked_return_type = "AgentSecretsMapping")]
pub fn mapping_of(
    config: &[u8],
    #[wasm_bindgen(js_name = service)] service_name: &str,
    #[wasm_bindgen(js_name = key)] key_name: &str,
) -> Result<JsValue, JsValue> {
    let config = parse_config(config).js()?;
    let (variables, origin) =
        env::mapping_of(&config.env, &service(service_name)?, &key(key_name)?);
    let out = Object::new();
    let vars: Array = variables.iter().map(|v| JsValue::from_str(v)).collect();
    set(&out, "variables", &vars)?;
    let origin = match origin {
        Origin::User => "user",
        Origin::Builtin => "builtin",
        Origin::Key => "key",
        Origin::Rule => "rule",
    };
    set(&out, "origin", &JsValue::from_str(origin))?;
    Ok(out.into())
}

/// The plan of importing the `.env` bytes `file` into a vault with the
/// configuration `config` and the secrets `existing` (`[[service, key],
/// …]`), into `service` if given: `{ planned: [{ service, key, variable,
/// line, value }], notes }`. Any problem fails the whole plan with every
/// `line N: reason` in the message (never a line's content).
#[wasm_bindgen(js_name = importPlan, unchecked_return_type = "AgentSecretsImportPlan")]
pub fn import_plan(
    file: &[u8],
    config: &[u8],
    #[wasm_bindgen(unchecked_param_type = "[string, string][]")] existing: Array,
    #[wasm_bindgen(js_name = service)] into: Option<String>,
) -> Result<JsValue, JsValue> {
    let config = parse_config(config).js()?;
    let into = into.as_deref().map(service).transpose()?;
    let mut pairs = Vec::new();
    for pair in existing.iter() {
        let pair: Array = pair.into();
        pairs.push((
            service(&pair.get(0).as_string().unwrap_or_default())?,
            key(&pair.get(1).as_string().unwrap_or_default())?,
        ));
    }
    let plan = match import::plan(file, &config.env, &pairs, into.as_ref()) {
        Ok(plan) => plan,
        Err(PlanError::Unreadable(lines)) | Err(PlanError::Unstorable(lines)) => {
            let error = crate::error::js_error(
                &format!("Nothing was imported:\n{}", lines.join("\n")),
                agent_secrets_core::ErrorKind::Usage,
            );
            return Err(error);
        }
    };
    let planned = Array::new();
    for p in &plan.planned {
        let entry = Object::new();
        set(&entry, "service", &JsValue::from_str(&p.service))?;
        set(&entry, "key", &JsValue::from_str(&p.key))?;
        set(&entry, "variable", &JsValue::from_str(&p.var))?;
        set(&entry, "line", &(p.line as f64).into())?;
        // Copied out to a JavaScript string; the Rust copy is wiped on drop.
        set(&entry, "value", &JsValue::from_str(p.value.expose()))?;
        planned.push(&entry);
    }
    let notes = Array::new();
    for d in &plan.duplicates {
        let lines: Vec<String> = d.lines.iter().map(ToString::to_string).collect();
        notes.push(&JsValue::from_str(&format!(
            "{} is set on lines {}; the last one wins.",
            d.name,
            lines.join(", ")
        )));
    }
    for m in &plan.merged {
        notes.push(&JsValue::from_str(&format!(
            "{} (line {}) and {} (line {}) both go to {}/{}; the later line wins.",
            m.earlier.0, m.earlier.1, m.later.0, m.later.1, m.service, m.key
        )));
    }
    let out = Object::new();
    set(&out, "planned", &planned)?;
    set(&out, "notes", &notes)?;
    Ok(out.into())
}

#[wasm_bindgen]
impl Vault {
    /// Like the free `auditNextLine`, MAC'ed with this open vault's audit
    /// key (the server appends it only where it chains).
    #[wasm_bindgen(js_name = auditNextLine)]
    #[allow(clippy::too_many_arguments)]
    pub fn audit_next_line(
        &self,
        tail: &[u8],
        operation: &str,
        status: &str,
        service: Option<String>,
        key: Option<String>,
        user: &str,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<String, JsValue> {
        let event = audit_event(
            operation,
            status,
            service,
            key,
            user,
            "ui",
            now_unix_seconds,
        )?;
        let line = audit::next_line(tail, event, Some(self.core().audit_key()));
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// Checks a whole audit log's chain and, with this vault's audit key,
    /// its MACs: `{ lines, firstBroken, reason }`.
    #[wasm_bindgen(js_name = auditVerify, unchecked_return_type = "AgentSecretsAuditCheck")]
    pub fn audit_verify(&self, log: &[u8]) -> Result<JsValue, JsValue> {
        verification(audit::verify_with_key(log, self.core().audit_key()))
    }

    /// Sets (`variables`) or removes (`null`) the user mapping of
    /// `service`/`key` in this vault's `config.json` (re-MAC'ed), with the
    /// core's checks; the caller sends the new `config.json` to the server.
    #[wasm_bindgen(js_name = setUserMapping)]
    pub fn set_user_mapping(
        &mut self,
        #[wasm_bindgen(js_name = service)] service_name: &str,
        #[wasm_bindgen(js_name = key)] key_name: &str,
        variables: Option<Vec<String>>,
        #[wasm_bindgen(js_name = nowUnixSeconds)] now_unix_seconds: f64,
    ) -> Result<(), JsValue> {
        let (service, key) = (service(service_name)?, key(key_name)?);
        let variables = variables
            .map(|vars| {
                vars.iter()
                    .map(|v| VarName::parse(v))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()
            .js()?;
        let now = timestamp(now_unix_seconds).js()?;
        self.core_mut()
            .set_user_mapping(&service, &key, variables.as_deref(), now)
            .js()
    }
}
