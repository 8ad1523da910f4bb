//! `agent secret resolve SERVICE KEY --ours|--theirs` and `agent secret
//! resolve --config --ours|--theirs`: finish a merge the merge driver left
//! with conflicts. No password: entries (and a whole `config.json`) move
//! as they are; the core does it under the write lock
//! ([`agent_secrets_core::merge`]).

use agent_secrets_core::audit::Operation;
use agent_secrets_core::merge::{self, Resolved, Side};
use agent_secrets_core::{Error, KeyName, ServiceName};

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("side").args(["ours", "theirs"])))]
pub struct Args {
    /// The service whose file is in conflict (not with --config).
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub service: Option<ServiceName>,
    /// The key to resolve.
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub key: Option<KeyName>,
    /// Resolve config.json: without a side, merge both branches' changes
    /// three-way (a session or the password; finishes a rotation one side
    /// made); with --ours/--theirs, take one side's file whole.
    #[arg(long)]
    pub config: bool,
    /// Take the side of the branch merged into (the current branch).
    #[arg(long)]
    pub ours: bool,
    /// Take the side of the branch merged in.
    #[arg(long)]
    pub theirs: bool,
}

impl Args {
    fn side(&self) -> Side {
        if self.theirs {
            Side::Theirs
        } else {
            Side::Ours
        }
    }
}

/// The line names the service, the key and (by its operation) the side;
/// a three-way merge of `config.json` is `config_merge`.
pub fn audit_target(args: &Args) -> Option<Target> {
    if args.config && !args.ours && !args.theirs {
        return Some(Target::vault(Operation::ConfigMerge));
    }
    let operation = match args.side() {
        Side::Ours => Operation::ResolveOurs,
        Side::Theirs => Operation::ResolveTheirs,
    };
    Some(match &args.service {
        Some(service) if !args.config => Target::secret(operation, service, args.key.as_ref()),
        _ => Target::vault(operation),
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if args.config && !args.ours && !args.theirs {
        return crate::config_merge::resolve(ctx);
    }
    if !args.ours && !args.theirs {
        return Err(Error::InvalidParameter(
            "resolve SERVICE KEY needs --ours or --theirs (only --config may go without a side)",
        )
        .into());
    }
    let side = args.side();
    if args.config {
        merge::resolve_config_in(&ctx.store, side)?;
        output::line(&format!(
            "config.json: took {} side whole; its MAC is verified at the next unlock. Repeat the other side's change if it is still wanted (e.g. `agent secret recipients add`), then commit.",
            side_words(side)
        ))?;
        return Ok(());
    }
    let (Some(service), Some(key)) = (&args.service, &args.key) else {
        return Err(Error::InvalidParameter("resolve needs SERVICE and KEY, or --config").into());
    };
    let what = match merge::resolve(&ctx.store, service, key, side)? {
        Resolved::StillInConflict(bytes) => {
            let left = merge::conflicted_keys(service, &bytes).unwrap_or_default();
            let left: Vec<&str> = left.iter().map(|k| k.as_str()).collect();
            format!("still in conflict: {}", left.join(", "))
        }
        Resolved::Service(_) => format!("{service}.json has no conflict left; commit it"),
        Resolved::Remove => format!("no secret was left, so {service}.json was removed; commit it"),
    };
    output::line(&format!(
        "{service}/{key}: took {} side ({what}).",
        side_words(side)
    ))?;
    Ok(())
}

fn side_words(side: Side) -> &'static str {
    match side {
        Side::Ours => "our",
        Side::Theirs => "their",
    }
}
