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

    /// An age identity file or SSH private key to open the vault with
    /// (repeatable; also $AGENT_SECRETS_IDENTITY, ~/.ssh/id_ed25519, ~/.ssh/id_rsa).
    #[arg(long, global = true, value_name = "FILE")]
    pub identity: Vec<PathBuf>,

    /// Use the master password even when a session is open (also: AGENT_SECRETS_NO_SESSION=1).
    #[arg(long, global = true)]
    pub no_session: bool,

    /// Also write each audit event to stderr as a JSON line (tracing target `agent::audit`).
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// Formats of `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One JSON object per event.
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage the vault's secrets.
    #[command(subcommand)]
    Secret(SecretCommand),
    /// Check the vault folder, its permissions, git and the audit chain (exit 8 on findings).
    Preflight(crate::commands::preflight::Args),
    /// Print the shell completion script for bash, zsh, fish, PowerShell or elvish.
    Completions(crate::commands::completions::Args),
    /// Print the manual page of agent or of a subcommand (roff), or write them all.
    Man(crate::commands::man::Args),
    /// The session agent that `agent secret unlock` starts (not for direct use).
    #[command(hide = true, name = "session-agent")]
    SessionAgent(crate::session::agent::Args),
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
    /// Show the lockout policy and alert thresholds, or change them (needs the password).
    Config(crate::commands::config::Args),
    /// Import secrets from environment variables or a .env file.
    Import(crate::commands::import::Args),
    /// Export secrets as dotenv, JSON or shell (plaintext: the rollback path).
    Export(crate::commands::export::Args),
    /// Run a command with the vault's secrets in its environment.
    Run(crate::commands::run::Args),
    /// Show the effective mapping between secrets and environment variables.
    Env(crate::commands::env::Args),
    /// Show the resolved credentials of the known providers (masked).
    Providers(crate::commands::providers::Args),
    /// Change the master password.
    Passwd(crate::commands::passwd::Args),
    /// Replace the vault key and the data key, and re-encrypt every value.
    Rotate(crate::commands::rotate::Args),
    /// List, add or remove the people (passwords, age or SSH keys) who can open the vault.
    Recipients(crate::commands::recipients::Args),
    /// Make the vault one meant to be committed (a team's): rewrites its .gitignore.
    Share(crate::commands::share::Args),
    /// Install the git merge driver for the vault's files in this clone (.gitattributes and local git config).
    GitSetup(crate::commands::git_setup::Args),
    /// Finish a merge: take our or their side of a key in conflict, or of config.json (--config).
    Resolve(crate::commands::resolve::Args),
    /// git's merge driver for the vault's files (set up by git-setup; git runs it with %O %A %B %P).
    MergeDriver(crate::commands::merge_driver::Args),
    /// Show or verify the audit trail.
    Audit(crate::commands::audit::Args),
    /// Operation counts and other figures from the audit trail.
    Metrics(crate::commands::metrics::Args),
    /// Search files for copies of stored values and well-known key patterns (exit 8 on findings).
    Scan(crate::commands::scan::Args),
    /// Open the vault in a browser tab: a local dashboard on 127.0.0.1 that decrypts only in the page.
    Ui(crate::commands::ui::Args),
    /// Unlock once: a session agent keeps the vault key, so commands need no password until it ends.
    Unlock(crate::commands::unlock::Args),
    /// End this vault's session (every session with --all); the keys are wiped.
    Lock(crate::commands::lock::Args),
}
