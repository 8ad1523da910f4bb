//! Regression tests named after the defects a review found.

use crate::common;

use common::{Project, PASSWORD};

const FAKE_KEY: &str = "sk-proj-0123456789abcdefFAKEFAKEFAKE";

#[test]
fn a_value_pasted_as_an_extra_argument_is_not_echoed() {
    let p = Project::initialized();
    let r = p.run(&["secret", "set", "openai", "api_key", FAKE_KEY]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!r.stderr.contains(FAKE_KEY), "{r:?}");
    assert!(r.stderr.contains("not repeated here"), "{r:?}");
}

#[test]
fn a_value_typed_as_a_key_name_is_refused_and_never_logged() {
    let p = Project::initialized();
    let r = p.run(&["secret", "get", "openai", FAKE_KEY]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("looks like a secret value"), "{r:?}");
    assert!(
        !r.stderr.contains(FAKE_KEY) && !r.stdout.contains(FAKE_KEY),
        "{r:?}"
    );
    let audit = std::fs::read_to_string(p.vault().join("audit.log")).expect("audit");
    assert!(!audit.contains(FAKE_KEY));
}

#[test]
fn a_failed_write_to_stdout_is_an_error_not_a_complete_export() {
    let p = Project::initialized();
    p.set("svc", "key", "fake-value");
    let full = std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = p
        .command()
        .args(["secret", "export"])
        .stdout(full)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write to standard output"));
}

#[test]
fn password_stdin_takes_only_the_first_line() {
    let p = Project::initialized();
    let r = p.run_with(
        &["secret", "--password-stdin", "run", "--", "cat"],
        &[("AGENT_SECRETS_PASSWORD", "")],
        Some(&format!("{PASSWORD}\nfor the child\n")),
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, "for the child\n"), "{r:?}");
}

#[test]
fn the_master_password_variable_cannot_be_imported() {
    let p = Project::initialized();
    let r = p.run(&["secret", "import", "agent", "secrets_password"]);
    assert_ne!(r.code, 0, "{r:?}");
    assert!(
        !r.stdout.contains(PASSWORD) && !r.stderr.contains(PASSWORD),
        "{r:?}"
    );
    assert!(!p.vault().join("agent.json").exists());
}

#[test]
fn mapping_a_variable_without_a_vault_creates_no_folder() {
    let p = Project::new();
    let r = p.run(&["secret", "env", "--map", "stripe/secret_key=STRIPE_SK"]);
    assert_eq!(r.code, 7, "{r:?}");
    assert!(!p.root.path().join(".agent").exists());
}

#[test]
fn run_without_the_environment_does_not_count_a_service_found_only_there() {
    let p = Project::initialized();
    let r = p.run_with(
        &[
            "secret",
            "run",
            "--no-inherit-env",
            "--service",
            "stripe",
            "--",
            "true",
        ],
        &[("STRIPE_SECRET_KEY", "fake-env-only")],
        None,
    );
    assert_eq!(r.code, 3, "{r:?}");
    assert!(
        r.stderr.contains("Service 'stripe' not configured."),
        "{r:?}"
    );
}

#[test]
fn lock_timeout_plus_5_was_5_ms_here_and_the_default_in_node() {
    // One grammar now (docs/format.md §12): digits only, anything else is
    // a usage error in every front end, before the vault is touched.
    let p = Project::initialized();
    let before = p.snapshot();
    for bad in ["+5", " 5", "5.0", "1e3", "-1"] {
        let r = p.run_with(
            &["secret", "delete", "svc", "key"],
            &[("AGENT_SECRETS_LOCK_TIMEOUT_MS", bad)],
            None,
        );
        assert_eq!(r.code, 2, "{bad:?}: {r:?}");
        assert_eq!(
            r.stderr.trim_end(),
            "error: AGENT_SECRETS_LOCK_TIMEOUT_MS must be a whole number of milliseconds written with the digits 0-9 only (such as 10000), or be unset or empty for the default of 10000.",
            "{bad:?}"
        );
    }
    assert!(
        p.snapshot() == before,
        "nothing written, not even an audit line"
    );
    for good in ["5", "", "0005"] {
        let r = p.run_with(
            &["secret", "set", "svc", "key", "--value-stdin"],
            &[("AGENT_SECRETS_LOCK_TIMEOUT_MS", good)],
            Some("fake-value"),
        );
        assert_eq!(r.code, 0, "{good:?}: {r:?}");
    }
    assert_eq!(p.get("svc", "key").stdout, "fake-value\n");
}
