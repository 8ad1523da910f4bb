//! One module per subcommand, each with its `Args` and a `run`.

pub mod delete;
pub mod get;
pub mod init;
pub mod list;
pub mod set;
pub mod status;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::{Error, Vault};

use crate::audit_log::{self, Target};

use crate::cli::{Cli, Command, SecretCommand};
use crate::context::{now, Context};
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::input::Inputs;

/// Runs the parsed command line, then appends its audit line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let mut ctx = Context::new(&cli.global);
    let target = audit_target(&cli.command);
    let outcome = dispatch(&mut ctx, cli.command);
    if let Some(target) = target {
        audit_log::record(&ctx, &target, &outcome);
    }
    outcome
}

/// What a command's audit line names; `None` for commands that only read
/// metadata about the vault itself.
fn audit_target(command: &Command) -> Option<Target> {
    let Command::Secret(cmd) = command;
    Some(match cmd {
        SecretCommand::Init(_) => Target::vault(Operation::Init),
        SecretCommand::Set(a) => Target::secret(Operation::Set, &a.service, Some(&a.key)),
        SecretCommand::Get(a) => Target::secret(Operation::Get, &a.service, Some(&a.key)),
        SecretCommand::List(a) => match &a.service {
            Some(s) => Target::secret(Operation::List, s, None),
            None => Target::vault(Operation::List),
        },
        SecretCommand::Delete(a) => Target::secret(Operation::Delete, &a.service, Some(&a.key)),
        SecretCommand::Status(_) => return None,
    })
}

fn dispatch(ctx: &mut Context, command: Command) -> Result<(), CliError> {
    match command {
        Command::Secret(cmd) => match cmd {
            SecretCommand::Init(args) => init::run(ctx, &args),
            SecretCommand::Set(args) => set::run(ctx, &args),
            SecretCommand::Get(args) => get::run(ctx, &args),
            SecretCommand::List(args) => list::run(ctx, &args),
            SecretCommand::Delete(args) => delete::run(ctx, &args),
            SecretCommand::Status(args) => status::run(ctx, &args),
        },
    }
}

/// Asks for the password and opens the vault. A missing vault is reported
/// before anyone is asked for a password.
pub fn unlock<'s>(
    store: &'s FileStore,
    inputs: &mut Inputs,
) -> Result<Vault<&'s FileStore>, CliError> {
    if !is_initialized(store)? {
        return Err(Error::NotInitialized.into());
    }
    let password = inputs.password()?;
    Ok(Vault::unlock(store, &password, now())?)
}

/// Whether the folder holds a `config.json`.
pub fn is_initialized(store: &FileStore) -> Result<bool, CliError> {
    use agent_secrets_core::Store;
    let config = store
        .read(agent_secrets_core::format::CONFIG_FILE)
        .map_err(Error::from)?;
    Ok(config.is_some())
}
