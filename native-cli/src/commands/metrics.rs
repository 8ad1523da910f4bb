//! `agent secret metrics [--format prometheus|json] [--stale-days N]` — from
//! the audit trail and the vault's metadata; no password needed.

use agent_secrets_core::audit::{self, AUDIT_FILE};
use agent_secrets_core::metrics::{self, Metrics};
use agent_secrets_core::{Error, Store};

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Prometheus text exposition format.
    Prometheus,
    /// One JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Prometheus)]
    pub format: Format,
    /// A secret whose value has not changed for this many days is reported as stale.
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub stale_days: u64,
}

/// Reading figures is not itself recorded.
pub fn audit_target(_args: &Args) -> Option<Target> {
    None
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let (services, _problems) = agent_secrets_core::list(&ctx.store, None)?;
    let log = ctx
        .store
        .read(AUDIT_FILE)
        .map_err(Error::from)?
        .unwrap_or_default();
    let (lines, _) = audit::parse_lines(&log);
    let m = metrics::compute(&lines, &services, now(), args.stale_days);
    match args.format {
        Format::Json => output::json(&m)?,
        Format::Prometheus => output::line(prometheus(&m).trim_end())?,
    }
    Ok(())
}

/// Label values are names (validated) and enum words; escape anyway.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn prometheus(m: &Metrics) -> String {
    let mut out = String::new();
    out.push_str(
        "# HELP agent_secrets_operations_total Audit events by operation, service and status.\n",
    );
    out.push_str("# TYPE agent_secrets_operations_total counter\n");
    for c in &m.operations {
        out.push_str(&format!(
            "agent_secrets_operations_total{{operation=\"{}\",service=\"{}\",status=\"{}\"}} {}\n",
            c.operation.as_str(),
            label(&c.service),
            c.status.as_str(),
            c.count
        ));
    }
    out.push_str("# HELP agent_secrets_failed_unlocks_total Wrong passwords and attempts refused by the lockout.\n");
    out.push_str("# TYPE agent_secrets_failed_unlocks_total counter\n");
    out.push_str(&format!(
        "agent_secrets_failed_unlocks_total {}\n",
        m.failed_unlocks
    ));
    out.push_str("# HELP agent_secrets_alerts_total Alerts raised.\n");
    out.push_str("# TYPE agent_secrets_alerts_total counter\n");
    out.push_str(&format!("agent_secrets_alerts_total {}\n", m.alerts));
    out.push_str(
        "# HELP agent_secrets_last_access_timestamp_seconds Last audited use of a secret.\n",
    );
    out.push_str("# TYPE agent_secrets_last_access_timestamp_seconds gauge\n");
    for a in &m.last_access {
        out.push_str(&format!(
            "agent_secrets_last_access_timestamp_seconds{{service=\"{}\",key=\"{}\"}} {}\n",
            label(&a.service),
            label(&a.key),
            a.at.unix()
        ));
    }
    out.push_str(&format!(
        "# HELP agent_secrets_stale_secret_age_days Secrets unchanged for at least {} days.\n",
        m.stale_days
    ));
    out.push_str("# TYPE agent_secrets_stale_secret_age_days gauge\n");
    for s in &m.stale_secrets {
        out.push_str(&format!(
            "agent_secrets_stale_secret_age_days{{service=\"{}\",key=\"{}\"}} {}\n",
            label(&s.service),
            label(&s.key),
            s.age_days
        ));
    }
    out.push_str("# HELP agent_secrets_audit_events Audit lines read.\n");
    out.push_str("# TYPE agent_secrets_audit_events gauge\n");
    out.push_str(&format!("agent_secrets_audit_events {}\n", m.events));
    out
}
