//! `agent secret config [--lockout-attempts N] [--lockout-delay S]
//! [--lockout-max-delay S] [--alert-after N] [--alert-window S] [--no-alerts] [--json]`
//!
//! Without flags: the lockout policy and the failed-unlock alert
//! thresholds as `config.json` states them, read without the password and
//! so marked unverified. With flags: unlocks, changes them, and the core
//! writes `config.json` again under its MAC (a hand edit is refused by
//! every command that needs the password).

use agent_secrets_core::audit::Operation;
use agent_secrets_core::format::{AlertPolicy, LockoutPolicy};
use agent_secrets_core::Error;
use serde::Serialize;

use crate::audit_log::Target;
use crate::context::{now, Context};
use crate::error::CliError;
use crate::output;

/// Alert thresholds used when alerts are turned on with only one of the two flags.
const DEFAULT_ALERT_AFTER: u32 = 5;
const DEFAULT_ALERT_WINDOW: u64 = 300;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Consecutive wrong passwords before a lockout (1 to 100).
    #[arg(long, value_name = "N")]
    pub lockout_attempts: Option<u32>,
    /// Length of the first lockout in seconds (1 to 86400).
    #[arg(long, value_name = "SECONDS")]
    pub lockout_delay: Option<u64>,
    /// Longest lockout in seconds (the first lockout's length to 604800).
    #[arg(long, value_name = "SECONDS")]
    pub lockout_max_delay: Option<u64>,
    /// Raise an alert after N failed unlocks within the window (1 to 1000).
    #[arg(long, value_name = "N", conflicts_with = "no_alerts")]
    pub alert_after: Option<u32>,
    /// The alert window in seconds (1 to 2592000).
    #[arg(long, value_name = "SECONDS", conflicts_with = "no_alerts")]
    pub alert_window: Option<u64>,
    /// Turn failed-unlock alerts off.
    #[arg(long)]
    pub no_alerts: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

impl Args {
    fn changes_lockout(&self) -> bool {
        self.lockout_attempts.is_some()
            || self.lockout_delay.is_some()
            || self.lockout_max_delay.is_some()
    }

    fn changes_alerts(&self) -> bool {
        self.alert_after.is_some() || self.alert_window.is_some() || self.no_alerts
    }
}

/// A change is recorded (`config`); showing the settings is not.
pub fn audit_target(args: &Args) -> Option<Target> {
    (args.changes_lockout() || args.changes_alerts()).then(|| Target::vault(Operation::Config))
}

#[derive(Serialize)]
struct Shown<'a> {
    /// False when read without the password.
    verified: bool,
    lockout: &'a LockoutPolicy,
    alerts: Option<Thresholds>,
}

#[derive(Serialize)]
struct Thresholds {
    failed_unlocks: u32,
    window_seconds: u64,
}

fn thresholds(alerts: Option<&AlertPolicy>) -> Option<Thresholds> {
    alerts.map(|a| Thresholds {
        failed_unlocks: a.failed_unlocks,
        window_seconds: a.window_seconds,
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    if !args.changes_lockout() && !args.changes_alerts() {
        let (status, _) = agent_secrets_core::status(&ctx.store)?;
        let alerts = status.alerts.map(|a| Thresholds {
            failed_unlocks: a.failed_unlocks,
            window_seconds: a.window_seconds,
        });
        return show(&status.lockout, alerts, false, args.json);
    }
    let mut vault = super::unlock_with_password(&ctx.store, &mut ctx.inputs)?;
    if args.changes_lockout() {
        let current = vault.config().lockout;
        let policy = LockoutPolicy {
            max_attempts: args.lockout_attempts.unwrap_or(current.max_attempts),
            base_delay_seconds: args.lockout_delay.unwrap_or(current.base_delay_seconds),
            max_delay_seconds: args.lockout_max_delay.unwrap_or(current.max_delay_seconds),
        };
        vault.set_lockout_policy(policy, now())?;
    }
    if args.changes_alerts() {
        let thresholds = if args.no_alerts {
            None
        } else {
            let current = vault.config().alerts.as_ref();
            Some((
                args.alert_after
                    .or(current.map(|a| a.failed_unlocks))
                    .unwrap_or(DEFAULT_ALERT_AFTER),
                args.alert_window
                    .or(current.map(|a| a.window_seconds))
                    .unwrap_or(DEFAULT_ALERT_WINDOW),
            ))
        };
        vault.set_alert_thresholds(thresholds, now())?;
    }
    let config = vault.config();
    show(
        &config.lockout,
        thresholds(config.alerts.as_ref()),
        true,
        args.json,
    )
}

fn show(
    lockout: &LockoutPolicy,
    alerts: Option<Thresholds>,
    verified: bool,
    json: bool,
) -> Result<(), CliError> {
    if json {
        output::json(&Shown {
            verified,
            lockout,
            alerts,
        })?;
        return Ok(());
    }
    let rows = vec![
        vec![
            "lockout".to_owned(),
            format!(
                "after {} failed attempts, {} s doubling to {} s",
                lockout.max_attempts, lockout.base_delay_seconds, lockout.max_delay_seconds
            ),
        ],
        vec![
            "alerts".to_owned(),
            match &alerts {
                Some(a) => format!(
                    "after {} failed unlocks within {} s",
                    a.failed_unlocks, a.window_seconds
                ),
                None => "off".to_owned(),
            },
        ],
    ];
    output::line(output::table(&["", ""], &rows).trim_start())?;
    if verified {
        output::note("Saved in config.json under its MAC.");
    } else {
        output::note(
            "Read without the password: not verified. Commands that unlock check config.json's MAC and refuse a file edited by hand.",
        );
    }
    Ok(())
}
