//! Black-box tests of `import`, `export`, `env` and `providers`: the .env
//! round trip, all-or-none imports and the bad inputs of issue 3. Fake
//! values only; every refusal leaves the vault folder byte-identical.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::Project;
use proptest::prelude::*;

/// A value that must never appear in any message.
const CANARY: &str = "sk-CANARY-d41d8cd9";

fn write(p: &Project, name: &str, bytes: &[u8]) -> String {
    std::fs::write(p.root.path().join(name), bytes).expect("write fixture");
    name.to_owned()
}

/// `set` with the value exactly as given (`--value-stdin` drops one
/// trailing newline, so one is added).
fn set_exact(p: &Project, service: &str, key: &str, value: &str) {
    let r = p.run_with(
        &["secret", "set", service, key, "--value-stdin"],
        &[],
        Some(&format!("{value}\n")),
    );
    assert_eq!(r.code, 0, "{r:?}");
}

/// Hex SHA-256 of `text`, by the same `sha256sum` the children use.
fn sha256_hex(text: &str) -> String {
    let r = common::run_stdin(
        {
            let mut c = Command::new("sha256sum");
            c.arg("-");
            c
        },
        Some(text),
    );
    r.stdout
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The vault's documents without the audit log (a refused command may
/// still record that it was refused).
fn documents(p: &Project) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = p.snapshot();
    files.remove("audit.log");
    files
}

fn assert_no_canary(r: &common::Run) {
    assert!(
        !r.stdout.contains("CANARY") && !r.stderr.contains("CANARY"),
        "{r:?}"
    );
}

#[test]
fn dotenv_import_maps_variables_and_reports_duplicates() {
    let p = Project::initialized();
    let env = write(
        &p,
        ".env",
        format!(
            "# app\nOPENAI_API_KEY={CANARY}\nexport DATABASE_URL=\"postgres://x\" # db\n\
             GOOGLE_GEMINI_API_KEY='g-fake'\nDUP=1\nDUP=2\n"
        )
        .as_bytes(),
    );
    let r = p.run(&["secret", "import", "--dotenv", &env]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_no_canary(&r);
    assert!(
        r.stderr
            .contains("DUP is set on lines 5, 6; the last one wins"),
        "{r:?}"
    );
    assert!(r.stdout.contains("Imported 2 secrets for app"), "{r:?}");
    assert!(r.stdout.contains("Imported 1 secret for openai"), "{r:?}");
    assert_eq!(p.get("openai", "api_key").stdout, format!("{CANARY}\n"));
    assert_eq!(p.get("gemini", "api_key").stdout, "g-fake\n");
    assert_eq!(p.get("app", "DATABASE_URL").stdout, "postgres://x\n");
    assert_eq!(p.get("app", "DUP").stdout, "2\n");
    // one audit line for the import, naming no value
    let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    assert_eq!(log.matches("\"operation\":\"import\"").count(), 1, "{log}");
    assert!(!log.contains("CANARY"));

    // --service puts everything into one service; mapped names still find their key
    let r = p.run(&["secret", "import", "--dotenv", &env, "--service", "other"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        p.get("other", "OPENAI_API_KEY").stdout,
        format!("{CANARY}\n")
    );
    let r = p.run(&[
        "secret",
        "import",
        "--dotenv",
        &env,
        "--service",
        "openai",
        "--dry-run",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("openai/api_key"), "{r:?}");
    assert!(r.stdout.contains("openai/DATABASE_URL"), "{r:?}");
}

#[test]
fn bad_inputs_are_refused_by_line_and_change_nothing() {
    let p = Project::initialized();
    p.set("keep", "k", "fake-keep");
    let before = p.snapshot();
    let long_line = format!("BIG={}\n", "x".repeat(10 * 1024 * 1024));
    std::fs::create_dir(p.root.path().join("adir")).expect("mkdir");
    let mut binary: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    binary.extend_from_slice(CANARY.as_bytes());
    let cases: Vec<(String, &str)> = vec![
        ("missing.env".to_owned(), "missing.env: no such file"),
        ("adir".to_owned(), "adir is a directory"),
        (write(&p, "bin.env", &binary), "not valid UTF-8"),
        (
            write(
                &p,
                "utf8.env",
                &[b"A=1\nB=".as_slice(), CANARY.as_bytes(), b"\xff\nC=3\n"].concat(),
            ),
            "utf8.env: line 2: not valid UTF-8",
        ),
        (
            write(&p, "long.env", long_line.as_bytes()),
            "long.env: line 1: longer than the 1 MiB limit",
        ),
        (
            write(
                &p,
                "name.env",
                format!("GOOD=1\n1BAD={CANARY}\n").as_bytes(),
            ),
            "name.env: line 2: the variable name is not a valid key name",
        ),
        (
            write(
                &p,
                "garbage.env",
                format!("GOOD=1\n{CANARY}\nA=\"open {CANARY}\n").as_bytes(),
            ),
            "garbage.env: line 2: expected NAME=value",
        ),
        (
            write(&p, "pw.env", b"AGENT_SECRETS_PASSWORD=Fake-Password-123\n"),
            "pw.env: line 1: AGENT_SECRETS_* is a setting of agent itself",
        ),
        (
            write(&p, "nul.env", b"A=1\nB=\0\n"),
            "nul.env: line 2: contains a NUL byte",
        ),
    ];
    for (file, message) in &cases {
        let r = p.run(&["secret", "import", "--dotenv", file]);
        assert_eq!(r.code, 2, "{file}: {r:?}");
        assert!(r.stderr.contains(message), "{file}: {r:?}");
        assert!(r.stderr.contains("nothing was imported"), "{file}: {r:?}");
        assert_no_canary(&r);
        assert!(p.snapshot() == before, "{file}: the vault changed");
    }
    let r = p.run(&["secret", "import", "--dotenv", "garbage.env"]);
    assert!(
        r.stderr
            .contains("garbage.env: line 3: a quoted value starts here and is never closed"),
        "{r:?}"
    );
    // no vault: exit 7, nothing created
    let q = Project::new();
    write(&q, ".env", b"A=1\n");
    let r = q.run(&["secret", "import", "--dotenv", ".env"]);
    assert_eq!(r.code, 7, "{r:?}");
    assert!(!q.vault().exists());
}

#[test]
fn export_writes_a_private_file_and_refuses_to_overwrite() {
    let p = Project::initialized();
    p.set("openai", "api_key", CANARY);
    p.set("app", "MULTI", "line1\nline2 \"dq\" \\ $HOME #x ");
    let r = p.run(&["secret", "export", "--output", "out.env"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stderr.contains("plaintext"), "{r:?}");
    assert_no_canary(&r);
    let out = p.root.path().join("out.env");
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let first = std::fs::read(&out).expect("read");
    assert!(String::from_utf8_lossy(&first).contains(&format!("OPENAI_API_KEY='{CANARY}'")));

    let r = p.run(&["secret", "export", "--output", "out.env"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("out.env exists; pass --force"), "{r:?}");
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let r = p.run(&[
        "secret", "export", "app", "--format", "json", "--output", "out.env", "--force",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    let mode = std::fs::metadata(&out).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "--force replaces the file with a 0600 one");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("read")).expect("json");
    assert_eq!(v["app"]["MULTI"], "line1\nline2 \"dq\" \\ $HOME #x ");
    assert!(v.get("openai").is_none());

    let r = p.run(&["secret", "export", "nosuch"]);
    assert_eq!(r.code, 3, "{r:?}");
    let r = p.run(&["secret", "export", "--format", "shell"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout
            .contains(&format!("export OPENAI_API_KEY='{CANARY}'")),
        "{r:?}"
    );
}

#[test]
fn shell_export_is_safe_to_eval() {
    let p = Project::initialized();
    let nasty = "it's $(touch pwned) `touch pwned2` \"q\" \\ \n; rm -rf / #";
    set_exact(&p, "app", "NASTY", nasty);
    set_exact(&p, "app", "EMPTY", "");
    let r = p.run(&["secret", "export", "--format", "shell"]);
    assert_eq!(r.code, 0, "{r:?}");
    let script = format!(
        "{}\nprintf %s \"$NASTY\" | sha256sum; printf '[%s]' \"$EMPTY\"",
        r.stdout
    );
    let out = Command::new("sh")
        .current_dir(p.root.path())
        .args(["-c", &script])
        .output()
        .expect("sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.split_whitespace().next(),
        Some(sha256_hex(nasty).as_str())
    );
    assert!(stdout.ends_with("[]"), "{stdout}");
    assert!(!p.root.path().join("pwned").exists() && !p.root.path().join("pwned2").exists());
}

/// The shells a sourced export is tried with: `sh`, and `bash` when installed.
fn shells() -> Vec<&'static str> {
    let bash = Command::new("bash")
        .args(["-c", "exit 0"])
        .status()
        .is_ok_and(|s| s.success());
    if bash {
        vec!["sh", "bash"]
    } else {
        vec!["sh"]
    }
}

/// Sources `file` (in the project folder) the way people load a .env
/// file, `set -a; . ./FILE`, and returns what each shell read for `var`.
/// Fails if sourcing created any file (a command ran).
fn sourced(p: &Project, shell: &str, file: &str, var: &str) -> Vec<u8> {
    let before = common::snapshot(p.root.path());
    let script = format!("set -a; . ./{file}; printf %s \"${var}\" > got");
    let out = Command::new(shell)
        .current_dir(p.root.path())
        .args(["-c", &script])
        .output()
        .expect("shell");
    assert!(out.status.success(), "{shell}: {out:?}");
    let got = std::fs::read(p.root.path().join("got")).expect("got");
    std::fs::remove_file(p.root.path().join("got")).expect("rm got");
    let after = common::snapshot(p.root.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "{shell} created a file while sourcing {file}: a command ran"
    );
    got
}

/// Regression (issue 8): a value holding `'` and `$(…)` was exported as
/// `"…"`, and `set -a; . ./.env` ran the command.
#[test]
fn dotenv_export_is_safe_to_source_or_refused() {
    let canary = "it's $(touch MARKER) `touch MARKER2` ${HOME} \\ \" \n # x  ";
    let p = Project::initialized();
    set_exact(&p, "app", "APP_X", canary);
    let before = documents(&p);
    let r = p.run(&["secret", "export", "--output", "out.env"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("Cannot export: the value of app/APP_X (APP_X) contains a ' together with")
            && r.stderr.contains("use --format shell")
            && r.stderr.contains("Nothing was exported"),
        "{r:?}"
    );
    assert!(!r.stderr.contains("MARKER") && r.stdout.is_empty(), "{r:?}");
    assert!(!p.root.path().join("out.env").exists());
    assert!(documents(&p) == before, "the vault changed");

    // The same characters, split into values the dotenv form can hold.
    let parts = [
        (
            "APP_X",
            "$(touch MARKER) `touch MARKER2` ${HOME} \\ \" \n # x  ",
        ),
        ("APP_Y", "it's\n # x  "),
        ("APP_Z", "  lead, trail and \\n  "),
    ];
    for (var, value) in parts {
        set_exact(&p, "app", var, value);
    }
    let r = p.run(&["secret", "export", "--output", "out.env"]);
    assert_eq!(r.code, 0, "{r:?}");
    for shell in shells() {
        for (var, value) in parts {
            assert_eq!(
                sourced(&p, shell, "out.env", var),
                value.as_bytes(),
                "{shell} {var}"
            );
        }
    }
    let q = Project::initialized();
    std::fs::copy(p.root.path().join("out.env"), q.root.path().join("in.env")).expect("copy");
    let r = q.run(&["secret", "import", "--dotenv", "in.env"]);
    assert_eq!(r.code, 0, "{r:?}");
    for (var, value) in parts {
        assert_eq!(q.get("app", var).stdout, format!("{value}\n"), "{var}");
    }

    // --format shell carries the whole canary, CR included.
    let with_cr = format!("{canary}\r\n\r");
    // --value: the exact string (--value-stdin would drop the CR LF at the end).
    let r = p.run(&["secret", "set", "app", "APP_X", "--value", &with_cr]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.run(&[
        "secret", "export", "--format", "shell", "--output", "out.sh",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    for shell in shells() {
        assert_eq!(
            sourced(&p, shell, "out.sh", "APP_X"),
            with_cr.as_bytes(),
            "{shell}"
        );
    }
}

#[test]
fn dotenv_export_refuses_a_name_that_is_not_a_shell_name() {
    let p = Project::initialized();
    set_exact(&p, "app", "my.key", CANARY);
    let r = p.run(&["secret", "export"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("app/my.key maps to my.key, which is not a shell variable name")
            && r.stderr.contains("agent secret env --map app/my.key=NAME"),
        "{r:?}"
    );
    assert_no_canary(&r);
    let r = p.run(&["secret", "env", "--map", "app/my.key=MY_KEY"]);
    assert_eq!(r.code, 0, "{r:?}");
    let r = p.run(&["secret", "export"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, format!("MY_KEY='{CANARY}'\n"));
}

#[test]
fn import_from_the_environment() {
    let p = Project::initialized();
    let r = p.run_with(
        &["secret", "import", "gemini"],
        &[("GOOGLE_GEMINI_API_KEY", CANARY)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(r.stdout.contains("Imported 1 secret for gemini"), "{r:?}");
    assert_no_canary(&r);
    assert_eq!(p.get("gemini", "api_key").stdout, format!("{CANARY}\n"));

    let r = p.run_with(
        &["secret", "import", "--all"],
        &[
            ("OPENAI_API_KEY", "o-fake"),
            ("SUPABASE_ANON_KEY", "a-fake"),
            ("ANTHROPIC_API_KEY", ""),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stdout.contains("Imported 1 secret for openai")
            && r.stdout.contains("Imported 1 secret for supabase"),
        "{r:?}"
    );
    assert!(
        r.stderr
            .contains("Not set, not imported: ANTHROPIC_API_KEY (anthropic/api_key)"),
        "{r:?}"
    );

    let before = documents(&p);
    let r = p.run(&["secret", "import", "anthropic"]);
    assert_eq!(r.code, 3, "{r:?}");
    assert!(r.stderr.contains("ANTHROPIC_API_KEY"), "{r:?}");
    let r = p.run(&["secret", "import", "stripe"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("agent secret import stripe KEY"), "{r:?}");
    assert!(documents(&p) == before, "the vault changed");
    let r = p.run_with(
        &["secret", "import", "stripe", "secret_key"],
        &[("STRIPE_SECRET_KEY", "s-fake")],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(p.get("stripe", "secret_key").stdout, "s-fake\n");
}

#[test]
fn get_fallback_suggests_the_import_command() {
    let p = Project::initialized();
    let r = p.run_with(
        &["secret", "get", "openai", "api_key"],
        &[("OPENAI_API_KEY", CANARY)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("using the environment variable OPENAI_API_KEY"),
        "{r:?}"
    );
    assert!(r.stderr.contains("agent secret import openai"), "{r:?}");
    assert_no_canary(&r);
    let r = p.run_with(
        &["secret", "get", "stripe", "secret_key"],
        &[("STRIPE_SECRET_KEY", "x")],
        None,
    );
    assert!(
        r.stderr.contains("agent secret import stripe secret_key"),
        "{r:?}"
    );
}

#[test]
fn user_mapping_is_stored_shown_and_used() {
    let p = Project::initialized();
    let r = p.run(&[
        "secret",
        "env",
        "--map",
        "stripe/secret_key=STRIPE_SK,STRIPE_KEY",
    ]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        p.read_json("config.json")["env"]["stripe/secret_key"],
        serde_json::json!(["STRIPE_SK", "STRIPE_KEY"])
    );
    let r = p.run(&["secret", "env", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let row = rows
        .as_array()
        .expect("array")
        .iter()
        .find(|r| r["service"] == "stripe")
        .expect("row")
        .clone();
    assert_eq!(row["origin"], "user");
    assert_eq!(row["in_vault"], false);
    // a .env variable of the mapping goes to its secret; export writes the first variable
    write(&p, ".env", b"STRIPE_KEY=sk-fake\n");
    let r = p.run(&["secret", "import", "--dotenv", ".env"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(p.get("stripe", "secret_key").stdout, "sk-fake\n");
    let r = p.run(&["secret", "export", "stripe"]);
    assert_eq!(r.stdout, "STRIPE_SK='sk-fake'\n", "{r:?}");
    // refused: reserved variable, clash, bad names; config unchanged
    let before = p.snapshot();
    for bad in [
        "a/b=AGENT_SECRETS_PASSWORD",
        "other/k=STRIPE_SK",
        "Bad/k=X",
        "a/b=1X",
        "a/b",
    ] {
        let r = p.run(&["secret", "env", "--map", bad]);
        assert_eq!(r.code, 2, "{bad}: {r:?}");
    }
    assert!(p.snapshot() == before, "the vault changed");
    let r = p.run(&["secret", "env", "--unmap", "stripe/secret_key"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(p.read_json("config.json").get("env").is_none());
}

#[test]
fn providers_are_masked_with_their_source() {
    let p = Project::initialized();
    p.set("openai", "api_key", CANARY);
    let r = p.run_with(
        &["secret", "providers", "--json"],
        &[("SUPABASE_ANON_KEY", CANARY)],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    assert_no_canary(&r);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v[0]["provider"], "openai");
    assert_eq!(v[0]["credentials"][0]["source"], "vault");
    assert_eq!(v[0]["credentials"][0]["value"], "********");
    assert_eq!(v[1]["complete"], false);
    assert_eq!(v[3]["credentials"][1]["source"], "env");
    assert_eq!(v[3]["credentials"][1]["variable"], "SUPABASE_ANON_KEY");
    assert!(r.stderr.contains("agent secret import supabase"), "{r:?}");
    let r = p.run(&["secret", "providers", "stripe"]);
    assert_eq!(r.code, 3, "{r:?}");
}

fn key_name() -> impl Strategy<Value = String> {
    // Mostly shell names, so that the dotenv export is tried often.
    prop_oneof![
        4 => "[A-Za-z_][A-Za-z0-9_]{0,20}",
        1 => "[A-Za-z_][A-Za-z0-9_.-]{0,20}",
    ]
    .prop_filter("not a built-in variable", |k| {
        !agent_secrets_core::env::BUILTIN
            .iter()
            .any(|(_, _, vars)| vars.contains(&k.as_str()))
            && agent_secrets_core::reserved_vars::reserved(k).is_none()
    })
}

/// The documented dotenv rule, written apart from the writer: a shell
/// name, no CR, and a `'` only without `"`, `\`, `$` and `` ` ``.
fn dotenv_writable(name: &str, value: &str) -> bool {
    let shell_name = !name.contains(['.', '-']);
    let quote_and_special = value.contains('\'') && value.contains(['"', '\\', '$', '`']);
    shell_name && !value.contains('\r') && !quote_and_special
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any map of valid keys to strings (NUL aside: no environment can hold
    /// it) survives export -> import into a fresh vault in json; in dotenv
    /// too, and sourced by sh, when the dotenv rule allows every entry, and
    /// otherwise the dotenv export is refused and writes nothing.
    #[test]
    fn export_then_import_round_trips(
        secrets in proptest::collection::btree_map(
            key_name(),
            prop_oneof![2 => "[^\u{0}]{0,40}", 1 => "[a-z '\"\\\\$`#\n\r]{0,20}"],
            1..8,
        )
    ) {
        let p = Project::initialized();
        let json_input = serde_json::to_string(&secrets).expect("json");
        for (k, v) in &secrets {
            // --value=V: the exact string (--value-stdin drops a trailing CR
            // LF), even one that starts with '-'.
            let r = p.run(&["secret", "set", "app", k, &format!("--value={v}")]);
            prop_assert_eq!(r.code, 0, "{:?}", r);
        }
        let r = p.run(&["secret", "export", "--format", "json"]);
        prop_assert_eq!(r.code, 0, "{:?}", r);
        let exported: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        let want: serde_json::Value = serde_json::from_str(&json_input).expect("json");
        prop_assert_eq!(&exported["app"], &want);

        let r = p.run(&["secret", "export", "--output", "x.env"]);
        if !secrets.iter().all(|(k, v)| dotenv_writable(k, v)) {
            prop_assert_eq!(r.code, 1, "{:?}", r);
            prop_assert!(r.stderr.contains("Nothing was exported"), "{:?}", r);
            prop_assert!(!p.root.path().join("x.env").exists());
            return Ok(());
        }
        prop_assert_eq!(r.code, 0, "{:?}", r);
        for (k, v) in &secrets {
            prop_assert_eq!(sourced(&p, "sh", "x.env", k), v.as_bytes(), "{}", k);
        }
        let q = Project::initialized();
        std::fs::copy(p.root.path().join("x.env"), q.root.path().join("x.env")).expect("copy");
        let r = q.run(&["secret", "import", "--dotenv", "x.env"]);
        prop_assert_eq!(r.code, 0, "{:?}", r);
        let r = q.run(&["secret", "export", "--format", "json"]);
        let back: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
        prop_assert_eq!(&back["app"], &want);
    }
}
