//! The CLI's error type and the one place that maps errors to exit codes
//! (and to the category its audit line is recorded with).

use agent_secrets_core::{Error as CoreError, ErrorKind};

/// Exit codes (docs/cli.md, "Exit codes").
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// I/O, permissions, other.
    pub const ERROR: u8 = 1;
    /// Usage.
    pub const USAGE: u8 = 2;
    /// Not found in the vault nor the environment.
    pub const NOT_FOUND: u8 = 3;
    /// Wrong password.
    pub const WRONG_PASSWORD: u8 = 4;
    /// Locked out.
    pub const LOCKED: u8 = 5;
    /// Tampered or corrupt data.
    pub const INTEGRITY: u8 = 6;
    /// No vault here.
    pub const NOT_INITIALIZED: u8 = 7;
    /// `preflight` or `scan` found problems.
    pub const FINDINGS: u8 = 8;
}

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// From the core (and through it, the file store).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// Bad use of the command line that clap cannot see.
    #[error("{0}")]
    Usage(String),
    /// `agent secret run`: the child's exit status (128+N for signal N),
    /// passed on without a message of our own.
    #[error("")]
    ChildExit(u8),
    /// A report was printed and it found problems (e.g. corrupt documents
    /// while listing); the code says which kind.
    #[error("{message}")]
    Reported {
        /// One line for stderr.
        message: String,
        /// The exit code.
        code: u8,
    },
    /// Standard output could not be written (a full disk, a closed file);
    /// a closed pipe ([`CliError::is_broken_pipe`]) is the reader's choice
    /// and ends the command as a success.
    #[error("cannot write to standard output ({0}).")]
    Output(#[from] std::io::Error),
}

impl CliError {
    /// The exit code (docs/cli.md): the one place that decides it.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Core(e) => kind_code(e.kind()),
            Self::Usage(_) => exit::USAGE,
            Self::Reported { code, .. } => *code,
            Self::ChildExit(code) => *code,
            Self::Output(_) if self.is_broken_pipe() => exit::OK,
            Self::Output(_) => exit::ERROR,
        }
    }

    /// Whether the reader of standard output went away (`agent secret list
    /// | head -1`): as ripgrep does, not a failure, and nothing to say.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Self::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// Whether the error has a message to print (the child's own exit
    /// status and a closed pipe have none).
    pub fn has_message(&self) -> bool {
        !matches!(self, Self::ChildExit(_)) && !self.is_broken_pipe()
    }

    /// The category the command's audit line is recorded under (the core
    /// decides the status from it, [`agent_secrets_core::operation::audit_status`]);
    /// `None` when the command did its job: `run` delivered the secrets
    /// (the child's own failure is not the vault's), or the reader closed
    /// the pipe.
    pub fn audit_kind(&self) -> Option<ErrorKind> {
        match self {
            Self::Core(e) => Some(e.kind()),
            Self::Usage(_) => Some(ErrorKind::Usage),
            Self::ChildExit(_) => None,
            Self::Output(_) if self.is_broken_pipe() => None,
            Self::Output(_) => Some(ErrorKind::Io),
            Self::Reported { code, .. } => Some(match *code {
                exit::USAGE => ErrorKind::Usage,
                exit::NOT_INITIALIZED => ErrorKind::NotInitialized,
                exit::INTEGRITY => ErrorKind::Integrity,
                _ => ErrorKind::Io,
            }),
        }
    }
}

/// Exit code of an error category.
pub fn kind_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Usage => exit::USAGE,
        ErrorKind::NotFound => exit::NOT_FOUND,
        ErrorKind::WrongPassword => exit::WRONG_PASSWORD,
        ErrorKind::Locked => exit::LOCKED,
        // An unresolved merge is refused like damaged data (docs/cli.md).
        ErrorKind::Integrity | ErrorKind::Conflict => exit::INTEGRITY,
        ErrorKind::NotInitialized => exit::NOT_INITIALIZED,
        _ => exit::ERROR,
    }
}
