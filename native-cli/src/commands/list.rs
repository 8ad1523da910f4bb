//! `agent secret list [SERVICE] [--json]` — names only, no password.

use agent_secrets_core::ServiceName;

use crate::context::Context;
use crate::error::{exit, CliError};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this service.
    pub service: Option<ServiceName>,
    /// Print JSON: [{"service", "secrets": [{"key", "key_id", "created_at", "updated_at"}]}].
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &Args) -> Result<(), CliError> {
    let (services, problems) = agent_secrets_core::list(&ctx.store, args.service.as_ref())?;
    if args.json {
        output::json(&services)?;
    } else if services.is_empty() {
        // A vault whose every service file is refused is not empty.
        if problems.is_empty() {
            output::note("No secrets yet. Add one with: agent secret set SERVICE KEY");
        }
    } else {
        let rows: Vec<Vec<String>> = services
            .iter()
            .flat_map(|s| {
                s.secrets.iter().map(|k| {
                    vec![
                        s.service.to_string(),
                        k.key.to_string(),
                        k.updated_at.to_string(),
                    ]
                })
            })
            .collect();
        output::line(&output::table(&["SERVICE", "KEY", "UPDATED"], &rows))?;
    }
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        output::note(&format!("error: {p}"));
    }
    let listed = if services.is_empty() {
        "nothing else to list"
    } else {
        "the others are listed"
    };
    Err(CliError::Reported {
        message: format!(
            "{} service file(s) could not be read; {listed}.",
            problems.len()
        ),
        code: exit::INTEGRITY,
    })
}
