//! The write lock's shared suite (`tests/lock/`, see its README), loaded
//! and checked the same way by every Rust runner: the core over a fake
//! (`core/tests/lock.rs`) and the CLI over its real files
//! (`native-cli/src/lock/tests.rs`). Each includes this file with `#[path]`
//! and implements [`Runner`] on its own primitives; the npm package's
//! `npm/test/lock-suite.test.js` reads the same files.

use std::time::Duration;

use agent_secrets_core::lock::{Holder, LockName, LockState};
use agent_secrets_core::{StoreError, Timestamp};
use serde_json::Value;

/// A pid no process can have: above Linux's ceiling of 2^22.
pub const DEAD: u32 = 4_194_311;

/// What is at one of the two names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A regular file and its bytes.
    File(Vec<u8>),
    /// A FIFO.
    Fifo,
    /// A folder.
    Folder,
    /// A symbolic link (to the absent name `elsewhere`).
    Symlink,
}

/// What a scenario puts at a name before the writer comes.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The thing itself.
    pub found: Found,
    /// Its modification time is this long ago.
    pub age: Duration,
    /// Permission bits of a regular file.
    pub mode: u32,
}

/// A set of primitives under test, for one fresh, empty vault folder.
pub trait Runner {
    /// The pid its lock lines carry.
    fn pid(&self) -> u32;
    /// The host name its lock lines carry.
    fn host(&self) -> String;
    /// The wall clock's time now.
    fn now(&self) -> Timestamp;
    /// `.lock` as its messages show it.
    fn shown(&self) -> String;
    /// Puts `what` at `file`.
    fn plant(&mut self, file: LockName, what: &Planted);
    /// What is at `file` now.
    fn found(&self, file: LockName) -> Option<Found>;
    /// Looks at the lock as `preflight` does.
    fn inspect(&self) -> LockState;
    /// Takes the lock as the CLI does (tool `cli`), keeping the proof.
    fn acquire(&mut self, timeout: Duration) -> Result<(), StoreError>;
    /// Releases the lock taken by [`Runner::acquire`].
    fn release(&mut self);
}

fn lock_dir() -> String {
    format!("{}/../tests/lock", env!("CARGO_MANIFEST_DIR"))
}

fn json(path: &str) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The cases of `timeout-grammar.json`: the variable's value (`None`:
/// unset), then the milliseconds or the error's message.
pub fn timeout_cases() -> Vec<(Option<String>, Result<u64, String>)> {
    let table = json(&format!("{}/timeout-grammar.json", lock_dir()));
    let cases = table["cases"].as_array().expect("cases");
    assert!(cases.len() > 10, "the table lost its cases");
    cases
        .iter()
        .map(|case| {
            let value = case["value"].as_str().map(str::to_owned);
            let expected = match (&case["ms"], &case["error"]) {
                (Value::Number(ms), Value::Null) => Ok(ms.as_u64().expect("ms is a u64")),
                (Value::Null, Value::String(message)) => Err(message.clone()),
                _ => panic!("{case}: neither ms nor error"),
            };
            (value, expected)
        })
        .collect()
}

/// The scenario files, sorted; anything else in the folder fails.
pub fn scenario_names() -> Vec<String> {
    let dir = format!("{}/scenarios", lock_dir());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "the suite lost its scenarios: {names:?}");
    for name in &names {
        assert!(name.ends_with(".json"), "{name}: not a scenario");
    }
    names
}

/// The placeholders of the README, for one runner at one moment.
struct Places {
    pid: u32,
    host: String,
    now: Timestamp,
    shown: String,
}

impl Places {
    fn fill(&self, text: &str) -> String {
        let mut out = text
            .replace("$lock", &self.shown)
            .replace("$dead", &DEAD.to_string())
            .replace("$live", &self.pid.to_string())
            .replace("$host", &self.host);
        while let Some(at) = out.find("$now-") {
            let digits: String = out[at + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let ago: i64 = digits.parse().expect("$now-N: seconds");
            let stamp = Timestamp::from_unix(self.now.unix() - ago).to_string();
            out.replace_range(at..at + 5 + digits.len(), &stamp);
        }
        out.replace("$now", &self.now.to_string())
    }

    fn filled(&self, value: &Value) -> Value {
        match value {
            Value::String(s) if s == "$dead" => Value::from(DEAD),
            Value::String(s) if s == "$live" => Value::from(self.pid),
            Value::String(s) => Value::from(self.fill(s)),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.filled(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn detail(&self, expect: &Value) -> String {
        self.fill(expect["detail"].as_str().expect("detail"))
    }
}

fn planted(places: &Places, spec: &Value, name: &str) -> Planted {
    let found = if let Some(holder) = spec.get("holder") {
        let mut line = serde_json::to_vec(&places.filled(holder)).expect("json");
        line.push(b'\n');
        Found::File(line)
    } else if let Some(text) = spec.get("text").and_then(Value::as_str) {
        Found::File(places.fill(text).into_bytes())
    } else {
        match spec["kind"].as_str() {
            Some("file") => Found::File(Vec::new()),
            Some("fifo") => Found::Fifo,
            Some("folder") => Found::Folder,
            Some("symlink") => Found::Symlink,
            other => panic!("{name}: kind {other:?}"),
        }
    };
    let mode = spec["mode"]
        .as_str()
        .map_or(0o600, |m| u32::from_str_radix(m, 8).expect("octal mode"));
    Planted {
        found,
        age: Duration::from_secs(spec["age_s"].as_u64().unwrap_or(0)),
        mode,
    }
}

/// Runs the scenario file `name` on `runner` (a fresh folder) and checks
/// every expectation.
pub fn run_scenario(name: &str, runner: &mut impl Runner) {
    let scenario = json(&format!("{}/scenarios/{name}", lock_dir()));
    let places = Places {
        pid: runner.pid(),
        host: runner.host(),
        now: runner.now(),
        shown: runner.shown(),
    };
    for (spec, file) in [
        (&scenario["lock"], LockName::Lock),
        (&scenario["guard"], LockName::Guard),
    ] {
        if !spec.is_null() {
            runner.plant(file, &planted(&places, spec, name));
        }
    }
    let before = [LockName::Lock, LockName::Guard].map(|f| runner.found(f));
    let expect = &scenario["expect"];

    let want = &expect["inspect"];
    let expected = match want["state"].as_str() {
        Some("free") => LockState::Free,
        Some("held") => LockState::Held(places.detail(want)),
        Some("stale") => LockState::Stale(places.detail(want)),
        Some("refused") => LockState::Refused(places.detail(want)),
        other => panic!("{name}: state {other:?}"),
    };
    assert_eq!(runner.inspect(), expected, "{name}: inspect");
    assert_eq!(
        [LockName::Lock, LockName::Guard].map(|f| runner.found(f)),
        before,
        "{name}: looking changed nothing"
    );

    let timeout = Duration::from_millis(scenario["timeout_ms"].as_u64().expect("timeout_ms"));
    let outcome = runner.acquire(timeout);
    let want = &expect["acquire"];
    let acquired = match (want["outcome"].as_str(), outcome) {
        (Some("acquired"), Ok(())) => true,
        (Some("busy"), Err(StoreError::Busy { detail })) => {
            assert_eq!(detail, places.detail(want), "{name}: busy");
            false
        }
        (Some("refused"), Err(StoreError::Refused { detail })) => {
            assert_eq!(detail, places.detail(want), "{name}: refused");
            false
        }
        (w, got) => panic!("{name}: expected {w:?}, got {got:?}"),
    };

    let left = &expect["left"];
    for (file, index, key) in [(LockName::Lock, 0, "lock"), (LockName::Guard, 1, "guard")] {
        let now = runner.found(file);
        match left[key].as_str() {
            Some("ours") => {
                let Some(Found::File(bytes)) = now else {
                    panic!("{name}: {key} is {now:?}, not our lock");
                };
                let holder = Holder::parse(&bytes).expect("our line parses");
                assert_eq!(
                    (holder.pid, holder.host, holder.tool.as_str()),
                    (places.pid, places.host.clone(), "cli"),
                    "{name}: our holder"
                );
            }
            Some("kept") => assert_eq!(now, before[index], "{name}: {key} kept"),
            Some("absent") => assert_eq!(now, None, "{name}: {key} absent"),
            other => panic!("{name}: left {key} {other:?}"),
        }
    }
    if acquired {
        runner.release();
        assert_eq!(runner.found(LockName::Lock), None, "{name}: released");
    }
}
