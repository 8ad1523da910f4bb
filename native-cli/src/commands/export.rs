//! `agent secret export [SERVICE] [--format dotenv|json|shell] [--output FILE] [--force]`
//!
//! The rollback path: the vault's values in plaintext, on standard output
//! or in a new file created 0600.
//!
//! Formats (a secret appears under the first variable its mapping names):
//!
//! - `dotenv`: `NAME='value'` lines that `import --dotenv`, the npm
//!   `dotenv` package and a shell sourcing the file all read back byte for
//!   byte; a value without such a form is refused, pointing at `shell`
//!   ([`agent_secrets_core::dotenv::write`]);
//! - `shell`: `export NAME='value'` lines, safe to `eval` in a POSIX shell;
//! - `json`: `{"SERVICE": {"KEY": "value", …}, …}`, services and keys
//!   sorted; it keeps services and keys and needs no mapping.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use agent_secrets_core::audit::Operation;
use agent_secrets_core::{dotenv, env, KeyName, SecretString, ServiceName};
use zeroize::Zeroizing;

use crate::audit_log::Target;
use crate::context::{random_hex, Context};
use crate::error::{exit, CliError};
use crate::output;

/// A secret to export: its names and its value.
type Secret = (ServiceName, KeyName, SecretString);

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// NAME='value' lines for a .env file.
    Dotenv,
    /// {"service": {"key": "value"}}.
    Json,
    /// export NAME='value' lines to eval in a shell.
    Shell,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this service (default: every service).
    pub service: Option<ServiceName>,
    /// Output format.
    #[arg(long, value_enum, default_value = "dotenv")]
    pub format: Format,
    /// Write to this new file (mode 0600) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// The audit line this command writes, if any.
pub fn audit_target(args: &Args) -> Option<Target> {
    Some(match &args.service {
        Some(s) => Target::secret(Operation::Export, s, None),
        None => Target::vault(Operation::Export),
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if let Some(file) = &args.output {
        if !args.force && std::fs::symlink_metadata(file).is_ok() {
            return Err(CliError::Usage(format!(
                "{} exists; pass --force to replace it. Nothing was exported.",
                file.display()
            )));
        }
    }
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    let services: Vec<ServiceName> = match &args.service {
        Some(s) => vec![s.clone()],
        None => {
            let (listed, problems) = agent_secrets_core::list(&ctx.store, None)?;
            // All or nothing: a partial rollback file would look complete.
            if let Some(problem) = problems.into_iter().next() {
                return Err(problem.into());
            }
            listed.into_iter().map(|s| s.service).collect()
        }
    };
    let mut secrets: Vec<Secret> = Vec::new();
    for service in &services {
        for (key, value) in vault.get_service(service)? {
            secrets.push((service.clone(), key, value));
        }
    }
    let user = &vault.config().env;
    let mut n = secrets.len();
    let text = match args.format {
        Format::Json => json(&secrets),
        Format::Dotenv | Format::Shell => {
            let named = variables(user, &secrets)?;
            n = named.len();
            let pairs = named
                .iter()
                .map(|(var, value)| (var.as_str(), value.expose()));
            let written = if args.format == Format::Dotenv {
                dotenv::write(pairs)
            } else {
                dotenv::write_shell(pairs)
            };
            written.map_err(|e| refused(&e, user, &secrets))?
        }
    };
    let plural = if n == 1 { "" } else { "s" };
    match &args.output {
        Some(file) => {
            write_file(file, text.as_bytes(), args.force)?;
            output::note(&format!(
                "warning: {} holds {n} secret{plural} in plaintext. Delete it when you are done (or keep it where only you can read it).",
                file.display()
            ));
        }
        None => {
            output::note(&format!(
                "warning: writing {n} secret{plural} in plaintext to standard output."
            ));
            if let Some(body) = text.strip_suffix('\n') {
                output::line(body)?;
            } else if !text.is_empty() {
                output::line(&text)?;
            }
        }
    }
    Ok(())
}

/// Each secret under the preferred variable of its mapping (the core's
/// plan, as `run` and the npm `loadEnv`); a variable that never carries a
/// secret is left out with a warning; two secrets that would share a
/// variable are refused (the file could not be imported back as it was).
fn variables(
    user: &env::UserMapping,
    secrets: &[Secret],
) -> Result<Vec<(String, SecretString)>, CliError> {
    let names: Vec<(ServiceName, KeyName)> = secrets
        .iter()
        .map(|(s, k, _)| (s.clone(), k.clone()))
        .collect();
    let plan = env::plan_env(user, &names, env::Which::Preferred);
    for skipped in &plan.skipped {
        match skipped {
            env::Skipped::Taken {
                variable,
                secret,
                by,
            } => {
                return Err(CliError::Reported {
                    message: format!(
                        "Cannot export: {by} and {secret} both map to {variable}. Export one service at a time, \
                         use --format json, or change the mapping (agent secret env --map). Nothing was exported."
                    ),
                    code: exit::ERROR,
                })
            }
            env::Skipped::Reserved { .. } => {
                output::note(&format!("warning: not exported: {skipped}"));
            }
        }
    }
    Ok(plan
        .vars
        .into_iter()
        .map(|p| (p.variable, secrets[p.secret].2.clone()))
        .collect())
}

/// The message for a secret the format cannot carry: it names the secret
/// and its variable, never the value, and the format that can.
fn refused(e: &dotenv::WriteError, user: &env::UserMapping, secrets: &[Secret]) -> CliError {
    let var = match e {
        dotenv::WriteError::InvalidName { name }
        | dotenv::WriteError::Nul { name }
        | dotenv::WriteError::NotSourceable { name, .. } => name,
    };
    let secret = secrets
        .iter()
        .find(|(service, key, _)| env::vars_for_in(user, service, key).contains(var))
        .map_or_else(
            || var.clone(),
            |(service, key, _)| format!("{service}/{key}"),
        );
    let message = match e {
        dotenv::WriteError::InvalidName { .. } => format!(
            "{secret} maps to {var}, which is not a shell variable name (a shell that sources \
             the file would run the line as a command). Map it to one (agent secret env --map \
             {secret}=NAME) or use --format json"
        ),
        dotenv::WriteError::Nul { .. } => format!(
            "the value of {secret} ({var}) contains a NUL character, which no .env file or shell \
             carries; use --format json"
        ),
        dotenv::WriteError::NotSourceable { reason, .. } => format!(
            "the value of {secret} ({var}) {reason}, which a .env file cannot hold in a form that \
             is also safe to source from a shell; use --format shell (or json)"
        ),
    };
    CliError::Reported {
        message: format!("Cannot export: {message}. Nothing was exported."),
        code: exit::ERROR,
    }
}

fn json(secrets: &[Secret]) -> Zeroizing<String> {
    let mut tree: BTreeMap<&str, BTreeMap<&str, &str>> = BTreeMap::new();
    for (service, key, value) in secrets {
        tree.entry(service.as_str())
            .or_default()
            .insert(key.as_str(), value.expose());
    }
    // Serializing maps of strings cannot fail.
    Zeroizing::new(serde_json::to_string_pretty(&tree).unwrap_or_default() + "\n")
}

/// Creates `file` with mode 0600. With `force`, writes a new temporary
/// file beside it and renames it over the old one, so the result is 0600
/// whatever the old file's mode was.
fn write_file(file: &Path, bytes: &[u8], force: bool) -> Result<(), CliError> {
    let cannot = |e: std::io::Error| CliError::Reported {
        message: format!(
            "Cannot write {} ({e}); nothing was exported.",
            file.display()
        ),
        code: exit::ERROR,
    };
    let create = |path: &Path| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
    };
    if !force {
        return create(file).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CliError::Usage(format!(
                    "{} exists; pass --force to replace it. Nothing was exported.",
                    file.display()
                ))
            } else {
                cannot(e)
            }
        });
    }
    let suffix = random_hex(6)?;
    let mut tmp = file.as_os_str().to_owned();
    tmp.push(format!(".tmp.{}", suffix.as_str()));
    let tmp = PathBuf::from(tmp);
    let result = create(&tmp).and_then(|()| std::fs::rename(&tmp, file));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(cannot)
}
