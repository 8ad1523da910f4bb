//! `agent secret delete SERVICE KEY`

use agent_secrets_core::names::{validate_key, validate_service};

use crate::context::Context;
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Service.
    pub service: String,
    /// Key within the service.
    pub key: String,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    validate_service(&args.service)?;
    validate_key(&args.key)?;
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    vault.delete(&args.service, &args.key)?;
    output::line(&format!("Deleted {}/{}.", args.service, args.key));
    Ok(())
}
