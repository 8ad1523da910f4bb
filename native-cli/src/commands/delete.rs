//! `agent secret delete SERVICE KEY`

use agent_secrets_core::{KeyName, ServiceName};

use crate::context::Context;
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Service.
    pub service: ServiceName,
    /// Key within the service.
    pub key: KeyName,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    vault.delete(&args.service, &args.key)?;
    output::line(&format!("Deleted {}/{}.", args.service, args.key))?;
    Ok(())
}
