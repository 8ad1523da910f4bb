//! What the CLI starts, and with what: the alert command only from the
//! user's own configuration (never from the vault folder), no variable
//! that steers a loader, shell or interpreter set from a secret, and no
//! child (git, the alert command, `run`'s) inheriting the master password.

use crate::common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Project, Run, PASSWORD};

const WRONG: &str = "Wrong-Horse-Battery-0";
const NEW_PASSWORD: &str = "Fresh-Horse-Battery-7";
const VALUE: &str = "sk-fake-children-5f1c27aa90";

/// An instant `seconds` from now, RFC 3339 UTC (by `date`).
fn utc_in(seconds: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("{seconds} seconds"),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .expect("date");
    String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned()
}

/// A shell command that writes its environment to `file`: its existence
/// proves the command ran, its content what it inherited.
fn env_dump(file: &Path) -> Vec<String> {
    vec![
        "sh".to_owned(),
        "-c".to_owned(),
        format!("env > '{}'", file.display()),
    ]
}

/// Sets the vault's alert thresholds, with `command` planted beside them.
fn plant_alerts(p: &Project, command: Option<Vec<String>>) {
    // The thresholds as the owner sets them, with the password (config.json
    // is MAC'ed) ...
    let r = p.run(&[
        "secret",
        "config",
        "--alert-after",
        "1",
        "--alert-window",
        "3600",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    // ... and a command planted by hand beside them (the file then fails
    // its MAC for every command that needs the password).
    if let Some(command) = command {
        let mut config = p.read_json("config.json");
        config["alerts"]["command"] = serde_json::json!(command);
        p.write_json("config.json", &config);
    }
}

/// A running lockout in `state.json`, within what the default policy sets.
fn plant_lockout(p: &Project) {
    let state = serde_json::json!({
        "format": "agent-secrets/state", "version": 1, "failed_attempts": 0, "in_flight": 0,
        "lockouts": 1, "locked_until": utc_in(1800), "last_failure_at": utc_in(-10),
        "last_attempt_at": null
    });
    p.write_json("state.json", &state);
}

/// Writes the user configuration under `<root>/xdg` with `mode`; returns
/// the folder to give as XDG_CONFIG_HOME.
fn user_config(p: &Project, config: &serde_json::Value, mode: u32) -> PathBuf {
    let xdg = p.root.path().join("xdg");
    let file = xdg.join("agent-secrets/config.json");
    fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    fs::write(&file, config.to_string()).expect("write");
    fs::set_permissions(&file, fs::Permissions::from_mode(mode)).expect("chmod");
    xdg
}

/// A failed `get` (wrong password) with these extra variables.
fn fail_once(p: &Project, envs: &[(&str, &str)]) -> Run {
    let mut all = vec![
        ("AGENT_SECRETS_PASSWORD", WRONG),
        ("AGENT_SECRETS_NEW_PASSWORD", NEW_PASSWORD),
    ];
    all.extend_from_slice(envs);
    let r = p.run_with(&["secret", "get", "a", "b"], &all, None);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("warning: ALERT"), "{r:?}");
    r
}

fn assert_no_password(dump: &str) {
    for secret in [PASSWORD, WRONG, NEW_PASSWORD] {
        assert!(!dump.contains(secret), "{dump}");
    }
    assert!(!dump.contains("AGENT_SECRETS_PASSWORD"), "{dump}");
    assert!(!dump.contains("AGENT_SECRETS_NEW_PASSWORD"), "{dump}");
}

#[test]
fn a_command_planted_in_the_vault_config_never_runs() {
    let p = Project::initialized();
    let marker = p.root.path().join("planted-ran");
    plant_alerts(&p, Some(env_dump(&marker)));
    plant_lockout(&p);
    let warning = "config.json has an \"alerts\" \"command\", which is never run";
    // The right password and a wrong one: refused as locked, an alert is
    // raised, and the planted command does not run.
    for password in [PASSWORD, WRONG] {
        let r = p.run_with(
            &["secret", "get", "a", "b"],
            &[("AGENT_SECRETS_PASSWORD", password)],
            None,
        );
        assert_eq!(r.code, 5, "{r:?}");
        assert!(!marker.exists(), "the planted command ran");
        assert!(r.stderr.contains(warning), "{r:?}");
    }
    let alerts = fs::read_to_string(p.vault().join("audit.log"))
        .expect("audit")
        .lines()
        .filter(|l| l.contains("\"operation\":\"alert\""))
        .count();
    assert_eq!(alerts, 1, "the thresholds still raise the alert");
    // Without a lockout too, right password: a warning, nothing run, and
    // the hand-edited config.json refused (its MAC fails).
    fs::remove_file(p.vault().join("state.json")).expect("rm");
    let r = p.get("openai", "api_key");
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr.contains(warning) && r.stderr.contains("config.json: its MAC does not verify"),
        "{r:?}"
    );
    assert!(!r.stdout.contains(VALUE));
    assert!(!marker.exists());

    // preflight reports it, with the fix.
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .args(["preflight", "--json"]);
    let r: Run = c.output().expect("spawn").into();
    assert_eq!(r.code, 8, "{r:?}");
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let check = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == "alert_command")
        .expect("alert_command check");
    assert_eq!(check["status"], "fail");
    assert!(check["fix"]
        .as_str()
        .is_some_and(|f| f.contains("AGENT_SECRETS_ALERT_COMMAND")));
    assert_eq!(v["problems"], 1, "{}", r.stdout);
    assert!(!marker.exists());
}

#[test]
fn the_users_alert_command_runs_without_the_passwords() {
    let p = Project::initialized();
    let out = p.root.path().join("user-alert-env");
    plant_alerts(&p, None);
    let xdg = user_config(
        &p,
        &serde_json::json!({ "alerts": { "command": env_dump(&out) } }),
        0o600,
    );
    let xdg = xdg.to_str().expect("utf8");
    fail_once(&p, &[("XDG_CONFIG_HOME", xdg)]);
    let dump = fs::read_to_string(&out).expect("the user's command ran");
    assert!(dump.contains("XDG_CONFIG_HOME="), "{dump}");
    assert_no_password(&dump);
}

#[test]
fn the_environment_variable_wins_over_the_file() {
    let p = Project::initialized();
    let from_file = p.root.path().join("from-file");
    let from_env = p.root.path().join("from-env");
    plant_alerts(&p, None);
    let xdg = user_config(
        &p,
        &serde_json::json!({ "alerts": { "command": env_dump(&from_file) } }),
        0o600,
    );
    let command = serde_json::to_string(&env_dump(&from_env)).expect("json");
    fail_once(
        &p,
        &[
            ("XDG_CONFIG_HOME", xdg.to_str().expect("utf8")),
            ("AGENT_SECRETS_ALERT_COMMAND", &command),
        ],
    );
    assert!(!from_file.exists());
    let dump = fs::read_to_string(&from_env).expect("the command ran");
    assert_no_password(&dump);

    // Not a JSON array: refused with a warning, never split or given to a shell.
    fs::remove_file(&from_env).expect("rm");
    let p = Project::initialized();
    plant_alerts(&p, None);
    let shell_line = format!("touch {}", from_env.display());
    let r = fail_once(&p, &[("AGENT_SECRETS_ALERT_COMMAND", &shell_line)]);
    assert!(
        r.stderr
            .contains("AGENT_SECRETS_ALERT_COMMAND: invalid JSON; no alert command is run."),
        "{r:?}"
    );
    assert!(!from_env.exists());
}

#[test]
fn a_user_config_others_can_write_or_a_symlink_is_refused() {
    let p = Project::initialized();
    let out = p.root.path().join("ran");
    plant_alerts(&p, None);
    let config = serde_json::json!({ "alerts": { "command": env_dump(&out) } });
    let xdg = user_config(&p, &config, 0o620);
    let file = xdg.join("agent-secrets/config.json");
    let env = [("XDG_CONFIG_HOME", xdg.to_str().expect("utf8"))];
    let r = fail_once(&p, &env);
    assert!(
        r.stderr.contains(&format!(
            "can be written by group or others (mode 0620); fix: chmod go-w {}",
            file.display()
        )),
        "{r:?}"
    );
    assert!(!out.exists(), "a group-writable file was obeyed");

    // The same content through a symbolic link to a file of the right mode.
    let p = Project::initialized();
    plant_alerts(&p, None);
    let real = p.root.path().join("elsewhere.json");
    fs::write(&real, config.to_string()).expect("write");
    fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
    let xdg = p.root.path().join("xdg");
    fs::create_dir_all(xdg.join("agent-secrets")).expect("mkdir");
    std::os::unix::fs::symlink(&real, xdg.join("agent-secrets/config.json")).expect("symlink");
    let r = fail_once(&p, &[("XDG_CONFIG_HOME", xdg.to_str().expect("utf8"))]);
    assert!(r.stderr.contains("is a symbolic link"), "{r:?}");
    assert!(!out.exists(), "a symlinked file was obeyed");

    // A FIFO in its place is refused at once, not waited on.
    let p = Project::initialized();
    plant_alerts(&p, None);
    let xdg = p.root.path().join("xdg");
    fs::create_dir_all(xdg.join("agent-secrets")).expect("mkdir");
    let made = Command::new("mkfifo")
        .arg(xdg.join("agent-secrets/config.json"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let r = fail_once(&p, &[("XDG_CONFIG_HOME", xdg.to_str().expect("utf8"))]);
    assert!(r.stderr.contains("is not a regular file"), "{r:?}");
}

#[test]
fn env_map_refuses_loader_variables() {
    let p = Project::initialized();
    p.set("app", "X", VALUE);
    let before = p.snapshot();
    for var in [
        "LD_PRELOAD",
        "NODE_OPTIONS",
        "PATH",
        "GIT_SSH_COMMAND",
        "BASH_ENV",
    ] {
        let r = p.run(&["secret", "env", "--map", &format!("app/X={var}")]);
        assert_eq!(r.code, 2, "{var}: {r:?}");
        assert!(r.stderr.contains("a secret never sets it"), "{r:?}");
    }
    let r = p.run(&["secret", "env", "--map", "app/X=LD_sk-CANARY"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!r.stderr.contains("CANARY"), "{r:?}");
    let mut after = p.snapshot();
    after.remove("audit.log");
    let mut before = before;
    before.remove("audit.log");
    assert_eq!(after, before, "config.json unchanged");
}

#[test]
fn import_refuses_loader_variables_all_or_nothing() {
    let p = Project::initialized();
    let before = p.snapshot();
    let file = p.root.path().join(".env");
    fs::write(
        &file,
        format!("DATABASE_URL=postgres://fake\nLD_PRELOAD={VALUE}\nPYTHONPATH=/tmp/x\n"),
    )
    .expect("write");
    let r = p.run(&["secret", "import", "--dotenv", file.to_str().expect("utf8")]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains(
            "line 2: LD_* steers the dynamic loader or the C library; a secret never sets it"
        ),
        "{r:?}"
    );
    assert!(r.stderr.contains("line 3: PYTHONPATH steers"), "{r:?}");
    assert!(r.stderr.contains("nothing was imported"), "{r:?}");
    assert!(!r.stderr.contains(VALUE) && !r.stdout.contains(VALUE));
    assert_eq!(p.snapshot(), before, "nothing written");

    // A service whose SERVICE_KEY rule gives a loader variable.
    fs::write(&file, "preload=fake\n").expect("write");
    let r = p.run(&[
        "secret",
        "import",
        "--dotenv",
        file.to_str().expect("utf8"),
        "--service",
        "ld",
    ]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr
            .contains("ld/preload, which maps only to LD_PRELOAD"),
        "{r:?}"
    );

    // From the environment.
    let r = p.run(&["secret", "import", "app", "LD_PRELOAD"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(
        r.stderr.contains("app/LD_PRELOAD maps only to LD_PRELOAD"),
        "{r:?}"
    );
    assert_eq!(p.snapshot(), before, "nothing written");
}

/// A vault with `app/LD_PRELOAD` (set directly: `set` takes any key name).
fn with_preload_secret() -> Project {
    let p = Project::initialized();
    p.set("app", "LD_PRELOAD", VALUE);
    p.set("app", "GOOD", "fake-good-value");
    p
}

#[test]
fn run_leaves_a_loader_variable_out_with_a_warning() {
    let p = with_preload_secret();
    let out = p.root.path().join("child-env");
    let r = p.run(&[
        "secret",
        "run",
        "--",
        "sh",
        "-c",
        &format!("env > '{}'", out.display()),
    ]);
    // The child's environment first: before the fix the loader got the
    // value (and printed it on stderr).
    let dump = fs::read_to_string(&out).expect("the child ran");
    assert!(
        !dump.lines().any(|l| l.starts_with("LD_PRELOAD=")),
        "{dump}"
    );
    assert!(!dump.contains(VALUE));
    assert!(
        !r.stderr.contains(VALUE) && !r.stdout.contains(VALUE),
        "{r:?}"
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains(
            "warning: app/LD_PRELOAD: LD_PRELOAD is not set (LD_* steers the dynamic loader"
        ),
        "{r:?}"
    );
    assert!(dump.lines().any(|l| l == "GOOD=fake-good-value"), "{dump}");
    assert_no_password(&dump);
}

#[test]
fn export_and_env_leave_a_loader_variable_out_with_a_warning() {
    let p = with_preload_secret();
    let r = p.run(&["secret", "export"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "GOOD='fake-good-value'\n");
    assert!(
        r.stderr.contains("app/LD_PRELOAD: LD_PRELOAD is not set"),
        "{r:?}"
    );
    assert!(r.stderr.contains("1 secret in plaintext"), "{r:?}");
    assert!(!r.stderr.contains(VALUE));

    let r = p.run(&["secret", "env", "--json"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr.contains("app/LD_PRELOAD: LD_PRELOAD is not set"),
        "{r:?}"
    );
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let row = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["key"] == "LD_PRELOAD")
        .expect("listed");
    assert_eq!(row["variables"], serde_json::json!([]));
    assert_eq!(row["ignored"], serde_json::json!(["LD_PRELOAD"]));
}

/// A git repository holding the project, whose `core.fsmonitor` hook
/// writes its environment to a file each time git calls it.
fn repository_with_a_hook(p: &Project) -> PathBuf {
    let dump = p.root.path().join("hook-env");
    let hook = p.root.path().join("fsmonitor-hook");
    fs::write(
        &hook,
        format!("#!/bin/sh\nenv >> '{}'\nexit 1\n", dump.display()),
    )
    .expect("write");
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o700)).expect("chmod");
    fs::write(p.root.path().join("README"), "fake project\n").expect("write");
    p.git(&["init", "-q", "."]);
    p.git(&["add", "README"]);
    p.git(&["config", "core.fsmonitor", hook.to_str().expect("utf8")]);
    dump
}

#[test]
fn git_started_by_scan_and_preflight_never_gets_the_password() {
    let p = Project::initialized();
    p.set("openai", "api_key", VALUE);
    let dump = repository_with_a_hook(&p);
    let passwords = [("AGENT_SECRETS_NEW_PASSWORD", NEW_PASSWORD)];
    let r = p.run_with(&["secret", "scan"], &passwords, None);
    assert_eq!(r.code, 0, "{r:?}");
    let seen = fs::read_to_string(&dump).expect("git ran the hook for scan");
    assert!(seen.contains("PATH="), "{seen}");
    assert_no_password(&seen);

    fs::remove_file(&dump).expect("rm");
    let r = p.run_with(&["preflight"], &passwords, None);
    assert_eq!(r.code, 0, "{r:?}");
    let seen = fs::read_to_string(&dump).expect("git ran the hook for preflight");
    assert_no_password(&seen);
}
