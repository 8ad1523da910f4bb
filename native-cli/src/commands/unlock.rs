//! `agent secret unlock [--ttl DURATION]`

use agent_secrets_core::audit::Operation;
use agent_secrets_core::session::{self, Start};
use agent_secrets_core::Error;

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;
use crate::output;
use crate::session::{self as sessions, Place};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// End the session after this long without use: 90s, 30m, 2h (default 15m, or
    /// "session"."idle_seconds" in your configuration); at most the session's maximum (8h).
    #[arg(long, value_name = "DURATION", value_parser = super::ui::parse_duration)]
    pub ttl: Option<std::time::Duration>,
}

/// The audit line this command writes.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Unlock))
}

/// Checks the limits and the session folder, asks for the password and
/// unlocks (counted by the lockout), ends this vault's running session if
/// any, and starts a session agent holding the vault key.
pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    let ttl = match args.ttl {
        Some(d) if d.subsec_nanos() != 0 => {
            return Err(CliError::Usage(
                "--ttl is a whole number of seconds (90s, 30m, 2h).".to_owned(),
            ))
        }
        Some(d) => Some(d.as_secs()),
        None => None,
    };
    let (configured, warning) = crate::user_config::session_limits();
    if let Some(w) = warning {
        output::note(&format!("warning: {w}"));
    }
    let limits = session::limits_for(configured, ttl).map_err(CliError::Usage)?;
    let place = Place::of(&ctx.store)
        .map_err(|e| CliError::Usage(e.to_string()))?
        .ok_or(Error::NotInitialized)?;
    // Before the password is asked: a folder someone else made stops here.
    sessions::ensure_folder(&place.dir).map_err(failed)?;
    let vault = super::unlock_with_password(&ctx.store, &mut ctx.inputs)?;
    if sessions::lock(&place).map_err(failed)? {
        output::note("The session that was open for this vault was ended.");
    }
    let key = vault.vault_key();
    sessions::start_agent(
        &place,
        &Start {
            id: key.id(),
            key: key.expose_bytes(),
            limits,
            path: &place.vault,
        },
    )
    .map_err(failed)?;
    output::line(&format!(
        "Unlocked {} for your user: the session ends after {} without use, and {} from now at the latest. \
         End it with: agent secret lock",
        ctx.store.display(),
        session::format_seconds(u64::from(limits.idle_seconds)),
        session::format_seconds(u64::from(limits.max_seconds)),
    ))?;
    Ok(())
}

/// A session that cannot be started is an I/O-class failure (exit 1).
fn failed(e: sessions::SessionError) -> CliError {
    CliError::Reported {
        message: format!("Cannot start a session: {e}."),
        code: crate::error::exit::ERROR,
    }
}
