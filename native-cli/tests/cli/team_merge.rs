//! Team vaults merged through git: the merge driver (`secret
//! merge-driver`, installed by `secret git-setup`), `secret resolve`, and
//! what a clone without the driver gets. Real git, a bare repository and a
//! clone per person, each with their own password or age key.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::Run;
use crate::team::{add_password, age_identity, origin, team_of_owner, Person, BOB_PW, OWNER_PW};

const CAROL_PW: &str = "Carol-Horse-Battery-33";
const DAVE_PW: &str = "Dave-Horse-Battery-44";

/// git in `dir` as the team tests run it, without asserting success.
fn git_run(dir: &Path, args: &[&str]) -> Run {
    git_run_env(dir, args, &[])
}

fn git_run_env(dir: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Run {
    let mut c = Command::new("git");
    c.args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::null());
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("git").into()
}

impl Person {
    fn git_setup(&self) -> Run {
        let r = self.run(None, &["secret", "git-setup"]);
        assert_eq!(r.code, 0, "{r:?}");
        r
    }

    /// Commits everything (the vault and `.gitattributes`) and pushes.
    fn commit_all_and_push(&self, message: &str) {
        self.git(&["add", "-A", "."]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["push", "-q", "origin", "HEAD:main"]);
    }

    fn commit_local(&self, message: &str) {
        self.git(&["add", "-A", "."]);
        self.git(&["commit", "-q", "-m", message]);
    }

    /// Fetches and merges origin/main into the current branch.
    fn merge_origin(&self) -> Run {
        self.git(&["fetch", "-q", "origin"]);
        git_run(&self.clone, &["merge", "--no-edit", "origin/main"])
    }

    fn vault_file(&self, name: &str) -> String {
        std::fs::read_to_string(self.clone.join(".agent/secrets").join(name)).expect("read")
    }

    fn expect_value(&self, password: Option<&str>, service: &str, key: &str, value: &str) {
        let r = self.get(password, service, key);
        assert_eq!(
            (r.code, r.stdout.trim()),
            (0, value),
            "{service}/{key}: {r:?}"
        );
    }

    fn delete(&self, password: Option<&str>, service: &str, key: &str) {
        let r = self.run(password, &["secret", "delete", service, key]);
        assert_eq!(r.code, 0, "{r:?}");
    }
}

/// The owner's shared vault (openai/api_key, stripe/secret_key and
/// stripe/webhook), bob as a password recipient, the driver set up in the
/// owner's clone and `.gitattributes` committed; bob's clone, set up too.
fn team_with_driver() -> (tempfile::TempDir, Person, Person) {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    owner.set(Some(OWNER_PW), "stripe", "webhook", "whsec-test-base");
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    owner.git_setup();
    owner.commit_all_and_push("shared vault with its merge driver");
    let bob = Person::new(origin.path(), false);
    let r = bob.git_setup();
    assert!(
        r.stdout.contains(".gitattributes already names the driver"),
        "{r:?}"
    );
    (origin, owner, bob)
}

/// Every reader refuses the service in conflict, naming the file, the
/// keys and `resolve`, never a value; the other service still reads.
fn assert_refused(person: &Person, password: &str, keys: &str) {
    let checks = [
        person.get(Some(password), "stripe", "secret_key"),
        person.get(Some(password), "stripe", "webhook"),
        person.run(Some(password), &["secret", "list"]),
        person.run(Some(password), &["secret", "export", "stripe"]),
    ];
    for r in checks {
        assert_eq!(r.code, 6, "{r:?}");
        assert!(
            r.stderr.contains(&format!(
                "stripe.json: unresolved merge: {keys} changed differently on two branches"
            )) && r.stderr.contains("agent secret resolve stripe KEY --ours"),
            "{r:?}"
        );
        assert!(
            !r.stdout.contains("sk-") && !r.stderr.contains("sk-"),
            "{r:?}"
        );
        assert!(
            !r.stdout.contains("whsec") && !r.stderr.contains("whsec"),
            "{r:?}"
        );
    }
    let mut c = person.command(Some(password));
    c.args(["secret", "set", "stripe", "other", "--value-stdin"]);
    let r = crate::common::run_stdin(c, Some("sk-test-not-stored"));
    assert_eq!(r.code, 6, "{r:?}");
    person.expect_value(Some(password), "openai", "api_key", "sk-test-one");
}

#[test]
fn edits_to_different_keys_of_one_service_merge_and_every_person_reads_both() {
    let (origin, owner, bob) = team_with_driver();
    // carol opens the vault with an age key of her own.
    let carol = Person::new(origin.path(), false);
    let (carol_key, flag, public) = age_identity(carol.home.path());
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "carol", flag, &public],
    );
    assert_eq!(r.code, 0, "{r:?}");
    owner.commit_all_and_push("carol");
    bob.pull();
    carol.pull();
    carol.git_setup();

    owner.set(Some(OWNER_PW), "stripe", "secret_key", "sk-test-owner-2");
    owner.commit_all_and_push("owner rotates the stripe key");
    bob.set(Some(BOB_PW), "stripe", "webhook", "whsec-test-bob-2");
    bob.set(Some(BOB_PW), "stripe", "publishable", "pk-test-bob");
    bob.commit_local("bob changes the webhook secret");
    let r = bob.merge_origin();
    assert_eq!(r.code, 0, "{r:?}");
    assert!(!bob.vault_file("stripe.json").contains("<<<<<<<"));
    bob.git(&["push", "-q", "origin", "HEAD:main"]);
    owner.pull();
    carol.pull();
    let carol_id = carol_key.to_str().expect("utf8");
    for (service, key, value) in [
        ("stripe", "secret_key", "sk-test-owner-2"),
        ("stripe", "webhook", "whsec-test-bob-2"),
        ("stripe", "publishable", "pk-test-bob"),
        ("openai", "api_key", "sk-test-one"),
    ] {
        bob.expect_value(Some(BOB_PW), service, key, value);
        owner.expect_value(Some(OWNER_PW), service, key, value);
        let r = carol.run_env(
            None,
            &["secret", "get", service, key, "--show"],
            &[("AGENT_SECRETS_IDENTITY", carol_id)],
        );
        assert_eq!((r.code, r.stdout.trim()), (0, value), "{r:?}");
    }
    // A clean merge leaves nothing for preflight's merge checks (a clone's
    // modes are git's, another finding).
    let r = bob.run(None, &["preflight", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    for name in ["merge_conflicts", "merge_driver", "service_files", "config"] {
        let check = report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == name)
            .expect("check");
        assert_eq!(check["status"], "ok", "{report}");
    }
}

#[test]
fn the_same_key_changed_on_both_branches_is_a_conflict_resolved_with_ours() {
    let (_origin, owner, bob) = team_with_driver();
    owner.set(Some(OWNER_PW), "stripe", "secret_key", "sk-test-owner-side");
    owner.commit_all_and_push("owner's value");
    bob.set(Some(BOB_PW), "stripe", "secret_key", "sk-test-bob-side");
    bob.commit_local("bob's value");
    let r = bob.merge_origin();
    assert_ne!(r.code, 0, "git reports the conflict: {r:?}");
    assert!(
        r.stderr
            .contains("1 key(s) changed differently on both branches (secret_key)"),
        "{r:?}"
    );
    let text = bob.vault_file("stripe.json");
    assert!(text.contains("agent-secrets/service-conflict"), "{text}");
    assert!(!text.contains("<<<<<<<"), "{text}");
    for password in [BOB_PW, OWNER_PW] {
        assert_refused(&bob, password, "'secret_key'");
    }
    let r = bob.run(None, &["preflight"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stdout
            .contains("stripe.json is an unresolved merge of secret_key")
            && r.stdout.contains("agent secret resolve stripe KEY --ours"),
        "{r:?}"
    );

    // Not a key in conflict: refused, nothing changed.
    let r = bob.run(None, &["secret", "resolve", "stripe", "webhook", "--ours"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("no unresolved merge for 'webhook'"),
        "{r:?}"
    );
    assert_eq!(bob.vault_file("stripe.json"), text);

    let r = bob.run(
        None,
        &["secret", "resolve", "stripe", "secret_key", "--ours"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("stripe/secret_key: took our side"),
        "{r:?}"
    );
    bob.expect_value(Some(BOB_PW), "stripe", "secret_key", "sk-test-bob-side");
    bob.expect_value(Some(BOB_PW), "stripe", "webhook", "whsec-test-base");
    bob.expect_value(Some(BOB_PW), "openai", "api_key", "sk-test-one");
    let audit = bob.vault_file("audit.log");
    assert!(
        audit.contains(
            "\"operation\":\"resolve_ours\",\"service\":\"stripe\",\"key\":\"secret_key\",\"status\":\"success\""
        ),
        "{audit}"
    );
    bob.commit_all_and_push("merged");
    owner.pull();
    owner.expect_value(Some(OWNER_PW), "stripe", "secret_key", "sk-test-bob-side");
    owner.expect_value(Some(OWNER_PW), "stripe", "webhook", "whsec-test-base");
}

#[test]
fn changed_against_deleted_is_a_conflict_too_resolved_with_theirs() {
    let (_origin, owner, bob) = team_with_driver();
    owner.set(Some(OWNER_PW), "stripe", "webhook", "whsec-test-owner-2");
    owner.set(Some(OWNER_PW), "stripe", "secret_key", "sk-test-owner-2");
    owner.commit_all_and_push("owner's changes");
    bob.delete(Some(BOB_PW), "stripe", "webhook");
    bob.set(Some(BOB_PW), "stripe", "secret_key", "sk-test-bob-2");
    bob.commit_local("bob's changes");
    let r = bob.merge_origin();
    assert_ne!(r.code, 0, "{r:?}");
    assert_refused(&bob, BOB_PW, "'secret_key', 'webhook'");
    // One resolved, one left: still refused, naming what is left.
    let r = bob.run(
        None,
        &["secret", "resolve", "stripe", "webhook", "--theirs"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("still in conflict: secret_key"), "{r:?}");
    assert_refused(&bob, BOB_PW, "'secret_key'");
    let r = bob.run(
        None,
        &["secret", "resolve", "stripe", "secret_key", "--theirs"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    // Their changed value came back over our deletion: nothing lost.
    bob.expect_value(Some(BOB_PW), "stripe", "webhook", "whsec-test-owner-2");
    bob.expect_value(Some(BOB_PW), "stripe", "secret_key", "sk-test-owner-2");
    bob.expect_value(Some(BOB_PW), "openai", "api_key", "sk-test-one");
    let audit = bob.vault_file("audit.log");
    assert!(
        audit.contains(
            "\"operation\":\"resolve_theirs\",\"service\":\"stripe\",\"key\":\"webhook\""
        ),
        "{audit}"
    );
}

#[test]
fn recipients_added_on_two_branches_leave_a_config_conflict_resolved_whole() {
    let (_origin, owner, bob) = team_with_driver();
    assert_eq!(add_password(&owner, OWNER_PW, "carol", CAROL_PW).code, 0);
    owner.commit_all_and_push("carol joins");
    assert_eq!(add_password(&bob, BOB_PW, "dave", DAVE_PW).code, 0);
    bob.commit_local("dave joins");
    let r = bob.merge_origin();
    assert_ne!(r.code, 0, "{r:?}");
    let text = bob.vault_file("config.json");
    assert!(text.contains("agent-secrets/config-conflict"), "{text}");
    for args in [
        &["secret", "get", "openai", "api_key"][..],
        &["secret", "list"][..],
        &["secret", "status"][..],
    ] {
        let r = bob.run(Some(BOB_PW), args);
        assert_eq!(r.code, 6, "{args:?}: {r:?}");
        assert!(
            r.stderr.contains("config.json: unresolved merge")
                && r.stderr.contains("agent secret resolve --config --ours"),
            "{r:?}"
        );
    }
    let r = bob.run(None, &["preflight"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stdout.contains("config.json is an unresolved merge"),
        "{r:?}"
    );

    let r = bob.run(None, &["secret", "resolve", "--config", "--ours"]);
    assert_eq!(r.code, 0, "{r:?}");
    bob.expect_value(Some(BOB_PW), "openai", "api_key", "sk-test-one");
    bob.expect_value(Some(DAVE_PW), "stripe", "secret_key", "sk-test-two");
    // The other side's change is repeated by hand.
    let r = bob.get(Some(CAROL_PW), "openai", "api_key");
    assert_eq!(r.code, 4, "{r:?}");
    assert_eq!(add_password(&bob, BOB_PW, "carol", CAROL_PW).code, 0);
    bob.commit_all_and_push("merged: dave and carol");
    owner.pull();
    for password in [OWNER_PW, BOB_PW, CAROL_PW, DAVE_PW] {
        owner.expect_value(Some(password), "stripe", "webhook", "whsec-test-base");
    }
    // Nothing to resolve any more.
    let r = owner.run(None, &["secret", "resolve", "--config", "--theirs"]);
    assert_eq!(r.code, 3, "{r:?}");
}

/// Owner adds carol and pushes; bob adds dave on his branch: both
/// changed config.json.
fn recipients_added_on_both_branches() -> (tempfile::TempDir, Person, Person) {
    let (origin, owner, bob) = team_with_driver();
    assert_eq!(add_password(&owner, OWNER_PW, "carol", CAROL_PW).code, 0);
    owner.commit_all_and_push("carol joins");
    assert_eq!(add_password(&bob, BOB_PW, "dave", DAVE_PW).code, 0);
    bob.commit_local("dave joins");
    (origin, owner, bob)
}

#[test]
fn a_config_conflict_is_merged_by_resolve_with_the_password() {
    let (_origin, owner, bob) = recipients_added_on_both_branches();
    let r = bob.merge_origin();
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("no session holds this vault's key"),
        "{r:?}"
    );
    assert!(bob
        .vault_file("config.json")
        .contains("agent-secrets/config-conflict"));
    // A wrong password merges nothing.
    let r = bob.run(
        Some("Wrong-Horse-Battery-00"),
        &["secret", "resolve", "--config"],
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert!(bob
        .vault_file("config.json")
        .contains("agent-secrets/config-conflict"));
    let r = bob.run(Some(BOB_PW), &["secret", "resolve", "--config"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("both sides merged"), "{r:?}");
    for password in [OWNER_PW, BOB_PW, CAROL_PW, DAVE_PW] {
        bob.expect_value(Some(password), "stripe", "webhook", "whsec-test-base");
    }
    let audit = bob.vault_file("audit.log");
    let line = audit
        .lines()
        .rfind(|l| l.contains("\"operation\":\"config_merge\""))
        .expect("a config_merge line");
    assert!(
        line.contains("\"status\":\"success\"") && line.contains("\"mac\""),
        "{line}"
    );
    bob.commit_all_and_push("merged: carol and dave");
    owner.pull();
    owner.expect_value(Some(DAVE_PW), "openai", "api_key", "sk-test-one");
}

#[test]
fn with_a_session_open_the_driver_merges_config_changed_on_both_sides() {
    let (_origin, _owner, bob) = recipients_added_on_both_branches();
    let run = bob.home.path().join("run");
    std::fs::create_dir_all(&run).expect("mkdir");
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let r = bob.run(Some(BOB_PW), &["secret", "unlock"]);
    assert_eq!(r.code, 0, "{r:?}");
    bob.git(&["fetch", "-q", "origin"]);
    let r = git_run_env(
        &bob.clone,
        &["merge", "--no-edit", "origin/main"],
        &[("XDG_RUNTIME_DIR", &run)],
    );
    let locked = bob.run(None, &["secret", "lock"]);
    assert_eq!(locked.code, 0, "{locked:?}");
    assert_eq!(r.code, 0, "the driver merged config.json: {r:?}");
    let config = bob.vault_file("config.json");
    assert!(
        config.contains("\"format\": \"agent-secrets/config\""),
        "{config}"
    );
    for password in [OWNER_PW, BOB_PW, CAROL_PW, DAVE_PW] {
        let r = bob.run(
            Some(password),
            &[
                "secret",
                "get",
                "stripe",
                "webhook",
                "--show",
                "--no-session",
            ],
        );
        assert_eq!((r.code, r.stdout.trim()), (0, "whsec-test-base"), "{r:?}");
    }
}

#[test]
fn a_clone_without_the_driver_is_told_by_preflight_and_a_text_merge_is_never_used() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    owner.commit_and_push("shared vault, no driver");
    let bob = Person::new(origin.path(), false);
    let r = bob.run(None, &["preflight", "--json"]);
    assert_eq!(r.code, 8, "{r:?}");
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let check = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "merge_driver")
        .expect("merge_driver")
        .clone();
    assert_eq!(check["status"], "fail", "{report}");
    assert!(
        check["detail"]
            .as_str()
            .expect("detail")
            .contains("the merge driver is not set up in this clone"),
        "{check}"
    );
    assert!(
        check["fix"]
            .as_str()
            .expect("fix")
            .contains("agent secret git-setup"),
        "{check}"
    );
    // git merges the text: conflict markers, refused by every reader.
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-owner-side");
    owner.commit_and_push("owner");
    bob.set(Some(BOB_PW), "openai", "api_key", "sk-test-bob-side");
    bob.commit_local("bob");
    let r = bob.merge_origin();
    assert_ne!(r.code, 0, "{r:?}");
    assert!(bob.vault_file("openai.json").contains("<<<<<<<"));
    let r = bob.get(Some(BOB_PW), "openai", "api_key");
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stdout.is_empty() && !r.stderr.contains("sk-test"),
        "{r:?}"
    );
    let r = bob.run(None, &["preflight"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(
        r.stdout.contains("openai.json has git conflict markers"),
        "{r:?}"
    );
}

#[test]
fn git_setup_is_idempotent_and_needs_a_repository() {
    let (_origin, owner, _bob) = team_with_driver();
    let r = owner.git_setup();
    assert!(r.stdout.contains("unchanged"), "{r:?}");
    let attributes = std::fs::read_to_string(owner.clone.join(".gitattributes")).expect("read");
    assert_eq!(
        attributes, "/.agent/secrets/*.json merge=agent-secrets\n",
        "one line, once"
    );
    let out = git_run(
        &owner.clone,
        &[
            "config",
            "--local",
            "--get-all",
            "merge.agent-secrets.driver",
        ],
    );
    assert_eq!(out.stdout.lines().count(), 1, "{out:?}");
    assert!(
        out.stdout.ends_with("' secret merge-driver %O %A %B %P\n") && out.stdout.starts_with('\''),
        "{out:?}"
    );
    // An existing .gitattributes keeps its lines; the driver's is added once.
    std::fs::write(owner.clone.join(".gitattributes"), "*.png binary").expect("write");
    owner.git_setup();
    owner.git_setup();
    assert_eq!(
        std::fs::read_to_string(owner.clone.join(".gitattributes")).expect("read"),
        "*.png binary\n/.agent/secrets/*.json merge=agent-secrets\n"
    );

    // Outside a repository: exit 2, said.
    let p = crate::common::Project::initialized();
    let r = p.run(&["secret", "git-setup"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("is not in a git repository"), "{r:?}");
}

#[test]
fn a_planted_gitattributes_runs_nothing() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    // A commit names another driver for the vault's files and ours for a
    // file that is not the vault's; a script waits in the repository.
    std::fs::write(
        owner.clone.join(".gitattributes"),
        "/.agent/secrets/*.json merge=pwn\nREADME merge=agent-secrets\n",
    )
    .expect("write");
    std::fs::write(owner.clone.join("README"), "base\n").expect("write");
    std::fs::write(owner.clone.join("pwn.sh"), "touch \"$HOME/../PWNED\"\n").expect("write");
    owner.commit_all_and_push("planted");
    let bob = Person::new(origin.path(), false);
    // bob's git-setup adds our line for the vault after the planted one.
    let r = bob.git_setup();
    assert!(r.stdout.contains("added"), "{r:?}");
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-owner-side");
    std::fs::write(owner.clone.join("README"), "owner\n").expect("write");
    owner.commit_all_and_push("owner");
    bob.set(Some(BOB_PW), "openai", "org_id", "org-test-bob");
    std::fs::write(bob.clone.join("README"), "bob\n").expect("write");
    bob.commit_local("bob");
    let r = bob.merge_origin();
    // README: our driver refuses a file that is not the vault's and leaves
    // our side as it was; git marks it conflicted.
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("README is not a file the merge driver merges"),
        "{r:?}"
    );
    assert_eq!(
        std::fs::read_to_string(bob.clone.join("README")).expect("read"),
        "bob\n"
    );
    // The vault merged with our driver (the later line wins), nothing else ran.
    bob.expect_value(Some(BOB_PW), "openai", "api_key", "sk-test-owner-side");
    bob.expect_value(Some(BOB_PW), "openai", "org_id", "org-test-bob");
    for dir in [bob.home.path(), owner.home.path(), bob.clone.as_path()] {
        assert!(!dir.join("PWNED").exists());
        assert!(!dir.parent().expect("parent").join("PWNED").exists());
    }
    // A clone that did not run git-setup: git merges the vault as text
    // (no `merge.pwn.driver` in its config), and preflight says so.
    let carol = Person::new(origin.path(), false);
    let r = carol.run(None, &["preflight"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stdout.contains("merge_driver"), "{r:?}");
}
