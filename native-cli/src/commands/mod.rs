//! One module per subcommand, each with its `Args` and a `run`.

pub mod audit;
pub mod completions;
pub mod config;
pub mod delete;
pub mod env;
pub mod export;
pub mod get;
pub mod git_setup;
pub mod import;
pub mod init;
pub mod list;
pub mod lock;
pub mod man;
pub mod merge_driver;
pub mod metrics;
pub mod passwd;
pub mod preflight;
pub mod providers;
pub mod recipients;
pub mod resolve;
pub mod rotate;
pub mod run;
pub mod scan;
pub mod set;
pub mod share;
pub mod status;
pub mod ui;
pub mod unlock;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::format::CONFIG_FILE;
use agent_secrets_core::{operation, Error, Store, Vault};

use crate::audit_log::{self, Target};

use crate::cli::{Cli, Command, SecretCommand};
pub use crate::context::is_initialized;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::input::Inputs;

/// Runs the parsed command line, then appends its audit line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let mut ctx = Context::new(&cli.global)?;
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
    let cmd = match command {
        Command::Secret(cmd) => cmd,
        Command::Preflight(a) => return preflight::audit_target(a),
        Command::Completions(_) | Command::Man(_) => return None,
        Command::SessionAgent(_) => return None,
    };
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
        SecretCommand::Config(a) => return config::audit_target(a),
        SecretCommand::Import(a) => return import::audit_target(a),
        SecretCommand::Export(a) => return export::audit_target(a),
        SecretCommand::Run(a) => return run::audit_target(a),
        SecretCommand::Env(a) => return env::audit_target(a),
        SecretCommand::Providers(a) => return providers::audit_target(a),
        SecretCommand::Passwd(a) => return passwd::audit_target(a),
        SecretCommand::Rotate(a) => return rotate::audit_target(a),
        SecretCommand::Recipients(a) => return recipients::audit_target(a),
        SecretCommand::Share(_) => return None,
        SecretCommand::Resolve(a) => return resolve::audit_target(a),
        // No vault line: git-setup writes git's files, the driver git's temporary files.
        SecretCommand::GitSetup(_) | SecretCommand::MergeDriver(_) => return None,
        SecretCommand::Audit(a) => return audit::audit_target(a),
        SecretCommand::Metrics(a) => return metrics::audit_target(a),
        SecretCommand::Scan(a) => return scan::audit_target(a),
        SecretCommand::Ui(a) => return ui::audit_target(a),
        SecretCommand::Unlock(a) => return unlock::audit_target(a),
        SecretCommand::Lock(a) => return lock::audit_target(a),
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
            SecretCommand::Config(args) => config::run(ctx, &args),
            SecretCommand::Import(args) => import::run(ctx, &args),
            SecretCommand::Export(args) => export::run(ctx, &args),
            SecretCommand::Run(args) => run::run(ctx, &args),
            SecretCommand::Env(args) => env::run(ctx, &args),
            SecretCommand::Providers(args) => providers::run(ctx, &args),
            SecretCommand::Passwd(args) => passwd::run(ctx, &args),
            SecretCommand::Rotate(args) => rotate::run(ctx, &args),
            SecretCommand::Recipients(args) => recipients::run(ctx, &args),
            SecretCommand::Share(args) => share::run(ctx, &args),
            SecretCommand::Resolve(args) => resolve::run(ctx, &args),
            SecretCommand::GitSetup(args) => git_setup::run(ctx, &args),
            SecretCommand::MergeDriver(args) => merge_driver::run(&args),
            SecretCommand::Audit(args) => audit::run(ctx, &args),
            SecretCommand::Metrics(args) => metrics::run(ctx, &args),
            SecretCommand::Scan(args) => scan::run(ctx, &args),
            SecretCommand::Ui(args) => ui::run(ctx, &args),
            SecretCommand::Unlock(args) => unlock::run(ctx, &args),
            SecretCommand::Lock(args) => lock::run(ctx, &args),
        },
        Command::Preflight(args) => preflight::run(ctx, &args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::SessionAgent(args) => crate::session::agent::run(&args),
    }
}

/// Opens the vault with the key of its open session (`agent secret
/// unlock`), else asks for the password ([`unlock_with_password`]). A
/// missing vault is reported before anything else. The vault's audit key
/// is kept for the command's audit line, which says `"auth": "session"`
/// when the session's key opened it.
pub fn unlock<'s>(
    store: &'s FileStore,
    inputs: &mut Inputs,
) -> Result<Vault<&'s FileStore>, CliError> {
    if let Some(vault) = open_session(store, inputs)? {
        return Ok(vault);
    }
    unlock_with_password(store, inputs)
}

/// The vault opened with its open session's key, if there is one and
/// sessions are allowed; `None` otherwise (no prompt, no KDF either way).
pub fn open_session<'s>(
    store: &'s FileStore,
    inputs: &Inputs,
) -> Result<Option<Vault<&'s FileStore>>, CliError> {
    if !inputs.session_allowed() || !is_initialized(store)? {
        return Ok(None);
    }
    let vault = crate::session::open(store)?;
    if let Some(vault) = &vault {
        audit_log::remember_key(vault.audit_key());
        audit_log::remember_auth(vault.auth());
    }
    Ok(vault)
}

/// Asks for the password and opens the vault, whether a session is open
/// or not (`passwd`, `rotate`, `config`, `unlock`). A missing vault is
/// reported before anyone is asked for a password. The vault's audit key
/// is kept for the command's audit line.
pub fn unlock_with_password<'s>(
    store: &'s FileStore,
    inputs: &mut Inputs,
) -> Result<Vault<&'s FileStore>, CliError> {
    if !is_initialized(store)? {
        return Err(Error::NotInitialized.into());
    }
    // Said before the prompt, right password or wrong (the core's
    // warnings: a planted alert command, a corrupt state.json); the unlock
    // itself counts the attempt (and rewrites a corrupt state.json) before
    // any key is derived.
    for warning in operation::unlock_warnings(store, now()) {
        crate::output::note(&format!("warning: {warning}"));
    }
    // A vault with age or SSH recipients: the user's identities first (no
    // KDF, no lockout), then the password.
    if let Some(bytes) = store.read(CONFIG_FILE).map_err(Error::from)? {
        if let Ok(config) = agent_secrets_core::format::parse_config(&bytes) {
            if let Some((recipient, payload)) =
                crate::identity::open_with_identities(&config, &inputs.identities)
            {
                let vault = Vault::unlock_with_payload(store, &recipient, &payload, now())?;
                audit_log::remember_key(vault.audit_key());
                audit_log::remember_auth(vault.auth());
                return Ok(vault);
            }
        }
    }
    let password = inputs.password()?;
    // As many attempts as the lockout allows may be running already (other
    // processes): wait for a free turn with the lock's pauses.
    let started = std::time::Instant::now();
    let mut pauses = agent_secrets_core::lock::Backoff::new();
    let vault = loop {
        match Vault::unlock(store, &password, now()) {
            Err(Error::UnlocksInFlight) if started.elapsed() < store.lock_timeout() => {
                std::thread::sleep(pauses.next().unwrap_or(agent_secrets_core::lock::MAX_PAUSE));
            }
            other => break other?,
        }
    };
    audit_log::remember_key(vault.audit_key());
    Ok(vault)
}
