//! The lockout policy as a pure state machine, and `state.json`.
//!
//! After `max_attempts` consecutive wrong passwords the vault refuses to
//! try another password (no KDF is run) until `base × 2^(lockouts−1)`
//! seconds have passed, capped at `max_delay_seconds`. A right password
//! resets the counters. Time is a parameter.
//!
//! Check and count are one step: every attempt is admitted and counted as
//! in flight *before* its derivation ([`reserve`], under the write lock),
//! and only while the wrong passwords plus the attempts in flight stay
//! below `max_attempts`. A right password resolves it and clears the count
//! ([`clear`]); a wrong one resolves it as a failure ([`fail`]); one never
//! resolved (its process died) counts as a failure once stale. So any
//! number of parallel guesses reach the KDF at most `max_attempts` times
//! before the lockout refuses the rest, and parallel right passwords wait
//! their turn ([`Error::UnlocksInFlight`]) instead of locking each other
//! out. A front end that derives the password key itself (the dashboard's
//! page, Node's WebCrypto) calls [`reserve`] before and [`clear`] or
//! [`fail`] after.
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
    /// Attempts counted before their derivation and not resolved yet (a
    /// right or wrong password). With `failed_attempts` they never exceed
    /// `max_attempts`; one left unresolved for [`STALE_ATTEMPT_SECONDS`]
    /// (its process died) counts as a wrong password.
    pub in_flight: u32,
    /// Lockouts since the last success (the exponent of the delay).
    pub lockouts: u32,
    /// No attempt before this instant.
    pub locked_until: Option<Timestamp>,
    /// The last wrong password.
    pub last_failure_at: Option<Timestamp>,
    /// The last attempt admitted, while any is in flight (else `null`).
    pub last_attempt_at: Option<Timestamp>,
}

impl Default for LockoutState {
    fn default() -> Self {
        Self {
            format: STATE_FORMAT.to_owned(),
            version: format::VERSION,
            failed_attempts: 0,
            in_flight: 0,
            lockouts: 0,
            locked_until: None,
            last_failure_at: None,
            last_attempt_at: None,
        }
    }
}

/// Seconds after which an attempt still in flight counts as a wrong
/// password: far longer than any derivation within the iteration bounds.
pub const STALE_ATTEMPT_SECONDS: i64 = 60;

/// What a wrong password led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// This many attempts remain before a lockout.
    Remaining(u32),
    /// Locked now, for this many seconds.
    LockedFor(u64),
}

impl Failure {
    /// The wrong-password error this outcome stands for.
    pub fn wrong_password(self) -> Error {
        match self {
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

    /// Admits one attempt before its derivation, or refuses it: while a
    /// lockout runs ([`Error::Locked`]), and while the wrong passwords and
    /// the attempts in flight already reach `max_attempts`
    /// ([`Error::UnlocksInFlight`]: retry shortly). Attempts in flight for
    /// longer than [`STALE_ATTEMPT_SECONDS`] are counted as wrong first.
    pub fn admit(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Result<(), Error> {
        let stale = self
            .last_attempt_at
            .is_some_and(|at| now.unix().saturating_sub(at.unix()) >= STALE_ATTEMPT_SECONDS);
        if stale {
            while self.in_flight > 0 {
                self.fail(policy, now);
            }
        }
        self.check(now)?;
        let max = policy.max_attempts.max(1);
        if self.failed_attempts.saturating_add(self.in_flight) >= max {
            return Err(Error::UnlocksInFlight);
        }
        self.in_flight += 1;
        self.last_attempt_at = Some(now);
        Ok(())
    }

    /// Resolves an admitted attempt as a wrong password (dated `now`).
    pub fn fail(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Failure {
        self.resolve();
        self.record_failure(policy, now)
    }

    /// One attempt in flight less; with none left, no attempt date either
    /// (it only serves to find stale attempts), so that a right password
    /// leaves a clean state byte for byte as it was.
    fn resolve(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if self.in_flight == 0 {
            self.last_attempt_at = None;
        }
    }

    /// Counts a wrong password (dated `now`).
    pub fn record_failure(&mut self, policy: &LockoutPolicy, now: Timestamp) -> Failure {
        self.last_failure_at = Some(now);
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

    /// No failures counted, none in flight and no lockout.
    pub fn is_clear(&self) -> bool {
        self.failed_attempts == 0
            && self.in_flight == 0
            && self.lockouts == 0
            && self.locked_until.is_none()
    }

    /// Resolves an admitted attempt as a right password: back to no
    /// failures (other attempts in flight stay in flight). Returns whether
    /// anything changed.
    pub fn succeed(&mut self) -> bool {
        let before = self.clone();
        self.resolve();
        self.record_success();
        *self != before
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
    load_from(&store)
}

/// [`load`]'s body, compiled once for every kind of store (the generic
/// function only borrows; [`clear`] likewise).
fn load_from(store: &dyn Store) -> (LockoutState, Option<Error>) {
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

/// An admitted attempt, counted before the key derivation.
#[derive(Debug)]
pub struct Reservation {
    /// A corrupt `state.json` that was replaced (for the caller to warn
    /// about, with [`RECOVERY`]).
    pub warning: Option<Error>,
}

/// Before any derivation, under the write lock: reads `state.json` and
/// admits the attempt ([`LockoutState::admit`]: refused while a lockout
/// runs, or while `max_attempts` attempts are failed or in flight), and
/// writes the state. Fails closed: if the count cannot be written, no
/// attempt is made. `policy` is the parse-time-checked policy of
/// `config.json`.
pub fn reserve<S: Store + ?Sized>(
    store: &S,
    policy: &LockoutPolicy,
    now: Timestamp,
) -> Result<Reservation, Error> {
    let _lock = WriteLock::take(store)?;
    let (mut state, warning) = load_checked(store, policy, now);
    let before = state.clone();
    let admitted = state.admit(policy, now);
    if state != before || warning.is_some() {
        // Also when refused: stale attempts may have been counted.
        store.write_unsynced(STATE_FILE, &to_bytes(&state))?;
    }
    admitted?;
    Ok(Reservation { warning })
}

/// After a right password, under the write lock: the attempt resolved and
/// the counters back to zero (`last_failure_at` stays).
pub fn clear<S: Store + ?Sized>(store: &S) -> Result<(), Error> {
    clear_in(&store)
}

fn clear_in(store: &dyn Store) -> Result<(), Error> {
    let _lock = WriteLock::take(store)?;
    let (mut state, _) = load_from(store);
    if state.succeed() {
        store.write_unsynced(STATE_FILE, &to_bytes(&state))?;
    }
    Ok(())
}

/// After a wrong password, under the write lock: the attempt resolved as a
/// failure (dated, maybe starting a lockout); the wrong-password error with
/// the attempts left. If the state cannot be written, the plain error: the
/// attempt then stays in flight and counts as wrong once stale.
pub fn fail<S: Store + ?Sized>(store: &S, policy: &LockoutPolicy, now: Timestamp) -> Error {
    let counted = (|| -> Result<Failure, Error> {
        let _lock = WriteLock::take(store)?;
        let (mut state, _) = load(store);
        let failure = state.fail(policy, now);
        store.write_unsynced(STATE_FILE, &to_bytes(&state))?;
        Ok(failure)
    })();
    counted.map_or(Error::WRONG_PASSWORD, Failure::wrong_password)
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
    fn attempts_are_admitted_before_the_kdf_up_to_max_attempts() {
        let store = crate::MemoryStore::new();
        let p = policy();
        let t = |x: i64| Timestamp::from_unix(1_000 + x);
        for i in 0..3 {
            reserve(&store, &p, t(i)).expect("admitted");
        }
        assert!(!store.is_locked());
        // Three in flight: the fourth waits for one of them, whatever it is.
        assert!(matches!(
            reserve(&store, &p, t(3)),
            Err(Error::UnlocksInFlight)
        ));
        let (state, _) = load(&store);
        assert_eq!((state.in_flight, state.failed_attempts), (3, 0));
        // A right password frees its slot and clears the failures.
        clear(&store).expect("clear");
        reserve(&store, &p, t(4)).expect("a slot again");
        for _ in 0..3 {
            clear(&store).expect("clear");
        }
        assert!(load(&store).0.is_clear());
        // Three wrong ones, one after the other: the third starts the lockout.
        reserve(&store, &p, t(5)).expect("admitted");
        assert_eq!(
            fail(&store, &p, t(5)).to_string(),
            "Incorrect password. 2 attempts remaining."
        );
        reserve(&store, &p, t(6)).expect("admitted");
        assert_eq!(
            fail(&store, &p, t(6)).to_string(),
            "Incorrect password. 1 attempt remaining."
        );
        reserve(&store, &p, t(7)).expect("admitted");
        // With two failures counted, no second attempt runs beside this one.
        assert!(matches!(
            reserve(&store, &p, t(7)),
            Err(Error::UnlocksInFlight)
        ));
        assert!(matches!(
            fail(&store, &p, t(7)),
            Error::WrongPassword {
                locked_for_seconds: Some(30),
                ..
            }
        ));
        assert!(matches!(
            reserve(&store, &p, t(8)),
            Err(Error::Locked {
                retry_after_seconds: 29
            })
        ));
        let (state, _) = load(&store);
        assert_eq!(
            (
                state.failed_attempts,
                state.in_flight,
                state.lockouts,
                state.last_failure_at
            ),
            (0, 0, 1, Some(t(7)))
        );
        // After it ends, a right password clears everything but the date.
        reserve(&store, &p, t(40)).expect("after the lockout");
        clear(&store).expect("clear");
        let (state, _) = load(&store);
        assert!(state.is_clear());
        assert_eq!(state.last_failure_at, Some(t(7)));
    }

    #[test]
    fn an_attempt_never_resolved_counts_as_wrong_once_stale() {
        let store = crate::MemoryStore::new();
        let p = policy();
        let t = |x: i64| Timestamp::from_unix(1_000 + x);
        for i in 0..3 {
            reserve(&store, &p, t(i)).expect("admitted");
        }
        // Their processes died: after STALE_ATTEMPT_SECONDS they are three
        // wrong passwords, so the lockout starts instead of a free slot.
        let later = t(2 + STALE_ATTEMPT_SECONDS);
        assert!(matches!(
            reserve(&store, &p, later),
            Err(Error::Locked { .. })
        ));
        let (state, _) = load(&store);
        assert_eq!((state.in_flight, state.lockouts), (0, 1));
    }

    #[test]
    fn a_right_password_leaves_a_clean_state_as_it_was() {
        let store = crate::MemoryStore::new();
        store.insert(STATE_FILE, &to_bytes(&LockoutState::default()));
        let before = store.read(STATE_FILE).expect("read");
        reserve(&store, &policy(), Timestamp::from_unix(5)).expect("reserve");
        clear(&store).expect("clear");
        assert_eq!(store.read(STATE_FILE).expect("read"), before);
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
        assert_eq!(load(&store).0.in_flight, 1, "rewritten by this attempt");
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
        for bad in [&b""[..], b"{}", b"[1]", br#"{"format":"x","version":1,"failed_attempts":0,"in_flight":0,"lockouts":0,"locked_until":null,"last_failure_at":null,"last_attempt_at":null}"#] {
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
