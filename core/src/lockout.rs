//! The lockout policy as a pure state machine, and `state.json`.
//!
//! After `max_attempts` consecutive wrong passwords the vault refuses to
//! try another password (no KDF is run) until `base × 2^(lockouts−1)`
//! seconds have passed, capped at `max_delay_seconds`. A right password
//! resets the counters. Time is a parameter.
//!
//! This only slows the tool down: someone with a copy of the files can
//! guess offline at the KDF's speed. Password strength and the KDF cost
//! are the defence against that (docs/security.md).

use serde::{Deserialize, Serialize};

use crate::format::{self, LockoutPolicy};
use crate::{Error, Store, Timestamp};

/// The document name of the lockout state.
pub const STATE_FILE: &str = "state.json";
/// `format` of `state.json`.
pub const STATE_FORMAT: &str = "agent-secrets/state";

/// `state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutState {
    /// `agent-secrets/state`.
    pub format: String,
    /// 1.
    pub version: u64,
    /// Wrong passwords since the last success or the last lockout.
    pub failed_attempts: u32,
    /// Lockouts since the last success (the exponent of the delay).
    pub lockouts: u32,
    /// No attempt before this instant.
    pub locked_until: Option<Timestamp>,
    /// The last wrong password.
    pub last_failure_at: Option<Timestamp>,
}

impl Default for LockoutState {
    fn default() -> Self {
        Self {
            format: STATE_FORMAT.to_owned(),
            version: format::VERSION,
            failed_attempts: 0,
            lockouts: 0,
            locked_until: None,
            last_failure_at: None,
        }
    }
}

/// What a wrong password led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// This many attempts remain before a lockout.
    Remaining(u32),
    /// Locked now, for this many seconds.
    LockedFor(u64),
}

impl LockoutState {
    /// `Err(Locked)` while a lockout runs.
    pub fn check(&self, now: Timestamp) -> Result<(), Error> {
        match self.locked_until {
            Some(until) if until > now => Err(Error::Locked {
                retry_after_seconds: (until.unix() - now.unix()).unsigned_abs(),
            }),
            _ => Ok(()),
        }
    }

    /// Counts a wrong password.
    pub fn record_failure(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Failure {
        self.failed_attempts = self.failed_attempts.saturating_add(1);
        self.last_failure_at = Some(now);
        let max = policy.max_attempts.max(1);
        if self.failed_attempts < max {
            return Failure::Remaining(max - self.failed_attempts);
        }
        self.failed_attempts = 0;
        self.lockouts = self.lockouts.saturating_add(1);
        let delay = delay_seconds(policy, self.lockouts);
        self.locked_until = Some(Timestamp::from_unix(
            now.unix()
                .saturating_add(i64::try_from(delay).unwrap_or(i64::MAX)),
        ));
        Failure::LockedFor(delay)
    }

    /// No failures counted and no lockout: nothing for a success to reset.
    pub fn is_clear(&self) -> bool {
        self.failed_attempts == 0 && self.lockouts == 0 && self.locked_until.is_none()
    }

    /// A right password: back to no failures. Returns whether anything changed.
    pub fn record_success(&mut self) -> bool {
        let changed =
            self.failed_attempts != 0 || self.lockouts != 0 || self.locked_until.is_some();
        self.failed_attempts = 0;
        self.lockouts = 0;
        self.locked_until = None;
        changed
    }
}

/// `base × 2^(lockouts−1)`, capped at `max_delay_seconds`.
pub fn delay_seconds(policy: &LockoutPolicy, lockouts: u32) -> u64 {
    let exponent = lockouts.saturating_sub(1).min(63);
    policy
        .base_delay_seconds
        .saturating_mul(1u64 << exponent)
        .min(policy.max_delay_seconds)
}

/// Parses `state.json` strictly.
pub fn parse_state(bytes: &[u8]) -> Result<LockoutState, Error> {
    let state: LockoutState = serde_json::from_slice(bytes).map_err(|e| Error::Corrupt {
        file: STATE_FILE.to_owned(),
        detail: format!(
            "not a lockout state (line {} column {})",
            e.line(),
            e.column()
        ),
    })?;
    if state.format != STATE_FORMAT || state.version != format::VERSION {
        return Err(Error::Corrupt {
            file: STATE_FILE.to_owned(),
            detail: "unknown format or version".to_owned(),
        });
    }
    Ok(state)
}

/// Reads the state. Missing means no failures; corrupt also means no
/// failures, and the problem is returned for the caller to warn about
/// (never a crash: a broken `state.json` must not lock a user out).
pub fn load<S: Store + ?Sized>(store: &S) -> (LockoutState, Option<Error>) {
    match store.read(STATE_FILE) {
        Ok(None) => (LockoutState::default(), None),
        Ok(Some(bytes)) => match parse_state(&bytes) {
            Ok(state) => (state, None),
            Err(e) => (LockoutState::default(), Some(e)),
        },
        Err(e) => (LockoutState::default(), Some(e.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            max_attempts: 3,
            base_delay_seconds: 30,
            max_delay_seconds: 100,
        }
    }

    #[test]
    fn locks_after_max_attempts_and_doubles_up_to_the_cap() {
        let p = policy();
        let mut s = LockoutState::default();
        let t = |x: i64| Timestamp::from_unix(1_000 + x);
        assert_eq!(s.record_failure(&p, t(0)), Failure::Remaining(2));
        assert_eq!(s.record_failure(&p, t(1)), Failure::Remaining(1));
        assert!(s.check(t(1)).is_ok());
        assert_eq!(s.record_failure(&p, t(2)), Failure::LockedFor(30));
        assert!(matches!(
            s.check(t(2)),
            Err(Error::Locked {
                retry_after_seconds: 30
            })
        ));
        assert!(matches!(
            s.check(t(31)),
            Err(Error::Locked {
                retry_after_seconds: 1
            })
        ));
        assert!(s.check(t(32)).is_ok());
        for _ in 0..2 {
            s.record_failure(&p, t(40));
        }
        assert_eq!(s.record_failure(&p, t(40)), Failure::LockedFor(60));
        for _ in 0..2 {
            s.record_failure(&p, t(200));
        }
        assert_eq!(
            s.record_failure(&p, t(200)),
            Failure::LockedFor(100),
            "capped"
        );
        assert!(s.record_success());
        assert!(!s.record_success());
        assert!(s.check(t(201)).is_ok());
        assert_eq!(s.record_failure(&p, t(202)), Failure::Remaining(2));
    }

    #[test]
    fn delays() {
        let p = LockoutPolicy::default();
        assert_eq!(delay_seconds(&p, 1), 30);
        assert_eq!(delay_seconds(&p, 2), 60);
        assert_eq!(delay_seconds(&p, 7), 1_920);
        assert_eq!(delay_seconds(&p, 8), 3_600);
        assert_eq!(delay_seconds(&p, 500), 3_600);
        let zero = LockoutPolicy {
            max_attempts: 0,
            base_delay_seconds: 0,
            max_delay_seconds: 0,
        };
        assert_eq!(delay_seconds(&zero, 3), 0);
        let mut s = LockoutState::default();
        assert_eq!(
            s.record_failure(&zero, Timestamp::from_unix(5)),
            Failure::LockedFor(0)
        );
        assert!(s.check(Timestamp::from_unix(5)).is_ok());
    }

    #[test]
    fn state_documents() {
        let s = LockoutState::default();
        assert_eq!(parse_state(&format::to_bytes(&s)).expect("round trip"), s);
        for bad in [&b""[..], b"{}", b"[1]", br#"{"format":"x","version":1,"failed_attempts":0,"lockouts":0,"locked_until":null,"last_failure_at":null}"#] {
            assert!(matches!(parse_state(bad), Err(Error::Corrupt { .. })));
        }
        let store = crate::MemoryStore::new();
        let (state, warning) = load(&store);
        assert_eq!(state, LockoutState::default());
        assert!(warning.is_none());
        store.insert(STATE_FILE, b"garbage");
        let (state, warning) = load(&store);
        assert_eq!(state, LockoutState::default());
        assert!(warning.is_some_and(|w| w.to_string().starts_with("state.json")));
    }
}
