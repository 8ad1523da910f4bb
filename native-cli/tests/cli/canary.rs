//! Memory hygiene, observed from outside: a canary master password and a
//! canary value go through every command, and neither ever appears on
//! stdout or stderr (except the value where a command exists to print it),
//! in the audit trail, or in any process's argv.

use crate::common;

use std::process::Command;

use common::Project;

// Both generated per run from the process id and the time: no fixed string
// that a scan of the repository would find, and nothing real.
fn canaries() -> (String, String) {
    let nonce = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(7)
    );
    (
        format!("Canary-Pass-{nonce}-Xy!"),
        format!("canary-value-{nonce}-qz"),
    )
}

struct Check<'a> {
    password: &'a str,
    value: &'a str,
}

impl Check<'_> {
    fn clean(&self, what: &str, text: &str) {
        assert!(
            !text.contains(self.password),
            "the password leaked in {what}: {text}"
        );
        assert!(
            !text.contains(self.value),
            "the value leaked in {what}: {text}"
        );
    }

    fn run(
        &self,
        p: &Project,
        args: &[&str],
        stdin: Option<&str>,
        value_allowed_on_stdout: bool,
    ) -> common::Run {
        let r = p.run_with(args, &[("AGENT_SECRETS_PASSWORD", self.password)], stdin);
        self.clean(&format!("stderr of {args:?}"), &r.stderr);
        if value_allowed_on_stdout {
            assert!(
                !r.stdout.contains(self.password),
                "the password leaked on stdout of {args:?}"
            );
        } else {
            self.clean(&format!("stdout of {args:?}"), &r.stdout);
        }
        r
    }
}

#[test]
fn canary_password_and_value_never_leak() {
    let (password, value) = canaries();
    let c = Check {
        password: &password,
        value: &value,
    };
    let p = Project::new();
    let dotenv = p.root.path().join("in.env");
    std::fs::write(&dotenv, format!("OPENAI_API_KEY={value}\nOTHER=plain\n")).expect("write");
    let dotenv = dotenv.to_str().expect("utf8").to_owned();
    let out = p.root.path().join("out.env");
    let out = out.to_str().expect("utf8").to_owned();
    let new_password = format!("{password}-New");

    assert_eq!(
        c.run(
            &p,
            &["secret", "init", "--iterations", "100000"],
            None,
            false
        )
        .code,
        0
    );
    assert_eq!(
        c.run(
            &p,
            &["secret", "set", "stripe", "secret_key", "--value-stdin"],
            Some(&value),
            false
        )
        .code,
        0
    );
    assert_eq!(
        c.run(&p, &["secret", "import", "--dotenv", &dotenv], None, false)
            .code,
        0
    );
    for args in [
        &["secret", "get", "stripe", "secret_key"][..],
        &["secret", "get", "stripe", "secret_key", "--json"],
        &["secret", "list"],
        &["secret", "list", "--json"],
        &["secret", "status", "--json"],
        &["secret", "env"],
        &["secret", "providers"],
        &["secret", "providers", "--json"],
        &["secret", "audit"],
        &["secret", "audit", "--json"],
        &["secret", "audit", "--verify"],
        &["secret", "metrics"],
        &["secret", "metrics", "--format", "json"],
        &["preflight"],
        &["preflight", "--json"],
        &["secret", "rotate"],
        &["--log-format", "json", "secret", "get", "openai", "api_key"],
        &["secret", "export", "--output", &out],
    ] {
        let r = c.run(&p, args, None, false);
        assert!(r.code == 0 || args[0] == "preflight", "{args:?}: {r:?}");
    }
    // A scan that finds the value names it by service and key, never by content.
    let planted = p.root.path().join("planted.txt");
    std::fs::write(&planted, format!("token = {value}\n")).expect("write");
    let r = c.run(
        &p,
        &["secret", "scan", planted.to_str().expect("utf8")],
        None,
        false,
    );
    assert_eq!(r.code, 8, "{r:?}");
    // Commands that exist to print the value: only on stdout.
    let r = c.run(
        &p,
        &["secret", "get", "stripe", "secret_key", "--show"],
        None,
        true,
    );
    assert_eq!(r.stdout.trim_end(), value);
    let r = c.run(&p, &["secret", "export"], None, true);
    assert!(r.stdout.contains(&value));
    // run: the child gets the value in its environment, never in its argv,
    // and never the master password at all.
    let r = c.run(
        &p,
        &[
            "secret",
            "run",
            "--",
            "sh",
            "-c",
            "tr '\\0' ' ' < /proc/self/cmdline; echo; env | grep -c AGENT_SECRETS_PASSWORD || true; \
             echo \"${#OPENAI_API_KEY}\"",
        ],
        None,
        false,
    );
    assert_eq!(r.code, 0, "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with("sh -c"), "{r:?}");
    assert_eq!(
        lines[1], "0",
        "the master password reached the child: {r:?}"
    );
    assert_eq!(
        lines[2],
        value.len().to_string(),
        "the child has the value in its environment"
    );
    // passwd with both passwords by environment
    let r = p.run_with(
        &["secret", "passwd"],
        &[
            ("AGENT_SECRETS_PASSWORD", &password),
            ("AGENT_SECRETS_NEW_PASSWORD", &new_password),
        ],
        None,
    );
    assert_eq!(r.code, 0, "{r:?}");
    c.clean("passwd stdout", &r.stdout);
    c.clean("passwd stderr", &r.stderr);
    assert!(!r.stdout.contains(&new_password) && !r.stderr.contains(&new_password));
    // wrong passwords and a lockout: still nothing
    for _ in 0..6 {
        let r = p.run_with(
            &["secret", "get", "stripe", "secret_key"],
            &[("AGENT_SECRETS_PASSWORD", &password)],
            None,
        );
        c.clean("a wrong-password run", &format!("{}{}", r.stdout, r.stderr));
    }

    // The audit trail and every other file but the exported one.
    for (name, bytes) in p.snapshot() {
        let text = String::from_utf8_lossy(&bytes);
        c.clean(&format!("vault file {name}"), &text);
        assert!(!text.contains(&new_password), "new password in {name}");
    }
    assert!(
        std::fs::read_to_string(&out)
            .expect("export")
            .contains(&value),
        "export is the plaintext path"
    );
}

#[test]
fn no_command_line_option_takes_a_password() {
    let out = Command::new(common::agent_bin())
        .args(["secret", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(!help.contains("--password "), "{help}");
    for sub in [
        "init", "get", "set", "passwd", "rotate", "run", "export", "import", "scan",
    ] {
        let out = Command::new(common::agent_bin())
            .args(["secret", sub, "--help"])
            .output()
            .expect("help");
        let help = String::from_utf8_lossy(&out.stdout);
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            let flag = line.split_whitespace().next().unwrap_or("");
            assert!(
                !(flag.contains("password") && line.contains('<')),
                "`{sub}` has a flag that takes a password as an argument: {line}"
            );
        }
    }
}
