//! `agent secret rotate`

use agent_secrets_core::audit::Operation;

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The audit line this command writes.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Rotate))
}

/// New vault key and data key, every value re-encrypted service by
/// service, old data key dropped; resumes an interrupted rotation. A
/// progress line on a terminal.
pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let mut vault = super::unlock_with_password(&ctx.store, &mut ctx.inputs)?;
    let mut progress = output::reencryption_progress("services");
    let summary = vault.rotate_with(now(), &crate::identity::AgeCli, &mut progress)?;
    // The vault key changed with the rotation: the audit line goes under the new one.
    crate::audit_log::remember_key(vault.audit_key());
    if args.json {
        output::json(&summary)?;
    } else {
        output::line(&format!(
            "{} to data key {}: {} values in {} services re-encrypted; dropped {}.",
            if summary.resumed {
                "Finished the interrupted rotation"
            } else {
                "Rotated"
            },
            summary.new_key,
            summary.values_moved,
            summary.services,
            if summary.dropped_keys.is_empty() {
                "no key".to_owned()
            } else {
                summary.dropped_keys.join(", ")
            }
        ))?;
    }
    Ok(())
}
