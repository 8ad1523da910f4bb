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

/// Old password (counted by the lockout when wrong), new password twice
/// (the core's strength rule: said before it is asked again, and enforced
/// by the change itself), then only `config.json` is rewritten,
/// atomically: the vault key is wrapped again, nothing else changes.
pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if let Some(n) = args.iterations {
        check_iterations(u64::from(n))?;
    }
    let mut vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
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
    Ok(())
}
