//! `agent secret set SERVICE KEY [--value V | --value-stdin]`

use agent_secrets_core::{KeyName, SecretString, ServiceName, SetOutcome};

use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Service, e.g. openai.
    pub service: ServiceName,
    /// Key within the service, e.g. api_key.
    pub key: KeyName,
    /// The value on the command line (visible to other processes and kept in shell history; prefer --value-stdin).
    #[arg(long, conflicts_with = "value_stdin", value_name = "V", value_parser = secret_arg)]
    pub value: Option<SecretString>,
    /// Read the value from standard input (after the password line with --password-stdin); one trailing newline is dropped.
    #[arg(long)]
    pub value_stdin: bool,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    let value = match (&args.value, args.value_stdin) {
        (Some(v), _) => {
            output::note(
                "warning: --value puts the secret on the command line, where other processes and shell history can see it; prefer --value-stdin.",
            );
            v.clone()
        }
        (None, true) => ctx.inputs.value_from_stdin()?,
        (None, false) => ctx.inputs.value_prompt(&args.service, &args.key)?,
    };
    let outcome = vault.set(&args.service, &args.key, &value, now())?;
    let verb = match outcome {
        SetOutcome::Created => "Stored",
        SetOutcome::Updated => "Updated",
    };
    output::line(&format!("{verb} {}/{}.", args.service, args.key))?;
    Ok(())
}

/// `--value` is held as a secret from the moment it is parsed (redacted in
/// Debug, wiped on drop).
fn secret_arg(text: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(text))
}
