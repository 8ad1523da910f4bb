//! The command line: clap definitions only. Each subcommand's behaviour
//! lives in `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// agent secrets: API keys and credentials, encrypted in the project's
/// `.agent/secrets/`, never on a server.
#[derive(Debug, Parser)]
#[command(name = "agent", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Vault folder (default: $AGENT_SECRETS_DIR, else .agent/secrets under the current directory).
    #[arg(long, global = true, value_name = "PATH")]
    pub dir: Option<PathBuf>,

    /// Read the master password from the first line of standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the vault's secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Create a vault in the folder (asks for a new master password twice).
    Init(crate::commands::init::Args),
    /// Store a secret (the value from a no-echo prompt, --value-stdin or --value).
    Set(crate::commands::set::Args),
    /// Print a secret, masked unless --show; falls back to its environment variable.
    Get(crate::commands::get::Args),
    /// List services and key names (no password needed; values are never shown).
    List(crate::commands::list::Args),
    /// Delete a secret.
    Delete(crate::commands::delete::Args),
    /// Show the vault's state (no password needed).
    Status(crate::commands::status::Args),
}
