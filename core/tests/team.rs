//! Team vaults in the core (docs/team.md, docs/adr/0009-team-vaults.md):
//! `age` recipients through a front end's [`AgeEncryptor`] (a fake one
//! here: the core never looks inside the wrapping, only at the payload that
//! comes back), the payload's binding to the current vault key, the shape
//! of age and SSH keys, names added twice, and what a removal or a planted
//! low-order key does. The CLI's end-to-end tests (tests/cli/team.rs) run
//! the real age crate.

mod support;

use agent_secrets_core::format::{parse_config, Recipient, CONFIG_FILE};
use agent_secrets_core::{
    primitives, AgeEncryptor, Error, ErrorKind, InitOptions, MemoryStore, NoAge, Password, Store,
    Vault,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};
use support::{age_key, kn, sn, t, FakeAge, PREFIX};

const OWNER_PW: &str = "Owner-Team-Battery-1";
const BOB_PW: &str = "Bob-Team-Battery-22";
const VALUE: &str = "sk-FAKE-team-0001";

fn vault() -> MemoryStore {
    let store = MemoryStore::new();
    let options = InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    };
    let v = Vault::init(&store, &Password::from(OWNER_PW), &options, t(0)).expect("init");
    v.set(&sn("openai"), &kn("api_key"), &VALUE.into(), t(1))
        .expect("set");
    store
}

fn owner(store: &MemoryStore) -> Vault<&MemoryStore> {
    Vault::unlock(store, &Password::from(OWNER_PW), t(2)).expect("owner")
}

/// What the fake wrapped for `name` in the config on disk.
fn payload_of(store: &MemoryStore, name: &str) -> Vec<u8> {
    let config =
        parse_config(&store.read(CONFIG_FILE).expect("read").expect("config")).expect("ok");
    match &config.recipients[name] {
        Recipient::Age(a) => a.wrapping.0.strip_prefix(PREFIX).expect("fake").to_vec(),
        Recipient::Password(_) => panic!("{name} is a password recipient"),
    }
}

fn json_config(store: &MemoryStore) -> Value {
    serde_json::from_slice(&store.read(CONFIG_FILE).expect("read").expect("config")).expect("json")
}

/// Writes `config` and its MAC under `vault`'s key, as a key holder would.
fn put_remaced(store: &MemoryStore, vault: &Vault<&MemoryStore>, mut config: Value) {
    let bytes = serde_json::to_vec(&config).expect("json");
    let mac = primitives::config_mac(vault.vault_key().expose_bytes(), &bytes).expect("mac");
    config["mac"] = json!(STANDARD.encode(mac));
    store.insert(CONFIG_FILE, &serde_json::to_vec(&config).expect("json"));
}

#[test]
fn an_age_recipient_opens_with_the_payload_of_the_current_vault_key_only() {
    let store = vault();
    let age = FakeAge::default();
    owner(&store)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
        .expect("add carol");
    assert_eq!(age.calls.get(), 1);
    let payload = payload_of(&store, "carol");
    assert_eq!(payload.len(), 48);
    // The owner's password still opens (the age entry is skipped by the KDF loop).
    owner(&store);
    let carol = Vault::unlock_with_payload(&store, "carol", &payload, t(4)).expect("carol");
    assert_eq!(
        carol
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        VALUE
    );
    assert_eq!(
        carol.auth(),
        Some(agent_secrets_core::audit::Auth::Identity),
        "an identity unlock, said in its audit lines"
    );
    // No password key behind an identity unlock: passwd needs the password.
    let mut carol = carol;
    let e = carol
        .change_password(&Password::from("Carol-New-Battery-3"), None, t(5))
        .expect_err("no identity to re-seal");
    assert!(matches!(e, Error::NeedsPassword), "{e:?}");

    // A payload of another length, or of another vault key id, is a miss.
    let mut other_id = payload.clone();
    other_id[0] ^= 1;
    for bad in [&payload[..47], &other_id[..]] {
        let e = Vault::unlock_with_payload(&store, "carol", bad, t(6)).expect_err("miss");
        assert!(matches!(e, Error::VaultKeyMiss), "{e:?}");
    }
    // Only an age recipient's name: the owner is a password recipient.
    for name in ["owner", "zed"] {
        let e = Vault::unlock_with_payload(&store, name, &payload, t(6)).expect_err("no");
        assert!(matches!(e, Error::RecipientNotFound { .. }), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }

    // Without age support a rotation cannot wrap for carol: refused, nothing written.
    let before = store.documents();
    let e = owner(&store)
        .rotate(t(7), &mut |_, _| {})
        .expect_err("no age");
    assert!(
        matches!(e, Error::AgeUnsupported { ref recipient } if recipient == "carol"),
        "{e:?}"
    );
    assert_eq!(e.kind(), ErrorKind::Usage);
    let mut after = store.documents();
    after.remove("state.json");
    let mut before = before;
    before.remove("state.json");
    assert_eq!(after, before);

    // With it, carol gets a new payload and the old one misses.
    owner(&store)
        .rotate_with(t(8), &age, &mut |_, _| {})
        .expect("rotate");
    assert_eq!(age.calls.get(), 2);
    let e = Vault::unlock_with_payload(&store, "carol", &payload, t(9)).expect_err("old");
    assert!(matches!(e, Error::VaultKeyMiss), "{e:?}");
    let new = payload_of(&store, "carol");
    let carol = Vault::unlock_with_payload(&store, "carol", &new, t(9)).expect("new");
    assert_eq!(
        carol
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        VALUE
    );
}

#[test]
fn a_key_that_is_not_an_age_or_ssh_public_key_is_refused_naming_the_recipient_only() {
    let store = vault();
    let age = FakeAge::default();
    let mut vault = owner(&store);
    let before = store.documents();
    let long = format!("age1{}", "q".repeat(3_000));
    for key in [
        long.as_str(),
        "age1tooshort",
        "age1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ",
        "ssh-ed25519 ",
        "ssh-ed25519 AAAA*not-base64",
        "ssh-rsa AAAA xyzzy-comment",
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "CANARY-not-a-key",
        "",
    ] {
        let e = vault
            .add_age_recipient(&kn("eve"), key, &age, t(3))
            .expect_err("refused");
        assert!(matches!(e, Error::InvalidRecipientKey { .. }), "{e:?}");
        assert_eq!(e.kind(), ErrorKind::Usage);
        let text = format!("{e} {e:?}");
        assert!(text.contains("'eve'"), "{text}");
        if !key.is_empty() {
            let body = key.split_whitespace().last().unwrap_or(key);
            assert!(!text.contains(body), "{text}");
        }
    }
    assert_eq!(age.calls.get(), 0, "nothing encrypted to a bad key");
    assert_eq!(store.documents(), before);
    // The shapes that pass (the front end's age crate parses them further).
    for (name, key) in [
        ("ed", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB9x/x+x="),
        ("rsa", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ"),
    ] {
        vault
            .add_age_recipient(&kn(name), key, &age, t(4))
            .expect("shape ok");
    }
}

/// An encryptor that fails as a front end's does on a key its age crate
/// does not accept.
struct RefusingAge;

impl AgeEncryptor for RefusingAge {
    fn encrypt(&self, recipient: &str, _: &str, _: &[u8]) -> Result<Vec<u8>, Error> {
        Err(Error::InvalidRecipientKey {
            recipient: recipient.to_owned(),
            reason: "not a valid age public key (bad checksum or length)",
        })
    }
}

#[test]
fn an_encryptor_that_refuses_the_key_leaves_the_vault_as_it_was() {
    let store = vault();
    let before = store.documents();
    let e = owner(&store)
        .add_age_recipient(&kn("eve"), &age_key('q'), &RefusingAge, t(3))
        .expect_err("refused");
    assert!(
        matches!(e, Error::InvalidRecipientKey { ref recipient, .. } if recipient == "eve"),
        "{e:?}"
    );
    let mut after = store.documents();
    after.remove("state.json");
    let mut before = before;
    before.remove("state.json");
    assert_eq!(after, before);
}

#[test]
fn a_name_added_twice_is_refused_even_when_another_writer_added_it_meanwhile() {
    let store = vault();
    let age = FakeAge::default();
    let mut first = owner(&store);
    let mut second = owner(&store);
    first
        .add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(3))
        .expect("bob");
    // Known to this handle: refused before any derivation or encryption.
    let e = first
        .add_age_recipient(&kn("bob"), &age_key('q'), &age, t(4))
        .expect_err("twice");
    assert!(matches!(e, Error::RecipientExists { .. }), "{e:?}");
    assert_eq!(age.calls.get(), 0);
    // Not yet known to the other handle: refused under the lock.
    let before = store.documents();
    let e = second
        .add_age_recipient(&kn("bob"), &age_key('q'), &age, t(5))
        .expect_err("twice, found under the lock");
    assert!(matches!(e, Error::RecipientExists { .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert_eq!(store.documents(), before);
    Vault::unlock(&store, &Password::from(BOB_PW), t(6)).expect("bob's password is bob's");
}

#[test]
fn removing_the_recipient_the_vault_was_opened_with_forgets_its_identity() {
    let store = vault();
    let mut vault = owner(&store);
    vault
        .add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(3))
        .expect("bob");
    vault
        .remove_recipient(&kn("owner"), &NoAge, t(4), &mut |_, _| {})
        .expect("the owner leaves");
    let e = vault
        .change_password(&Password::from("Owner-Next-Battery-2"), None, t(5))
        .expect_err("no longer a recipient");
    assert!(matches!(e, Error::NeedsPassword), "{e:?}");
    let e = Vault::unlock(&store, &Password::from(OWNER_PW), t(6)).expect_err("gone");
    assert!(matches!(e, Error::WrongPassword { .. }), "{e:?}");
    let bob = Vault::unlock(&store, &Password::from(BOB_PW), t(7)).expect("bob");
    assert_eq!(
        bob.get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        VALUE
    );
}

#[test]
fn a_rotation_skips_a_service_deleted_meanwhile_and_stops_at_one_restored_under_an_old_key() {
    let store = vault();
    let mut vault = owner(&store);
    // A removal names a recipient there is, and never the last one.
    let e = vault
        .remove_recipient(&kn("nobody"), &NoAge, t(3), &mut |_, _| {})
        .expect_err("no such recipient");
    assert!(
        matches!(&e, Error::RecipientNotFound { recipient } if recipient == "nobody"),
        "{e:?}"
    );
    let e = vault
        .remove_recipient(&kn("owner"), &NoAge, t(3), &mut |_, _| {})
        .expect_err("the last one");
    assert!(
        matches!(&e, Error::LastRecipient { recipient } if recipient == "owner"),
        "{e:?}"
    );

    vault
        .set(
            &sn("stripe"),
            &kn("secret_key"),
            &"sk-fake-stripe".into(),
            t(4),
        )
        .expect("set");
    let old_openai = store.read("openai.json").expect("read").expect("there");
    // During the pass: stripe deleted after openai's turn; at the end,
    // openai's document put back as it was, under the old data key.
    let e = vault
        .rotate_with(t(5), &NoAge, &mut |done, total| {
            assert_eq!(total, 2);
            if done == 1 {
                store.remove("stripe.json").expect("remove");
            } else {
                store.insert("openai.json", &old_openai);
            }
        })
        .expect_err("an old key is still needed");
    assert!(
        matches!(&e, Error::Corrupt { file, detail } if file == "openai.json" && detail.contains("run rotate again")),
        "{e:?}"
    );
    // Nothing was dropped: the old key still opens it, and the rotation
    // resumes (no new key) over a service already under the new one.
    assert_eq!(
        json_config(&store)["keys"].as_object().expect("keys").len(),
        2
    );
    assert_eq!(
        vault
            .get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        VALUE
    );
    vault
        .set(
            &sn("stripe"),
            &kn("secret_key"),
            &"sk-fake-stripe-2".into(),
            t(6),
        )
        .expect("set");
    let before = store.read("stripe.json").expect("read");
    let summary = vault
        .rotate_with(t(7), &NoAge, &mut |_, _| {})
        .expect("resumed");
    assert!(summary.resumed);
    assert_eq!((summary.values_moved, summary.dropped_keys.len()), (1, 1));
    assert_eq!(
        store.read("stripe.json").expect("read"),
        before,
        "already under the new key"
    );
    assert_eq!(
        json_config(&store)["keys"].as_object().expect("keys").len(),
        1
    );
}

#[test]
fn passwd_of_one_recipient_with_new_iterations_leaves_the_others() {
    let store = vault();
    owner(&store)
        .add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(3))
        .expect("bob");
    let mut bob = Vault::unlock(&store, &Password::from(BOB_PW), t(4)).expect("bob");
    let next = Password::from("Bob-Next-Battery-33");
    bob.change_password(&next, Some(120_000), t(5))
        .expect("changed");
    let config = json_config(&store);
    assert_eq!(config["recipients"]["bob"]["kdf"]["iterations"], 120_000);
    assert_eq!(config["recipients"]["owner"]["kdf"]["iterations"], 100_000);
    assert!(Vault::unlock(&store, &Password::from(BOB_PW), t(6)).is_err());
    let bob = Vault::unlock(&store, &next, t(7)).expect("the new password");
    assert_eq!(
        bob.get(&sn("openai"), &kn("api_key"))
            .expect("get")
            .expose(),
        VALUE
    );
    owner(&store);
}

#[test]
fn passwd_refuses_when_a_key_holder_removed_or_replaced_the_recipient_meanwhile() {
    for edit in [
        // The entry gone (a key holder's edit, MAC'ed).
        (|c: &mut Value| {
            c["recipients"]
                .as_object_mut()
                .expect("object")
                .remove("bob");
        }) as fn(&mut Value),
        // The entry replaced by another identity under the same name.
        |c: &mut Value| c["recipients"]["bob"] = c["recipients"]["owner"].clone(),
    ] {
        let store = vault();
        owner(&store)
            .add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(3))
            .expect("bob");
        let mut bob = Vault::unlock(&store, &Password::from(BOB_PW), t(4)).expect("bob");
        let mut config = json_config(&store);
        edit(&mut config);
        put_remaced(&store, &bob, config);
        let before = store.documents();
        let e = bob
            .change_password(&Password::from("Bob-Next-Battery-33"), None, t(5))
            .expect_err("changed meanwhile");
        assert!(matches!(e, Error::KeysChanged), "{e:?}");
        assert_eq!(store.documents(), before, "nothing written");
    }
}

#[test]
fn a_planted_low_order_public_key_stops_a_rotation_before_anything_is_written() {
    let store = vault();
    let mut vault = owner(&store);
    vault
        .add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(3))
        .expect("bob");
    let mut config = json_config(&store);
    config["recipients"]["bob"]["public_key"] = json!(STANDARD.encode([0u8; 32]));
    put_remaced(&store, &vault, config);
    let before = store.documents();
    let e = vault
        .rotate(t(4), &mut |_, _| {})
        .expect_err("no stanza to a low-order key");
    assert!(
        matches!(e, Error::InvalidRecipientKey { ref recipient, .. } if recipient == "bob"),
        "{e:?}"
    );
    assert_eq!(store.documents(), before);
}

#[test]
fn a_config_with_a_malformed_age_recipient_does_not_parse() {
    let store = vault();
    owner(&store)
        .add_age_recipient(&kn("carol"), &age_key('q'), &FakeAge::default(), t(3))
        .expect("carol");
    let good = json_config(&store);
    for (edit, needle) in [
        (
            (|c: &mut Value| c["recipients"]["carol"]["public_key"] = json!("CANARY-VALUE"))
                as fn(&mut Value),
            "recipients.carol.public_key",
        ),
        (
            |c: &mut Value| {
                c["recipients"]["carol"]["wrapping"] = json!(STANDARD.encode(vec![7u8; 4_097]));
            },
            "recipients.carol.wrapping is longer than 4096 bytes",
        ),
    ] {
        let mut config = good.clone();
        edit(&mut config);
        let e = parse_config(&serde_json::to_vec(&config).expect("json")).expect_err("refused");
        let text = e.to_string();
        assert!(text.contains(needle), "{text}");
        assert!(!text.contains("CANARY"), "{text}");
        assert_eq!(e.kind(), ErrorKind::Integrity);
    }
}
