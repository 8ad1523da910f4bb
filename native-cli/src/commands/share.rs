//! `agent secret share`: makes an existing vault one meant to be committed.

use agent_secrets_core::format::{GITIGNORE_FILE, GITIGNORE_SHARED};
use agent_secrets_core::{Error, Store};

use crate::context::Context;
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// Replaces the vault's `.gitignore` with the shared one (atomically).
pub fn write_shared_gitignore(store: &FileStore) -> Result<(), CliError> {
    store
        .write(GITIGNORE_FILE, GITIGNORE_SHARED.as_bytes())
        .map_err(Error::from)?;
    Ok(())
}

/// No password: the files stay encrypted; only what git sees changes.
pub fn run(ctx: &mut Context, _args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    write_shared_gitignore(&ctx.store)?;
    output::line(&format!(
        "{} is now a shared vault: commit config.json and the service files; state.json, audit.log and the lock stay out of git. See docs/team.md.",
        ctx.store.display()
    ))?;
    Ok(())
}
