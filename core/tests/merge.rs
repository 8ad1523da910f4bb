//! Merging `config.json` and resolving on a store (core/src/merge.rs,
//! docs/format.md §3.3 and §6.1), with real vaults: one side changed is
//! taken, both changed is a config conflict document that every reader
//! refuses, and either side taken whole opens with its own recipients.

use agent_secrets_core::format::CONFIG_FILE;
use agent_secrets_core::merge::{self, MergeOutcome, Resolved, Side};
use agent_secrets_core::{
    list, status, Error, ErrorKind, InitOptions, KeyName, MemoryStore, Password, ServiceName,
    Store, Timestamp, Vault,
};

const OWNER_PW: &str = "Owner-Merge-Battery-1";
const BOB_PW: &str = "Bob-Merge-Battery-22";
const CAROL_PW: &str = "Carol-Merge-Battery-3";

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}

fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A vault with one secret, and a copy of its documents (the other branch).
fn two_branches() -> (MemoryStore, MemoryStore) {
    let store = MemoryStore::new();
    let options = InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    };
    let v = Vault::init(&store, &Password::from(OWNER_PW), &options, t(0)).expect("init");
    v.set(
        &sn("stripe"),
        &kn("secret_key"),
        &"sk-fake-base".into(),
        t(1),
    )
    .expect("set");
    let other = MemoryStore::from_documents(store.documents());
    (store, other)
}

fn config(store: &MemoryStore) -> Vec<u8> {
    store.read(CONFIG_FILE).expect("read").expect("config")
}

fn add(store: &MemoryStore, name: &str, password: &str, at: i64) {
    let mut v = Vault::unlock(store, &Password::from(OWNER_PW), t(at)).expect("unlock");
    v.add_password_recipient(&kn(name), &Password::from(password), 100_000, t(at))
        .expect("add");
}

#[test]
fn config_changed_on_one_side_is_taken_on_both_a_conflict_document() {
    let (ours, theirs) = two_branches();
    let base = config(&ours);
    add(&theirs, "bob", BOB_PW, 10);
    // Only their side changed: theirs, byte for byte; and the other way round.
    let their_config = config(&theirs);
    assert_eq!(
        merge::merge_file(CONFIG_FILE, Some(&base), &base, &their_config),
        MergeOutcome::Clean(their_config.clone())
    );
    assert_eq!(
        merge::merge_file(CONFIG_FILE, Some(&base), &their_config, &base),
        MergeOutcome::Clean(their_config.clone())
    );
    // The same content in another layout counts as unchanged.
    let compact =
        serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(&base).expect("json"))
            .expect("json");
    assert_eq!(
        merge::merge_file(CONFIG_FILE, Some(&base), &compact, &their_config),
        MergeOutcome::Clean(their_config.clone())
    );
    // Both changed: the driver's hook.
    add(&ours, "carol", CAROL_PW, 11);
    let our_config = config(&ours);
    assert_eq!(
        merge::merge_file(CONFIG_FILE, Some(&base), &our_config, &their_config),
        MergeOutcome::ConfigBothChanged
    );
    let MergeOutcome::Conflict(doc) =
        merge::config_conflict(Some(&base), &our_config, &their_config)
    else {
        panic!("a conflict document");
    };
    // Every reader refuses it, before any password is tried.
    ours.write(CONFIG_FILE, &doc).expect("write");
    let e = Vault::unlock(&ours, &Password::from(OWNER_PW), t(12)).expect_err("refused");
    assert!(matches!(e, Error::ConfigConflict), "{e}");
    assert_eq!(e.kind(), ErrorKind::Conflict);
    assert_eq!(e.kind().code(), "CONFLICT");
    assert!(
        e.to_string()
            .contains("agent secret resolve --config --ours"),
        "{e}"
    );
    assert!(matches!(list(&ours, None), Err(Error::ConfigConflict)));
    assert!(matches!(status(&ours), Err(Error::ConfigConflict)));
    // A service document is not a config resolve.
    assert!(matches!(
        merge::resolve(&ours, &sn("stripe"), &kn("secret_key"), Side::Ours),
        Err(Error::NotInConflict { .. })
    ));
    // Take theirs whole: bob opens, carol does not; the MAC verifies.
    let saved = ours.documents();
    merge::resolve_config_in(&ours, Side::Theirs).expect("resolve");
    let v = Vault::unlock(&ours, &Password::from(BOB_PW), t(13)).expect("bob");
    assert_eq!(
        v.get(&sn("stripe"), &kn("secret_key"))
            .expect("get")
            .expose(),
        "sk-fake-base"
    );
    assert!(matches!(
        Vault::unlock(&ours, &Password::from(CAROL_PW), t(14)),
        Err(Error::WrongPassword { .. })
    ));
    assert!(matches!(
        merge::resolve_config_in(&ours, Side::Ours),
        Err(Error::ConfigNotInConflict)
    ));
    // Or ours: carol opens.
    let again = MemoryStore::from_documents(saved);
    merge::resolve_config_in(&again, Side::Ours).expect("resolve");
    Vault::unlock(&again, &Password::from(CAROL_PW), t(15)).expect("carol");
}

#[test]
fn a_config_side_that_does_not_parse_is_never_taken() {
    let (ours, _) = two_branches();
    let base = config(&ours);
    let markers = b"<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> x\n";
    for (o, t) in [(&base[..], &markers[..]), (&markers[..], &base[..])] {
        let MergeOutcome::Unmergeable(out) = merge::merge_file(CONFIG_FILE, Some(&base), o, t)
        else {
            panic!("merged");
        };
        assert!(agent_secrets_core::format::parse_config(&out).is_err());
        assert_eq!(
            merge::unresolved(CONFIG_FILE, &out),
            Some(merge::Unresolved::Markers)
        );
    }
    // The conflict document needs both sides to parse.
    for (o, t) in [(&base[..], &markers[..]), (&markers[..], &base[..])] {
        let outcome = merge::config_conflict(None, o, t);
        assert!(
            matches!(outcome, MergeOutcome::Unmergeable(_)),
            "{outcome:?}"
        );
    }
    assert_eq!(
        merge::merge_file("audit.log", None, &base, &base),
        MergeOutcome::NotAVaultFile
    );
    assert_eq!(
        merge::merge_file("state.json", None, &base, &base),
        MergeOutcome::NotAVaultFile
    );
}

#[test]
fn resolve_on_a_store_writes_under_the_lock_and_removes_an_empty_file() {
    let (ours, theirs) = two_branches();
    let file = "stripe.json";
    let base = ours.read(file).expect("read").expect("doc");
    let v = Vault::unlock(&ours, &Password::from(OWNER_PW), t(2)).expect("unlock");
    v.set(
        &sn("stripe"),
        &kn("secret_key"),
        &"sk-fake-ours".into(),
        t(3),
    )
    .expect("set");
    let w = Vault::unlock(&theirs, &Password::from(OWNER_PW), t(2)).expect("unlock");
    w.delete(&sn("stripe"), &kn("secret_key")).expect("delete");
    // Their side deleted the only key (the file is gone there): git passes
    // an empty file; as a document it is an empty service.
    let empty =
        br#"{"format":"agent-secrets/service","version":1,"service":"stripe","secrets":{}}"#;
    let ours_doc = ours.read(file).expect("read").expect("doc");
    let MergeOutcome::Conflict(doc) = merge::merge_file(file, Some(&base), &ours_doc, empty) else {
        panic!("changed against deleted is a conflict");
    };
    ours.write(file, &doc).expect("write");
    let (services, problems) = list(&ours, None).expect("list");
    assert!(services.is_empty());
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind(), ErrorKind::Conflict);
    assert!(matches!(
        v.get(&sn("stripe"), &kn("secret_key")),
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        v.set(&sn("stripe"), &kn("other"), &"sk-fake-no".into(), t(4)),
        Err(Error::Conflict { .. })
    ));
    // Ours (the changed value) on a copy: a normal document again, read.
    let copy = MemoryStore::from_documents(ours.documents());
    let kept = merge::resolve(&copy, &sn("stripe"), &kn("secret_key"), Side::Ours).expect("ours");
    assert!(matches!(kept, Resolved::Service(_)), "{kept:?}");
    let c = Vault::unlock(&copy, &Password::from(OWNER_PW), t(5)).expect("unlock");
    assert_eq!(
        c.get(&sn("stripe"), &kn("secret_key"))
            .expect("get")
            .expose(),
        "sk-fake-ours"
    );
    assert_eq!(
        merge::resolve(&ours, &sn("stripe"), &kn("secret_key"), Side::Theirs).expect("resolve"),
        Resolved::Remove
    );
    assert!(ours.read(file).expect("read").is_none());
    assert!(!ours.is_locked());
    assert!(matches!(
        merge::resolve(&ours, &sn("stripe"), &kn("secret_key"), Side::Ours),
        Err(Error::ServiceNotFound { .. })
    ));
}
