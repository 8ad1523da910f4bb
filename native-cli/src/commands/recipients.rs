//! `agent secret recipients [list] | add NAME (--password | --age KEY |
//! --ssh-key FILE) | remove NAME`

use std::path::PathBuf;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::format::{parse_config, Recipient, CONFIG_FILE};
use agent_secrets_core::{Error, KeyName, Store};

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::identity::{public_key_for, AgeCli};
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// The recipients: names and kinds (no password needed; not verified without one).
    List(ListArgs),
    /// Add a recipient: a password (asked twice, or $AGENT_SECRETS_NEW_PASSWORD, or the second line with --password-stdin), an age key or an SSH public key.
    Add(AddArgs),
    /// Remove a recipient and rotate in the same command (new vault key and data key, every value re-encrypted).
    Remove(RemoveArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("kind").required(true).args(["password", "age", "ssh_key"])))]
pub struct AddArgs {
    /// The recipient's name (letters, digits, '_', '-', '.').
    pub name: KeyName,
    /// The new recipient opens the vault with a password of their own.
    #[arg(long)]
    pub password: bool,
    /// PBKDF2 iterations of the new password (100000 to 10000000).
    #[arg(long, value_name = "N", requires = "password", default_value_t = agent_secrets_core::DEFAULT_ITERATIONS)]
    pub iterations: u32,
    /// An age public key (age1…).
    #[arg(long, value_name = "KEY")]
    pub age: Option<String>,
    /// An SSH public key file (ssh-ed25519 or ssh-rsa, e.g. ~/.ssh/id_ed25519.pub).
    #[arg(long, value_name = "FILE")]
    pub ssh_key: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct RemoveArgs {
    /// The recipient to remove.
    pub name: KeyName,
    /// Print the rotation's summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The audit line this command writes: adds and removals name the
/// recipient (in `key`), never a key; listing writes none.
pub fn audit_target(args: &Args) -> Option<Target> {
    let (operation, name) = match &args.action {
        Some(Action::Add(a)) => (Operation::RecipientAdd, &a.name),
        Some(Action::Remove(a)) => (Operation::RecipientRemove, &a.name),
        Some(Action::List(_)) | None => return None,
    };
    Some(Target {
        operation,
        service: None,
        key: Some(name.clone()),
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    match &args.action {
        None => list(ctx, false),
        Some(Action::List(a)) => list(ctx, a.json),
        Some(Action::Add(a)) => add(ctx, a),
        Some(Action::Remove(a)) => remove(ctx, a),
    }
}

/// How `list` names a recipient's kind (the key's type, never the key).
fn kind(recipient: &Recipient) -> &'static str {
    match recipient {
        Recipient::Password(_) => "password",
        Recipient::Age(a) if a.public_key.starts_with("age1") => "age",
        Recipient::Age(a) if a.public_key.starts_with("ssh-ed25519 ") => "ssh-ed25519",
        Recipient::Age(_) => "ssh-rsa",
    }
}

fn list(ctx: &Context, json: bool) -> Result<(), CliError> {
    let bytes = ctx
        .store
        .read(CONFIG_FILE)
        .map_err(Error::from)?
        .ok_or(Error::NotInitialized)?;
    let config = parse_config(&bytes)?;
    if json {
        let rows: Vec<serde_json::Value> = config
            .recipients
            .iter()
            .map(|(name, r)| serde_json::json!({ "name": name, "kind": kind(r) }))
            .collect();
        return Ok(output::json(&rows)?);
    }
    for (name, r) in &config.recipients {
        output::line(&format!("{name}\t{}", kind(r)))?;
    }
    Ok(())
}

fn add(ctx: &mut Context, args: &AddArgs) -> Result<(), CliError> {
    let name = args.name.as_str();
    // The key is checked before anyone is asked for a password.
    let public_key = if args.password {
        agent_secrets_core::format::check_iterations(u64::from(args.iterations))?;
        None
    } else {
        Some(public_key_for(
            name,
            args.age.as_deref(),
            args.ssh_key.as_deref(),
        )?)
    };
    let mut vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    if vault.config().recipients.contains_key(name) {
        return Err(Error::RecipientExists {
            recipient: name.to_owned(),
        }
        .into());
    }
    match public_key {
        None => {
            let password = ctx.inputs.replacement_password()?;
            vault.add_password_recipient(&args.name, &password, args.iterations, now())?;
        }
        Some(key) => vault.add_age_recipient(&args.name, &key, &AgeCli, now())?,
    }
    output::line(&format!(
        "Added recipient '{name}'. Commit .agent/secrets/config.json so that they get it."
    ))?;
    Ok(())
}

fn remove(ctx: &mut Context, args: &RemoveArgs) -> Result<(), CliError> {
    let mut vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    let mut progress = output::reencryption_progress("services");
    let summary = vault.remove_recipient(&args.name, &AgeCli, now(), &mut progress)?;
    // The vault key changed: the audit line goes under the new one.
    crate::audit_log::remember_key(vault.audit_key());
    if args.json {
        output::json(&summary)?;
    } else {
        output::line(&format!(
            "Removed recipient '{}' and rotated (they knew the old keys): new vault key, data key {}, {} values in {} services re-encrypted. Anything they could read before is still theirs: change those secrets at their provider.",
            args.name, summary.new_key, summary.values_moved, summary.services
        ))?;
    }
    Ok(())
}
