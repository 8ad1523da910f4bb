//! `agent secret passwd [--iterations N]`

use agent_secrets_core::audit::Operation;
use agent_secrets_core::format::check_iterations;

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also change the PBKDF2 iteration count (100000 to 10000000); default: keep it.
    #[arg(long, value_name = "N")]
    pub iterations: Option<u32>,
}

/// The audit line this command writes.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Passwd))
}

/// Old password (counted by the lockout when wrong; an open session does
/// not stand in for it), new password twice (the core's strength rule:
/// said before it is asked again, and enforced by the change itself), then
/// only `config.json` is rewritten, atomically: the vault key is wrapped
/// again, nothing else changes. Ends this vault's session.
pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if let Some(n) = args.iterations {
        check_iterations(u64::from(n))?;
    }
    let mut vault = super::unlock_with_password(&ctx.store, &mut ctx.inputs)?;
    let new_password = ctx.inputs.replacement_password()?;
    vault.change_password(&new_password, args.iterations, now())?;
    let iterations = vault
        .config()
        .password_recipients()
        .find(|(name, _)| *name == agent_secrets_core::OWNER)
        .or_else(|| vault.config().password_recipients().next())
        .map_or(0, |(_, r)| r.kdf.iterations);
    output::line(&format!(
        "Master password changed ({iterations} iterations). Only config.json was rewritten."
    ))?;
    // A new password ends the session opened with the old one.
    match crate::session::Place::of(&ctx.store) {
        Ok(Some(place)) => match crate::session::lock(&place) {
            Ok(true) => {
                output::line("The session of this vault was ended; unlock again to open one.")?;
            }
            Ok(false) => {}
            Err(e) => output::note(&format!(
                "warning: the session could not be ended: {e}; end it with: agent secret lock"
            )),
        },
        Ok(None) => {}
        Err(e) => output::note(&format!("warning: {e}")),
    }
    Ok(())
}
