//! `lockout::parse_state` and `lockout::load` (over a `MemoryStore`), then
//! the state machine driven from whatever state parsed: never a panic,
//! corrupt state is "no failures" plus a warning, errors never repeat a value.
#![no_main]

use agent_secrets_core::format::{to_bytes, LockoutPolicy};
use agent_secrets_core::lockout::{self, Failure, LockoutState, STATE_FILE};
use agent_secrets_core::{MemoryStore, Timestamp};
use agent_secrets_fuzz::check_error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = lockout::parse_state(data);
    let store = MemoryStore::new();
    store.insert(STATE_FILE, data);
    let (loaded, warning) = lockout::load(&store);
    match parsed {
        Ok(state) => {
            assert!(warning.is_none());
            assert_eq!(loaded, state);
            assert_eq!(
                lockout::parse_state(&to_bytes(&state)).expect("re-parses"),
                state
            );
        }
        Err(e) => {
            check_error(&[data], &e);
            // Corrupt means "no failures", with the problem handed back.
            assert_eq!(loaded, LockoutState::default());
            let warning = warning.expect("a corrupt state.json comes with a warning");
            check_error(&[data], &warning);
        }
    }

    // Drive the machine from the loaded state at a few instants (a clock
    // reads within ±2^40 s of 1970, about 35,000 years; `check` subtracts
    // instants, so i64::MIN/MAX are not clocks), at the lockout's end and
    // either side of it, with the default policy and a degenerate one.
    let mut instants = vec![-(1i64 << 40), -1, 0, 1_795_867_200, 1i64 << 40];
    if let Some(until) = loaded.locked_until {
        instants.extend([until.unix() - 1, until.unix(), until.unix() + 1]);
    }
    for policy in [
        LockoutPolicy::default(),
        // Outside the parse-time bounds: the machine must not panic either.
        LockoutPolicy {
            max_attempts: 0,
            base_delay_seconds: u64::MAX,
            max_delay_seconds: u64::MAX,
        },
    ] {
        for &t in &instants {
            let now = Timestamp::from_unix(t);
            let mut state = loaded.clone();
            if let Err(e) = state.check(now) {
                check_error(&[data], &e);
                continue;
            }
            match state.record_failure(&policy, now) {
                Failure::Remaining(n) => assert!(n >= 1),
                Failure::LockedFor(s) => assert!(s <= policy.max_delay_seconds),
            }
            let _ = state.check(now).map_err(|e| e.to_string());
            state.record_success();
            assert!(state.check(now).is_ok());
            // Admit, then resolve either way: the count never goes below zero.
            let mut state = loaded.clone();
            if state.admit(&policy, now).is_ok() {
                let mut wrong = state.clone();
                let _ = wrong.fail(&policy, now);
                assert!(wrong.in_flight <= state.in_flight);
                state.succeed();
                assert_eq!((state.failed_attempts, state.locked_until), (0, None));
            }
        }
    }
});
