//! `agent secret metrics [--format prometheus|json]`
//!
//! PLACEHOLDER (issue 4): registered so the command tree is in one
//! place; the implementation replaces this file.

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;

#[derive(Debug, clap::Args)]
pub struct Args {}

/// The audit line this command writes, if any.
pub fn audit_target(_args: &Args) -> Option<Target> {
    None
}

pub fn run(_ctx: &mut Context, _args: &Args) -> Result<(), CliError> {
    Err(CliError::Usage("not implemented yet".to_owned()))
}
