//! Environment variables that never carry a secret: the tool's own
//! settings and the variables that steer loaders, shells, interpreters
//! and the programs they start.
//!
//! A variable is on the list when setting it changes which code a
//! program loads or runs, or where it reads code, options or trusted
//! certificates from — and no credential is ever legitimately kept in it.
//! A secret mapped to one (by the user mapping, or because its key name
//! is the variable) would turn a value into code, or into a path that the
//! program prints back in its error message (`LD_PRELOAD=sk-…` makes the
//! dynamic loader print the value on every child's standard error).
//!
//! Deliberately not on the list, because they legitimately hold
//! credentials or ordinary settings: proxy variables (`HTTPS_PROXY` and
//! the like often carry a user and password), `TZ`, `LANG`, `LC_*`,
//! `NODE_ENV`, `MALLOC_ARENA_MAX` and other tuning knobs, and the
//! variables of build tools (`CARGO_*`, `NPM_CONFIG_*`) whose family also
//! holds registry tokens.
//!
//! `docs/format.md` (§3, "Variables a secret never sets") lists the same
//! entries; keep both in step.

use core::fmt;

/// Why a variable never carries a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A setting of agent secrets itself (the master password among them).
    Tool,
    /// Steers the dynamic loader or the C library.
    Loader,
    /// Steers a shell.
    Shell,
    /// Steers an interpreter or runtime: the code or options it loads.
    Interpreter,
    /// Names a program that other programs run.
    Launcher,
    /// Steers git (its configuration, hooks and helpers).
    Git,
    /// Changes which TLS certificates are trusted, or where TLS keys go.
    Tls,
}

impl Reason {
    /// The reason in words, to follow the variable's name.
    pub fn text(self) -> &'static str {
        match self {
            Self::Tool => "is a setting of agent itself (the master password among them)",
            Self::Loader => "steers the dynamic loader or the C library",
            Self::Shell => "steers the shell",
            Self::Interpreter => "steers an interpreter or runtime (the code and options it loads)",
            Self::Launcher => "names a program that other programs run",
            Self::Git => "steers git (configuration, hooks, helpers)",
            Self::Tls => "changes which TLS certificates are trusted or where TLS keys are written",
        }
    }
}

/// Variables that never carry a vault value: the tool's own settings,
/// among them the master password.
pub const TOOL_PREFIX: &str = "AGENT_SECRETS_";

/// Variables starting with one of these never carry a secret.
pub const PREFIXES: &[(&str, Reason)] = &[
    (TOOL_PREFIX, Reason::Tool),
    ("LD_", Reason::Loader),
    ("DYLD_", Reason::Loader),
    ("GIT_", Reason::Git),
    ("BASH_FUNC_", Reason::Shell),
    // Versioned forms too (LUA_INIT_5_4, LUA_PATH_5_4).
    ("LUA_INIT", Reason::Interpreter),
    ("LUA_PATH", Reason::Interpreter),
    ("LUA_CPATH", Reason::Interpreter),
];

/// These variables never carry a secret.
pub const NAMES: &[(&str, Reason)] = &[
    // The C library.
    ("GLIBC_TUNABLES", Reason::Loader),
    ("GCONV_PATH", Reason::Loader),
    ("LOCPATH", Reason::Loader),
    ("NLSPATH", Reason::Loader),
    ("HOSTALIASES", Reason::Loader),
    // Shells, and the environment every program trusts.
    ("PATH", Reason::Shell),
    ("HOME", Reason::Shell),
    ("SHELL", Reason::Shell),
    ("TMPDIR", Reason::Shell),
    ("IFS", Reason::Shell),
    ("ENV", Reason::Shell),
    ("BASH_ENV", Reason::Shell),
    ("BASHOPTS", Reason::Shell),
    ("SHELLOPTS", Reason::Shell),
    ("BASH_XTRACEFD", Reason::Shell),
    ("PROMPT_COMMAND", Reason::Shell),
    ("PS0", Reason::Shell),
    ("PS1", Reason::Shell),
    ("PS2", Reason::Shell),
    ("PS3", Reason::Shell),
    ("PS4", Reason::Shell),
    ("CDPATH", Reason::Shell),
    ("GLOBIGNORE", Reason::Shell),
    ("ZDOTDIR", Reason::Shell),
    ("FPATH", Reason::Shell),
    ("INPUTRC", Reason::Shell),
    // Programs that other programs start.
    ("EDITOR", Reason::Launcher),
    ("VISUAL", Reason::Launcher),
    ("PAGER", Reason::Launcher),
    ("MANPAGER", Reason::Launcher),
    ("LESSOPEN", Reason::Launcher),
    ("LESSCLOSE", Reason::Launcher),
    ("BROWSER", Reason::Launcher),
    ("SSH_ASKPASS", Reason::Launcher),
    ("SUDO_ASKPASS", Reason::Launcher),
    // Node.js.
    ("NODE_OPTIONS", Reason::Interpreter),
    ("NODE_PATH", Reason::Interpreter),
    ("NODE_REPL_EXTERNAL_MODULE", Reason::Interpreter),
    ("NODE_REDIRECT_WARNINGS", Reason::Interpreter),
    // Python.
    ("PYTHONPATH", Reason::Interpreter),
    ("PYTHONHOME", Reason::Interpreter),
    ("PYTHONSTARTUP", Reason::Interpreter),
    ("PYTHONWARNINGS", Reason::Interpreter),
    ("PYTHONBREAKPOINT", Reason::Interpreter),
    ("PYTHONINSPECT", Reason::Interpreter),
    ("PYTHONUSERBASE", Reason::Interpreter),
    ("PYTHONEXECUTABLE", Reason::Interpreter),
    ("PYTHONPLATLIBDIR", Reason::Interpreter),
    ("PYTHONPYCACHEPREFIX", Reason::Interpreter),
    // Perl.
    ("PERL5OPT", Reason::Interpreter),
    ("PERL5LIB", Reason::Interpreter),
    ("PERLLIB", Reason::Interpreter),
    ("PERL5DB", Reason::Interpreter),
    // Ruby.
    ("RUBYOPT", Reason::Interpreter),
    ("RUBYLIB", Reason::Interpreter),
    ("GEM_HOME", Reason::Interpreter),
    ("GEM_PATH", Reason::Interpreter),
    ("BUNDLE_GEMFILE", Reason::Interpreter),
    // The JVM.
    ("JAVA_TOOL_OPTIONS", Reason::Interpreter),
    ("_JAVA_OPTIONS", Reason::Interpreter),
    ("JDK_JAVA_OPTIONS", Reason::Interpreter),
    ("CLASSPATH", Reason::Interpreter),
    // .NET.
    ("DOTNET_STARTUP_HOOKS", Reason::Interpreter),
    ("DOTNET_ADDITIONAL_DEPS", Reason::Interpreter),
    ("CORECLR_PROFILER_PATH", Reason::Interpreter),
    ("COR_PROFILER_PATH", Reason::Interpreter),
    // PHP, Tcl, Go and Rust toolchains.
    ("PHPRC", Reason::Interpreter),
    ("PHP_INI_SCAN_DIR", Reason::Interpreter),
    ("TCLLIBPATH", Reason::Interpreter),
    ("GOFLAGS", Reason::Interpreter),
    ("RUSTC_WRAPPER", Reason::Interpreter),
    ("RUSTC_WORKSPACE_WRAPPER", Reason::Interpreter),
    ("RUSTFLAGS", Reason::Interpreter),
    // TLS trust and key logging.
    ("SSL_CERT_FILE", Reason::Tls),
    ("SSL_CERT_DIR", Reason::Tls),
    ("SSLKEYLOGFILE", Reason::Tls),
    ("OPENSSL_CONF", Reason::Tls),
    ("OPENSSL_ENGINES", Reason::Tls),
    ("OPENSSL_MODULES", Reason::Tls),
    ("CURL_CA_BUNDLE", Reason::Tls),
    ("REQUESTS_CA_BUNDLE", Reason::Tls),
    ("NODE_EXTRA_CA_CERTS", Reason::Tls),
    ("NODE_TLS_REJECT_UNAUTHORIZED", Reason::Tls),
];

/// The entry of the list a variable falls under: the list's own text
/// (`LD_*` or `PATH`), never the name that was asked about, so a message
/// built from it cannot echo a value typed where a name belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    /// `NAME`, or `PREFIX*` for a prefix.
    pub entry: &'static str,
    /// Whether `entry` is a prefix.
    pub prefix: bool,
    /// Why.
    pub reason: Reason,
}

impl fmt::Display for Reserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let star = if self.prefix { "*" } else { "" };
        write!(f, "{}{star} {}", self.entry, self.reason.text())
    }
}

/// Whether `name` is a variable no secret sets, and why; `None` when a
/// secret may set it. Names are compared exactly (environment variables
/// are case-sensitive: `path` is not `PATH`).
pub fn reserved(name: &str) -> Option<Reserved> {
    if let Some((entry, reason)) = NAMES.iter().find(|(n, _)| *n == name) {
        return Some(Reserved {
            entry,
            prefix: false,
            reason: *reason,
        });
    }
    PREFIXES
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map(|(entry, reason)| Reserved {
            entry,
            prefix: true,
            reason: *reason,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loaders_shells_and_interpreters_are_reserved() {
        for name in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "LD_AUDIT",
            "DYLD_INSERT_LIBRARIES",
            "GIT_SSH_COMMAND",
            "GIT_CONFIG_COUNT",
            "BASH_ENV",
            "ENV",
            "PROMPT_COMMAND",
            "PS4",
            "SHELLOPTS",
            "BASHOPTS",
            "IFS",
            "PATH",
            "HOME",
            "SHELL",
            "TMPDIR",
            "NODE_OPTIONS",
            "NODE_PATH",
            "PYTHONPATH",
            "PYTHONSTARTUP",
            "PYTHONHOME",
            "PERL5OPT",
            "PERL5LIB",
            "RUBYOPT",
            "RUBYLIB",
            "JAVA_TOOL_OPTIONS",
            "_JAVA_OPTIONS",
            "GCONV_PATH",
            "GLIBC_TUNABLES",
            "LUA_INIT_5_4",
            "NODE_EXTRA_CA_CERTS",
            "SSL_CERT_FILE",
            "AGENT_SECRETS_PASSWORD",
            "AGENT_SECRETS_NEW_PASSWORD",
        ] {
            assert!(reserved(name).is_some(), "{name}");
        }
    }

    #[test]
    fn ordinary_secrets_and_settings_are_not() {
        for name in [
            "OPENAI_API_KEY",
            "DATABASE_URL",
            "GITHUB_TOKEN",
            "HTTPS_PROXY",
            "http_proxy",
            "NODE_ENV",
            "TZ",
            "LANG",
            "LC_ALL",
            "MALLOC_ARENA_MAX",
            "CARGO_REGISTRY_TOKEN",
            "path",
            "ld_preload",
            "XPATH",
            "PATH_PREFIX",
            "MY_HOME",
        ] {
            assert_eq!(reserved(name), None, "{name}");
        }
    }

    #[test]
    fn messages_name_the_entry_not_the_input() {
        let r = reserved("LD_sk-CANARY").expect("prefix");
        assert_eq!(
            r.to_string(),
            "LD_* steers the dynamic loader or the C library"
        );
        let r = reserved("PATH").expect("name");
        assert_eq!(r.to_string(), "PATH steers the shell");
        assert_eq!(
            reserved("AGENT_SECRETS_X").map(|r| r.reason),
            Some(Reason::Tool)
        );
    }

    #[test]
    fn the_lists_are_valid_variable_names_without_duplicates() {
        let mut seen = std::collections::BTreeSet::new();
        for (name, _) in NAMES.iter().chain(PREFIXES) {
            assert!(crate::dotenv::is_shell_name(name), "{name}");
            assert!(seen.insert(*name), "{name} twice");
        }
        // A name that a prefix already covers would be dead weight.
        for (name, _) in NAMES {
            assert!(!PREFIXES.iter().any(|(p, _)| name.starts_with(p)), "{name}");
        }
    }

    #[test]
    fn every_reason_reads_as_a_sentence_after_its_entry() {
        let cases = [
            ("AGENT_SECRETS_PASSWORD", "AGENT_SECRETS_* is a setting of agent itself (the master password among them)"),
            ("LD_PRELOAD", "LD_* steers the dynamic loader or the C library"),
            ("PATH", "PATH steers the shell"),
            ("NODE_OPTIONS", "NODE_OPTIONS steers an interpreter or runtime (the code and options it loads)"),
            ("EDITOR", "EDITOR names a program that other programs run"),
            ("GIT_DIR", "GIT_* steers git (configuration, hooks, helpers)"),
            ("SSL_CERT_FILE", "SSL_CERT_FILE changes which TLS certificates are trusted or where TLS keys are written"),
        ];
        for (name, sentence) in cases {
            assert_eq!(
                reserved(name).map(|r| r.to_string()).as_deref(),
                Some(sentence),
                "{name}"
            );
        }
    }
}
