//! The user's own configuration, outside any vault, and the one place the
//! alert command comes from.
//!
//! A vault folder is untrusted input (a clone, a backup, a synced folder),
//! so nothing in it may name a program to run. The command that failed
//! unlocks trigger comes from, first match wins:
//!
//! 1. the variable [`ALERT_COMMAND_ENV`] (`AGENT_SECRETS_ALERT_COMMAND`): a
//!    JSON array of strings, program first; no shell, no splitting;
//! 2. the user configuration file ([`path`]):
//!    `$XDG_CONFIG_HOME/agent-secrets/config.json`, else
//!    `$HOME/.config/agent-secrets/config.json`, `{"alerts": {"command":
//!    [...]}}` ([`UserConfig`]). The file is refused — a warning, and
//!    treated as absent — when it is a symbolic link, not a regular file,
//!    owned by someone other than the user or root, writable by group or
//!    others, larger than [`MAX_BYTES`], or not valid
//!    ([`check_user_config_file`], [`parse`]).
//!
//! The vault's own `config.json` keeps the thresholds (`alerts.failed_unlocks`,
//! `alerts.window_seconds`); a `command` there is parsed, so the vault still
//! opens, but never run ([`vault_command_warning`]).
//!
//! The front ends open the file without following a symbolic link and
//! without blocking, take its metadata from the open file, read at most
//! `MAX_BYTES + 1` bytes of a regular file, and hand all of it to
//! [`alert_command`]. `docs/format.md` ("The user configuration") is the
//! prose form of this module.

use serde::{Deserialize, Serialize};

use crate::format::ConfigDoc;

/// The variable that names the alert command (wins over the file).
pub const ALERT_COMMAND_ENV: &str = "AGENT_SECRETS_ALERT_COMMAND";
/// The file's path below the configuration folder.
pub const RELATIVE_PATH: &str = "agent-secrets/config.json";
/// Largest accepted file: 64 KiB.
pub const MAX_BYTES: usize = 64 * 1024;

/// `config.json` in the user's configuration folder. Unknown members are
/// refused; every member is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    /// What to do on failed-unlock alerts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<UserAlerts>,
    /// How long a session of `agent secret unlock` lasts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<UserSession>,
}

/// The user's session limits ([`crate::session::Limits`]); a member left
/// out keeps its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSession {
    /// Seconds without use after which a session ends (default 900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_seconds: Option<u32>,
    /// Seconds after the unlock after which it ends at the latest
    /// (default 28800).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_seconds: Option<u32>,
}

impl UserSession {
    /// The limits it gives, defaults filled in.
    pub fn limits(&self) -> crate::session::Limits {
        let d = crate::session::Limits::default();
        crate::session::Limits {
            idle_seconds: self.idle_seconds.unwrap_or(d.idle_seconds),
            // A lone idle limit over the default maximum raises the maximum.
            max_seconds: self
                .max_seconds
                .unwrap_or_else(|| d.max_seconds.max(self.idle_seconds.unwrap_or(0))),
        }
    }
}

/// The user's alert settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserAlerts {
    /// A program and its arguments, run without a shell with the alert's
    /// audit line as one JSON line on its standard input.
    pub command: Vec<String>,
}

/// The file's path: `$XDG_CONFIG_HOME/agent-secrets/config.json` when the
/// variable is set to an absolute path (the XDG rule: a relative one is
/// ignored), else `$HOME/.config/agent-secrets/config.json`; `None` when
/// neither gives an absolute folder.
pub fn path(xdg_config_home: Option<&str>, home: Option<&str>) -> Option<String> {
    fn absolute(v: Option<&str>) -> Option<&str> {
        v.filter(|v| v.starts_with('/'))
    }
    let base = match absolute(xdg_config_home) {
        Some(xdg) => xdg.trim_end_matches('/').to_owned(),
        None => format!("{}/.config", absolute(home)?.trim_end_matches('/')),
    };
    Some(format!("{base}/{RELATIVE_PATH}"))
}

/// What the front end found at the file's path, opened without following
/// a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState<'a> {
    /// No file (or no path: neither `XDG_CONFIG_HOME` nor `HOME`).
    Absent,
    /// The path is a symbolic link (the open refused to follow it).
    Symlink,
    /// It could not be opened or read; the operating system's reason.
    Unreadable(&'a str),
    /// Opened: the open file's metadata and, for a regular file, its first
    /// bytes (at most [`MAX_BYTES`] + 1; empty for anything else).
    Opened {
        /// Its metadata.
        facts: FileFacts,
        /// What was read.
        bytes: &'a [u8],
    },
}

/// A file's type, owner and mode, from the open file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFacts {
    /// A regular file (not a FIFO, device, socket or folder).
    pub regular: bool,
    /// The owner's uid.
    pub owner: u32,
    /// The mode bits (`st_mode & 0o7777`).
    pub mode: u32,
}

/// Why the alert command was not taken from where it was looked for. The
/// text names the file and the fix, never the file's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// A symbolic link.
    #[error("{path} is a symbolic link, which is not followed; put the file itself there")]
    Symlink {
        /// The file.
        path: String,
    },
    /// Not a regular file.
    #[error("{path} is not a regular file")]
    NotAFile {
        /// The file.
        path: String,
    },
    /// Owned by someone else.
    #[error(
        "{path} is owned by uid {owner}, not by you (uid {user}) or root; fix: chown {user} {path}"
    )]
    NotOwned {
        /// The file.
        path: String,
        /// Its owner.
        owner: u32,
        /// The user running the tool.
        user: u32,
    },
    /// Group or others may write it.
    #[error("{path} can be written by group or others (mode {mode:04o}); fix: chmod go-w {path}")]
    Writable {
        /// The file.
        path: String,
        /// Its mode.
        mode: u32,
    },
    /// Over [`MAX_BYTES`].
    #[error("{path} is larger than {} KiB", MAX_BYTES / 1024)]
    TooLarge {
        /// The file.
        path: String,
    },
    /// Cannot be opened or read.
    #[error("cannot read {path} ({reason})")]
    Unreadable {
        /// The file.
        path: String,
        /// The operating system's reason.
        reason: String,
    },
    /// Not a valid user configuration.
    #[error("{path}: {detail}")]
    Invalid {
        /// The file, or [`ALERT_COMMAND_ENV`].
        path: String,
        /// What is wrong: fixed text and positions only.
        detail: &'static str,
    },
}

/// The file rule, like ssh's StrictModes: a regular file owned by `user`
/// (or root) that neither group nor others may write.
pub fn check_user_config_file(path: &str, facts: &FileFacts, user: u32) -> Result<(), Refusal> {
    let path = path.to_owned();
    if !facts.regular {
        return Err(Refusal::NotAFile { path });
    }
    // The one ownership rule, shared with the vault folder's files.
    match crate::files::check_ownership(facts.owner, facts.mode, user) {
        Ok(()) => Ok(()),
        Err(crate::files::Ownership::Foreign) => Err(Refusal::NotOwned {
            path,
            owner: facts.owner,
            user,
        }),
        Err(crate::files::Ownership::Writable) => Err(Refusal::Writable {
            path,
            mode: facts.mode,
        }),
    }
}

/// Parses the file (strict: unknown members refused). `path` only names it
/// in the error.
pub fn parse(path: &str, bytes: &[u8]) -> Result<UserConfig, Refusal> {
    let invalid = |detail| Refusal::Invalid {
        path: path.to_owned(),
        detail,
    };
    if bytes.len() > MAX_BYTES {
        return Err(Refusal::TooLarge {
            path: path.to_owned(),
        });
    }
    let config: UserConfig = serde_json::from_slice(bytes).map_err(|e| invalid(describe(&e)))?;
    if let Some(alerts) = &config.alerts {
        check_command(&alerts.command).map_err(invalid)?;
    }
    if let Some(session) = &config.session {
        crate::session::check_limits(&session.limits()).map_err(invalid)?;
    }
    Ok(config)
}

/// Parses the value of [`ALERT_COMMAND_ENV`]: a JSON array of strings.
pub fn parse_command_env(value: &str) -> Result<Vec<String>, Refusal> {
    let invalid = |detail| Refusal::Invalid {
        path: ALERT_COMMAND_ENV.to_owned(),
        detail,
    };
    let command: Vec<String> = serde_json::from_str(value).map_err(|e| {
        invalid(match describe(&e) {
            "a member has the wrong type" => "not a JSON array of strings",
            other => other,
        })
    })?;
    check_command(&command).map_err(invalid)?;
    Ok(command)
}

fn check_command(command: &[String]) -> Result<(), &'static str> {
    match command.first() {
        None => Err("the command is empty (give the program, then its arguments)"),
        Some(program) if program.is_empty() => Err("the program is an empty string"),
        Some(_) if command.iter().any(|a| a.contains('\0')) => {
            Err("an argument contains a NUL character")
        }
        Some(_) => Ok(()),
    }
}

/// A parse error without quoting the input (serde quotes strings and
/// unknown member names).
fn describe(e: &serde_json::Error) -> &'static str {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io | Category::Syntax => "invalid JSON",
        Category::Eof => "truncated JSON",
        Category::Data if e.to_string().starts_with("unknown field") => {
            "a member this version does not know (expected {\"alerts\": {\"command\": [...]}, \"session\": {\"idle_seconds\": N, \"max_seconds\": N}})"
        }
        Category::Data => "a member has the wrong type",
    }
}

/// Where an alert command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandSource {
    /// [`ALERT_COMMAND_ENV`].
    Env,
    /// The user configuration file.
    File,
}

/// The alert command to run, if any, and a warning when something was
/// refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChoice {
    /// Program first, then its arguments.
    pub command: Option<Vec<String>>,
    /// Where it came from.
    pub source: Option<CommandSource>,
    /// What was refused, with the fix; the command is then not run.
    pub warning: Option<String>,
}

/// The file at `path` as `file` describes it, checked by
/// [`check_user_config_file`] for `user` and parsed by [`parse`]; `None`
/// when there is none.
fn load(path: &str, file: FileState<'_>, user: u32) -> Result<Option<UserConfig>, Refusal> {
    let owned = path.to_owned();
    let bytes = match file {
        FileState::Absent => return Ok(None),
        FileState::Symlink => return Err(Refusal::Symlink { path: owned }),
        FileState::Unreadable(reason) => {
            return Err(Refusal::Unreadable {
                path: owned,
                reason: reason.to_owned(),
            })
        }
        FileState::Opened { facts, bytes } => {
            check_user_config_file(path, &facts, user)?;
            bytes
        }
    };
    parse(path, bytes).map(Some)
}

/// The alert command: [`ALERT_COMMAND_ENV`] when set and not empty (the
/// file is then not consulted), else the user configuration file at
/// `path` as `file` describes it, checked by [`check_user_config_file`]
/// for `user` (the uid running the tool) and parsed by [`parse`]. Anything
/// refused gives no command and a warning.
pub fn alert_command(
    env_value: Option<&str>,
    path: Option<&str>,
    file: FileState<'_>,
    user: u32,
) -> AlertChoice {
    let refused = |r: Refusal| AlertChoice {
        command: None,
        source: None,
        warning: Some(format!("{r}; no alert command is run.")),
    };
    if let Some(value) = env_value.filter(|v| !v.is_empty()) {
        return match parse_command_env(value) {
            Ok(command) => AlertChoice {
                command: Some(command),
                source: Some(CommandSource::Env),
                warning: None,
            },
            Err(r) => refused(r),
        };
    }
    let none = AlertChoice {
        command: None,
        source: None,
        warning: None,
    };
    let Some(path) = path else {
        return none;
    };
    match load(path, file, user) {
        Ok(Some(UserConfig {
            alerts: Some(alerts),
            ..
        })) => AlertChoice {
            command: Some(alerts.command),
            source: Some(CommandSource::File),
            warning: None,
        },
        Ok(_) => none,
        Err(r) => refused(r),
    }
}

/// The session limits of the user configuration file at `path` (as for
/// [`alert_command`]), the defaults when it has none, and a warning when
/// the file was refused (the defaults are then used).
pub fn session_limits(
    path: Option<&str>,
    file: FileState<'_>,
    user: u32,
) -> (crate::session::Limits, Option<String>) {
    let Some(path) = path else {
        return (crate::session::Limits::default(), None);
    };
    match load(path, file, user) {
        Ok(config) => (
            config
                .and_then(|c| c.session)
                .map_or_else(crate::session::Limits::default, |s| s.limits()),
            None,
        ),
        Err(r) => (
            crate::session::Limits::default(),
            Some(format!("{r}; the default session limits are used.")),
        ),
    }
}

/// The warning every unlock gives when the vault's `config.json` holds an
/// `alerts.command`, which is never run; `None` otherwise.
pub fn vault_command_warning(config: &ConfigDoc) -> Option<&'static str> {
    config
        .alerts
        .as_ref()
        .and_then(|a| a.command.as_ref())
        .map(|_| VAULT_COMMAND_IGNORED)
}

/// See [`vault_command_warning`].
pub const VAULT_COMMAND_IGNORED: &str = "config.json has an \"alerts\" \"command\", which is never run: \
    a program is never taken from the vault folder (anyone who can write the folder could plant one). \
    `agent secret config --alert-after N --alert-window S` writes the thresholds again without it; \
    name the command in your own configuration (~/.config/agent-secrets/config.json) or in \
    AGENT_SECRETS_ALERT_COMMAND.";

#[cfg(test)]
mod tests {
    use super::*;

    const UID: u32 = 1000;
    const PATH: &str = "/home/u/.config/agent-secrets/config.json";

    fn opened(mode: u32, owner: u32, bytes: &[u8]) -> FileState<'_> {
        FileState::Opened {
            facts: FileFacts {
                regular: true,
                owner,
                mode,
            },
            bytes,
        }
    }

    const GOOD: &[u8] = br#"{"alerts": {"command": ["notify-send", "agent secrets"]}}"#;

    #[test]
    fn the_path_follows_xdg() {
        assert_eq!(
            path(Some("/x/cfg/"), Some("/home/u")).as_deref(),
            Some("/x/cfg/agent-secrets/config.json")
        );
        assert_eq!(
            path(Some("relative"), Some("/home/u")).as_deref(),
            Some("/home/u/.config/agent-secrets/config.json")
        );
        assert_eq!(
            path(Some(""), Some("/home/u")).as_deref(),
            Some("/home/u/.config/agent-secrets/config.json")
        );
        assert_eq!(path(None, None), None);
        assert_eq!(path(None, Some("")), None);
    }

    #[test]
    fn no_path_and_no_variable_give_no_command_and_no_warning() {
        let none = AlertChoice {
            command: None,
            source: None,
            warning: None,
        };
        assert_eq!(alert_command(None, None, FileState::Absent, UID), none);
        assert_eq!(alert_command(Some(""), None, FileState::Absent, UID), none);
    }

    #[test]
    fn a_good_file_gives_its_command() {
        let c = alert_command(None, Some(PATH), opened(0o600, UID, GOOD), UID);
        assert_eq!(
            c.command.as_deref(),
            Some(&["notify-send".to_owned(), "agent secrets".to_owned()][..])
        );
        assert_eq!(c.source, Some(CommandSource::File));
        assert_eq!(c.warning, None);
        // root's file, read-only for others: fine
        let c = alert_command(None, Some(PATH), opened(0o644, 0, GOOD), UID);
        assert!(c.command.is_some());
        // no alerts member: nothing, no warning
        let c = alert_command(None, Some(PATH), opened(0o600, UID, b"{}"), UID);
        assert_eq!((c.command, c.warning), (None, None));
        let c = alert_command(None, Some(PATH), FileState::Absent, UID);
        assert_eq!((c.command, c.warning), (None, None));
    }

    #[test]
    fn files_others_control_are_refused_with_the_fix() {
        let warn = |file| {
            let c = alert_command(None, Some(PATH), file, UID);
            assert_eq!(c.command, None);
            c.warning.expect("a warning")
        };
        let w = warn(opened(0o620, UID, GOOD));
        assert!(
            w.contains("mode 0620") && w.contains(&format!("chmod go-w {PATH}")),
            "{w}"
        );
        let w = warn(opened(0o602, UID, GOOD));
        assert!(w.contains("group or others"), "{w}");
        let w = warn(opened(0o600, 1001, GOOD));
        assert!(w.contains("uid 1001") && w.contains("chown 1000"), "{w}");
        let w = warn(FileState::Symlink);
        assert!(w.contains("symbolic link"), "{w}");
        let w = warn(FileState::Opened {
            facts: FileFacts {
                regular: false,
                owner: UID,
                mode: 0o600,
            },
            bytes: b"",
        });
        assert!(w.contains("not a regular file"), "{w}");
        let w = warn(FileState::Unreadable("Permission denied"));
        assert!(w.contains("Permission denied"), "{w}");
        let big = vec![b' '; MAX_BYTES + 1];
        let w = warn(opened(0o600, UID, &big));
        assert!(w.contains("larger than 64 KiB"), "{w}");
        assert!(w.ends_with("; no alert command is run."), "{w}");
    }

    #[test]
    fn invalid_files_are_refused_without_quoting_them() {
        for bad in [
            &br#"{"alerts": {"command": []}}"#[..],
            br#"{"alerts": {"command": [""]}}"#,
            br#"{"alerts": {"command": "sh -c x"}}"#,
            br#"{"alerts": {"command": ["x"], "sk-CANARY": 1}}"#,
            br#"{"sk-CANARY": {}}"#,
            br#"{"alerts": {"command": ["x", "a\u0000b"]}}"#,
            b"sk-CANARY",
            b"",
        ] {
            let c = alert_command(None, Some(PATH), opened(0o600, UID, bad), UID);
            let w = c.warning.expect("refused");
            assert_eq!(c.command, None);
            assert!(w.starts_with(PATH) && !w.contains("CANARY"), "{w}");
        }
    }

    #[test]
    fn the_environment_wins_and_is_strict() {
        let env = Some(r#"["logger", "-t", "agent"]"#);
        // even over a refused file, which is then not looked at
        let c = alert_command(env, Some(PATH), FileState::Symlink, UID);
        assert_eq!(c.command.map(|c| c.len()), Some(3));
        assert_eq!((c.source, c.warning), (Some(CommandSource::Env), None));
        for bad in [
            "logger -t agent",
            "[]",
            "[1]",
            "{}",
            "[\"\"]",
            "[\"sk-CANARY",
        ] {
            let c = alert_command(Some(bad), Some(PATH), opened(0o600, UID, GOOD), UID);
            assert_eq!(c.command, None, "{bad}");
            let w = c.warning.expect("refused");
            assert!(
                w.starts_with(ALERT_COMMAND_ENV) && !w.contains("CANARY"),
                "{w}"
            );
        }
        // empty counts as unset
        let c = alert_command(Some(""), Some(PATH), opened(0o600, UID, GOOD), UID);
        assert_eq!(c.source, Some(CommandSource::File));
    }

    #[test]
    fn session_limits_come_from_the_file_or_the_defaults() {
        use crate::session::Limits;
        let limits = |bytes: &[u8]| session_limits(Some(PATH), opened(0o600, UID, bytes), UID);
        assert_eq!(limits(b"{}"), (Limits::default(), None));
        assert_eq!(
            session_limits(Some(PATH), FileState::Absent, UID),
            (Limits::default(), None)
        );
        assert_eq!(session_limits(None, FileState::Absent, UID).1, None);
        let (l, w) = limits(br#"{"session": {"idle_seconds": 60, "max_seconds": 600}}"#);
        assert_eq!((l.idle_seconds, l.max_seconds, w), (60, 600, None));
        let (l, _) = limits(br#"{"session": {"idle_seconds": 60}}"#);
        assert_eq!((l.idle_seconds, l.max_seconds), (60, 28_800));
        let (l, _) = limits(br#"{"session": {"idle_seconds": 86400}}"#);
        assert_eq!((l.idle_seconds, l.max_seconds), (86_400, 86_400));
        // Alerts and a session side by side.
        let both = br#"{"alerts": {"command": ["x"]}, "session": {"max_seconds": 3600}}"#;
        assert_eq!(limits(both).0.max_seconds, 3600);
        assert!(
            alert_command(None, Some(PATH), opened(0o600, UID, both), UID)
                .command
                .is_some()
        );
        for bad in [
            &br#"{"session": {"idle_seconds": 0}}"#[..],
            br#"{"session": {"idle_seconds": 700, "max_seconds": 600}}"#,
            br#"{"session": {"max_seconds": 604801}}"#,
            br#"{"session": {"ttl": 5}}"#,
            br#"{"session": {"idle_seconds": "15m"}}"#,
        ] {
            let (l, w) = limits(bad);
            assert_eq!(l, Limits::default());
            let w = w.expect("refused");
            assert!(
                w.starts_with(PATH) && w.ends_with("the default session limits are used."),
                "{w}"
            );
        }
        // A file others can write gives no limits either.
        let (l, w) = session_limits(Some(PATH), opened(0o666, UID, b"{}"), UID);
        assert_eq!(l, Limits::default());
        assert!(w.expect("refused").contains("chmod go-w"));
    }

    #[test]
    fn the_file_rule_alone() {
        let f = |regular, owner, mode| FileFacts {
            regular,
            owner,
            mode,
        };
        assert!(check_user_config_file(PATH, &f(true, UID, 0o600), UID).is_ok());
        assert!(check_user_config_file(PATH, &f(true, UID, 0o644), UID).is_ok());
        assert!(check_user_config_file(PATH, &f(true, 0, 0o444), UID).is_ok());
        assert!(check_user_config_file(PATH, &f(true, UID, 0o660), UID).is_err());
        assert!(check_user_config_file(PATH, &f(true, UID, 0o666), UID).is_err());
        assert!(check_user_config_file(PATH, &f(true, 7, 0o600), UID).is_err());
        assert!(check_user_config_file(PATH, &f(false, UID, 0o600), UID).is_err());
    }
}
