//! `agent secret import SERVICE [KEY...] | --all` (from environment variables)
//! and `agent secret import --dotenv FILE [--service S]`.
//!
//! Everything is checked before the password is asked for and before any
//! write: the whole file parsed, every name mapped and validated. Then one
//! unlock and one write per service.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use agent_secrets_core::audit::Operation;
use agent_secrets_core::env::{self, UserMapping};
use agent_secrets_core::import::{self, PlanError};
use agent_secrets_core::{Error, KeyName, SecretString, ServiceName, SetOutcome};
use zeroize::Zeroizing;

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::{exit, CliError};
use crate::output;

/// Largest `.env` file read (the parser also caps lines and values at 1 MiB).
pub const MAX_FILE_BYTES: u64 = 64 << 20;
/// Line errors printed before "… and N more".
const SHOWN_ERRORS: usize = 20;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from_service", "all", "dotenv"])))]
pub struct Args {
    /// Import the variables the mapping names for this service (e.g. openai ← OPENAI_API_KEY).
    #[arg(value_name = "SERVICE")]
    pub from_service: Option<ServiceName>,
    /// Only these keys of SERVICE, each from its mapped variable (e.g. `import stripe secret_key` ← STRIPE_SECRET_KEY).
    #[arg(value_name = "KEY", requires = "from_service")]
    pub keys: Vec<KeyName>,
    /// Every mapped secret whose variable is set.
    #[arg(long, conflicts_with_all = ["from_service", "dotenv"])]
    pub all: bool,
    /// Import a .env file: mapped variables go to their secret (OPENAI_API_KEY → openai/api_key), the rest to the service `app` under their own name.
    #[arg(long, value_name = "FILE", conflicts_with = "from_service")]
    pub dotenv: Option<PathBuf>,
    /// With --dotenv: put every variable into this service (a variable mapped to a key of S goes to that key, any other under its own name).
    #[arg(long, value_name = "S", requires = "dotenv")]
    pub service: Option<ServiceName>,
    /// Print where each variable would go; asks for no password and writes nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The audit line this command writes, if any.
pub fn audit_target(args: &Args) -> Option<Target> {
    if args.dry_run {
        return None;
    }
    let service = args.service.as_ref().or(args.from_service.as_ref());
    Some(match (service, args.keys.as_slice()) {
        (Some(s), [k]) => Target::secret(Operation::Import, s, Some(k)),
        (Some(s), _) => Target::secret(Operation::Import, s, None),
        (None, _) => Target::vault(Operation::Import),
    })
}

/// One secret to store.
struct Planned {
    service: ServiceName,
    key: KeyName,
    /// The variable it came from.
    var: String,
    /// The `.env` line, if from a file.
    line: Option<usize>,
    value: SecretString,
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    match &args.dotenv {
        Some(file) => from_dotenv(ctx, args, file),
        None => from_environment(ctx, args),
    }
}

/// The user mapping, read without the password (names only: it plans an
/// import or is shown; the import checks it against the verified one).
pub fn user_mapping(ctx: &Context) -> Result<UserMapping, CliError> {
    use agent_secrets_core::Store;
    let bytes = ctx
        .store
        .read(agent_secrets_core::format::CONFIG_FILE)
        .map_err(Error::from)?
        .ok_or(Error::NotInitialized)?;
    Ok(agent_secrets_core::format::parse_config(&bytes)?.env)
}

fn usage(message: String) -> CliError {
    CliError::Usage(message)
}

fn from_environment(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let user = user_mapping(ctx)?;
    let wanted: Vec<(ServiceName, KeyName)> = match (&args.from_service, args.all) {
        (Some(service), _) => {
            if args.keys.is_empty() {
                let mapped = env::mapped_secrets(&user, Some(service));
                if mapped.is_empty() {
                    return Err(usage(format!(
                        "No variable is mapped for '{service}'. Name its keys (agent secret import {service} KEY...), \
                         map them (agent secret env --map {service}/KEY=VAR), or import a .env file with --dotenv."
                    )));
                }
                mapped
            } else {
                args.keys
                    .iter()
                    .map(|k| (service.clone(), k.clone()))
                    .collect()
            }
        }
        _ => env::mapped_secrets(&user, None),
    };
    // All or nothing: a secret whose only variables never carry one
    // cannot be imported from the environment.
    let refused: Vec<String> = wanted
        .iter()
        .filter_map(|(service, key)| {
            import::unusable(&user, service, key).map(|why| format!("{service}/{key} {why}"))
        })
        .collect();
    if !refused.is_empty() {
        return Err(usage(format!(
            "{}; a secret never sets it. Nothing was imported.",
            refused.join("; ")
        )));
    }
    let mut found = Vec::new();
    let mut absent = Vec::new();
    for (service, key) in wanted {
        let vars = env::vars_for_in(&user, &service, &key);
        // An empty variable counts as unset, as in `get`.
        let hit = vars.iter().find_map(|var| {
            std::env::var(var)
                .ok()
                .filter(|v| !v.is_empty())
                .map(|v| (var.clone(), SecretString::new(v)))
        });
        match hit {
            Some((var, value)) => found.push(Planned {
                service,
                key,
                var,
                line: None,
                value,
            }),
            None => absent.push(format!("{} ({service}/{key})", vars.join(" or "))),
        }
    }
    if found.is_empty() {
        return Err(CliError::Reported {
            message: format!(
                "Nothing imported: none of the mapped variables is set (looked at {}).",
                absent.join(", ")
            ),
            code: exit::NOT_FOUND,
        });
    }
    if args.dry_run {
        print_plan(&found)?;
    } else {
        store(ctx, found, &user)?;
    }
    if !absent.is_empty() {
        output::note(&format!("Not set, not imported: {}.", absent.join(", ")));
    }
    Ok(())
}

/// Reads the file with a size cap, naming it in every error.
fn read_file(file: &Path) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let name = file.display();
    let meta = std::fs::metadata(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            usage(format!("{name}: no such file; nothing was imported."))
        }
        _ => usage(format!("Cannot read {name} ({e}); nothing was imported.")),
    })?;
    if meta.is_dir() {
        return Err(usage(format!(
            "{name} is a directory, not a .env file; nothing was imported."
        )));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(usage(format!(
            "{name} is larger than {} MiB; nothing was imported.",
            MAX_FILE_BYTES >> 20
        )));
    }
    let mut bytes = Zeroizing::new(Vec::with_capacity(meta.len() as usize));
    std::fs::File::open(file)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| usage(format!("Cannot read {name} ({e}); nothing was imported.")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(usage(format!(
            "{name} is larger than {} MiB; nothing was imported.",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(bytes)
}

fn from_dotenv(ctx: &mut Context, args: &Args, file: &Path) -> Result<(), CliError> {
    let name = file.display().to_string();
    let bytes = read_file(file)?;
    let user = user_mapping(ctx)?;
    let (listed, problems) = agent_secrets_core::list(&ctx.store, None)?;
    if let Some(problem) = problems.into_iter().next() {
        return Err(problem.into());
    }
    let existing: Vec<(ServiceName, KeyName)> = listed
        .iter()
        .flat_map(|s| s.secrets.iter().map(|k| (s.service.clone(), k.key.clone())))
        .collect();
    let plan = import::plan(&bytes, &user, &existing, args.service.as_ref());
    drop(bytes);
    let plan = plan.map_err(|e| match e {
        PlanError::Unreadable(errors) => {
            report_lines(&name, errors.iter().cloned());
            usage(format!(
                "{name}: {} line(s) could not be read; nothing was imported.",
                errors.len()
            ))
        }
        PlanError::Unstorable(errors) => {
            report_lines(&name, errors.iter().cloned());
            usage(format!(
                "{name}: {} variable(s) cannot be stored; nothing was imported.",
                errors.len()
            ))
        }
    })?;
    for d in &plan.duplicates {
        let lines: Vec<String> = d.lines.iter().map(ToString::to_string).collect();
        output::note(&format!(
            "{name}: {} is set on lines {}; the last one wins.",
            d.name,
            lines.join(", ")
        ));
    }
    for m in &plan.merged {
        output::note(&format!(
            "{name}: {} (line {}) and {} (line {}) both go to {}/{}; the later line wins.",
            m.earlier.0, m.earlier.1, m.later.0, m.later.1, m.service, m.key
        ));
    }
    let planned: Vec<Planned> = plan
        .planned
        .into_iter()
        .map(|p| Planned {
            service: p.service,
            key: p.key,
            var: p.var,
            line: Some(p.line),
            value: p.value,
        })
        .collect();
    if planned.is_empty() {
        output::note(&format!("{name} has no variables; nothing to import."));
        return Ok(());
    }
    if args.dry_run {
        print_plan(&planned)?;
        return Ok(());
    }
    store(ctx, planned, &user)
}

fn report_lines(file: &str, lines: impl Iterator<Item = String>) {
    let mut shown = 0;
    let mut more = 0;
    for line in lines {
        if shown < SHOWN_ERRORS {
            output::note(&format!("{file}: {line}"));
            shown += 1;
        } else {
            more += 1;
        }
    }
    if more > 0 {
        output::note(&format!("{file}: … and {more} more"));
    }
}

fn print_plan(planned: &[Planned]) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = planned
        .iter()
        .map(|p| {
            vec![
                p.var.clone(),
                format!("{}/{}", p.service, p.key),
                p.line.map(|l| l.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    output::line(&output::table(&["VARIABLE", "SECRET", "LINE"], &rows))
}

/// One unlock, one write per service. `user` is the mapping the plan was
/// made with, read before the unlock: it must be the one the unlock
/// verified, or a swapped file could have routed the values.
fn store(ctx: &mut Context, planned: Vec<Planned>, user: &UserMapping) -> Result<(), CliError> {
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    if &vault.config().env != user {
        return Err(Error::KeysChanged.into());
    }
    let mut by_service: BTreeMap<ServiceName, Vec<Planned>> = BTreeMap::new();
    for p in planned {
        by_service.entry(p.service.clone()).or_default().push(p);
    }
    let at = now();
    for (service, entries) in &by_service {
        let outcomes = vault.set_many(service, entries.iter().map(|p| (&p.key, &p.value)), at)?;
        let created = outcomes
            .iter()
            .filter(|o| **o == SetOutcome::Created)
            .count();
        let n = outcomes.len();
        let from: Vec<&str> = entries.iter().take(5).map(|p| p.var.as_str()).collect();
        let more = if n > 5 {
            format!(", … {} more", n - 5)
        } else {
            String::new()
        };
        output::line(&format!(
            "Imported {n} secret{} for {service} ({created} new, {} updated; from {}{more}).",
            if n == 1 { "" } else { "s" },
            n - created,
            from.join(", ")
        ))?;
    }
    Ok(())
}
