//! Unlock with garbage documents. The input is `config.json`, optionally
//! followed by a NUL byte and `state.json`. Ok or Err, never a panic; no
//! error repeats a value; the lockout bookkeeping holds:
//! - a config that does not parse fails before anything is written;
//! - while locked out (and no stale attempt is in flight), nothing is
//!   written and no KDF runs (the full `Vault::unlock` is called then, and
//!   returns at once);
//! - otherwise `begin_unlock`, then `unlock_with_password_key` per recipient
//!   (no KDF, so the fuzzer stays fast), then `fail_unlock` if none opened:
//!   success leaves no failures recorded; a wrong password writes a
//!   state.json that parses, with the attempt resolved.
#![no_main]

use agent_secrets_core::format::{parse_config, CONFIG_FILE};
use agent_secrets_core::lockout::{self, STATE_FILE};
use agent_secrets_core::{
    begin_unlock, fail_unlock, Error, MemoryStore, Password, PasswordKey, Store, Timestamp, Vault,
};
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

    let parsed = parse_config(config);
    let config_ok = parsed.is_ok();
    let (before, locked) = match &parsed {
        Ok(c) => {
            let (s, _) = lockout::load_checked(&store, &c.lockout, now);
            let locked = s.check(now).is_err();
            (s, locked)
        }
        Err(_) => (lockout::load(&store).0, false),
    };

    let result = if !config_ok || locked {
        // Both end before the KDF; use the real entry point.
        Vault::unlock(&store, &Password::from(FUZZ_PASSWORD), now)
    } else {
        match begin_unlock(&store, now) {
            Err(e) => Err(e),
            Ok(start) => {
                let key = PasswordKey::from_bytes(FUZZ_PASSWORD_KEY);
                let mut opened = Err(Error::WRONG_PASSWORD);
                for (recipient, _) in &start.recipients {
                    opened = Vault::unlock_with_password_key(&store, recipient, &key, now);
                    if !matches!(opened, Err(Error::WrongPassword { .. })) {
                        break;
                    }
                }
                match opened {
                    Err(Error::WrongPassword { .. }) => Err(fail_unlock(&store, now)),
                    other => other,
                }
            }
        }
    };
    assert!(!store.is_locked(), "the write lock was left held");

    match &result {
        Ok(_) => {
            assert!(config_ok && !locked);
            let (after, warning) = lockout::load(&store);
            if warning.is_none() {
                assert_eq!(
                    (after.failed_attempts, after.lockouts, after.locked_until),
                    (0, 0, None),
                    "a right password resets the counters"
                );
            }
        }
        Err(e) => {
            check_error(inputs, e);
            if !config_ok || (locked && before.in_flight == 0) {
                assert_eq!(store.write_count(), 0, "nothing is written before the KDF");
            }
            if let Error::WrongPassword { .. } = e {
                let written = store
                    .read(STATE_FILE)
                    .expect("read")
                    .expect("state written");
                let after = lockout::parse_state(&written).expect("written state parses");
                assert!(after.failed_attempts > 0 || after.lockouts > 0);
            }
            if locked {
                assert!(matches!(
                    e,
                    Error::Locked { .. }
                        | Error::UnlocksInFlight
                        | Error::Corrupt { .. }
                        | Error::NewerVersion { .. }
                        | Error::NotInitialized
                ));
            }
        }
    }
});
