//! Black-box tests of the vault folder's rules (docs/format.md §2,
//! "Ownership and file types"; core `files`): what someone who can write
//! the folder plants there — a link, a FIFO, a folder, a huge file, a
//! group-writable or foreign file — is refused with a message that names
//! it and the fix, at once (never a hang), and nothing outside the folder
//! changes. Every child runs under a watchdog, so a hang fails the test
//! instead of stopping the suite.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Project, Run};

/// Longer than any of these commands takes; shorter than forever.
const WATCHDOG: Duration = Duration::from_secs(60);
/// The uid of `nobody` on Debian.
const NOBODY: u32 = 65534;

/// Runs `c`; kills it by its pid and fails if it has not finished within
/// [`WATCHDOG`].
fn bounded(mut c: Command) -> Run {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().expect("spawn agent");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(WATCHDOG) {
        Ok(out) => out.expect("wait").into(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("agent did not return within {WATCHDOG:?}: it hung");
        }
    }
}

fn run(p: &Project, args: &[&str]) -> Run {
    let mut c = p.command();
    c.args(args);
    bounded(c)
}

fn run_env(p: &Project, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut c = p.command();
    c.args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    bounded(c)
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), None).expect("chown");
}

/// The regular files of a folder and their bytes; other entries by type
/// (reading a FIFO would hang the test itself).
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in fs::read_dir(dir).expect("read_dir").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let meta = fs::symlink_metadata(e.path()).expect("lstat");
        let bytes = if meta.is_file() {
            fs::read(e.path()).expect("read")
        } else {
            format!("not a file: {:o}", meta.mode()).into_bytes()
        };
        out.insert(name, bytes);
    }
    out
}

/// A vault with two services.
fn vault() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", "sk-fake-folder-rules-1");
    p.set("stripe", "secret_key", "sk-fake-folder-rules-2");
    p
}

#[test]
fn an_audit_log_link_is_not_written_through() {
    let p = vault();
    let outside = p.root.path().join("outside.txt");
    fs::write(&outside, b"precious\n").expect("write");
    let log = p.vault().join("audit.log");
    fs::remove_file(&log).expect("rm");
    std::os::unix::fs::symlink(&outside, &log).expect("link");
    for args in [
        &["secret", "get", "openai", "api_key"][..],
        &[
            "secret",
            "set",
            "openai",
            "api_key",
            "--value",
            "sk-fake-new",
        ][..],
        &["secret", "list"][..],
    ] {
        let r = run(&p, args);
        assert!(
            r.stderr.contains(
                "warning: the audit line was not written: .agent/secrets/audit.log is a symbolic link, not a regular file"
            ),
            "{args:?} {r:?}"
        );
        assert!(r.stderr.contains("Fix: remove it"), "{r:?}");
    }
    assert_eq!(fs::read(&outside).expect("read"), b"precious\n");
    assert!(fs::symlink_metadata(&log)
        .expect("lstat")
        .file_type()
        .is_symlink());
}

#[test]
fn a_fifo_as_the_lock_fails_a_write_at_once() {
    let p = vault();
    let lock = p.vault().join(".lock");
    mkfifo(&lock);
    let before = files_of(&p.vault());
    let r = run_env(
        &p,
        &["secret", "set", "openai", "api_key", "--value", "sk-fake-x"],
        &[("AGENT_SECRETS_LOCK_TIMEOUT_MS", "500")],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            ".agent/secrets/.lock is a FIFO (named pipe), not a regular file; it was not opened for reading or writing. Fix: remove it (`rm .agent/secrets/.lock`)"
        ),
        "{r:?}"
    );
    assert!(files_of(&p.vault()) == before, "the folder changed");
    // A link as the lock, even one to nowhere: the same, and nothing is
    // created where it points.
    fs::remove_file(&lock).expect("rm");
    let target = p.root.path().join("planted");
    std::os::unix::fs::symlink(&target, &lock).expect("link");
    let r = run_env(
        &p,
        &["secret", "delete", "openai", "api_key"],
        &[("AGENT_SECRETS_LOCK_TIMEOUT_MS", "500")],
    );
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains(".agent/secrets/.lock is a symbolic link, not a regular file"),
        "{r:?}"
    );
    assert!(!target.exists());
    // Every unlock counts its attempt under the lock, so reads need it too:
    // with the planted link gone, the secret is still there.
    fs::remove_file(&lock).expect("rm");
    assert_eq!(p.get("openai", "api_key").code, 0, "not deleted");
}

/// Puts `kind` in place of `name`: a FIFO, a link to a valid copy outside
/// the folder, or a folder.
fn plant(p: &Project, name: &str, kind: &str) {
    let path = p.vault().join(name);
    let copy = p.root.path().join(format!("copy-of-{name}"));
    fs::copy(&path, &copy).expect("copy");
    fs::remove_file(&path).expect("rm");
    match kind {
        "fifo" => mkfifo(&path),
        "link" => std::os::unix::fs::symlink(&copy, &path).expect("link"),
        "folder" => fs::create_dir(&path).expect("mkdir"),
        _ => unreachable!("{kind}"),
    }
}

#[test]
fn documents_that_are_not_regular_files_are_refused_by_name() {
    let cases = [
        ("fifo", "a FIFO (named pipe)"),
        ("link", "a symbolic link"),
        ("folder", "a folder"),
    ];
    for name in ["config.json", "openai.json"] {
        for (kind, words) in cases {
            let p = vault();
            plant(&p, name, kind);
            let r = run(&p, &["secret", "get", "openai", "api_key", "--show"]);
            assert_eq!(r.code, 1, "{name} {kind}: {r:?}");
            let expected =
                format!(".agent/secrets/{name} is {words}, not a regular file; it was not opened");
            assert!(r.stderr.contains(&expected), "{name} {kind}: {r:?}");
            assert!(!r.stdout.contains("sk-fake"), "{r:?}");
        }
    }
}

#[test]
fn list_reports_a_service_document_that_is_not_a_file_and_lists_the_others() {
    let p = vault();
    plant(&p, "stripe.json", "fifo");
    let r = run(&p, &["secret", "list", "--json"]);
    assert_eq!(r.code, 6, "{r:?}");
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["service"], "openai");
    assert!(
        r.stderr
            .contains("error: .agent/secrets/stripe.json is a FIFO (named pipe)"),
        "{r:?}"
    );
}

#[test]
fn documents_over_their_cap_are_refused_without_reading() {
    let cases = [
        (
            "config.json",
            (1u64 << 20) + 1,
            "1048577 bytes, more than the 1048576 bytes config.json may hold",
        ),
        (
            "openai.json",
            (256u64 << 20) + 1,
            "268435457 bytes, more than the 268435456 bytes a service document may hold",
        ),
    ];
    for (name, size, words) in cases {
        let p = vault();
        // Sparse: no disk is used, but the size is what stat reports.
        fs::File::options()
            .write(true)
            .open(p.vault().join(name))
            .and_then(|f| f.set_len(size))
            .expect("grow");
        let r = run(&p, &["secret", "get", "openai", "api_key"]);
        assert_eq!(r.code, 1, "{name}: {r:?}");
        assert!(
            r.stderr.contains(&format!(
                ".agent/secrets/{name} is {words}; it was not read"
            )),
            "{name}: {r:?}"
        );
        assert!(
            r.stderr
                .contains(&format!("restore .agent/secrets/{name} from a backup")),
            "{r:?}"
        );
    }
}

#[test]
fn a_folder_or_file_writable_by_others_is_refused_with_the_chmod() {
    let p = vault();
    let before = files_of(&p.vault());
    chmod(&p.vault(), 0o777);
    let r = run(&p, &["secret", "get", "openai", "api_key"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            ".agent/secrets/ is writable by group and others (mode 0777): another user could replace what agent secrets reads. Fix: `chmod 700 .agent/secrets/`."
        ),
        "{r:?}"
    );
    // The folder refused: not even an audit line was appended.
    assert!(files_of(&p.vault()) == before, "the folder changed");
    chmod(&p.vault(), 0o700);
    chmod(&p.vault().join("openai.json"), 0o666);
    let r = run(&p, &["secret", "get", "openai", "api_key"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains(".agent/secrets/openai.json is writable by group and others (mode 0666)")
            && r.stderr
                .contains("Fix: `chmod 600 .agent/secrets/openai.json`."),
        "{r:?}"
    );
    chmod(&p.vault().join("openai.json"), 0o620);
    let r = run(&p, &["secret", "get", "openai", "api_key"]);
    assert!(
        r.stderr.contains("is writable by its group (mode 0620)"),
        "{r:?}"
    );
    // Only the audit log changed: the refusals are recorded as failures.
    let mut after = files_of(&p.vault());
    let log = String::from_utf8(after.remove("audit.log").expect("log")).expect("utf8");
    let mut expected = before.clone();
    expected.remove("audit.log");
    assert!(after == expected, "a document changed");
    assert_eq!(
        log.lines()
            .filter(|l| l.contains(
                r#""operation":"get","service":"openai","key":"api_key","status":"failed""#
            ))
            .count(),
        2,
        "{log}"
    );
    chmod(&p.vault().join("openai.json"), 0o600);
    assert_eq!(p.get("openai", "api_key").code, 0);
}

#[test]
fn a_folder_or_file_owned_by_another_user_is_refused_with_the_chown() {
    let p = vault();
    let before = files_of(&p.vault());
    chown(&p.vault(), NOBODY);
    let r = run(&p, &["secret", "list"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            ".agent/secrets/ is owned by uid 65534, not by you (uid 0) or root: its owner could change what agent secrets reads. Fix: `chown -R 0 .agent/secrets/` (as root)"
        ),
        "{r:?}"
    );
    chown(&p.vault(), 0);
    chown(&p.vault().join("config.json"), NOBODY);
    let r = run(&p, &["secret", "get", "openai", "api_key"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(
            ".agent/secrets/config.json is owned by uid 65534, not by you (uid 0) or root"
        ) && r
            .stderr
            .contains("Fix: `chown 0 .agent/secrets/config.json` (as root)"),
        "{r:?}"
    );
    assert!(files_of(&p.vault()) == before, "the folder changed");
}

/// `agent` run as `nobody` (setpriv, util-linux), with no password.
fn as_nobody(p: &Project, args: &[&str]) -> Run {
    let mut c = Command::new("setpriv");
    c.args([
        &format!("--reuid={NOBODY}"),
        &format!("--regid={NOBODY}"),
        "--clear-groups",
        "--",
        common::agent_bin(),
    ])
    .args(args)
    .current_dir(p.root.path())
    .env_clear()
    .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    bounded(c)
}

#[test]
fn a_vault_owned_by_root_is_accepted_for_another_user_one_of_a_third_is_not() {
    let p = vault();
    // Let nobody reach and read a vault root owns (never writable by it).
    chmod(p.root.path(), 0o755);
    chmod(&p.root.path().join(".agent"), 0o755);
    chmod(&p.vault(), 0o755);
    for entry in fs::read_dir(p.vault()).expect("read_dir").flatten() {
        chmod(&entry.path(), 0o644);
    }
    let r = as_nobody(&p, &["secret", "list", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    let listed: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    // The same vault owned by a third user (uid 1000): refused for nobody.
    for entry in fs::read_dir(p.vault()).expect("read_dir").flatten() {
        chown(&entry.path(), 1000);
    }
    chown(&p.vault(), 1000);
    let r = as_nobody(&p, &["secret", "list", "--json"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr.contains(&format!(
            ".agent/secrets/ is owned by uid 1000, not by you (uid {NOBODY}) or root"
        )),
        "{r:?}"
    );
}

#[test]
fn init_refuses_a_folder_with_user_files_and_keeps_them() {
    let p = Project::new();
    fs::create_dir_all(p.vault()).expect("mkdir");
    chmod(&p.vault(), 0o700);
    let users = [
        ("notes.tmp.txt", &b"my notes"[..]),
        ("openai.json.tmp.0011223344556677", &b"mine too"[..]),
    ];
    for (name, bytes) in users {
        fs::write(p.vault().join(name), bytes).expect("write");
    }
    let r = run(&p, &["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "The folder is not empty (notes.tmp.txt, openai.json.tmp.0011223344556677); init creates a vault only in an empty folder and removes nothing."
        ),
        "{r:?}"
    );
    let after = files_of(&p.vault());
    assert_eq!(after.len(), 2, "{:?}", after.keys());
    for (name, bytes) in users {
        assert_eq!(after[name], bytes, "{name}");
    }
    // Someone else's .gitignore counts as a user file too.
    let p = Project::new();
    fs::create_dir_all(p.vault()).expect("mkdir");
    fs::write(p.vault().join(".gitignore"), b"node_modules\n").expect("write");
    let r = run(&p, &["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(
        fs::read(p.vault().join(".gitignore")).expect("kept"),
        b"node_modules\n"
    );
}

#[test]
fn init_works_in_an_empty_folder_and_after_a_half_finished_init() {
    let p = Project::new();
    fs::create_dir_all(p.vault()).expect("mkdir");
    chmod(&p.vault(), 0o700);
    let r = run(&p, &["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(p.vault().join("config.json").is_file());

    // What an init killed after its .gitignore leaves: that file and a temp
    // file of ours. The next init goes ahead and sweeps the temp file.
    let p = Project::new();
    fs::create_dir_all(p.vault()).expect("mkdir");
    chmod(&p.vault(), 0o700);
    fs::write(p.vault().join(".gitignore"), b"*\n!.gitignore\n").expect("write");
    fs::write(p.vault().join(".agent-tmp-0011223344556677"), b"half").expect("write");
    let r = run(&p, &["secret", "init", "--iterations", "100000"]);
    assert_eq!(r.code, 0, "{r:?}");
    let names: Vec<String> = files_of(&p.vault()).into_keys().collect();
    assert_eq!(
        names,
        [".gitignore", "audit.log", "config.json", "state.json"]
    );
}

#[test]
fn preflight_reports_planted_entries_without_hanging() {
    let p = vault();
    plant(&p, "audit.log", "fifo");
    plant(&p, "openai.json", "link");
    chown(&p.vault(), NOBODY);
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .args(["preflight", "--json"]);
    let r = bounded(c);
    assert_eq!(r.code, 8, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let check = |name: &str| {
        v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == name)
            .cloned()
            .expect("check")
    };
    let folder = check("folder_mode");
    assert_eq!(folder["status"], "fail");
    assert!(
        folder["detail"]
            .as_str()
            .expect("detail")
            .contains("is owned by uid 65534"),
        "{folder}"
    );
    assert_eq!(
        folder["fix"],
        "`chown -R 0 .agent/secrets/` (as root), or use a vault of your own"
    );
    assert_eq!(folder["fixable"], false);
    let files = check("file_modes");
    let detail = files["detail"].as_str().expect("detail");
    assert!(
        detail.contains(".agent/secrets/audit.log is a FIFO (named pipe)")
            && detail.contains(".agent/secrets/openai.json is a symbolic link"),
        "{files}"
    );
    assert_eq!(files["fixable"], false);
    assert_eq!(check("audit_chain")["status"], "fail");
    assert_eq!(check("service_files")["status"], "fail");
    // --fix does not chmod through the link or touch the foreign folder.
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .args(["preflight", "--json", "--fix"]);
    let r = bounded(c);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(
        fs::metadata(p.root.path().join("copy-of-openai.json"))
            .expect("stat")
            .mode()
            & 0o777,
        0o600
    );
}
