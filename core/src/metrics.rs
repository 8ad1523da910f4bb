//! Figures computed from the audit trail and the vault's metadata, and the
//! failed-unlock alert rule. Pure: the caller reads the files and the clock.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::audit::{AuditLine, Operation, Status};
use crate::format::AlertPolicy;
use crate::{KeyName, ServiceInfo, ServiceName, Timestamp};

/// Everything `agent secret metrics` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Metrics {
    /// Events by operation, service ("" for none) and status.
    pub operations: Vec<OperationCount>,
    /// Wrong passwords and attempts refused by the lockout.
    pub failed_unlocks: u64,
    /// Alerts raised.
    pub alerts: u64,
    /// The last get/set/import/export/run per secret that names one.
    pub last_access: Vec<LastAccess>,
    /// Secrets whose value has not changed for at least `stale_days`.
    pub stale_secrets: Vec<StaleSecret>,
    /// The threshold used for `stale_secrets`.
    pub stale_days: u64,
    /// Audit lines read.
    pub events: u64,
}

/// One count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationCount {
    /// Operation name.
    pub operation: Operation,
    /// Service, or empty.
    pub service: String,
    /// Outcome.
    pub status: Status,
    /// How many.
    pub count: u64,
}

/// When a secret was last used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastAccess {
    /// Service.
    pub service: String,
    /// Key.
    pub key: String,
    /// Last event's time.
    pub at: Timestamp,
    /// Last event's operation.
    pub operation: Operation,
}

/// A secret due for rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleSecret {
    /// Service.
    pub service: ServiceName,
    /// Key.
    pub key: KeyName,
    /// Its value's last change.
    pub updated_at: Timestamp,
    /// Whole days since then.
    pub age_days: u64,
}

fn is_failed_unlock(status: Status) -> bool {
    matches!(status, Status::Unauthorized | Status::Locked)
}

/// Computes the figures.
pub fn compute(
    lines: &[AuditLine],
    services: &[ServiceInfo],
    now: Timestamp,
    stale_days: u64,
) -> Metrics {
    let mut counts: BTreeMap<(Operation, String, Status), u64> = BTreeMap::new();
    let mut last: BTreeMap<(String, String), (Timestamp, Operation)> = BTreeMap::new();
    let mut failed_unlocks = 0;
    let mut alerts = 0;
    for line in lines {
        let e = &line.event;
        *counts
            .entry((e.operation, e.service.clone().unwrap_or_default(), e.status))
            .or_default() += 1;
        if is_failed_unlock(e.status) {
            failed_unlocks += 1;
        }
        if e.operation == Operation::Alert {
            alerts += 1;
        }
        if let (Some(s), Some(k)) = (&e.service, &e.key) {
            let entry = last
                .entry((s.clone(), k.clone()))
                .or_insert((e.timestamp, e.operation));
            if e.timestamp >= entry.0 {
                *entry = (e.timestamp, e.operation);
            }
        }
    }
    let stale_after = i64::try_from(stale_days.saturating_mul(86_400)).unwrap_or(i64::MAX);
    let stale_secrets = services
        .iter()
        .flat_map(|s| s.secrets.iter().map(move |k| (s, k)))
        .filter(|(_, k)| now.unix().saturating_sub(k.updated_at.unix()) >= stale_after)
        .map(|(s, k)| StaleSecret {
            service: s.service.clone(),
            key: k.key.clone(),
            updated_at: k.updated_at,
            age_days: (now.unix().saturating_sub(k.updated_at.unix()) / 86_400).unsigned_abs(),
        })
        .collect();
    Metrics {
        operations: counts
            .into_iter()
            .map(|((operation, service, status), count)| OperationCount {
                operation,
                service,
                status,
                count,
            })
            .collect(),
        failed_unlocks,
        alerts,
        last_access: last
            .into_iter()
            .map(|((service, key), (at, operation))| LastAccess {
                service,
                key,
                at,
                operation,
            })
            .collect(),
        stale_secrets,
        stale_days,
        events: lines.len() as u64,
    }
}

/// Whether the failed unlocks in the window reach the threshold and no
/// alert was raised within the window yet (one alert per burst).
pub fn alert_due(lines: &[AuditLine], policy: &AlertPolicy, now: Timestamp) -> bool {
    if policy.failed_unlocks == 0 {
        return false;
    }
    let since = now
        .unix()
        .saturating_sub(i64::try_from(policy.window_seconds).unwrap_or(i64::MAX));
    let recent = lines.iter().filter(|l| l.event.timestamp.unix() >= since);
    let mut failures = 0u64;
    for line in recent {
        if line.event.operation == Operation::Alert {
            return false;
        }
        if is_failed_unlock(line.event.status) {
            failures += 1;
        }
    }
    failures >= u64::from(policy.failed_unlocks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{chain, AuditEvent};
    use crate::SecretInfo;

    type Spec<'a> = (i64, Operation, Status, Option<(&'a str, &'a str)>);

    fn lines(events: &[Spec<'_>]) -> Vec<AuditLine> {
        let mut prev: Option<Vec<u8>> = None;
        let mut out = Vec::new();
        for (t, op, status, target) in events {
            let mut e = AuditEvent::new(Timestamp::from_unix(*t), *op, *status, "u", "cli");
            if let Some((s, k)) = target {
                e = e
                    .service(&ServiceName::parse(s).expect("service"))
                    .key(&KeyName::parse(k).expect("key"));
            }
            let line = chain(prev.as_deref(), e, None);
            let body = line[..line.len() - 1].to_vec();
            out.push(serde_json::from_slice(&body).expect("parse"));
            prev = Some(body);
        }
        out
    }

    #[test]
    fn counts_last_access_and_stale_secrets() {
        let l = lines(&[
            (
                10,
                Operation::Set,
                Status::Success,
                Some(("openai", "api_key")),
            ),
            (
                20,
                Operation::Get,
                Status::Success,
                Some(("openai", "api_key")),
            ),
            (
                30,
                Operation::Get,
                Status::Unauthorized,
                Some(("openai", "api_key")),
            ),
            (
                40,
                Operation::Get,
                Status::Locked,
                Some(("openai", "api_key")),
            ),
            (50, Operation::List, Status::Success, None),
            (60, Operation::Alert, Status::Success, None),
        ]);
        let services = vec![ServiceInfo {
            service: ServiceName::parse("openai").expect("service"),
            secrets: vec![
                SecretInfo {
                    key: KeyName::parse("api_key").expect("key"),
                    key_id: "k1".into(),
                    created_at: Timestamp::from_unix(0),
                    updated_at: Timestamp::from_unix(0),
                },
                SecretInfo {
                    key: KeyName::parse("fresh").expect("key"),
                    key_id: "k1".into(),
                    created_at: Timestamp::from_unix(0),
                    updated_at: Timestamp::from_unix(95 * 86_400),
                },
            ],
        }];
        let m = compute(&l, &services, Timestamp::from_unix(100 * 86_400), 90);
        assert_eq!(m.events, 6);
        assert_eq!(m.failed_unlocks, 2);
        assert_eq!(m.alerts, 1);
        let get_ok = m
            .operations
            .iter()
            .find(|c| c.operation == Operation::Get && c.status == Status::Success)
            .expect("get success");
        assert_eq!((get_ok.service.as_str(), get_ok.count), ("openai", 1));
        assert_eq!(m.last_access.len(), 1);
        assert_eq!(m.last_access[0].at, Timestamp::from_unix(40));
        assert_eq!(m.stale_secrets.len(), 1);
        assert_eq!(
            (m.stale_secrets[0].key.as_str(), m.stale_secrets[0].age_days),
            ("api_key", 100)
        );
    }

    #[test]
    fn alerts_once_per_burst_within_the_window() {
        let policy = AlertPolicy {
            failed_unlocks: 3,
            window_seconds: 60,
            command: None,
        };
        let fail = |t| (t, Operation::Get, Status::Unauthorized, None);
        let l = lines(&[fail(0), fail(100), fail(110)]);
        assert!(
            !alert_due(&l, &policy, Timestamp::from_unix(110)),
            "the first one is out of the window"
        );
        let l = lines(&[fail(0), fail(100), fail(110), fail(120)]);
        assert!(alert_due(&l, &policy, Timestamp::from_unix(120)));
        let mut with_alert = lines(&[
            fail(100),
            fail(110),
            fail(120),
            (121, Operation::Alert, Status::Failed, None),
            fail(122),
        ]);
        assert!(
            !alert_due(&with_alert, &policy, Timestamp::from_unix(122)),
            "already alerted"
        );
        with_alert.truncate(3);
        assert!(alert_due(&with_alert, &policy, Timestamp::from_unix(120)));
        let off = AlertPolicy {
            failed_unlocks: 0,
            ..policy
        };
        assert!(!alert_due(&with_alert, &off, Timestamp::from_unix(120)));
    }
}
