//! The three-way merge of `config.json` (core/src/merge_config.rs,
//! docs/format.md §18): every rule in both orders (ours/theirs swapped),
//! a side whose MAC fails is an integrity error naming it (never a merged
//! file), a base that does not verify counts as absent, one side rotated
//! (a recipient removed) against the other's additions, values and
//! mapping, and the password path's lockout count.

mod support;

use agent_secrets_core::format::{parse_config, parse_service, to_bytes, Recipient, CONFIG_FILE};
use agent_secrets_core::merge_config::{keys_from_password, merge, Merged, Outcome, Side};
use agent_secrets_core::{
    Error, ErrorKind, InitOptions, MemoryStore, Password, Store, Vault, VaultKey,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{age_key, kn, sn, t, FakeAge, PREFIX};

const OWNER_PW: &str = "Owner-Merge-Battery-1";
const BOB_PW: &str = "Bob-Merge-Battery-22";
const DAVE_PW: &str = "Dave-Merge-Battery-333";
const VALUE: &str = "sk-FAKE-merge-0001";
const LATE: &str = "sk-FAKE-merge-late-0002";

fn options() -> InitOptions {
    InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    }
}

/// A vault with the owner, bob (password) and one value.
fn base() -> MemoryStore {
    let store = MemoryStore::new();
    let mut v = Vault::init(&store, &Password::from(OWNER_PW), &options(), t(0)).expect("init");
    v.set(&sn("openai"), &kn("api_key"), &VALUE.into(), t(1))
        .expect("set");
    v.add_password_recipient(&kn("bob"), &Password::from(BOB_PW), 100_000, t(1))
        .expect("bob");
    store
}

/// A branch: a copy of every file.
fn branch(store: &MemoryStore) -> MemoryStore {
    MemoryStore::from_documents(store.documents())
}

fn open(store: &MemoryStore) -> Vault<&MemoryStore> {
    Vault::unlock(store, &Password::from(OWNER_PW), t(2)).expect("owner")
}

fn config(store: &MemoryStore) -> Vec<u8> {
    store.read(CONFIG_FILE).expect("read").expect("config")
}

fn key(store: &MemoryStore) -> VaultKey {
    open(store).vault_key().clone()
}

fn recipients(bytes: &[u8]) -> Vec<String> {
    parse_config(bytes)
        .expect("parses")
        .recipients
        .into_keys()
        .collect()
}

fn merged(outcome: Outcome) -> Merged {
    match outcome {
        Outcome::Merged(m) => m,
        Outcome::Conflict(c) => panic!("conflict: {c:?}"),
    }
}

fn conflicts(outcome: Outcome) -> Vec<String> {
    match outcome {
        Outcome::Merged(m) => panic!("merged, notes {:?}", m.notes),
        Outcome::Conflict(c) => c,
    }
}

/// Merges in both orders with `keys`: the two results, ours-first first.
fn both(
    base: Option<&[u8]>,
    a: &[u8],
    b: &[u8],
    keys: &[VaultKey],
) -> Result<(Outcome, Outcome), Error> {
    let age = FakeAge::default();
    Ok((
        merge(base, a, b, keys, &age, t(50))?,
        merge(base, b, a, keys, &age, t(50))?,
    ))
}

/// The parsed result without `mac` and with the wrappings made by the
/// merge blanked (they are fresh randomness): for comparing two orders.
fn content(bytes: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(bytes).expect("json");
    v.as_object_mut().expect("object").remove("mac");
    v
}

/// A store holding `config` and the service files of `services`.
fn with_config(services: &MemoryStore, config: &[u8]) -> MemoryStore {
    let store = branch(services);
    store.insert(CONFIG_FILE, config);
    store
}

fn get(vault: &Vault<&MemoryStore>, key: &str) -> String {
    vault
        .get(&sn("openai"), &kn(key))
        .expect("get")
        .expose()
        .to_owned()
}

/// The fake age payload wrapped for `name` in `config`.
fn payload(config: &[u8], name: &str) -> Vec<u8> {
    match &parse_config(config).expect("parses").recipients[name] {
        Recipient::Age(a) => a.wrapping.0.strip_prefix(PREFIX).expect("fake").to_vec(),
        Recipient::Password(_) => panic!("{name} is a password recipient"),
    }
}

/// Rewrites a document's JSON without a new MAC (a change made without the key).
fn edited(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bytes).expect("json");
    edit(&mut v);
    serde_json::to_vec(&v).expect("json")
}

#[test]
fn recipients_added_on_two_branches_merge_and_each_opens() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&ours)
        .add_password_recipient(&kn("dave"), &Password::from(DAVE_PW), 100_000, t(3))
        .expect("dave");
    open(&theirs)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
        .expect("carol");
    let keys = [key(&b)];
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&theirs), &keys).expect("ok");
    let (one, two) = (merged(one), merged(two));
    assert_eq!(
        content(&one.config),
        content(&two.config),
        "order does not matter"
    );
    assert_eq!(one.rotated, None);
    assert!(one.pending_keys.is_empty());
    assert_eq!(recipients(&one.config), ["bob", "carol", "dave", "owner"]);
    let doc = parse_config(&one.config).expect("parses");
    let b_doc = parse_config(&config(&b)).expect("parses");
    assert_eq!(doc.created_at, b_doc.created_at, "from the base");
    assert_eq!(doc.updated_at, t(50));
    assert_eq!(doc.vault_key_id, b_doc.vault_key_id);

    let store = with_config(&ours, &one.config);
    for pw in [OWNER_PW, BOB_PW, DAVE_PW] {
        let v = Vault::unlock(&store, &Password::from(pw), t(60)).expect("opens");
        assert_eq!(get(&v, "api_key"), VALUE);
    }
    let carol = Vault::unlock_with_payload(&store, "carol", &payload(&one.config, "carol"), t(60))
        .expect("carol");
    assert_eq!(get(&carol, "api_key"), VALUE);
}

#[test]
fn the_same_name_added_differently_on_both_sides_is_a_conflict_naming_it_only() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&ours)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
        .expect("carol");
    open(&theirs)
        .add_age_recipient(&kn("carol"), &age_key('p'), &age, t(3))
        .expect("another carol");
    let (one, two) = both(
        Some(&config(&b)),
        &config(&ours),
        &config(&theirs),
        &[key(&b)],
    )
    .expect("no error");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(reasons[0].contains("recipient 'carol'"), "{reasons:?}");
        for secret in [age_key('q'), age_key('p'), VALUE.to_owned()] {
            assert!(!reasons[0].contains(&secret), "{reasons:?}");
        }
    }
    // The very same entry on both sides is no conflict.
    let same = both(
        Some(&config(&b)),
        &config(&ours),
        &config(&ours),
        &[key(&b)],
    )
    .expect("ok");
    assert_eq!(
        recipients(&merged(same.0).config),
        ["bob", "carol", "owner"]
    );
}

#[test]
fn a_password_change_on_one_side_and_an_addition_on_the_other_both_survive() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let new_pw = "Owner-New-Merge-Battery-9";
    open(&ours)
        .change_password(&Password::from(new_pw), None, t(3))
        .expect("passwd");
    open(&theirs)
        .add_password_recipient(&kn("dave"), &Password::from(DAVE_PW), 100_000, t(3))
        .expect("dave");
    let (one, two) = both(
        Some(&config(&b)),
        &config(&ours),
        &config(&theirs),
        &[key(&b)],
    )
    .expect("ok");
    for m in [merged(one), merged(two)] {
        let store = with_config(&b, &m.config);
        for pw in [new_pw, DAVE_PW, BOB_PW] {
            Vault::unlock(&store, &Password::from(pw), t(60)).expect("opens");
        }
        let e = Vault::unlock(&store, &Password::from(OWNER_PW), t(61)).expect_err("old pw");
        assert_eq!(e.kind(), ErrorKind::WrongPassword);
    }
    // Both sides changed the owner's password: a conflict naming the owner.
    let other = branch(&b);
    open(&other)
        .change_password(&Password::from("Owner-Other-Battery-77"), None, t(3))
        .expect("passwd");
    let (one, two) = both(
        Some(&config(&b)),
        &config(&ours),
        &config(&other),
        &[key(&b)],
    )
    .expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert!(
            reasons == ["recipient 'owner': added, changed or removed differently on both sides"],
            "{reasons:?}"
        );
    }
}

#[test]
fn env_merges_entry_by_entry_and_a_variable_under_two_secrets_is_a_conflict() {
    let b = base();
    let map = |store: &MemoryStore, secret: &str, var: &str| {
        let (s, k) = secret.split_once('/').expect("pair");
        open(store)
            .set_user_mapping(
                &sn(s),
                &kn(k),
                Some(&[agent_secrets_core::VarName::parse(var).expect("var")]),
                t(3),
            )
            .expect("map");
    };
    let keys = [key(&b)];
    let (ours, theirs) = (branch(&b), branch(&b));
    map(&ours, "stripe/secret_key", "STRIPE_SK");
    map(&theirs, "openai/api_key", "OPENAI_KEY_2");
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&theirs), &keys).expect("ok");
    for m in [merged(one), merged(two)] {
        let doc = parse_config(&m.config).expect("parses");
        assert_eq!(
            serde_json::to_value(&doc.env).expect("json"),
            json!({"openai/api_key": ["OPENAI_KEY_2"], "stripe/secret_key": ["STRIPE_SK"]})
        );
    }
    // The same entry mapped differently on both sides.
    let other = branch(&b);
    map(&other, "stripe/secret_key", "STRIPE_OTHER");
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&other), &keys).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(
            reasons,
            ["env: the mapping of 'stripe/secret_key' was changed differently on both sides"]
        );
    }
    // Two entries, one per side, that name the same variable.
    let clash = branch(&b);
    map(&clash, "other/token", "STRIPE_SK");
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&clash), &keys).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(
            reasons[0].starts_with("env: variable 'STRIPE_SK' would be set from two secrets"),
            "{reasons:?}"
        );
        assert!(reasons[0].contains("'other/token'") && reasons[0].contains("'stripe/secret_key'"));
    }
}

#[test]
fn lockout_and_alerts_take_a_one_sided_change_and_conflict_when_both_change() {
    use agent_secrets_core::format::LockoutPolicy;
    let b = base();
    let keys = [key(&b)];
    let lockout = |store: &MemoryStore, n: u32| {
        let policy = LockoutPolicy {
            max_attempts: n,
            ..LockoutPolicy::default()
        };
        open(store)
            .set_lockout_policy(policy, t(3))
            .expect("lockout");
    };
    let alerts = |store: &MemoryStore, n: u32| {
        open(store)
            .set_alert_thresholds(Some((n, 60)), t(3))
            .expect("alerts");
    };
    let (ours, theirs) = (branch(&b), branch(&b));
    lockout(&ours, 9);
    alerts(&theirs, 7);
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&theirs), &keys).expect("ok");
    for m in [merged(one), merged(two)] {
        let doc = parse_config(&m.config).expect("parses");
        assert_eq!(doc.lockout.max_attempts, 9);
        assert_eq!(doc.alerts.as_ref().map(|a| a.failed_unlocks), Some(7));
    }
    let (o2, t2) = (branch(&b), branch(&b));
    lockout(&o2, 9);
    lockout(&t2, 8);
    alerts(&o2, 7);
    alerts(&t2, 6);
    let (one, two) = both(Some(&config(&b)), &config(&o2), &config(&t2), &keys).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(
            reasons,
            [
                "lockout: changed differently on both sides",
                "alerts: changed differently on both sides"
            ]
        );
    }
    // The same change on both sides is no conflict.
    let same = branch(&b);
    lockout(&same, 9);
    let (one, _) = both(Some(&config(&b)), &config(&ours), &config(&same), &keys).expect("ok");
    assert_eq!(
        parse_config(&merged(one).config)
            .expect("ok")
            .lockout
            .max_attempts,
        9
    );
}

#[test]
fn a_side_whose_mac_fails_is_an_integrity_error_naming_it_and_nothing_is_merged() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    open(&theirs)
        .add_password_recipient(&kn("dave"), &Password::from(DAVE_PW), 100_000, t(3))
        .expect("dave");
    let keys = [key(&b)];
    let forged = edited(&config(&ours), |v| {
        v["lockout"]["max_attempts"] = json!(100)
    });
    let age = FakeAge::default();
    for (a, bb, side) in [
        (&forged, &config(&theirs), "ours"),
        (&config(&theirs), &forged, "theirs"),
    ] {
        let e = merge(Some(&config(&b)), a, bb, &keys, &age, t(50)).expect_err("refused");
        assert!(
            matches!(e, Error::MergeMac { side: s } if s == side),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::Integrity);
        assert!(e
            .to_string()
            .starts_with(&format!("config.json ({side} side of the merge)")));
    }
    // A side that does not parse is corrupt, naming the side.
    let e = merge(
        Some(&config(&b)),
        b"{",
        &config(&theirs),
        &keys,
        &age,
        t(50),
    )
    .expect_err("no");
    assert!(
        matches!(&e, Error::Corrupt { file, .. } if file == "config.json (ours side of the merge)"),
        "{e:?}"
    );
    // A side under a vault key nobody gave: named, never guessed.
    let stranger = base();
    for (a, bb, side) in [
        (config(&stranger), config(&theirs), "ours"),
        (config(&theirs), config(&stranger), "theirs"),
    ] {
        let e = merge(Some(&config(&b)), &a, &bb, &keys, &age, t(50)).expect_err("no key");
        assert!(
            matches!(e, Error::MergeNeedsKey { side: s } if s == side),
            "{e:?}"
        );
        assert_eq!(e.kind(), ErrorKind::WrongPassword);
    }
}

#[test]
fn a_base_that_does_not_verify_counts_as_absent_and_every_difference_conflicts() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&ours)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
        .expect("carol");
    open(&theirs)
        .add_age_recipient(&kn("erin"), &age_key('p'), &age, t(3))
        .expect("erin");
    let keys = [key(&b)];
    // A base edited without the key would otherwise make carol "removed on theirs".
    let forged = edited(&config(&b), |v| {
        v["recipients"]["carol"] = v["recipients"]["owner"].clone();
    });
    for base in [None, Some(forged.as_slice()), Some(&b"not json"[..])] {
        let (one, two) = both(base, &config(&ours), &config(&theirs), &keys).expect("ok");
        for reasons in [conflicts(one), conflicts(two)] {
            assert_eq!(
                reasons,
                [
                    "recipient 'carol': added, changed or removed differently on both sides",
                    "recipient 'erin': added, changed or removed differently on both sides"
                ],
            );
        }
    }
    // Without a base, identical sides still merge.
    let (one, _) = both(None, &config(&ours), &config(&ours), &keys).expect("ok");
    assert_eq!(recipients(&merged(one).config), ["bob", "carol", "owner"]);
}

/// A value of one service added on one branch, put into the other
/// branch's file (what the service-file merge does with an entry added on
/// one side).
fn take_entry(from: &MemoryStore, into: &MemoryStore, key: &str) {
    let file = "openai.json";
    let src = parse_service(&sn("openai"), &from.read(file).expect("r").expect("f")).expect("ok");
    let mut dst =
        parse_service(&sn("openai"), &into.read(file).expect("r").expect("f")).expect("ok");
    dst.secrets.insert(kn(key), src.secrets[&kn(key)].clone());
    into.insert(file, &to_bytes(&dst));
}

#[test]
fn one_side_removes_bob_while_the_other_adds_maps_and_sets_a_value() {
    for rotated_is_ours in [true, false] {
        let b = base();
        let bob_old = Vault::unlock(&b, &Password::from(BOB_PW), t(2))
            .expect("bob")
            .vault_key()
            .clone();
        let (rot, other) = (branch(&b), branch(&b));
        let age = FakeAge::default();
        let summary = open(&rot)
            .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
            .expect("remove bob");
        assert_eq!(summary.dropped_keys, ["k1"]);
        {
            let v = open(&other);
            let mut v = v;
            v.add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
                .expect("carol");
            v.set(&sn("openai"), &kn("late"), &LATE.into(), t(3))
                .expect("set");
            v.set_user_mapping(
                &sn("openai"),
                &kn("late"),
                Some(&[agent_secrets_core::VarName::parse("LATE_KEY").expect("var")]),
                t(3),
            )
            .expect("map");
        }
        let keys = [key(&rot), key(&other)];
        let (a, bb) = if rotated_is_ours {
            (config(&rot), config(&other))
        } else {
            (config(&other), config(&rot))
        };
        let m = merged(merge(Some(&config(&b)), &a, &bb, &keys, &age, t(50)).expect("ok"));
        let rot_side = if rotated_is_ours {
            Side::Ours
        } else {
            Side::Theirs
        };
        assert_eq!(m.rotated, Some(rot_side));
        assert_eq!(m.vault_key.id(), key(&rot).id());
        assert_eq!(
            m.pending_keys,
            ["k1"],
            "the other side's key, for its late value"
        );
        assert_eq!(
            recipients(&m.config),
            ["carol", "owner"],
            "bob stays removed"
        );
        assert!(
            m.notes.iter().any(|n| n.contains("'carol'")),
            "{:?}",
            m.notes
        );
        let doc = parse_config(&m.config).expect("parses");
        assert_eq!(doc.active_key, "k2");
        assert_eq!(
            serde_json::to_value(&doc.env).expect("json"),
            json!({"openai/late": ["LATE_KEY"]})
        );

        // The merged vault: the rotated side's files plus the late value.
        let store = with_config(&rot, &m.config);
        take_entry(&other, &store, "late");
        let mut v = open(&store);
        assert_eq!(
            get(&v, "late"),
            LATE,
            "the value set on the other branch reads"
        );
        assert_eq!(get(&v, "api_key"), VALUE);
        let carol =
            Vault::unlock_with_payload(&store, "carol", &payload(&m.config, "carol"), t(60))
                .expect("carol opens the rotated vault key");
        assert_eq!(get(&carol, "late"), LATE);
        // Finishing the rotation moves the late value off bob's old key.
        let done = v.rotate_with(t(70), &age, &mut |_, _| {}).expect("finish");
        assert!(done.resumed);
        assert_eq!(done.values_moved, 1);
        assert_eq!(done.dropped_keys, ["k1"]);
        let v = open(&store);
        assert_eq!(get(&v, "late"), LATE);
        // Bob: his password opens nothing, his old vault key is not this vault's.
        let e = Vault::unlock(&store, &Password::from(BOB_PW), t(80)).expect_err("bob");
        assert_eq!(e.kind(), ErrorKind::WrongPassword);
        let e = Vault::unlock_with_vault_key(&store, bob_old.clone(), t(80)).expect_err("old");
        assert!(matches!(e, Error::VaultKeyMiss), "{e:?}");
        let final_doc = parse_config(&config(&store)).expect("parses");
        assert_eq!(final_doc.keys.keys().collect::<Vec<_>>(), ["k2"]);
        let service = parse_service(
            &sn("openai"),
            &store.read("openai.json").expect("r").expect("f"),
        )
        .expect("ok");
        assert!(service.secrets.values().all(|e| e.key_id == "k2"));
    }
}

#[test]
fn a_change_to_a_recipient_the_rotated_side_removed_is_dropped_removal_wins() {
    let b = base();
    let (rot, other) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&rot)
        .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
        .expect("remove bob");
    let new_bob = "Bob-Changed-Battery-555";
    Vault::unlock(&other, &Password::from(BOB_PW), t(3))
        .expect("bob")
        .change_password(&Password::from(new_bob), None, t(3))
        .expect("bob passwd");
    let keys = [key(&rot), key(&other)];
    let (one, two) = both(Some(&config(&b)), &config(&rot), &config(&other), &keys).expect("ok");
    for m in [merged(one), merged(two)] {
        assert_eq!(recipients(&m.config), ["owner"]);
        assert!(
            m.notes
                .iter()
                .any(|n| n.contains("recipient 'bob' was removed") && n.contains("removal wins")),
            "{:?}",
            m.notes
        );
        let store = with_config(&rot, &m.config);
        for pw in [BOB_PW, new_bob] {
            let e = Vault::unlock(&store, &Password::from(pw), t(60)).expect_err("bob");
            assert_eq!(e.kind(), ErrorKind::WrongPassword);
        }
    }
}

#[test]
fn both_sides_rotated_is_a_conflict_and_one_rotated_needs_both_keys() {
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&ours).rotate(t(3), &mut |_, _| {}).expect("rotate");
    open(&theirs)
        .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
        .expect("remove");
    let keys = [key(&b), key(&ours), key(&theirs)];
    let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&theirs), &keys).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(reasons.len(), 1);
        assert!(
            reasons[0].starts_with("vault_key_id: both sides changed"),
            "{reasons:?}"
        );
    }
    // One rotated, with only the rotated side's key (what a session opened
    // after the rotation holds): the other side cannot be verified.
    let e = merge(
        Some(&config(&b)),
        &config(&ours),
        &config(&b),
        &[key(&ours)],
        &age,
        t(50),
    )
    .expect_err("needs both");
    assert!(
        matches!(e, Error::MergeNeedsKey { side: "theirs" }),
        "{e:?}"
    );
    // Different vault keys and no base: a conflict (which one rotated?).
    let (one, _) = both(None, &config(&ours), &config(&b), &keys).expect("ok");
    assert!(conflicts(one)[0].contains("no common base"));
}

#[test]
fn the_password_opens_every_side_it_is_a_recipient_of_and_a_wrong_one_is_counted() {
    let b = base();
    let (rot, other) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&rot)
        .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
        .expect("remove");
    // The conflicted working copy: state.json from the branch, the sides from git.
    let store = branch(&other);
    let sides = [config(&rot), config(&other), config(&b)];
    let refs: Vec<&[u8]> = sides.iter().map(Vec::as_slice).collect();
    let keys = keys_from_password(&store, &refs, &Password::from(OWNER_PW), t(10)).expect("keys");
    let mut ids: Vec<&str> = keys.iter().map(VaultKey::id).collect();
    ids.sort_unstable();
    let mut want = vec![key(&rot).id().to_owned(), key(&other).id().to_owned()];
    want.sort();
    assert_eq!(ids, want, "one key per vault key id, both sides");
    let m = merged(merge(Some(&sides[2]), &sides[0], &sides[1], &keys, &age, t(11)).expect("ok"));
    assert_eq!(m.rotated, Some(Side::Ours));
    // Bob's password opens only the side that still has him.
    let keys = keys_from_password(&store, &refs, &Password::from(BOB_PW), t(12)).expect("keys");
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id(), key(&other).id());
    // A wrong password is counted like any unlock's.
    let e = keys_from_password(&store, &refs, &Password::from("Wrong-Battery-0000"), t(13))
        .expect_err("wrong");
    assert!(
        matches!(
            e,
            Error::WrongPassword {
                attempts_remaining: Some(4),
                ..
            }
        ),
        "{e:?}"
    );
    let state: Value =
        serde_json::from_slice(&store.read("state.json").expect("r").expect("state"))
            .expect("json");
    assert_eq!(state["failed_attempts"], json!(1), "{state}");
    keys_from_password(&store, &refs, &Password::from(OWNER_PW), t(14)).expect("right again");
    let state: Value =
        serde_json::from_slice(&store.read("state.json").expect("r").expect("state"))
            .expect("json");
    assert_eq!(state["failed_attempts"], json!(0), "cleared: {state}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Independent changes on two branches (age recipients from disjoint
    /// name pools, mapping entries of different secrets, the lockout on at
    /// most one side) always merge, keep every change of both sides, and
    /// give the same content in either order.
    #[test]
    fn independent_changes_merge_the_same_in_both_orders(
        ours_adds in proptest::collection::btree_set(0u8..6, 0..3),
        theirs_adds in proptest::collection::btree_set(0u8..6, 0..3),
        ours_maps in proptest::collection::btree_set(0u8..4, 0..3),
        theirs_maps in proptest::collection::btree_set(0u8..4, 0..3),
        lockout_on_ours in any::<Option<bool>>(),
    ) {
        let b = base_without_bob();
        let (ours, theirs) = (branch(&b), branch(&b));
        let age = FakeAge::default();
        let apply = |store: &MemoryStore, side: char, adds: &std::collections::BTreeSet<u8>, maps: &std::collections::BTreeSet<u8>, lockout: bool| {
            let mut v = open(store);
            for n in adds {
                v.add_age_recipient(&kn(&format!("{side}{n}")), &age_key(if side == 'o' { 'q' } else { 'p' }), &age, t(3)).expect("add");
            }
            for n in maps {
                v.set_user_mapping(&sn(&format!("{side}svc{n}")), &kn("token"),
                    Some(&[agent_secrets_core::VarName::parse(&format!("{}_TOKEN_{n}", side.to_ascii_uppercase())).expect("var")]), t(3)).expect("map");
            }
            if lockout {
                v.set_lockout_policy(agent_secrets_core::format::LockoutPolicy { max_attempts: 11, ..Default::default() }, t(3)).expect("lockout");
            }
        };
        apply(&ours, 'o', &ours_adds, &ours_maps, lockout_on_ours == Some(true));
        apply(&theirs, 't', &theirs_adds, &theirs_maps, lockout_on_ours == Some(false));
        let keys = [key(&b)];
        let (one, two) = both(Some(&config(&b)), &config(&ours), &config(&theirs), &keys).expect("ok");
        let (one, two) = (merged(one), merged(two));
        prop_assert_eq!(content(&one.config), content(&two.config));
        let doc = parse_config(&one.config).expect("parses");
        prop_assert_eq!(doc.recipients.len(), 1 + ours_adds.len() + theirs_adds.len());
        prop_assert_eq!(doc.env.len(), ours_maps.len() + theirs_maps.len());
        prop_assert_eq!(doc.lockout.max_attempts, if lockout_on_ours.is_some() { 11 } else { 5 });
        // The result opens with the owner's password and verifies.
        let store = with_config(&b, &one.config);
        prop_assert!(Vault::unlock(&store, &Password::from(OWNER_PW), t(60)).is_ok());
    }
}

/// A vault with the owner and one value (no second password: cheaper).
fn base_without_bob() -> MemoryStore {
    let store = MemoryStore::new();
    let v = Vault::init(&store, &Password::from(OWNER_PW), &options(), t(0)).expect("init");
    v.set(&sn("openai"), &kn("api_key"), &VALUE.into(), t(1))
        .expect("set");
    store
}

/// A conflict document in `config.json`, as the merge driver leaves it.
fn conflicted(store: &MemoryStore, base: &[u8], ours: &[u8], theirs: &[u8]) {
    match agent_secrets_core::merge::config_conflict(Some(base), ours, theirs) {
        agent_secrets_core::merge::MergeOutcome::Conflict(bytes) => {
            store.insert(CONFIG_FILE, &bytes)
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn resolve_merges_the_conflict_document_and_finishes_the_rotation() {
    use agent_secrets_core::merge_config::{resolve, Resolution};
    let b = base();
    let (rot, other) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&rot)
        .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
        .expect("remove bob");
    {
        let mut v = open(&other);
        v.add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
            .expect("carol");
        v.set(&sn("openai"), &kn("late"), &LATE.into(), t(3))
            .expect("set");
    }
    // The working copy after git's merge: the rotated side's files, the
    // late value merged into the service file, config.json in conflict.
    let work = branch(&rot);
    take_entry(&other, &work, "late");
    conflicted(&work, &config(&b), &config(&rot), &config(&other));
    let e = Vault::unlock(&work, &Password::from(OWNER_PW), t(4)).expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::Conflict);
    let sides = agent_secrets_core::merge_config::conflict_sides(&config(&work)).expect("sides");
    let refs = [sides.ours.as_slice(), sides.theirs.as_slice()];
    let keys = keys_from_password(&work, &refs, &Password::from(OWNER_PW), t(5)).expect("keys");
    let mut calls = 0;
    let outcome = resolve(&work, &keys, None, &age, t(6), &mut |_, _| calls += 1).expect("ok");
    let Resolution::Resolved(resolved) = outcome else {
        panic!("conflict");
    };
    let (vault, merged, finished) = (resolved.vault, resolved.merged, resolved.finished);
    assert_eq!(merged.rotated, Some(Side::Ours));
    assert_eq!(vault.auth(), None, "the password's keys");
    let summary = finished.expect("a rotation to finish").expect("finished");
    assert!(summary.resumed);
    assert_eq!(
        (summary.values_moved, summary.dropped_keys),
        (1, vec!["k1".to_owned()])
    );
    assert_eq!(calls, 1, "progress per service");
    let v = open(&work);
    assert_eq!(get(&v, "late"), LATE);
    assert_eq!(get(&v, "api_key"), VALUE);
    assert_eq!(recipients(&config(&work)), ["carol", "owner"]);
    let e = Vault::unlock(&work, &Password::from(BOB_PW), t(9)).expect_err("bob");
    assert_eq!(e.kind(), ErrorKind::WrongPassword);

    // Not in conflict any more: said so.
    let e = resolve(&work, &keys, None, &age, t(10), &mut |_, _| {}).expect_err("nothing");
    assert!(matches!(e, Error::ConfigNotInConflict), "{e:?}");
}

#[test]
fn resolve_leaves_a_conflict_as_it_was_and_writes_nothing() {
    use agent_secrets_core::merge_config::{resolve, Resolution};
    let b = base();
    let (ours, theirs) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&ours)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(3))
        .expect("carol");
    open(&theirs)
        .add_age_recipient(&kn("carol"), &age_key('p'), &age, t(3))
        .expect("carol");
    let work = branch(&ours);
    conflicted(&work, &config(&b), &config(&ours), &config(&theirs));
    let before = work.documents();
    let outcome = resolve(&work, &[key(&b)], None, &age, t(6), &mut |_, _| {}).expect("ok");
    let Resolution::Conflict(reasons) = outcome else {
        panic!("merged");
    };
    assert_eq!(
        reasons,
        ["recipient 'carol': added, changed or removed differently on both sides"]
    );
    assert_eq!(work.documents(), before, "nothing written");
    // A key of neither side: named, nothing written.
    let e = resolve(&work, &[key(&base())], None, &age, t(7), &mut |_, _| {}).expect_err("no key");
    assert!(matches!(e, Error::MergeNeedsKey { side: "ours" }), "{e:?}");
    assert_eq!(work.documents(), before);
}

/// `bytes` edited, then MAC'ed under `key` again, as a holder of the vault
/// key could write it (changes the tools never make, for the rules' edges).
fn remaced(bytes: &[u8], key: &VaultKey, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    use base64::Engine;
    let mut v: Value = serde_json::from_slice(bytes).expect("json");
    edit(&mut v);
    let mac = agent_secrets_core::primitives::config_mac(
        key.expose_bytes(),
        &serde_json::to_vec(&v).expect("json"),
    )
    .expect("mac");
    v["mac"] = json!(base64::engine::general_purpose::STANDARD.encode(mac));
    serde_json::to_vec(&v).expect("json")
}

/// A data key entry for `id` holding `bytes`, wrapped under `key`.
fn wrapped_key(key: &VaultKey, id: &str, bytes: &[u8; 32]) -> Value {
    use agent_secrets_core::primitives::{aes256gcm_seal, hkdf_sha256};
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let wrap = hkdf_sha256(key.expose_bytes(), b"agent-secrets/v1/wrap").expect("hkdf");
    let nonce = [7u8; 12];
    let (ct, tag) = aes256gcm_seal(
        &wrap,
        &nonce,
        format!("agent-secrets/v1/key/{id}").as_bytes(),
        bytes,
    )
    .expect("seal");
    json!({"nonce": b64(&nonce), "ciphertext": b64(&ct), "tag": b64(&tag), "created_at": "2026-11-28T12:00:00Z"})
}

#[test]
fn sides_that_are_newer_in_conflict_or_with_a_damaged_data_key_are_refused_naming_the_side() {
    let b = base();
    let k = key(&b);
    let age = FakeAge::default();
    let good = config(&b);
    let newer = edited(&good, |v| v["version"] = json!(2));
    let e = merge(
        Some(&good),
        &good,
        &newer,
        std::slice::from_ref(&k),
        &age,
        t(5),
    )
    .expect_err("newer");
    assert!(
        matches!(&e, Error::NewerVersion { file, found: 2 } if file == "config.json (theirs side of the merge)"),
        "{e:?}"
    );
    let conflict = serde_json::to_vec(&json!({
        "format": "agent-secrets/config-conflict", "version": 1, "base": null,
        "ours": serde_json::from_slice::<Value>(&good).expect("json"),
        "theirs": serde_json::from_slice::<Value>(&good).expect("json"),
    }))
    .expect("json");
    let e = merge(
        Some(&good),
        &conflict,
        &good,
        std::slice::from_ref(&k),
        &age,
        t(5),
    )
    .expect_err("conflict");
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e:?}");
    // The MAC holds but a data key does not open: the side is named.
    let damaged = remaced(&good, &k, |v| {
        v["keys"]["k1"] = wrapped_key(&key(&base()), "k1", &[9; 32]);
    });
    let e = merge(
        Some(&good),
        &good,
        &damaged,
        std::slice::from_ref(&k),
        &age,
        t(5),
    )
    .expect_err("k1");
    assert!(matches!(e, Error::MergeMac { side: "theirs" }), "{e:?}");
    // What a session is asked for: each side's key id, once.
    let ids = agent_secrets_core::merge_config::wanted_key_ids(&good, &good);
    assert_eq!(ids, [k.id()]);
    let other = key(&base());
    let ids = agent_secrets_core::merge_config::wanted_key_ids(&good, &config_of_key(&other));
    assert_eq!(ids, [k.id(), other.id()]);
    assert!(agent_secrets_core::merge_config::wanted_key_ids(b"{", b"[").is_empty());
    // Not a conflict document at all.
    let e = agent_secrets_core::merge_config::conflict_sides(b"garbage").expect_err("no");
    assert_eq!(e.kind(), ErrorKind::Integrity);
    // The password path with no side that parses.
    let e = keys_from_password(&b, &[b"{".as_slice()], &Password::from(OWNER_PW), t(5))
        .expect_err("nothing parses");
    assert_eq!(e.kind(), ErrorKind::Integrity);
}

/// A config.json whose vault key is `key` (a new vault's, written again).
fn config_of_key(key: &VaultKey) -> Vec<u8> {
    let v: Value = serde_json::from_slice(&config(&base())).expect("json");
    let mut v = v;
    v["vault_key_id"] = json!(key.id());
    serde_json::to_vec(&v).expect("json")
}

#[test]
fn edits_only_a_key_holder_could_make_follow_the_same_rules() {
    let b = base();
    let k = key(&b);
    let base_bytes = config(&b);
    // A recipient removed without a rotation on one side, unchanged on the other: removed.
    let no_bob = remaced(&base_bytes, &k, |v| {
        v["recipients"].as_object_mut().expect("r").remove("bob");
    });
    let (one, two) = both(
        Some(&base_bytes),
        &no_bob,
        &base_bytes,
        std::slice::from_ref(&k),
    )
    .expect("ok");
    for m in [merged(one), merged(two)] {
        assert_eq!(recipients(&m.config), ["owner"]);
    }
    // Each side removing the other's last recipient: a merged file without
    // any recipient would break a rule, so it is a conflict.
    let no_owner = remaced(&base_bytes, &k, |v| {
        v["recipients"].as_object_mut().expect("r").remove("owner");
    });
    let (one, two) = both(
        Some(&base_bytes),
        &no_bob,
        &no_owner,
        std::slice::from_ref(&k),
    )
    .expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        assert!(
            reasons[0].starts_with("the merged config.json would break a rule"),
            "{reasons:?}"
        );
    }
    // A mapping removed on one side.
    let with_map = {
        let s = branch(&b);
        open(&s)
            .set_user_mapping(
                &sn("openai"),
                &kn("api_key"),
                Some(&[agent_secrets_core::VarName::parse("OPENAI_KEY_2").expect("var")]),
                t(3),
            )
            .expect("map");
        config(&s)
    };
    let without = remaced(&with_map, &k, |v| {
        v.as_object_mut().expect("o").remove("env");
    });
    let (one, two) = both(
        Some(&with_map),
        &without,
        &with_map,
        std::slice::from_ref(&k),
    )
    .expect("ok");
    for m in [merged(one), merged(two)] {
        assert!(parse_config(&m.config).expect("ok").env.is_empty());
    }
    // Two data keys on one side (a rotation left half done), one on the
    // other, and active keys that differ: without a base, conflicts.
    let two_keys = remaced(&base_bytes, &k, |v| {
        v["keys"]["k2"] = wrapped_key(&k, "k2", &[2; 32]);
        v["active_key"] = json!("k2");
    });
    let (one, two) = both(None, &base_bytes, &two_keys, std::slice::from_ref(&k)).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(
            reasons,
            [
                "data key 'k2': on one side only, and no common base tells an addition from a removal",
                "active_key: changed differently on both sides"
            ]
        );
    }
    // With the base, the added key is kept and made active; a key that
    // differs between the sides under one id is a conflict.
    let (one, _) = both(
        Some(&base_bytes),
        &base_bytes,
        &two_keys,
        std::slice::from_ref(&k),
    )
    .expect("ok");
    let m = merged(one);
    assert_eq!(m.pending_keys, ["k1"]);
    let other_k2 = remaced(&base_bytes, &k, |v| {
        v["keys"]["k2"] = wrapped_key(&k, "k2", &[3; 32]);
        v["active_key"] = json!("k2");
    });
    let (one, _) = both(
        Some(&base_bytes),
        &other_k2,
        &two_keys,
        std::slice::from_ref(&k),
    )
    .expect("ok");
    assert_eq!(
        conflicts(one),
        ["data key 'k2': different on the two sides"]
    );
}

#[test]
fn across_a_rotation_the_edges_hold_too() {
    let b = base();
    let (rot, other) = (branch(&b), branch(&b));
    let age = FakeAge::default();
    open(&rot)
        .remove_recipient(&kn("bob"), &age, t(3), &mut |_, _| {})
        .expect("remove bob");
    let (kb, kr) = (key(&b), key(&rot));
    let keys = [kb.clone(), kr.clone()];
    let base_bytes = config(&b);
    // A password recipient added on the other side is wrapped for the
    // rotated key and opens with their password.
    open(&other)
        .add_password_recipient(&kn("dave"), &Password::from(DAVE_PW), 100_000, t(3))
        .expect("dave");
    let m = merged(
        merge(
            Some(&base_bytes),
            &config(&rot),
            &config(&other),
            &keys,
            &age,
            t(5),
        )
        .expect("ok"),
    );
    let store = with_config(&rot, &m.config);
    assert_eq!(
        get(
            &Vault::unlock(&store, &Password::from(DAVE_PW), t(6)).expect("dave"),
            "api_key"
        ),
        VALUE
    );
    // The same name added differently on both sides: a conflict.
    let (r2, o2) = (branch(&rot), branch(&b));
    open(&r2)
        .add_age_recipient(&kn("carol"), &age_key('q'), &age, t(4))
        .expect("carol");
    open(&o2)
        .add_age_recipient(&kn("carol"), &age_key('p'), &age, t(4))
        .expect("carol");
    let (one, two) = both(Some(&base_bytes), &config(&r2), &config(&o2), &keys).expect("ok");
    for reasons in [conflicts(one), conflicts(two)] {
        assert_eq!(
            reasons,
            ["recipient 'carol': added, changed or removed differently on both sides"]
        );
    }
    // A recipient the other side removed (without rotating) is removed.
    let no_owner_but_bob = remaced(&base_bytes, &kb, |v| {
        v["recipients"]["carol"] = v["recipients"]["owner"].clone();
        v["recipients"].as_object_mut().expect("r").remove("owner");
    });
    let m = merged(
        merge(
            Some(&base_bytes),
            &config(&rot),
            &no_owner_but_bob,
            &keys,
            &age,
            t(5),
        )
        .expect("ok"),
    );
    assert_eq!(recipients(&m.config), ["carol"]);
    // A data key both sides hold under one id with different bytes.
    let forged_k2 = remaced(&base_bytes, &kb, |v| {
        v["keys"]["k2"] = wrapped_key(&kb, "k2", &[5; 32]);
    });
    let outcome = merge(
        Some(&base_bytes),
        &config(&rot),
        &forged_k2,
        &keys,
        &age,
        t(5),
    )
    .expect("ok");
    assert_eq!(
        conflicts(outcome),
        ["data key 'k2': different on the two sides"]
    );
    // A planted low-order public key on the other side stops the merge.
    let low_order = remaced(&base_bytes, &kb, |v| {
        v["recipients"]["eve"] = v["recipients"]["bob"].clone();
        v["recipients"]["eve"]["public_key"] =
            json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    });
    let e = merge(
        Some(&base_bytes),
        &config(&rot),
        &low_order,
        &keys,
        &age,
        t(5),
    )
    .expect_err("low order");
    assert!(
        matches!(&e, Error::InvalidRecipientKey { recipient, .. } if recipient == "eve"),
        "{e:?}"
    );
}
