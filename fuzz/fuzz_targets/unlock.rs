//! Unlock with garbage documents. The input is `config.json`, optionally
//! followed by a NUL byte and `state.json`. Ok or Err, never a panic; no
//! error repeats a value; the lockout bookkeeping holds:
//! - a config that does not parse fails before anything is written;
//! - while locked out, nothing is written (and no KDF runs: the full
//!   `Vault::unlock` is called then, and returns at once);
//! - otherwise `unlock_with_password_key` (no KDF, so the fuzzer stays fast):
//!   success leaves no failures recorded; a wrong password writes a
//!   state.json that parses.
#![no_main]

use agent_secrets_core::format::{parse_config, CONFIG_FILE};
use agent_secrets_core::lockout::{self, LockoutState, STATE_FILE};
use agent_secrets_core::{Error, MemoryStore, Password, Store, Timestamp, Vault};
use agent_secrets_fuzz::{check_error, FUZZ_PASSWORD, FUZZ_PASSWORD_KEY};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (config, state) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let store = MemoryStore::new();
    store.insert(CONFIG_FILE, config);
    if let Some(state) = state {
        store.insert(STATE_FILE, state);
    }
    let now = Timestamp::from_unix(0);
    let inputs: &[&[u8]] = &[config, state.unwrap_or_default()];

    let config_ok = parse_config(config).is_ok();
    let (before, _) = lockout::load(&store);
    let locked = before.check(now).is_err();

    let result = if !config_ok || locked {
        // Both end before the KDF; use the real entry point.
        Vault::unlock(&store, &Password::from(FUZZ_PASSWORD), now)
    } else {
        Vault::unlock_with_password_key(&store, &FUZZ_PASSWORD_KEY, now)
    };
    assert!(!store.is_locked(), "the write lock was left held");

    match &result {
        Ok(_) => {
            assert!(config_ok && !locked);
            let (after, warning) = lockout::load(&store);
            if warning.is_none() {
                let mut reset = before.clone();
                reset.record_success();
                assert_eq!(after, reset, "a right password resets the counters");
            }
        }
        Err(e) => {
            check_error(inputs, e);
            if !config_ok || locked {
                assert_eq!(store.write_count(), 0, "nothing is written before the KDF");
            }
            if let Error::WrongPassword { .. } = e {
                let written = store
                    .read(STATE_FILE)
                    .expect("read")
                    .expect("state written");
                let after = lockout::parse_state(&written).expect("written state parses");
                assert_ne!(after, LockoutState::default());
            }
            if locked {
                assert!(matches!(
                    e,
                    Error::Locked { .. }
                        | Error::Corrupt { .. }
                        | Error::NewerVersion { .. }
                        | Error::NotInitialized
                ));
            }
        }
    }
});
