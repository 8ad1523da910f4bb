//! The CLI turns core dumps off (PR_SET_DUMPABLE 0) before it holds a key.
//!
//! Observed from outside: the kernel makes a non-dumpable process's
//! `/proc/<pid>/` entries owned by root and refuses its `environ` to other
//! processes of the same user. `agent secret run` starts a child while the
//! vault is open, and the child looks at its parent. Root may read any
//! process's files, so as root (CI) both run as `nobody` via `setpriv`.

use crate::common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::PASSWORD;

#[test]
fn agent_is_not_dumpable_while_it_holds_the_keys() {
    let root = tempfile::tempdir().expect("tempdir");
    let is_root = is_root();
    if is_root {
        // nobody must be able to create the vault inside.
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777))
            .expect("chmod");
    }
    let vault = root.path().join("v");
    // A copy `nobody` can execute wherever the build folder lives (CI's
    // checkout may sit under a private home folder).
    let agent = root.path().join("agent");
    std::fs::copy(common::agent_bin(), &agent).expect("copy the binary");
    std::fs::set_permissions(&agent, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let command = |args: &[&str]| {
        let mut c = if is_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&agent);
            c
        } else {
            Command::new(&agent)
        };
        c.args(args)
            .env("AGENT_SECRETS_DIR", &vault)
            .env("AGENT_SECRETS_PASSWORD", PASSWORD)
            .current_dir(root.path());
        c
    };
    let out = command(&["secret", "init", "--iterations", "100000"])
        .output()
        .expect("init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = command(&[
        "secret",
        "run",
        "--",
        "sh",
        "-c",
        "stat -c %u /proc/$PPID/environ; stat -c %u /proc/$$/environ; \
         cat /proc/$PPID/environ >/dev/null 2>&1 && echo readable || echo unreadable",
    ])
    .output()
    .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(
        lines[0], "0",
        "the agent's /proc entries belong to root: it is not dumpable"
    );
    assert_ne!(
        lines[1], "0",
        "the child (dumpable again after exec) is the control"
    );
    assert_eq!(
        lines[2], "unreadable",
        "another process of the same user cannot read the agent's memory-backed files"
    );
}

fn is_root() -> bool {
    // `id -u` keeps this test free of unsafe code and extra dependencies.
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
