//! Black-box tests of `agent preflight`: one test per kind of damage, each
//! asserting exit 8 and that exactly the expected checks fail.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::{Project, Run};

const CHECKS: [&str; 14] = [
    "folder_mode",
    "file_modes",
    "gitignore",
    "config",
    "alert_command",
    "kdf_iterations",
    "service_files",
    "merge_conflicts",
    "merge_driver",
    "git_tracked",
    "tracked_copies",
    "audit_chain",
    "lock",
    "temp_files",
];

fn mode(path: &std::path::Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

fn chmod(path: &std::path::Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// `preflight --json` without any password source.
fn preflight(p: &Project, extra: &[&str]) -> (Run, serde_json::Value) {
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .args(["preflight", "--json"])
        .args(extra);
    let r: Run = c.output().expect("spawn").into();
    let v = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
    (r, v)
}

fn statuses(v: &serde_json::Value) -> BTreeMap<String, String> {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["check"].as_str().expect("name").to_owned(),
                c["status"].as_str().expect("status").to_owned(),
            )
        })
        .collect()
}

/// Exit 8, and the failing checks are exactly `expected`.
fn assert_fails(p: &Project, expected: &[&str]) -> serde_json::Value {
    let (r, v) = preflight(p, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    let failing: Vec<String> = statuses(&v)
        .into_iter()
        .filter(|(_, s)| s == "fail")
        .map(|(c, _)| c)
        .collect();
    let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(failing, expected, "{}", r.stdout);
    assert_eq!(v["ok"], false);
    assert_eq!(v["problems"], expected.len());
    for c in v["checks"].as_array().expect("checks") {
        assert_eq!(c["status"] == "fail", c.get("fix").is_some(), "{c}");
    }
    assert!(r.stderr.contains("preflight found"), "{r:?}");
    v
}

fn check<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == name)
        .expect("check present")
}

#[test]
fn a_fresh_vault_passes_without_a_password() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-preflight-value-1");
    let (r, v) = preflight(&p, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let names: Vec<&str> = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| c["check"].as_str().expect("name"))
        .collect();
    assert_eq!(names, CHECKS);
    assert_eq!(v["ok"], true);
    assert_eq!(v["problems"], 0);
    assert_eq!(v["dir"], ".agent/secrets/");
    let s = statuses(&v);
    // The temp dir is not in a git repository; a private vault is not merged.
    assert_eq!(s["git_tracked"], "skipped");
    assert_eq!(s["tracked_copies"], "skipped");
    assert_eq!(s["merge_driver"], "skipped");
    assert!(
        s.iter().all(|(c, st)| st == "ok"
            || c == "git_tracked"
            || c == "tracked_copies"
            || c == "merge_driver"),
        "{s:?}"
    );

    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD").arg("preflight");
    let human: Run = c.output().expect("spawn").into();
    assert_eq!(human.code, 0, "{human:?}");
    assert!(human.stdout.contains("All checks passed."), "{human:?}");
    assert!(human.stdout.contains("ok      folder_mode"), "{human:?}");
}

#[test]
fn no_vault_is_exit_7() {
    let p = Project::new();
    let (r, _) = preflight(&p, &[]);
    assert_eq!(r.code, 7, "{r:?}");
    assert!(r.stderr.contains("Vault not initialized"), "{r:?}");
    assert!(!p.vault().exists(), "preflight created the folder");
}

#[test]
fn a_world_readable_file_fails_with_its_chmod() {
    let p = Project::initialized();
    chmod(&p.vault().join("config.json"), 0o644);
    let v = assert_fails(&p, &["file_modes"]);
    let c = check(&v, "file_modes");
    assert_eq!(c["detail"], "config.json is 0644, expected 0600");
    assert_eq!(c["fix"], "chmod 600 .agent/secrets/config.json");
    assert_eq!(c["fixable"], true);
    // Human form: one line, FAIL, with the fix.
    let mut cmd = p.command();
    cmd.arg("preflight");
    let human: Run = cmd.output().expect("spawn").into();
    assert_eq!(human.code, 8);
    let line = human
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .expect("a FAIL line");
    assert!(
        line.contains("file_modes") && line.contains("fix: chmod 600 .agent/secrets/config.json"),
        "{line}"
    );
    assert!(human.stdout.contains("`agent preflight --fix` repairs 1"));
}

#[test]
fn an_open_folder_fails() {
    let p = Project::initialized();
    chmod(&p.vault(), 0o755);
    let v = assert_fails(&p, &["folder_mode"]);
    assert_eq!(
        check(&v, "folder_mode")["detail"],
        ".agent/secrets/ is 0755, expected 0700"
    );
}

#[test]
fn a_missing_or_edited_gitignore_fails() {
    let p = Project::initialized();
    fs::remove_file(p.vault().join(".gitignore")).expect("rm");
    assert_fails(&p, &["gitignore"]);
    fs::write(p.vault().join(".gitignore"), "*\n!.gitignore\n!*.json\n").expect("write");
    chmod(&p.vault().join(".gitignore"), 0o600);
    let v = assert_fails(&p, &["gitignore"]);
    assert!(check(&v, "gitignore")["detail"]
        .as_str()
        .expect("detail")
        .contains("differs"));
}

#[test]
fn a_plaintext_field_in_a_service_file_fails_without_printing_it() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-preflight-value-2");
    let canary = "fake-PLAINTEXT-canary-5d1e";
    let mut doc = p.read_json("openai.json");
    doc["secrets"]["api_key"]["value"] = serde_json::json!(canary);
    p.write_json("openai.json", &doc);
    chmod(&p.vault().join("openai.json"), 0o600);
    let v = assert_fails(&p, &["service_files"]);
    let detail = check(&v, "service_files")["detail"]
        .as_str()
        .expect("detail");
    assert!(
        detail.contains("openai.json") && detail.contains("'api_key'"),
        "{detail}"
    );
    let (r, _) = preflight(&p, &[]);
    assert!(
        !r.stdout.contains(canary) && !r.stderr.contains(canary),
        "{r:?}"
    );

    // An entry stripped of its ciphertext is named too.
    let mut doc = p.read_json("openai.json");
    let entry = doc["secrets"]["api_key"].as_object_mut().expect("entry");
    entry.remove("value");
    entry.remove("ciphertext");
    p.write_json("openai.json", &doc);
    let v = assert_fails(&p, &["service_files"]);
    assert!(check(&v, "service_files")["detail"]
        .as_str()
        .expect("detail")
        .contains("lacks nonce, ciphertext or tag"));
}

#[test]
fn iterations_below_the_floor_fail_read_without_the_password() {
    let p = Project::initialized();
    let mut config = p.read_json("config.json");
    config["recipients"]["owner"]["kdf"]["iterations"] = serde_json::json!(1000);
    p.write_json("config.json", &config);
    chmod(&p.vault().join("config.json"), 0o600);
    // The strict parser refuses the file too, so both checks say so.
    let v = assert_fails(&p, &["kdf_iterations", "config"]);
    let detail = check(&v, "kdf_iterations")["detail"]
        .as_str()
        .expect("detail");
    assert!(detail.contains("1000 PBKDF2 iterations, below the floor of 100000"));
}

#[test]
fn a_vault_file_tracked_by_git_fails() {
    let p = Project::initialized();
    let git = |args: &[&str]| p.git(args);
    git(&["init", "-q", "."]);
    git(&["add", ".agent/secrets/.gitignore"]);
    let (r, v) = preflight(&p, &[]);
    assert_eq!(r.code, 0, ".gitignore itself may be committed: {r:?}");
    assert_eq!(check(&v, "git_tracked")["status"], "ok");
    git(&["add", "-f", ".agent/secrets/config.json"]);
    let v = assert_fails(&p, &["git_tracked"]);
    let c = check(&v, "git_tracked");
    assert_eq!(c["detail"], "git tracks .agent/secrets/config.json");
    assert!(c["fix"]
        .as_str()
        .expect("fix")
        .starts_with("git rm --cached -- .agent/secrets/config.json"));
}

/// `preflight --json` run in `cwd` on the vault folder `dir`.
fn preflight_in(
    p: &Project,
    cwd: &std::path::Path,
    dir: &std::path::Path,
) -> (Run, serde_json::Value) {
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .current_dir(cwd)
        .arg("--dir")
        .arg(dir)
        .args(["preflight", "--json"]);
    let r: Run = c.output().expect("spawn").into();
    let v = serde_json::from_str(&r.stdout).unwrap_or(serde_json::Value::Null);
    (r, v)
}

fn copy_into(from: &std::path::Path, root: &std::path::Path, to: &str) {
    let to = root.join(to);
    fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
    fs::copy(from, to).expect("copy");
}

/// Regression (issue 8): a copy of the vault committed elsewhere in the
/// repository (`git add -f backup/…`) passed preflight.
#[test]
fn a_copy_of_a_vault_tracked_elsewhere_fails_unless_listed_as_a_fixture() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-preflight-value-2");
    let other = Project::initialized();
    other.set("app", "TOKEN", "fake-fixture-value-3");
    // A wrong password writes the lockout state, state.json.
    let r = other.run_with(
        &["secret", "get", "app", "TOKEN"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Password-999")],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    let root = p.root.path();
    p.git(&["init", "-q", "."]);
    copy_into(&p.vault().join("config.json"), root, "backup/config.json");
    copy_into(&p.vault().join("openai.json"), root, "backup/openai.json");
    fs::write(
        root.join("notes.json"),
        "{\"format\": \"something else\"}\n",
    )
    .expect("write");
    p.git(&["add", "notes.json"]);
    // Copies that git does not track are no finding.
    let (r, v) = preflight(&p, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(check(&v, "tracked_copies")["status"], "ok");

    p.git(&["add", "-f", "backup/config.json", "backup/openai.json"]);
    let v = assert_fails(&p, &["tracked_copies"]);
    let c = check(&v, "tracked_copies");
    assert_eq!(
        c["detail"],
        "git tracks documents of the vault format outside the vault folder: \
         backup/config.json (config), backup/openai.json (service)"
    );
    assert!(c["fix"]
        .as_str()
        .expect("fix")
        .starts_with("git rm --cached -- backup/config.json backup/openai.json and commit"));
    // From a subfolder, the paths are given as git takes them from there.
    fs::create_dir(root.join("sub")).expect("mkdir");
    let (r, v) = preflight_in(&p, &root.join("sub"), &p.vault());
    assert_eq!(r.code, 8, "{r:?}");
    assert!(check(&v, "tracked_copies")["fix"]
        .as_str()
        .expect("fix")
        .starts_with("git rm --cached -- ../backup/config.json ../backup/openai.json"));
    // A vault outside the repository (the CI gate's throw-away vault): the
    // repository of the current directory is still checked.
    let (r, v) = preflight_in(&p, root, &other.vault());
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(check(&v, "tracked_copies")["status"], "fail");
    assert_eq!(check(&v, "git_tracked")["status"], "skipped");
    p.git(&[
        "rm",
        "-q",
        "--cached",
        "backup/config.json",
        "backup/openai.json",
    ]);

    // Fixtures of another vault, listed in .agent-secrets-allow: allowed.
    for name in ["config.json", "app.json", "state.json", "audit.log"] {
        copy_into(
            &other.vault().join(name),
            root,
            &format!("fixtures/vault/{name}"),
        );
    }
    p.git(&["add", "-f", "fixtures"]);
    let v = assert_fails(&p, &["tracked_copies"]);
    let detail = check(&v, "tracked_copies")["detail"]
        .as_str()
        .expect("detail")
        .to_owned();
    for kind in [
        "app.json (service)",
        "audit.log (audit)",
        "config.json (config)",
        "state.json (state)",
    ] {
        assert!(
            detail.contains(&format!("fixtures/vault/{kind}")),
            "{detail}"
        );
    }
    fs::write(
        root.join(".agent-secrets-allow"),
        "# test fixtures\nfixtures/vault/\n",
    )
    .expect("write");
    let (r, v) = preflight(&p, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    let c = check(&v, "tracked_copies");
    assert_eq!(c["status"], "ok");
    assert!(
        c["detail"]
            .as_str()
            .expect("detail")
            .ends_with("(4 listed in .agent-secrets-allow)"),
        "{c}"
    );
    // ...but never a copy of this vault's own config.json.
    copy_into(
        &p.vault().join("config.json"),
        root,
        "fixtures/vault/real.json",
    );
    p.git(&["add", "-f", "fixtures/vault/real.json"]);
    let v = assert_fails(&p, &["tracked_copies"]);
    assert!(check(&v, "tracked_copies")["detail"]
        .as_str()
        .expect("detail")
        .starts_with(
            "git tracks documents of the vault format outside the vault folder: \
                      fixtures/vault/real.json (config) (4 listed in .agent-secrets-allow)"
        ));
}

#[test]
fn a_broken_audit_chain_fails() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-preflight-value-3");
    let log = fs::read_to_string(p.vault().join("audit.log")).expect("log");
    let edited = log.replacen("\"status\":\"success\"", "\"status\":\"failed\"", 1);
    assert_ne!(log, edited);
    fs::write(p.vault().join("audit.log"), edited).expect("write");
    let v = assert_fails(&p, &["audit_chain"]);
    assert!(check(&v, "audit_chain")["detail"]
        .as_str()
        .expect("detail")
        .starts_with("audit.log line 2:"));
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .expect("hostname")
        .trim()
        .to_owned()
}

fn utc_now() -> String {
    let out = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

fn write_lock(p: &Project, pid: u32) {
    let holder = serde_json::json!({
        "pid": pid, "host": hostname(), "created_at": utc_now(), "nonce": "00", "tool": "cli"
    });
    fs::write(p.vault().join(".lock"), holder.to_string()).expect("write");
    chmod(&p.vault().join(".lock"), 0o600);
}

#[test]
fn a_stale_lock_and_left_over_temp_files_fail() {
    let p = Project::initialized();
    // A pid above Linux's pid_max ceiling: its holder cannot be alive.
    write_lock(&p, 4_194_304 + 7);
    let v = assert_fails(&p, &["lock"]);
    assert!(check(&v, "lock")["detail"]
        .as_str()
        .expect("detail")
        .contains("no longer running"));
    assert!(p.vault().join(".lock").exists(), "preflight broke the lock");
    fs::remove_file(p.vault().join(".lock")).expect("rm");

    let tmp = p.vault().join(".agent-tmp-0011223344556677");
    fs::write(&tmp, b"half").expect("write");
    chmod(&tmp, 0o600);
    // A user's file that merely looks temporary is not ours to report.
    let users = p.vault().join("notes.tmp.txt");
    fs::write(&users, b"mine").expect("write");
    chmod(&users, 0o600);
    let v = assert_fails(&p, &["temp_files"]);
    let detail = check(&v, "temp_files")["detail"]
        .as_str()
        .expect("detail")
        .to_owned();
    assert!(detail.contains(".agent-tmp-0011223344556677"), "{detail}");
    assert!(!detail.contains("notes.tmp.txt"), "{detail}");
    fs::remove_file(&users).expect("rm");

    // Under a live writer's lock (this test process), both are normal.
    write_lock(&p, std::process::id());
    let (r, v) = preflight(&p, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(check(&v, "lock")["status"], "ok");
    assert_eq!(check(&v, "temp_files")["status"], "ok");
}

#[test]
fn fix_repairs_modes_and_gitignore_and_leaves_the_rest() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-preflight-value-4");
    chmod(&p.vault(), 0o755);
    chmod(&p.vault().join("openai.json"), 0o640);
    fs::write(p.vault().join(".gitignore"), "").expect("write");
    let before = p.snapshot();
    let (r, v) = preflight(&p, &["--fix"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        v["fixed"],
        serde_json::json!(["folder_mode", "file_modes", "gitignore"])
    );
    assert_eq!(v["ok"], true);
    assert_eq!(mode(&p.vault()), 0o700);
    assert_eq!(mode(&p.vault().join("openai.json")), 0o600);
    assert_eq!(mode(&p.vault().join(".gitignore")), 0o600);
    let after = p.snapshot();
    assert_eq!(after[".gitignore"], b"*\n!.gitignore\n");
    // Nothing else changed.
    for (name, bytes) in &before {
        if name != ".gitignore" {
            assert_eq!(&after[name], bytes, "{name}");
        }
    }

    // Unfixable findings stay, and the exit code says so.
    let mut config = p.read_json("config.json");
    config["recipients"]["owner"]["kdf"]["iterations"] = serde_json::json!(5);
    p.write_json("config.json", &config);
    chmod(&p.vault().join("config.json"), 0o644);
    let (r, v) = preflight(&p, &["--fix"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(v["fixed"], serde_json::json!(["file_modes"]));
    assert_eq!(check(&v, "file_modes")["status"], "ok");
    assert_eq!(check(&v, "kdf_iterations")["status"], "fail");
}
