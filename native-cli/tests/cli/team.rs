//! Team vaults end to end: several people, each in their own clone of one
//! git repository with their own HOME, open one shared vault with their own
//! password, SSH key or age key (docs/team.md).

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{agent_bin, run_stdin, Run};

pub(crate) const OWNER_PW: &str = "Owner-Horse-Battery-11";
pub(crate) const BOB_PW: &str = "Bob-Horse-Battery-22";

/// One person: a HOME of their own and a clone of the shared repository.
pub(crate) struct Person {
    pub(crate) home: tempfile::TempDir,
    pub(crate) clone: PathBuf,
}

pub(crate) fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(Stdio::null())
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Person {
    pub(crate) fn new(origin: &Path, init: bool) -> Self {
        let home = tempfile::tempdir().expect("home");
        let clone = home.path().join("project");
        if init {
            std::fs::create_dir(&clone).expect("mkdir");
            git(&clone, &["init", "-q", "-b", "main"]);
            git(
                &clone,
                &["remote", "add", "origin", origin.to_str().expect("utf8")],
            );
        } else {
            git(
                home.path(),
                &["clone", "-q", origin.to_str().expect("utf8"), "project"],
            );
        }
        Self { home, clone }
    }

    pub(crate) fn command(&self, password: Option<&str>) -> Command {
        let mut c = Command::new(agent_bin());
        c.current_dir(&self.clone)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("XDG_RUNTIME_DIR", self.home.path().join("run"))
            .env("AGENT_SECRETS_LOCK_TIMEOUT_MS", "20000")
            .stdin(Stdio::null());
        if let Some(p) = password {
            c.env("AGENT_SECRETS_PASSWORD", p);
        }
        c
    }

    pub(crate) fn run(&self, password: Option<&str>, args: &[&str]) -> Run {
        let mut c = self.command(password);
        c.args(args);
        run_stdin(c, None)
    }

    pub(crate) fn run_env(
        &self,
        password: Option<&str>,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Run {
        let mut c = self.command(password);
        c.args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        run_stdin(c, None)
    }

    pub(crate) fn set(&self, password: Option<&str>, service: &str, key: &str, value: &str) {
        let mut c = self.command(password);
        c.args(["secret", "set", service, key, "--value-stdin"]);
        let r = run_stdin(c, Some(value));
        assert_eq!(r.code, 0, "{r:?}");
    }

    pub(crate) fn get(&self, password: Option<&str>, service: &str, key: &str) -> Run {
        self.run(password, &["secret", "get", service, key, "--show"])
    }

    pub(crate) fn git(&self, args: &[&str]) {
        git(&self.clone, args);
    }

    pub(crate) fn commit_and_push(&self, message: &str) {
        self.git(&["add", "-A", ".agent/secrets"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["push", "-q", "origin", "HEAD:main"]);
    }

    pub(crate) fn pull(&self) {
        self.git(&["pull", "-q", "--ff-only", "origin", "main"]);
    }

    /// An SSH ed25519 key pair in `~/.ssh/id_ed25519` (ssh-keygen when the
    /// machine has it, else an age X25519 identity in `~/age.txt`): the
    /// private key's path and the flag and value `recipients add` takes.
    pub(crate) fn make_key(&self) -> (PathBuf, &'static str, String) {
        let ssh = self.home.path().join(".ssh");
        std::fs::create_dir_all(&ssh).expect("mkdir");
        let key = ssh.join("id_ed25519");
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "test-key", "-f"])
            .arg(&key)
            .stdin(Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success());
        if made {
            let public = format!("{}.pub", key.display());
            return (key, "--ssh-key", public);
        }
        age_identity(self.home.path())
    }
}

/// An age X25519 identity file (0600) made with the age crate: its path,
/// and `--age` with its public key.
pub(crate) fn age_identity(dir: &Path) -> (PathBuf, &'static str, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let path = dir.join("age.txt");
    std::fs::write(&path, identity.to_string().expose_secret()).expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    (path, "--age", identity.to_public().to_string())
}

pub(crate) fn origin() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("origin");
    git(dir.path(), &["init", "-q", "--bare", "-b", "main"]);
    dir
}

/// The owner's clone with a shared vault holding two values, pushed.
pub(crate) fn team_of_owner(origin: &Path) -> Person {
    let owner = Person::new(origin, true);
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "init", "--shared", "--iterations", "100000"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-one");
    owner.set(Some(OWNER_PW), "stripe", "secret_key", "sk-test-two");
    owner
}

pub(crate) fn add_password(by: &Person, by_pw: &str, name: &str, new_pw: &str) -> Run {
    by.run_env(
        Some(by_pw),
        &[
            "secret",
            "recipients",
            "add",
            name,
            "--password",
            "--iterations",
            "100000",
        ],
        &[("AGENT_SECRETS_NEW_PASSWORD", new_pw)],
    )
}

#[test]
fn three_people_with_a_password_an_ssh_key_and_an_age_key_each_read_every_value() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let carol_home = tempfile::tempdir().expect("home");
    let dave_home = tempfile::tempdir().expect("home");
    // Keys made by the people themselves; only the public halves travel.
    let carol_probe = Person {
        home: carol_home,
        clone: PathBuf::new(),
    };
    let (carol_key, carol_flag, carol_public) = carol_probe.make_key();
    let (dave_key, dave_flag, dave_public) = age_identity(dave_home.path());
    assert_eq!(dave_flag, "--age");

    let r = add_password(&owner, OWNER_PW, "bob", BOB_PW);
    assert_eq!(r.code, 0, "{r:?}");
    for (name, flag, public) in [
        ("carol", carol_flag, &carol_public),
        ("dave", dave_flag, &dave_public),
    ] {
        let r = owner.run(
            Some(OWNER_PW),
            &["secret", "recipients", "add", name, flag, public],
        );
        assert_eq!(r.code, 0, "{r:?}");
    }
    let r = owner.run(None, &["secret", "recipients", "list", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let list: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let names: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["bob", "carol", "dave", "owner"]);
    owner.commit_and_push("shared vault");

    let bob = Person::new(origin.path(), false);
    let carol = Person {
        clone: {
            let p = Person::new(origin.path(), false);
            let clone = carol_probe.home.path().join("project");
            std::fs::rename(&p.clone, &clone).expect("move clone");
            clone
        },
        home: carol_probe.home,
    };
    let dave = Person::new(origin.path(), false);
    for (service, key, value) in [
        ("openai", "api_key", "sk-test-one"),
        ("stripe", "secret_key", "sk-test-two"),
    ] {
        let r = bob.get(Some(BOB_PW), service, key);
        assert_eq!((r.code, r.stdout.trim()), (0, value), "{r:?}");
        // No password at all: the SSH key in ~/.ssh (or the age file) opens it.
        let r = if carol_flag == "--ssh-key" {
            carol.get(None, service, key)
        } else {
            carol.run(
                None,
                &[
                    "secret",
                    "get",
                    service,
                    key,
                    "--show",
                    "--identity",
                    carol_key.to_str().expect("utf8"),
                ],
            )
        };
        assert_eq!((r.code, r.stdout.trim()), (0, value), "{r:?}");
        let r = dave.run_env(
            None,
            &["secret", "get", service, key, "--show"],
            &[("AGENT_SECRETS_IDENTITY", dave_key.to_str().expect("utf8"))],
        );
        assert_eq!((r.code, r.stdout.trim()), (0, value), "{r:?}");
    }
    // A value one of them sets reaches the others through git.
    dave.run_env(None, &["secret", "list"], &[]);
    let mut c = dave.command(None);
    c.args(["secret", "set", "openai", "org_id", "--value-stdin"])
        .env("AGENT_SECRETS_IDENTITY", &dave_key);
    let r = run_stdin(c, Some("org-test-3"));
    assert_eq!(r.code, 0, "{r:?}");
    dave.commit_and_push("dave sets org_id");
    bob.pull();
    let r = bob.get(Some(BOB_PW), "openai", "org_id");
    assert_eq!((r.code, r.stdout.trim()), (0, "org-test-3"), "{r:?}");
    // The audit lines of the changes name the recipient, never a key.
    let audit =
        std::fs::read_to_string(owner.clone.join(".agent/secrets/audit.log")).expect("audit");
    for name in ["bob", "carol", "dave"] {
        assert!(
            audit.contains(&format!(
                "\"operation\":\"recipient_add\",\"key\":\"{name}\""
            )),
            "{audit}"
        );
    }
    let body = |k: &str| k.split_whitespace().nth(1).unwrap_or(k).to_owned();
    let carol_line = std::fs::read_to_string(&carol_public).unwrap_or(carol_public.clone());
    assert!(!audit.contains(&body(&carol_line)));
    assert!(!audit.contains(&dave_public));
    // state.json and audit.log stay out of git.
    let tracked = Command::new("git")
        .args(["ls-files", ".agent/secrets"])
        .current_dir(&owner.clone)
        .output()
        .expect("git");
    let tracked = String::from_utf8_lossy(&tracked.stdout).into_owned();
    assert!(
        tracked.contains("config.json") && tracked.contains("openai.json"),
        "{tracked}"
    );
    assert!(
        !tracked.contains("state.json") && !tracked.contains("audit.log"),
        "{tracked}"
    );
    // preflight in a clone: a shared vault's tracked files are expected.
    let r = bob.run(None, &["preflight", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let git_check = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "git_tracked")
        .expect("git_tracked");
    assert_eq!(git_check["status"], "ok", "{report}");
}

#[test]
fn removing_a_recipient_rotates_and_their_old_identity_opens_nothing_set_after() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let bob_home = tempfile::tempdir().expect("home");
    let (bob_key, flag, public) = age_identity(bob_home.path());
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "bob", flag, &public],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let r = add_password(&owner, OWNER_PW, "carol", BOB_PW);
    assert_eq!(r.code, 0, "{r:?}");
    owner.commit_and_push("team");
    let bob = Person::new(origin.path(), false);
    let bob_get = |p: &Person, service: &str, key: &str| {
        p.run_env(
            None,
            &["secret", "get", service, key, "--show"],
            &[("AGENT_SECRETS_IDENTITY", bob_key.to_str().expect("utf8"))],
        )
    };
    let r = bob_get(&bob, "openai", "api_key");
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");

    let before = owner.run(None, &["secret", "status", "--json"]);
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "remove", "bob", "--json"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let summary: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(summary["values_moved"], 2, "{summary}");
    assert_eq!(summary["services"], 2, "{summary}");
    assert_ne!(
        before.stdout,
        owner.run(None, &["secret", "status", "--json"]).stdout
    );
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-after-removal");
    owner.commit_and_push("remove bob, new key");

    // Bob keeps the config.json he could open before the removal.
    let bob_config = bob.clone.join(".agent/secrets/config.json");
    let old_config = std::fs::read(&bob_config).expect("read");
    bob.pull();
    let r = bob_get(&bob, "openai", "api_key");
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("sk-test-after-removal"), "{r:?}");
    assert!(!r.stderr.contains("sk-test"), "{r:?}");
    // His old config.json with the new service files: his identity still
    // opens the old vault key, but the value set after the removal is under
    // a data key that config never held.
    std::fs::write(&bob_config, &old_config).expect("write");
    let r = bob_get(&bob, "openai", "api_key");
    assert_ne!(r.code, 0, "{r:?}");
    assert!(!r.stdout.contains("sk-test-after-removal"), "{r:?}");
    assert!(!r.stderr.contains("sk-test"), "{r:?}");
    bob.git(&["checkout", "--", ".agent/secrets/config.json"]);
    // Bob's old identity opens no wrapping of the new config at all.
    let config: serde_json::Value = serde_json::from_slice(
        &std::fs::read(bob.clone.join(".agent/secrets/config.json")).expect("read"),
    )
    .expect("json");
    assert!(config["recipients"].get("bob").is_none());
    // The others still read everything, the new value included.
    let r = owner.get(Some(OWNER_PW), "openai", "api_key");
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "sk-test-after-removal"),
        "{r:?}"
    );
    let carol = Person::new(origin.path(), false);
    let r = carol.get(Some(BOB_PW), "stripe", "secret_key");
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-two"), "{r:?}");
    let audit =
        std::fs::read_to_string(owner.clone.join(".agent/secrets/audit.log")).expect("audit");
    assert!(
        audit.contains("\"operation\":\"recipient_remove\",\"key\":\"bob\""),
        "{audit}"
    );
    assert!(!audit.contains(&public));
}

#[test]
fn bad_recipients_are_refused_with_exit_2_naming_the_recipient_never_the_key() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let before = common::snapshot(&owner.clone.join(".agent/secrets"));
    let bogus = "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqsxxxxxxx";
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "eve", "--age", bogus],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("'eve'") && !r.stderr.contains(bogus),
        "{r:?}"
    );
    let r = owner.run(
        Some(OWNER_PW),
        &[
            "secret",
            "recipients",
            "add",
            "eve",
            "--age",
            "not-a-key-at-all",
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!r.stderr.contains("not-a-key-at-all"), "{r:?}");
    // An SSH public key file that is not one.
    let file = owner.home.path().join("eve.pub");
    std::fs::write(&file, "ssh-ed25519 AAAA-not-base64 eve\n").expect("write");
    let r = owner.run(
        Some(OWNER_PW),
        &[
            "secret",
            "recipients",
            "add",
            "eve",
            "--ssh-key",
            file.to_str().expect("utf8"),
        ],
    );
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("'eve'") && !r.stderr.contains("AAAA-not-base64"),
        "{r:?}"
    );
    // Nothing changed but the audit trail and the lockout state.
    let mut after = common::snapshot(&owner.clone.join(".agent/secrets"));
    let mut before = before;
    for f in ["audit.log", "state.json"] {
        after.remove(f);
        before.remove(f);
    }
    assert_eq!(after, before);
    // A name twice: exit 2.
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    let r = add_password(&owner, OWNER_PW, "bob", BOB_PW);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("already has a recipient named 'bob'"),
        "{r:?}"
    );
    // Removing an unknown name: 3; the last recipient: refused, 2.
    let r = owner.run(Some(OWNER_PW), &["secret", "recipients", "remove", "zed"]);
    assert_eq!(r.code, 3, "{r:?}");
    let r = owner.run(Some(OWNER_PW), &["secret", "recipients", "remove", "owner"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = owner.run(Some(BOB_PW), &["secret", "recipients", "remove", "bob"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("only recipient"), "{r:?}");
    let r = owner.get(Some(BOB_PW), "openai", "api_key");
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
}

#[test]
fn unusable_identities_are_said_and_skipped_then_the_password_is_asked() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let (key, flag, public) = owner.make_key();
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "laptop", flag, &public],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let key_arg = key.to_str().expect("utf8");
    // Readable by others: skipped with a message (as ssh does), password used.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let r = owner.run(
        Some(OWNER_PW),
        &[
            "secret",
            "get",
            "openai",
            "api_key",
            "--show",
            "--identity",
            key_arg,
        ],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
    assert!(
        r.stderr.contains("readable or writable by group or others"),
        "{r:?}"
    );
    // Without a password it then cannot open: no value, a non-zero exit.
    let r = owner.run(
        None,
        &[
            "secret",
            "get",
            "openai",
            "api_key",
            "--show",
            "--identity",
            key_arg,
        ],
    );
    assert_ne!(r.code, 0, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let r = owner.run(
        None,
        &[
            "secret",
            "get",
            "openai",
            "api_key",
            "--show",
            "--identity",
            key_arg,
        ],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
    // A file that is not an identity, and one that is missing.
    let junk = owner.home.path().join("junk");
    std::fs::write(&junk, "not a key\n").expect("write");
    std::fs::set_permissions(&junk, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let r = owner.run(
        Some(OWNER_PW),
        &[
            "secret",
            "get",
            "openai",
            "api_key",
            "--show",
            "--identity",
            junk.to_str().expect("utf8"),
            "--identity",
            "/nonexistent/key",
        ],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
    assert!(r.stderr.contains("junk is neither"), "{r:?}");
    assert!(
        r.stderr.contains("/nonexistent/key cannot be read"),
        "{r:?}"
    );
}

#[test]
fn an_encrypted_ssh_key_with_a_wrong_passphrase_falls_back_to_the_password() {
    let have_ssh_keygen = Command::new("ssh-keygen")
        .arg("-?")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !have_ssh_keygen {
        return; // an encrypted key needs ssh-keygen; age identities are never encrypted files here
    }
    let origin = origin();
    let owner = team_of_owner(origin.path());
    let key = owner.home.path().join("enc_ed25519");
    let ok = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "Key-Passphrase-7",
            "-C",
            "enc",
            "-f",
        ])
        .arg(&key)
        .status()
        .expect("ssh-keygen")
        .success();
    assert!(ok);
    let public = format!("{}.pub", key.display());
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "recipients", "add", "enc", "--ssh-key", &public],
    );
    assert_eq!(r.code, 0, "{r:?}");
    let args = [
        "secret",
        "get",
        "openai",
        "api_key",
        "--show",
        "--identity",
        key.to_str().expect("utf8"),
    ];
    let r = owner.run_env(
        Some(OWNER_PW),
        &args,
        &[("AGENT_SECRETS_IDENTITY_PASSPHRASE", "wrong-one")],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
    assert!(r.stderr.contains("wrong passphrase"), "{r:?}");
    assert!(!r.stderr.contains("wrong-one"), "{r:?}");
    let r = owner.run_env(
        None,
        &args,
        &[("AGENT_SECRETS_IDENTITY_PASSPHRASE", "Key-Passphrase-7")],
    );
    assert_eq!((r.code, r.stdout.trim()), (0, "sk-test-one"), "{r:?}");
}

#[test]
fn preflight_in_a_shared_vault_finds_a_tracked_audit_log() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    owner.git(&["add", "-f", ".agent/secrets/audit.log"]);
    let r = owner.run(None, &["preflight", "--json"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert!(r.stdout.contains("audit.log"), "{r:?}");
}

#[test]
fn share_turns_a_private_vault_into_a_shared_one() {
    let origin = origin();
    let owner = Person::new(origin.path(), true);
    let r = owner.run(
        Some(OWNER_PW),
        &["secret", "init", "--iterations", "100000"],
    );
    assert_eq!(r.code, 0, "{r:?}");
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-one");
    owner.git(&["add", "-A", "."]);
    let listed = |p: &Person| {
        let out = Command::new("git")
            .args([
                "ls-files",
                "--cached",
                "--others",
                "--exclude-standard",
                ".agent",
            ])
            .current_dir(&p.clone)
            .output()
            .expect("git");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(listed(&owner).trim(), ".agent/secrets/.gitignore");
    let r = owner.run(None, &["secret", "share"]);
    assert_eq!(r.code, 0, "{r:?}");
    let files = listed(&owner);
    assert!(
        files.contains("config.json") && files.contains("openai.json"),
        "{files}"
    );
    assert!(
        !files.contains("state.json") && !files.contains("audit.log"),
        "{files}"
    );
}

#[test]
fn a_service_file_left_with_conflict_markers_is_refused_never_half_read() {
    let origin = origin();
    let owner = team_of_owner(origin.path());
    assert_eq!(add_password(&owner, OWNER_PW, "bob", BOB_PW).code, 0);
    owner.commit_and_push("team");
    let bob = Person::new(origin.path(), false);
    // The same key set on both sides, then merged by git's text merge.
    owner.set(Some(OWNER_PW), "openai", "api_key", "sk-test-owner-side");
    owner.commit_and_push("owner's value");
    bob.set(Some(BOB_PW), "openai", "api_key", "sk-test-bob-side");
    bob.git(&["add", "-A", ".agent/secrets"]);
    bob.git(&["commit", "-q", "-m", "bob's value"]);
    bob.git(&["fetch", "-q", "origin"]);
    let merged = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.invalid"])
        .args(["merge", "-q", "--no-edit", "origin/main"])
        .current_dir(&bob.clone)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", &bob.clone)
        .stdin(Stdio::null())
        .output()
        .expect("git");
    assert!(!merged.status.success(), "the text merge conflicts");
    let file = bob.clone.join(".agent/secrets/openai.json");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("<<<<<<<"), "{text}");
    for (password, who) in [(BOB_PW, "bob"), (OWNER_PW, "owner")] {
        let r = bob.get(Some(password), "openai", "api_key");
        assert_eq!(r.code, 6, "{who}: {r:?}");
        assert!(r.stdout.is_empty(), "{who}: {r:?}");
        assert!(r.stderr.contains("openai.json"), "{who}: {r:?}");
        assert!(!r.stderr.contains("sk-test"), "{who}: {r:?}");
        // The other service is untouched and still reads.
        let r = bob.get(Some(password), "stripe", "secret_key");
        assert_eq!(
            (r.code, r.stdout.trim()),
            (0, "sk-test-two"),
            "{who}: {r:?}"
        );
    }
    // The file is left as git left it.
    assert_eq!(std::fs::read_to_string(&file).expect("read"), text);
    // Resolved the git way: one side's file whole, then it reads again.
    bob.git(&["checkout", "--theirs", ".agent/secrets/openai.json"]);
    let r = bob.get(Some(BOB_PW), "openai", "api_key");
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "sk-test-owner-side"),
        "{r:?}"
    );
}
