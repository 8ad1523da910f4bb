//! The config conflict document and the three-way merge of `config.json`
//! (`merge_config::conflict_sides`, `merge_config::merge`) on arbitrary
//! bytes, with the fixed vault key of the seeds: Ok or Err, never a panic;
//! what the conflict parser accepts has sides that parse as `config.json`;
//! a clean merge is a `config.json` that parses and verifies under the
//! key it names; conflicts and errors never repeat a value.
#![no_main]

use agent_secrets_core::format::parse_config;
use agent_secrets_core::merge_config::{conflict_sides, merge, Outcome};
use agent_secrets_core::{MemoryStore, NoAge, Timestamp, Vault, VaultKey};
use agent_secrets_fuzz::{assert_no_value_in, check_error, FUZZ_VAULT_KEY, FUZZ_VAULT_KEY_ID};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let sides = match conflict_sides(data) {
        Ok(sides) => sides,
        Err(e) => return check_error(&[data], &e),
    };
    for side in [Some(&sides.ours), Some(&sides.theirs), sides.base.as_ref()]
        .into_iter()
        .flatten()
    {
        parse_config(side).expect("an accepted side parses");
    }
    let key = VaultKey::from_bytes(FUZZ_VAULT_KEY_ID, FUZZ_VAULT_KEY).expect("the seeds' key");
    let now = Timestamp::from_unix(1_795_867_200);
    match merge(
        sides.base.as_deref(),
        &sides.ours,
        &sides.theirs,
        &[key],
        &NoAge,
        now,
    ) {
        Ok(Outcome::Merged(merged)) => {
            let store = MemoryStore::new();
            store.insert("config.json", &merged.config);
            Vault::unlock_with_vault_key(&store, merged.vault_key.clone(), now)
                .expect("a merged config.json opens under its key");
            for note in &merged.notes {
                assert_no_value_in(&[data], note);
            }
        }
        Ok(Outcome::Conflict(reasons)) => {
            for reason in &reasons {
                assert_no_value_in(&[data], reason);
            }
        }
        Err(e) => check_error(&[data], &e),
    }
});
