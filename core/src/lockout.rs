//! The lockout policy as a pure state machine, and `state.json`.
//!
//! After `max_attempts` consecutive wrong passwords the vault refuses to
//! try another password (no KDF is run) until `base × 2^(lockouts−1)`
//! seconds have passed, capped at `max_delay_seconds`. A right password
//! resets the counters. Time is a parameter.
//!
//! Check and count are one step: every attempt is counted *before* its
//! derivation ([`reserve`], under the write lock), a right password clears
//! the count ([`clear`]) and a wrong one leaves it counted ([`mark_failure`]
//! only dates it). So any number of parallel guesses reach the KDF at most
//! `max_attempts` times before the lockout refuses the rest. A front end
//! that derives the password key itself (the dashboard's page, Node's
//! WebCrypto) calls [`reserve`] before and [`clear`] after.
//!
//! This only slows the tool down: someone with a copy of the files can
//! guess offline at the KDF's speed. Password strength and the KDF cost
//! are the defence against that (docs/security.md).

use serde::{Deserialize, Serialize};

use crate::format::{self, to_bytes, LockoutPolicy};
use crate::store::WriteLock;
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

    /// Counts a wrong password (dated `now`).
    pub fn record_failure(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Failure {
        self.last_failure_at = Some(now);
        self.count_attempt(policy, now)
    }

    /// Counts an attempt whose outcome is not known yet (the reservation):
    /// what [`LockoutState::record_failure`] does, without dating a failure.
    pub fn count_attempt(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Failure {
        self.failed_attempts = self.failed_attempts.saturating_add(1);
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

/// [`load`], and a `locked_until` further ahead than `policy` could ever
/// set (more than its `max_delay_seconds` from `now`) is corrupt too: a
/// planted "locked until 2099" is a broken file, not a lockout.
pub fn load_checked<S: Store + ?Sized>(
    store: &S,
    policy: &LockoutPolicy,
    now: Timestamp,
) -> (LockoutState, Option<Error>) {
    let (state, problem) = load(store);
    let horizon = now
        .unix()
        .saturating_add(i64::try_from(policy.max_delay_seconds).unwrap_or(i64::MAX));
    match state.locked_until {
        Some(until) if until.unix() > horizon => (
            LockoutState::default(),
            Some(Error::Corrupt {
                file: STATE_FILE.to_owned(),
                detail: format!(
                    "locked_until is more than the policy's longest lockout ({} s) ahead",
                    policy.max_delay_seconds
                ),
            }),
        ),
        _ => (state, problem),
    }
}

/// What the message of a corrupt `state.json` adds: how it recovers.
pub const RECOVERY: &str =
    "The lockout counter starts again from zero; the file is rewritten by this attempt.";

/// A counted attempt, made before the key derivation.
#[derive(Debug)]
pub struct Reservation {
    /// What this attempt leads to if the password is wrong (it is already
    /// counted so).
    pub if_wrong: Failure,
    /// A corrupt `state.json` that was replaced (for the caller to warn
    /// about, with [`RECOVERY`]).
    pub warning: Option<Error>,
}

impl Reservation {
    /// The wrong-password error this reservation stands for.
    pub fn wrong_password(&self) -> Error {
        match self.if_wrong {
            Failure::Remaining(n) => Error::WrongPassword {
                attempts_remaining: Some(n),
                locked_for_seconds: None,
            },
            Failure::LockedFor(seconds) => Error::WrongPassword {
                attempts_remaining: None,
                locked_for_seconds: Some(seconds),
            },
        }
    }
}

/// Before any derivation, under the write lock: reads `state.json`,
/// refuses while a lockout runs ([`Error::Locked`]), counts this attempt as
/// failed and writes the state. Fails closed: if the count cannot be
/// written, no attempt is made. `policy` is the parse-time-checked policy
/// of `config.json`.
pub fn reserve<S: Store + ?Sized>(
    store: &S,
    policy: &LockoutPolicy,
    now: Timestamp,
) -> Result<Reservation, Error> {
    let _lock = WriteLock::take(store)?;
    let (mut state, warning) = load_checked(store, policy, now);
    state.check(now)?;
    let if_wrong = state.count_attempt(policy, now);
    store.write(STATE_FILE, &to_bytes(&state))?;
    Ok(Reservation { if_wrong, warning })
}

/// After a right password, under the write lock: the counters back to zero
/// (`last_failure_at` stays). Writes only if something changed.
pub fn clear<S: Store + ?Sized>(store: &S) -> Result<(), Error> {
    let _lock = WriteLock::take(store)?;
    let (mut state, _) = load(store);
    if state.record_success() {
        store.write(STATE_FILE, &to_bytes(&state))?;
    }
    Ok(())
}

/// The wrong-password error as `state.json` stands now (for an unlock
/// finished apart from its [`reserve`]): the attempts left, or the lockout
/// the count started.
pub fn wrong_password_now<S: Store + ?Sized>(
    store: &S,
    policy: &LockoutPolicy,
    now: Timestamp,
) -> Error {
    let (state, _) = load(store);
    match state.locked_until {
        Some(until) if until > now => Error::WrongPassword {
            attempts_remaining: None,
            locked_for_seconds: Some((until.unix() - now.unix()).unsigned_abs()),
        },
        _ => Error::WrongPassword {
            attempts_remaining: Some(
                policy
                    .max_attempts
                    .max(1)
                    .saturating_sub(state.failed_attempts)
                    .max(1),
            ),
            locked_for_seconds: None,
        },
    }
}

/// After a wrong password (already counted by [`reserve`]): dates it in
/// `last_failure_at`. Best effort for the caller: the count stands either way.
pub fn mark_failure<S: Store + ?Sized>(store: &S, now: Timestamp) -> Result<(), Error> {
    let _lock = WriteLock::take(store)?;
    let (mut state, problem) = load(store);
    if problem.is_none() {
        state.last_failure_at = Some(now);
        store.write(STATE_FILE, &to_bytes(&state))?;
    }
    Ok(())
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
        // Outside the parse-time bounds the machine still does not panic.
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
    fn reserve_counts_before_and_clear_undoes() {
        let store = crate::MemoryStore::new();
        let p = policy();
        let t = |x: i64| Timestamp::from_unix(1_000 + x);
        let r = reserve(&store, &p, t(0)).expect("first");
        assert_eq!(r.if_wrong, Failure::Remaining(2));
        assert!(!store.is_locked());
        let r = reserve(&store, &p, t(1)).expect("second");
        assert_eq!(r.if_wrong, Failure::Remaining(1));
        let r = reserve(&store, &p, t(2)).expect("third");
        assert_eq!(r.if_wrong, Failure::LockedFor(30));
        assert!(matches!(
            r.wrong_password(),
            Error::WrongPassword {
                locked_for_seconds: Some(30),
                ..
            }
        ));
        // The fourth is refused before any derivation.
        assert!(matches!(
            reserve(&store, &p, t(3)),
            Err(Error::Locked {
                retry_after_seconds: 29
            })
        ));
        let (state, _) = load(&store);
        assert_eq!(
            (state.failed_attempts, state.lockouts, state.last_failure_at),
            (0, 1, None)
        );
        mark_failure(&store, t(3)).expect("mark");
        assert_eq!(load(&store).0.last_failure_at, Some(t(3)));
        clear(&store).expect("clear");
        let (state, _) = load(&store);
        assert!(state.is_clear());
        assert_eq!(state.last_failure_at, Some(t(3)));
        // A right password after a reservation leaves the same bytes as before it.
        let before = store.read(STATE_FILE).expect("read");
        reserve(&store, &p, t(4)).expect("reserve");
        clear(&store).expect("clear");
        assert_eq!(store.read(STATE_FILE).expect("read"), before);
        assert!(!store.is_locked());
    }

    #[test]
    fn a_lockout_further_ahead_than_the_policy_can_set_is_corrupt() {
        let store = crate::MemoryStore::new();
        let p = policy();
        let now = Timestamp::from_unix(1_000);
        let mut planted = LockoutState {
            locked_until: Timestamp::parse_rfc3339("2099-01-01T00:00:00Z"),
            ..LockoutState::default()
        };
        store.insert(STATE_FILE, &to_bytes(&planted));
        let (state, problem) = load_checked(&store, &p, now);
        assert!(state.is_clear());
        let problem = problem.expect("reported");
        assert!(
            problem.to_string().starts_with(
                "state.json: locked_until is more than the policy's longest lockout (100 s) ahead"
            ),
            "{problem}"
        );
        let r = reserve(&store, &p, now).expect("not a lockout");
        assert!(r.warning.is_some());
        assert_eq!(r.if_wrong, Failure::Remaining(2));
        // Exactly the longest lockout ahead is a real one.
        planted.locked_until = Some(Timestamp::from_unix(1_100));
        store.insert(STATE_FILE, &to_bytes(&planted));
        assert!(matches!(
            reserve(&store, &p, now),
            Err(Error::Locked {
                retry_after_seconds: 100
            })
        ));
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
