//! `agent secret env [--json] [--map SERVICE/KEY=VAR[,VAR...]] [--unmap SERVICE/KEY]`
//!
//! The effective mapping between secrets and environment variables: the
//! built-in providers, the user mapping in `config.json` and every secret
//! in the vault. Showing it needs no password (names are not secret; the
//! mapping shown is read unverified). `--map`/`--unmap` change the user
//! mapping (`"env"` in `config.json`) and need the password: the file is
//! written again under its MAC. A variable that never carries a secret
//! (the loader's, a shell's, …) is refused by `--map` and, when a key name
//! gives one, listed as `ignored` with a warning.

use agent_secrets_core::audit::Operation;
use agent_secrets_core::env::{self, Origin, UserMapping};
use agent_secrets_core::{Error, KeyName, ServiceName, VarName};
use serde::Serialize;

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Map a secret to one or more variables, preferred first: openai/api_key=OPENAI_KEY,OPENAI_API_KEY.
    #[arg(
        long,
        value_name = "SERVICE/KEY=VAR[,VAR...]",
        conflicts_with = "unmap",
        value_parser = parse_map
    )]
    pub map: Option<Mapping>,
    /// Remove a secret's user mapping (back to the built-in or general rule).
    #[arg(long, value_name = "SERVICE/KEY", value_parser = env::split_mapping_key)]
    pub unmap: Option<(ServiceName, KeyName)>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--map SERVICE/KEY=VAR[,VAR...]`, parsed where it is read.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// The secret's service.
    pub service: ServiceName,
    /// The secret's key.
    pub key: KeyName,
    /// Its variables, preferred first.
    pub vars: Vec<VarName>,
}

/// Parses `--map`: the names and every variable checked by the core's rules.
fn parse_map(spec: &str) -> Result<Mapping, CliError> {
    let (name, vars) = spec.split_once('=').ok_or_else(|| {
        CliError::Usage(
            "--map takes SERVICE/KEY=VAR[,VAR...], e.g. stripe/secret_key=STRIPE_KEY".to_owned(),
        )
    })?;
    let (service, key) = env::split_mapping_key(name)?;
    let vars = vars
        .split(',')
        .map(|v| VarName::parse(v.trim()))
        .collect::<Result<_, _>>()?;
    Ok(Mapping { service, key, vars })
}

/// The audit line this command writes, if any: a mapping change names
/// the secret (recorded as a `set` of that secret's metadata); showing the
/// mapping reads names only and is not recorded.
pub fn audit_target(args: &Args) -> Option<Target> {
    let (service, key) = match (&args.map, &args.unmap) {
        (Some(m), _) => (&m.service, &m.key),
        (None, Some((service, key))) => (service, key),
        (None, None) => return None,
    };
    Some(Target::secret(Operation::Set, service, Some(key)))
}

#[derive(Serialize)]
struct Row {
    service: ServiceName,
    key: KeyName,
    variables: Vec<String>,
    origin: Origin,
    in_vault: bool,
    /// Variables the rules name but no secret sets (loader, shell, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored: Vec<String>,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    // A mapping change needs a vault; asking first keeps the folder from
    // being created by the lock.
    if (args.map.is_some() || args.unmap.is_some()) && !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    if let Some(Mapping { service, key, vars }) = &args.map {
        let mut vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
        vault.set_user_mapping(service, key, Some(vars.as_slice()), now())?;
        let shown: Vec<&str> = vars.iter().map(VarName::as_str).collect();
        output::line(&format!("{service}/{key} ← {}", shown.join(", ")))?;
        return Ok(());
    }
    if let Some((service, key)) = &args.unmap {
        let mut vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
        vault.set_user_mapping(service, key, None, now())?;
        let vars = env::vars_for(service, key);
        output::line(&format!(
            "{service}/{key} ← {} (no user mapping)",
            vars.join(", ")
        ))?;
        return Ok(());
    }
    let (user, existing) = match super::import::user_mapping(ctx) {
        Ok(user) => {
            let (listed, problems) = agent_secrets_core::list(&ctx.store, None)?;
            for p in &problems {
                output::note(&format!("error: {p}"));
            }
            let existing: Vec<(ServiceName, KeyName)> = listed
                .into_iter()
                .flat_map(|s| {
                    let service = s.service;
                    s.secrets.into_iter().map(move |k| (service.clone(), k.key))
                })
                .collect();
            (user, existing)
        }
        Err(CliError::Core(Error::NotInitialized)) => (UserMapping::new(), Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = env::mapped_secrets(&user, None);
    for pair in &existing {
        if !names.contains(pair) {
            names.push(pair.clone());
        }
    }
    names.sort();
    let rows: Vec<Row> = names
        .into_iter()
        .map(|(service, key)| {
            let vars = env::secret_vars(&user, &service, &key);
            let in_vault = existing.iter().any(|(s, k)| *s == service && *k == key);
            for (variable, why) in &vars.refused {
                output::note(&format!(
                    "warning: {}",
                    env::Skipped::Reserved {
                        secret: env::mapping_key(&service, &key),
                        variable: variable.clone(),
                        why: *why,
                    }
                ));
            }
            Row {
                service,
                key,
                variables: vars.variables,
                origin: vars.origin,
                in_vault,
                ignored: vars.refused.into_iter().map(|(v, _)| v).collect(),
            }
        })
        .collect();
    if args.json {
        output::json(&rows)?;
        return Ok(());
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("{}/{}", r.service, r.key),
                if r.ignored.is_empty() {
                    r.variables.join(", ")
                } else {
                    let ignored = format!("{} ignored", r.ignored.join(", "));
                    [r.variables.join(", "), ignored]
                        .iter()
                        .filter(|part| !part.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join("; ")
                },
                match r.origin {
                    Origin::User => "user",
                    Origin::Builtin => "built-in",
                    Origin::Key => "key name",
                    Origin::Rule => "SERVICE_KEY",
                }
                .to_owned(),
                if r.in_vault { "yes" } else { "no" }.to_owned(),
            ]
        })
        .collect();
    output::line(&output::table(
        &["SECRET", "VARIABLES", "FROM", "IN VAULT"],
        &table,
    ))?;
    Ok(())
}
