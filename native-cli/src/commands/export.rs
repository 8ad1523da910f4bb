//! `agent secret export [SERVICE] [--format dotenv|json|shell] [--output FILE]`
//!
//! PLACEHOLDER (issue 3): registered so the command tree is in one
//! place; the implementation replaces this file.

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;
use agent_secrets_core::audit::Operation;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// The audit line this command writes, if any.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Export))
}

pub fn run(_ctx: &mut Context, _args: &Args) -> Result<(), CliError> {
    Err(CliError::Usage("not implemented yet".to_owned()))
}
