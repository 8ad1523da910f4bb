//! The CLI's audit sink: one line in `audit.log` per command that touches
//! the vault, chained by the core ([`agent_secrets_core::audit`]).
//!
//! What a line can say is fixed by the core's event type: operation,
//! service and key names, status, user, source. Values, passwords and
//! ciphertexts have no field to go in.
//!
//! A command that unlocked the vault leaves the audit subkey here
//! ([`remember_key`]); the line written after the command is then MAC'ed
//! with it, so that nobody without the password can forge or edit it.

use std::sync::Mutex;

use agent_secrets_core::audit::{self, AuditEvent, Auth, Operation, Status};
use agent_secrets_core::operation;
use agent_secrets_core::{AuditKey, KeyName, ServiceName};

/// The audit key of the vault this invocation unlocked, if any.
static AUDIT_KEY: Mutex<Option<AuditKey>> = Mutex::new(None);

/// Keeps the audit key of an unlocked vault for the line written after
/// the command (call again after a rotation: the key changes with the
/// vault key).
pub fn remember_key(key: &AuditKey) {
    if let Ok(mut slot) = AUDIT_KEY.lock() {
        *slot = Some(key.clone());
    }
}

/// How the vault this invocation opened was opened, if not with the password.
static AUTH: Mutex<Option<Auth>> = Mutex::new(None);

/// Keeps how the vault was opened ([`agent_secrets_core::Vault::auth`])
/// for the command's audit line.
pub fn remember_auth(auth: Option<Auth>) {
    if let Ok(mut slot) = AUTH.lock() {
        *slot = auth;
    }
}

fn remembered_auth() -> Option<Auth> {
    AUTH.lock().ok().and_then(|slot| *slot)
}

fn remembered_key() -> Option<AuditKey> {
    AUDIT_KEY.lock().ok().and_then(|slot| slot.clone())
}

use crate::context::{is_initialized, now, Context};
use crate::error::CliError;
use crate::output;

/// What a command does, for its audit line.
#[derive(Debug, Clone)]
pub struct Target {
    /// The operation.
    pub operation: Operation,
    /// Service name, if the command has one.
    pub service: Option<ServiceName>,
    /// Key name, if the command has one.
    pub key: Option<KeyName>,
}

impl Target {
    /// An operation on the whole vault.
    pub fn vault(operation: Operation) -> Self {
        Self {
            operation,
            service: None,
            key: None,
        }
    }

    /// An operation on a service or one of its keys.
    pub fn secret(operation: Operation, service: &ServiceName, key: Option<&KeyName>) -> Self {
        Self {
            operation,
            service: Some(service.clone()),
            key: key.cloned(),
        }
    }
}

/// The operating-system user, for the `user` field.
pub fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| format!("uid-{}", rustix::process::getuid().as_raw()))
}

/// The status a command's outcome is recorded with: the core's rule
/// ([`operation::audit_status`]) over the error's category; `None` when
/// nothing is recorded (bad input never reached the vault).
pub fn status_of(outcome: &Result<(), CliError>, env_fallback: bool) -> Option<Status> {
    let kind = outcome.as_ref().err().and_then(CliError::audit_kind);
    operation::audit_status(kind, env_fallback)
}

/// Appends the line for `target` (if there is a vault to append to). A
/// failure to write it is reported on stderr; the command's own outcome
/// stands. Usage errors (bad names, bad flags) never reached the vault and
/// are not recorded: "no file touched" holds for them.
pub fn record(ctx: &Context, target: &Target, outcome: &Result<(), CliError>) {
    let Some(status) = status_of(outcome, ctx.env_fallback.get()) else {
        return;
    };
    match is_initialized(&ctx.store) {
        Ok(true) => {}
        _ => return, // no vault: nothing to append to, and no folder to create
    }
    let mut event =
        AuditEvent::new(now(), target.operation, status, &user(), "cli").auth(remembered_auth());
    if let Some(s) = &target.service {
        event = event.service(s);
    }
    if let Some(k) = &target.key {
        event = event.key(k);
    }
    emit(&event);
    let appended = match remembered_key() {
        Some(key) => audit::append_authenticated(&ctx.store, event, &key),
        None => audit::append(&ctx.store, event),
    };
    if let Err(e) = appended {
        output::note(&format!("warning: the audit line was not written: {e}"));
    }
    if matches!(status, Status::Unauthorized | Status::Locked) {
        check_alert(ctx);
    }
}

/// The event through the `tracing` facade, target `agent::audit`, for a
/// host application's log pipeline (and `--log-format json`).
fn emit(event: &AuditEvent) {
    tracing::info!(
        target: "agent::audit",
        timestamp = %event.timestamp,
        operation = event.operation.as_str(),
        service = event.service.as_deref().unwrap_or(""),
        key = event.key.as_deref().unwrap_or(""),
        status = event.status.as_str(),
        user = %event.user,
        source = %event.source,
        component = %event.component,
        "audit"
    );
}

/// After a failed unlock: the core decides whether the failed unlocks
/// reach the vault's thresholds and appends the `alert` event
/// ([`operation::alert_after_failure`]); here, the warning and the user's
/// alert command (which gets the event as one JSON line on stdin, never a
/// value). The command comes from the user's own configuration
/// ([`crate::user_config`]), never from the vault folder: a `command` in
/// the vault's `alerts` is ignored (every unlock warns about it).
fn check_alert(ctx: &Context) {
    let alert = match operation::alert_after_failure(&ctx.store, &user(), "cli", now()) {
        Ok(Some(alert)) => alert,
        Ok(None) => return,
        Err(e) => {
            output::note(&format!(
                "warning: the alert was not written to the audit trail: {e}"
            ));
            return;
        }
    };
    emit(&alert.line.event);
    output::note(&format!("warning: {}", alert.message()));
    let choice = crate::user_config::alert_command();
    if let Some(warning) = &choice.warning {
        output::note(&format!("warning: {warning}"));
    }
    if let Some([program, args @ ..]) = choice.command.as_deref() {
        run_alert_command(program, args, &alert.line);
    }
}

fn run_alert_command(program: &str, args: &[String], line: &audit::AuditLine) {
    use std::io::Write;
    use std::process::Stdio;
    let mut json = serde_json::to_vec(line).unwrap_or_default();
    json.push(b'\n');
    // Without the master passwords, as every child.
    let child = crate::child::command(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(&json);
            }
            if !child.wait().is_ok_and(|s| s.success()) {
                output::note(&format!("warning: the alert command {program} failed."));
            }
        }
        Err(e) => output::note(&format!(
            "warning: the alert command {program} could not start ({e})."
        )),
    }
}
