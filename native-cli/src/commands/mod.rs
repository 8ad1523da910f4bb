//! One module per subcommand, each with its `Args` and a `run`.

pub mod delete;
pub mod get;
pub mod init;
pub mod list;
pub mod set;
pub mod status;

use agent_secrets_core::{Error, Vault};

use crate::cli::{Cli, Command, SecretCommand};
use crate::context::{now, Context};
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::input::Inputs;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let mut ctx = Context::new(&cli.global);
    match cli.command {
        Command::Secret(cmd) => match cmd {
            SecretCommand::Init(args) => init::run(&mut ctx, &args),
            SecretCommand::Set(args) => set::run(&mut ctx, &args),
            SecretCommand::Get(args) => get::run(&mut ctx, &args),
            SecretCommand::List(args) => list::run(&ctx, &args),
            SecretCommand::Delete(args) => delete::run(&mut ctx, &args),
            SecretCommand::Status(args) => status::run(&ctx, &args),
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
