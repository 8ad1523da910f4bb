//! `config.json` changed on two branches of a shared vault, merged
//! three-way by the core (core/src/merge_config.rs): by the merge driver
//! when a session of the vault is open, else left as a config conflict
//! document that `agent secret resolve --config` merges with the
//! password, finishing the rotation when one branch removed someone.
//! Real git, a bare repository and a clone per person.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::Run;
use crate::team::{add_password, origin, team_of_owner, Person, BOB_PW, OWNER_PW};

const CAROL_PW: &str = "Carol-Config-Battery-33";
const DAVE_PW: &str = "Dave-Config-Battery-44";
const LATE: &str = "sk-test-late-value";

/// `git merge origin/main` in `person`'s clone, with their runtime
/// folder (where their session's socket is) in git's environment, which
/// the merge driver inherits.
fn merge_origin(person: &Person) -> Run {
    person.git(&["fetch", "-q", "origin"]);
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(["merge", "--no-edit", "origin/main"])
        .current_dir(&person.clone)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", person.home.path())
        .env("XDG_RUNTIME_DIR", person.home.path().join("run"))
        .env_remove("AGENT_SECRETS_PASSWORD")
        .stdin(Stdio::null())
        .output()
        .expect("git")
        .into()
}

fn git_setup(person: &Person) {
    let r = person.run(None, &["secret", "git-setup"]);
    assert_eq!(r.code, 0, "{r:?}");
}

fn commit(person: &Person, message: &str, push: bool) {
    person.git(&["add", "-A", "."]);
    person.git(&["commit", "-q", "-m", message]);
    if push {
        person.git(&["push", "-q", "origin", "HEAD:main"]);
    }
}

fn expect_value(person: &Person, password: &str, service: &str, key: &str, value: &str) {
    let r = person.get(Some(password), service, key);
    assert_eq!((r.code, r.stdout.trim()), (0, value), "{password}: {r:?}");
}

fn config(person: &Person) -> serde_json::Value {
    let text =
        std::fs::read_to_string(person.clone.join(".agent/secrets/config.json")).expect("config");
    serde_json::from_str(&text).expect("json")
}

fn recipient_names(person: &Person) -> Vec<String> {
    config(person)["recipients"]
        .as_object()
        .expect("recipients")
        .keys()
        .cloned()
        .collect()
}

fn last_audit_line(person: &Person) -> serde_json::Value {
    let log = std::fs::read_to_string(person.clone.join(".agent/secrets/audit.log")).expect("log");
    serde_json::from_str(log.lines().last().expect("a line")).expect("json")
}

/// Ends a person's session when the test ends, whatever happens.
struct SessionOf<'p>(&'p Person);

impl Drop for SessionOf<'_> {
    fn drop(&mut self) {
        let _ = self.0.run(None, &["secret", "lock"]);
    }
}

/// The owner's shared vault with bob, the driver set up in both clones.
fn team() -> (tempfile::TempDir, Person, Person) {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    git_setup(&owner);
    commit(&owner, "shared vault with its merge driver", true);
    let bob = Person::new(origin.path(), false);
    git_setup(&bob);
    (origin, owner, bob)
}

#[test]
fn recipients_added_on_two_branches_merge_in_the_driver_with_a_session_open() {
    let (_origin, owner, bob) = team();
    assert_eq!(add_password(&owner, OWNER_PW, "carol", CAROL_PW).code, 0);
    commit(&owner, "carol joins", true);
    assert_eq!(add_password(&bob, BOB_PW, "dave", DAVE_PW).code, 0);
    commit(&bob, "dave joins", false);

    let r = bob.run(Some(BOB_PW), &["secret", "unlock"]);
    assert_eq!(r.code, 0, "{r:?}");
    let _session = SessionOf(&bob);
    let r = merge_origin(&bob);
    assert_eq!(r.code, 0, "a clean merge: {r:?}");
    assert!(
        r.stderr
            .contains("merged config.json with the open session's key"),
        "{r:?}"
    );
    assert_eq!(config(&bob)["format"], "agent-secrets/config");
    assert_eq!(recipient_names(&bob), ["bob", "carol", "dave", "owner"]);
    let line = last_audit_line(&bob);
    assert_eq!(
        (&line["operation"], &line["status"], &line["auth"]),
        (
            &serde_json::json!("config_merge"),
            &serde_json::json!("success"),
            &serde_json::json!("session")
        ),
        "{line}"
    );
    assert!(line["mac"].is_string(), "{line}");
    drop(_session);

    let r = bob.run(None, &["secret", "audit", "--verify"]);
    assert_eq!(r.code, 0, "{r:?}");
    // git made the merge commit: the merged config.json is in it.
    bob.git(&["push", "-q", "origin", "HEAD:main"]);
    owner.pull();
    for password in [OWNER_PW, BOB_PW, CAROL_PW, DAVE_PW] {
        expect_value(&owner, password, "openai", "api_key", "sk-test-one");
        expect_value(&bob, password, "stripe", "secret_key", "sk-test-two");
    }
}

#[test]
fn without_a_session_the_conflict_is_merged_by_resolve_config_with_the_password() {
    let (_origin, owner, bob) = team();
    assert_eq!(add_password(&owner, OWNER_PW, "carol", CAROL_PW).code, 0);
    commit(&owner, "carol joins", true);
    assert_eq!(add_password(&bob, BOB_PW, "dave", DAVE_PW).code, 0);
    commit(&bob, "dave joins", false);
    let r = merge_origin(&bob);
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(config(&bob)["format"], "agent-secrets/config-conflict");

    // A wrong password is counted and changes nothing.
    let r = bob.run(
        Some("Wrong-Config-Battery-00"),
        &["secret", "resolve", "--config"],
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(config(&bob)["format"], "agent-secrets/config-conflict");
    // A side is still needed for a service key.
    let r = bob.run(None, &["secret", "resolve", "stripe", "secret_key"]);
    assert_eq!(r.code, 2, "{r:?}");

    let r = bob.run(Some(BOB_PW), &["secret", "resolve", "--config"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("config.json: both sides merged"), "{r:?}");
    assert_eq!(recipient_names(&bob), ["bob", "carol", "dave", "owner"]);
    let line = last_audit_line(&bob);
    assert_eq!(line["operation"], "config_merge", "{line}");
    assert_eq!(line["status"], "success", "{line}");
    assert!(line.get("auth").is_none(), "the password: {line}");
    assert!(line["mac"].is_string(), "{line}");
    for password in [OWNER_PW, BOB_PW, CAROL_PW, DAVE_PW] {
        expect_value(&bob, password, "openai", "api_key", "sk-test-one");
    }
    commit(&bob, "merged: carol and dave", true);
    owner.pull();
    for password in [CAROL_PW, DAVE_PW] {
        expect_value(&owner, password, "stripe", "secret_key", "sk-test-two");
    }
    // Nothing left to merge.
    let r = owner.run(Some(OWNER_PW), &["secret", "resolve", "--config"]);
    assert_eq!(r.code, 3, "{r:?}");
}

#[test]
fn one_branch_removes_bob_while_another_sets_a_value_and_the_merge_keeps_it_from_bob() {
    let (origin, owner, bob) = team();
    assert_eq!(add_password(&owner, OWNER_PW, "carol", CAROL_PW).code, 0);
    commit(&owner, "carol joins", true);
    bob.pull();
    let carol = Person::new(origin.path(), false);
    git_setup(&carol);

    // The owner removes bob (a rotation) and pushes.
    let r = owner.run(Some(OWNER_PW), &["secret", "recipients", "remove", "bob"]);
    assert_eq!(r.code, 0, "{r:?}");
    commit(&owner, "bob leaves", true);
    // Meanwhile carol sets a value and maps it (config.json changes on her branch too).
    carol.set(Some(CAROL_PW), "stripe", "late", LATE);
    let r = carol.run(
        Some(CAROL_PW),
        &["secret", "env", "--map", "stripe/late=STRIPE_LATE"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    commit(&carol, "a late value", false);

    // A session holds one vault key: across a rotation the driver leaves
    // the conflict document.
    let r = carol.run(Some(CAROL_PW), &["secret", "unlock"]);
    assert_eq!(r.code, 0, "{r:?}");
    let session = SessionOf(&carol);
    let r = merge_origin(&carol);
    assert_ne!(r.code, 0, "{r:?}");
    assert_eq!(config(&carol)["format"], "agent-secrets/config-conflict");
    drop(session);
    // The service file merged entry by entry (the late value, the
    // re-encrypted others); config.json is merged with the password, which
    // opens both sides' vault keys (carol is a recipient of both).
    let r = carol.run(Some(CAROL_PW), &["secret", "resolve", "--config"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("k1 of ours were wrapped again under the vault key of theirs"),
        "{r:?}"
    );
    assert!(
        r.stdout.contains("The rotation is finished: 1 value(s)"),
        "{r:?}"
    );
    assert_eq!(recipient_names(&carol), ["carol", "owner"]);
    let keys: Vec<String> = config(&carol)["keys"]
        .as_object()
        .expect("keys")
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys.len(), 1, "the old data key is dropped: {keys:?}");
    let stripe =
        std::fs::read_to_string(carol.clone.join(".agent/secrets/stripe.json")).expect("stripe");
    let stripe: serde_json::Value = serde_json::from_str(&stripe).expect("json");
    for (key, entry) in stripe["secrets"].as_object().expect("secrets") {
        assert_eq!(entry["key_id"], serde_json::json!(keys[0]), "{key}");
    }
    for password in [OWNER_PW, CAROL_PW] {
        expect_value(&carol, password, "stripe", "late", LATE);
        expect_value(&carol, password, "openai", "api_key", "sk-test-one");
    }
    let r = carol.run(Some(CAROL_PW), &["secret", "env"]);
    assert!(r.stdout.contains("STRIPE_LATE"), "{r:?}");
    let r = carol.get(Some(BOB_PW), "stripe", "late");
    assert_eq!(r.code, 4, "bob's password opens nothing: {r:?}");
    commit(&carol, "merged: late value after bob left", true);

    // Bob kept his clone from before the removal: with his old config.json
    // and the new service files, nothing opens.
    carol_files_into(&carol, &bob);
    for (service, key) in [
        ("stripe", "late"),
        ("openai", "api_key"),
        ("stripe", "secret_key"),
    ] {
        let r = bob.get(Some(BOB_PW), service, key);
        assert_ne!(r.code, 0, "{service}/{key}: {r:?}");
        assert!(!r.stdout.contains("sk-test"), "{r:?}");
    }
}

/// Copies the service files of `from`'s vault over `to`'s, keeping `to`'s
/// own `config.json`.
fn carol_files_into(from: &Person, to: &Person) {
    let src = from.clone.join(".agent/secrets");
    let dst = to.clone.join(".agent/secrets");
    for entry in std::fs::read_dir(&src).expect("list") {
        let name = entry.expect("entry").file_name();
        let name = name.to_str().expect("utf8");
        if name.ends_with(".json") && name != "config.json" && name != "state.json" {
            copy(&src.join(name), &dst.join(name));
        }
    }
}

fn copy(from: &Path, to: &Path) {
    std::fs::write(to, std::fs::read(from).expect("read")).expect("write");
}

#[test]
fn an_identity_unlock_says_auth_identity_in_its_audit_line_and_can_start_a_session() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let (key, flag, public) = crate::team::age_identity(owner.home.path());
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "carol", flag, &public],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let key = key.to_str().expect("utf8");
    // No password in the environment: the identity opens.
    let r = owner.run(
        None,
        &[
            "--identity",
            key,
            "secret",
            "get",
            "openai",
            "api_key",
            "--show",
        ],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
    let line = last_audit_line(&owner);
    assert_eq!(
        (&line["operation"], &line["auth"]),
        (&serde_json::json!("get"), &serde_json::json!("identity")),
        "{line}"
    );
    assert!(line["mac"].is_string(), "{line}");
    // The password's lines say nothing.
    owner.set(Some(OWNER_PW), "openai", "org_id", "org-test");
    assert!(last_audit_line(&owner).get("auth").is_none());
    // An identity starts a session, which then serves without a password.
    let r = owner.run(None, &["--identity", key, "secret", "unlock"]);
    assert_eq!(r.code, 0, "{r:?}");
    let _session = SessionOf(&owner);
    assert_eq!(last_audit_line(&owner)["auth"], "identity");
    let r = owner.get(None, "openai", "org_id");
    assert_eq!((r.code, r.stdout.trim()), (0, "org-test"), "{r:?}");
    assert_eq!(last_audit_line(&owner)["auth"], "session");
    let r = owner.run(None, &["secret", "audit", "--verify"]);
    assert_eq!(r.code, 0, "{r:?}");
}
