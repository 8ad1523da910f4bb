//! The CLI's audit sink: one line in `audit.log` per command that touches
//! the vault, chained by the core ([`agent_secrets_core::audit`]).
//!
//! What a line can say is fixed by the core's event type: operation,
//! service and key names, status, user, source. Values, passwords and
//! ciphertexts have no field to go in.

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status};
use agent_secrets_core::ErrorKind;

use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

/// What a command does, for its audit line.
#[derive(Debug, Clone)]
pub struct Target {
    /// The operation.
    pub operation: Operation,
    /// Service name, if the command has one.
    pub service: Option<String>,
    /// Key name, if the command has one.
    pub key: Option<String>,
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
    pub fn secret(operation: Operation, service: &str, key: Option<&str>) -> Self {
        Self {
            operation,
            service: Some(service.to_owned()),
            key: key.map(str::to_owned),
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

/// The status a command's outcome is recorded with.
pub fn status_of(outcome: &Result<(), CliError>, env_fallback: bool) -> Status {
    match outcome {
        Ok(()) if env_fallback => Status::EnvFallback,
        Ok(()) => Status::Success,
        Err(CliError::Core(e)) => match e.kind() {
            ErrorKind::WrongPassword => Status::Unauthorized,
            ErrorKind::Locked => Status::Locked,
            ErrorKind::NotFound => Status::NotFound,
            _ => Status::Failed,
        },
        Err(_) => Status::Failed,
    }
}

/// Appends the line for `target` (if there is a vault to append to). A
/// failure to write it is reported on stderr; the command's own outcome
/// stands. Usage errors (bad names, bad flags) never reached the vault and
/// are not recorded: "no file touched" holds for them.
pub fn record(ctx: &Context, target: &Target, outcome: &Result<(), CliError>) {
    if outcome
        .as_ref()
        .is_err_and(|e| e.exit_code() == crate::error::exit::USAGE)
    {
        return;
    }
    match crate::commands::is_initialized(&ctx.store) {
        Ok(true) => {}
        _ => return, // no vault: nothing to append to, and no folder to create
    }
    let status = status_of(outcome, ctx.env_fallback.get());
    let mut event = AuditEvent::new(now(), target.operation, status, &user(), "cli");
    if let Some(s) = &target.service {
        event = event.service(s);
    }
    if let Some(k) = &target.key {
        event = event.key(k);
    }
    if let Err(e) = audit::append(&ctx.store, event) {
        output::note(&format!("warning: the audit line was not written: {e}"));
    }
}
