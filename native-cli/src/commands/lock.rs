//! `agent secret lock [--all]`

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status};

use crate::audit_log::{self, Target};
use crate::context::{now, Context};
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::output;
use crate::session::{self as sessions, Place};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// End every session of your user, whatever the vault.
    #[arg(long)]
    pub all: bool,
}

/// This vault's `lock` line; `--all` writes one line in each vault whose
/// session it ended.
pub fn audit_target(args: &Args) -> Option<Target> {
    (!args.all).then(|| Target::vault(Operation::Lock))
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if args.all {
        return lock_all(ctx.store.lock_timeout());
    }
    let place = Place::of(&ctx.store).map_err(|e| CliError::Usage(e.to_string()))?;
    let ended = match &place {
        Some(place) => sessions::lock(place).map_err(failed)?,
        None => false,
    };
    output::line(&if ended {
        format!(
            "Locked {}: the session ended and its key was wiped.",
            ctx.store.display()
        )
    } else {
        format!("No session was open for {}.", ctx.store.display())
    })?;
    Ok(())
}

/// Every session of the user; `timeout` is this invocation's lock timeout,
/// for the audit lines written in each vault.
fn lock_all(timeout: std::time::Duration) -> Result<(), CliError> {
    let mut ended = 0;
    let mut problems = 0;
    for place in sessions::all_places().map_err(failed)? {
        // The vault it serves, from the agent itself, for the audit line.
        let vault = match sessions::status(&place) {
            Ok(Some(state)) => Some(state.vault),
            Ok(None) => None,
            Err(e) => {
                output::note(&format!("warning: {e}"));
                problems += 1;
                continue;
            }
        };
        match sessions::lock(&place) {
            Ok(true) => {
                ended += 1;
                if let Some(vault) = vault {
                    record_lock(&vault, timeout);
                }
            }
            Ok(false) => {}
            Err(e) => {
                output::note(&format!("warning: {e}"));
                problems += 1;
            }
        }
    }
    output::line(&match ended {
        0 => "No session was open.".to_owned(),
        1 => "Ended 1 session; its key was wiped.".to_owned(),
        n => format!("Ended {n} sessions; their keys were wiped."),
    })?;
    if problems > 0 {
        return Err(CliError::Reported {
            message: format!("{problems} session(s) could not be ended."),
            code: crate::error::exit::ERROR,
        });
    }
    Ok(())
}

/// A `lock` line in the audit log of the vault at `vault` (if it still is one).
fn record_lock(vault: &[u8], timeout: std::time::Duration) {
    use std::os::unix::ffi::OsStrExt;
    let dir = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(vault));
    let store = FileStore::new(dir, timeout);
    if !matches!(super::is_initialized(&store), Ok(true)) {
        return;
    }
    let event = AuditEvent::new(
        now(),
        Operation::Lock,
        Status::Success,
        &audit_log::user(),
        "cli",
    );
    if let Err(e) = audit::append(&store, event) {
        output::note(&format!(
            "warning: the audit line of {} was not written: {e}",
            store.display()
        ));
    }
}

fn failed(e: sessions::SessionError) -> CliError {
    CliError::Reported {
        message: format!("Cannot end the session: {e}."),
        code: crate::error::exit::ERROR,
    }
}
