//! Runs the real `agent` binary in a temporary directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A fake master password used by the black-box tests (never a real one).
pub const PASSWORD: &str = "Correct-Horse-Battery-9";

/// A temporary project with a vault folder inside.
pub struct Project {
    pub root: tempfile::TempDir,
}

/// What a run printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn agent_bin() -> &'static str {
    env!("CARGO_BIN_EXE_agent")
}

impl Project {
    pub fn new() -> Self {
        Self {
            root: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A project with an initialized vault (KDF floor, fake password).
    pub fn initialized() -> Self {
        let p = Self::new();
        let r = p.run(&["secret", "init", "--iterations", "100000"]);
        assert_eq!(r.code, 0, "{r:?}");
        p
    }

    pub fn vault(&self) -> PathBuf {
        self.root.path().join(".agent/secrets")
    }

    /// A command in the project directory with the password in the environment.
    pub fn command(&self) -> Command {
        let mut c = Command::new(agent_bin());
        c.current_dir(self.root.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AGENT_SECRETS_PASSWORD", PASSWORD)
            .env("AGENT_SECRETS_LOCK_TIMEOUT_MS", "20000")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.command()
            .args(args)
            .output()
            .expect("spawn agent")
            .into()
    }

    pub fn run_with(&self, args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Run {
        let mut c = self.command();
        c.args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        run_stdin(c, stdin)
    }

    /// Runs git in the project folder; the test fails if git does.
    pub fn git(&self, args: &[&str]) {
        let ok = Command::new("git")
            .args(args)
            .current_dir(self.root.path())
            .output()
            .expect("git")
            .status
            .success();
        assert!(ok, "git {args:?}");
    }

    pub fn set(&self, service: &str, key: &str, value: &str) {
        let r = self.run_with(
            &["secret", "set", service, key, "--value-stdin"],
            &[],
            Some(value),
        );
        assert_eq!(r.code, 0, "{r:?}");
    }

    pub fn get(&self, service: &str, key: &str) -> Run {
        self.run(&["secret", "get", service, key, "--show"])
    }

    /// Every file of the vault folder and its bytes.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        snapshot(&self.vault())
    }

    pub fn read_json(&self, name: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.vault().join(name)).expect("read"))
            .expect("json")
    }

    pub fn write_json(&self, name: &str, v: &serde_json::Value) {
        std::fs::write(
            self.vault().join(name),
            serde_json::to_vec_pretty(v).expect("json"),
        )
        .expect("write");
    }
}

pub fn run_stdin(mut c: Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn agent");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait").into()
}

pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        out.insert(
            e.file_name().to_string_lossy().into_owned(),
            std::fs::read(e.path()).unwrap_or_default(),
        );
    }
    out
}

/// Every visible command of the clap tree below the root, as the words
/// typed after `agent` (`["secret", "get"]`).
pub fn command_paths() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|c| !c.is_hide_set()) {
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(
        &<agent_cli::cli::Cli as clap::CommandFactory>::command(),
        &[],
        &mut out,
    );
    out
}
