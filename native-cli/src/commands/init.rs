//! `agent secret init [--iterations N]`

use agent_secrets_core::files::check_init_folder;
use agent_secrets_core::format::check_iterations;
use agent_secrets_core::{Error, InitOptions, Vault, DEFAULT_ITERATIONS};

use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// PBKDF2-HMAC-SHA256 iterations (100000 to 10000000).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ITERATIONS)]
    pub iterations: u32,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let iterations = check_iterations(u64::from(args.iterations))?;
    if super::is_initialized(&ctx.store)? {
        return Err(Error::AlreadyInitialized.into());
    }
    // Before the password is asked; the core checks again under the lock.
    check_init_folder(&ctx.store)?;
    // A weak password is refused before it is asked again (on a
    // terminal), and by the core's init whatever its source.
    let password = ctx.inputs.new_password()?;
    let options = InitOptions {
        iterations,
        ..InitOptions::default()
    };
    let vault = Vault::init(&ctx.store, &password, &options, now())?;
    crate::audit_log::remember_key(vault.audit_key());
    output::line(&format!(
        "Initialized a vault in {} (PBKDF2-HMAC-SHA256, {iterations} iterations). Its .gitignore keeps it out of git.",
        ctx.store.display()
    ))?;
    Ok(())
}
