//! What every front end does around a vault operation, decided once for
//! the CLI, the npm package and the dashboard: the audit status an
//! outcome is recorded with, the alert after a failed unlock, and the
//! warnings an unlock gives before the password is tried. The front ends
//! only read the clock, write the text and run the user's alert command.

use crate::audit::{self, AuditEvent, AuditLine, Operation, Status};
use crate::format::{self, CONFIG_FILE};
use crate::{lockout, metrics, user_config, Error, ErrorKind, Store, Timestamp};

/// The status an operation's audit line is recorded with: `error` is the
/// category of its failure (`None`: it did its job), `from_env` whether a
/// value came from an environment variable instead of the vault. `None`
/// when nothing is recorded: bad input (a name, a flag, a weak password)
/// never reached the vault, and without a vault there is no log.
pub fn audit_status(error: Option<ErrorKind>, from_env: bool) -> Option<Status> {
    Some(match error {
        None if from_env => Status::EnvFallback,
        None => Status::Success,
        Some(ErrorKind::Usage | ErrorKind::NotInitialized) => return None,
        Some(ErrorKind::WrongPassword) => Status::Unauthorized,
        Some(ErrorKind::Locked) => Status::Locked,
        Some(ErrorKind::NotFound) => Status::NotFound,
        Some(ErrorKind::Integrity | ErrorKind::Conflict | ErrorKind::Io) => Status::Failed,
    })
}

/// An alert raised after a failed unlock: the `alert` line appended to
/// the audit log (what the user's alert command gets, as one JSON line),
/// and the thresholds it crossed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The appended line.
    pub line: AuditLine,
    /// Failed unlocks within the window that raise an alert.
    pub failed_unlocks: u32,
    /// The window, in seconds.
    pub window_seconds: u64,
}

impl Alert {
    /// The warning a front end shows.
    pub fn message(&self) -> String {
        format!(
            "ALERT: {} or more failed unlocks within {} s on this vault.",
            self.failed_unlocks, self.window_seconds
        )
    }
}

/// After a failed unlock (an audit status of
/// [`Status::Unauthorized`]/[`Status::Locked`]): when `config.json` has
/// `alerts` thresholds and the failed unlocks in the audit log reach them
/// ([`metrics::alert_due`], one alert per burst), appends an `alert` line
/// (status `failed`, by `user` from `source`) and returns it. `None` when
/// there is no alert to raise (no readable `config.json`, no thresholds,
/// not due). The thresholds are read unverified: they decide only whether
/// to warn, never what runs (the command comes from the user's own
/// configuration, [`user_config::alert_command`]).
pub fn alert_after_failure<S: Store + ?Sized>(
    store: &S,
    user: &str,
    source: &str,
    now: Timestamp,
) -> Result<Option<Alert>, Error> {
    let Ok(Some(config)) = store.read(CONFIG_FILE) else {
        return Ok(None);
    };
    let Some(policy) = format::parse_config(&config).ok().and_then(|c| c.alerts) else {
        return Ok(None);
    };
    // An unreadable log counts no failures: no alert, and the append
    // below reports the problem when one is due.
    let log = store
        .read(audit::AUDIT_FILE)
        .ok()
        .flatten()
        .unwrap_or_default();
    let (lines, _) = audit::parse_lines(&log);
    if !metrics::alert_due(&lines, &policy, now) {
        return Ok(None);
    }
    let event = AuditEvent::new(now, Operation::Alert, Status::Failed, user, source);
    let line = audit::append(store, event)?;
    Ok(Some(Alert {
        line,
        failed_unlocks: policy.failed_unlocks,
        window_seconds: policy.window_seconds,
    }))
}

/// The warnings every unlock gives before the password is tried, right
/// password or wrong: a `command` in the vault's `alerts` (never run), and
/// a corrupt `state.json` (the lockout counter starts again from zero and
/// the attempt rewrites the file; [`lockout::RECOVERY`]). Empty when there
/// is nothing to say or no readable `config.json` (the unlock itself
/// reports that).
pub fn unlock_warnings<S: Store + ?Sized>(store: &S, now: Timestamp) -> Vec<String> {
    let Some(config) = store
        .read(CONFIG_FILE)
        .ok()
        .flatten()
        .and_then(|bytes| format::parse_config(&bytes).ok())
    else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    if let Some(warning) = user_config::vault_command_warning(&config) {
        warnings.push(warning.to_owned());
    }
    if let (_, Some(problem)) = lockout::load_checked(store, &config.lockout, now) {
        warnings.push(format!("{problem} {}", lockout::RECOVERY));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{to_bytes, LockoutPolicy};
    use crate::lockout::STATE_FILE;
    use crate::MemoryStore;

    #[test]
    fn one_status_per_outcome() {
        use ErrorKind as K;
        let cases = [
            (None, false, Some(Status::Success)),
            (None, true, Some(Status::EnvFallback)),
            (Some(K::WrongPassword), false, Some(Status::Unauthorized)),
            (Some(K::Locked), false, Some(Status::Locked)),
            (Some(K::NotFound), true, Some(Status::NotFound)),
            (Some(K::Integrity), false, Some(Status::Failed)),
            (Some(K::Io), false, Some(Status::Failed)),
            (Some(K::Usage), false, None),
            (Some(K::NotInitialized), false, None),
        ];
        for (error, from_env, expected) in cases {
            assert_eq!(
                audit_status(error, from_env),
                expected,
                "{error:?} {from_env}"
            );
        }
    }

    fn vault_with(alerts: Option<(u32, u64)>, command: bool) -> MemoryStore {
        let store = MemoryStore::new();
        let options = crate::InitOptions {
            iterations: crate::MIN_ITERATIONS,
            lockout: LockoutPolicy::default(),
        };
        let now = Timestamp::from_unix(1_800_000_000);
        let mut vault =
            crate::Vault::init(&store, &"Fake-Password-123".into(), &options, now).expect("init");
        vault.set_alert_thresholds(alerts, now).expect("thresholds");
        drop(vault);
        if command {
            let mut config: serde_json::Value =
                serde_json::from_slice(&store.read(CONFIG_FILE).expect("read").expect("config"))
                    .expect("json");
            config["alerts"]["command"] = serde_json::json!(["/bin/true"]);
            store.insert(CONFIG_FILE, &to_bytes(&config));
        }
        store
    }

    fn failure(store: &MemoryStore, at: i64) {
        let event = AuditEvent::new(
            Timestamp::from_unix(at),
            Operation::Unlock,
            Status::Unauthorized,
            "u",
            "cli",
        );
        audit::append(store, event).expect("append");
    }

    #[test]
    fn alerts_once_when_the_thresholds_are_reached() {
        let store = vault_with(Some((2, 60)), false);
        let t = 1_800_000_100;
        failure(&store, t);
        assert_eq!(
            alert_after_failure(&store, "u", "node", Timestamp::from_unix(t)).expect("ok"),
            None
        );
        failure(&store, t + 1);
        let alert = alert_after_failure(&store, "u", "node", Timestamp::from_unix(t + 1))
            .expect("ok")
            .expect("due");
        assert_eq!((alert.failed_unlocks, alert.window_seconds), (2, 60));
        assert_eq!(
            (alert.line.event.operation, alert.line.event.status),
            (Operation::Alert, Status::Failed)
        );
        assert_eq!(alert.line.event.source, "node");
        assert_eq!(
            alert.message(),
            "ALERT: 2 or more failed unlocks within 60 s on this vault."
        );
        let log = store.read(audit::AUDIT_FILE).expect("read").expect("log");
        assert_eq!(audit::parse_lines(&log).0.last(), Some(&alert.line));
        // One alert per burst.
        failure(&store, t + 2);
        assert_eq!(
            alert_after_failure(&store, "u", "node", Timestamp::from_unix(t + 2)).expect("ok"),
            None
        );
        // No thresholds, no vault: nothing to do and nothing written.
        let quiet = vault_with(None, false);
        failure(&quiet, t);
        failure(&quiet, t);
        assert_eq!(
            alert_after_failure(&quiet, "u", "cli", Timestamp::from_unix(t)).expect("ok"),
            None
        );
        let empty = MemoryStore::new();
        assert_eq!(
            alert_after_failure(&empty, "u", "cli", Timestamp::from_unix(t)).expect("ok"),
            None
        );
        assert!(empty.documents().is_empty());
    }

    #[test]
    fn unlock_warnings_name_a_planted_command_and_a_corrupt_state() {
        let now = Timestamp::from_unix(1_800_000_000);
        assert!(unlock_warnings(&MemoryStore::new(), now).is_empty());
        let clean = vault_with(Some((3, 60)), false);
        assert!(unlock_warnings(&clean, now).is_empty());
        let planted = vault_with(Some((3, 60)), true);
        assert_eq!(
            unlock_warnings(&planted, now),
            [user_config::VAULT_COMMAND_IGNORED]
        );
        clean.insert(STATE_FILE, b"not json");
        let warnings = unlock_warnings(&clean, now);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("state.json: ")
                && warnings[0].ends_with(
                    "The lockout counter starts again from zero; the file is rewritten by this attempt."
                ),
            "{warnings:?}"
        );
        // Saying so writes nothing: the unlock's own attempt rewrites the file.
        assert_eq!(
            clean.read(STATE_FILE).expect("read").as_deref(),
            Some(&b"not json"[..])
        );
    }
}
