//! The one error type of the core.
//!
//! Every message is fixed text plus names (file, service, key, key id) and
//! numbers. No variant has a field that could carry a secret value, a
//! password or key material, and names the user typed are not echoed back
//! when they are invalid (a value pasted in the wrong place stays off the
//! screen).

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A service name broke the naming rule.
    #[error("Invalid service name ({reason}). A service name is 1 to 64 characters of a-z, 0-9, '_' and '-', starts with a letter or digit, and is not 'config' or 'state'.")]
    InvalidServiceName {
        /// What was wrong, in words (never the name itself).
        reason: &'static str,
    },
    /// A key name broke the naming rule.
    #[error("Invalid key name ({reason}). A key name is 1 to 128 characters of A-Z, a-z, 0-9, '_', '.' and '-', and starts with a letter or '_'.")]
    InvalidKeyName {
        /// What was wrong, in words (never the name itself).
        reason: &'static str,
    },
    /// There is no `config.json`.
    #[error("Vault not initialized. Run `agent secret init` to create it.")]
    NotInitialized,
    /// `init` found a vault already there.
    #[error("A vault already exists here (config.json is present); init refuses to overwrite it.")]
    AlreadyInitialized,
    /// `init` found files in the folder that an `init` of ours did not
    /// leave ([`crate::files::check_init_folder`]).
    #[error("The folder is not empty ({entries}); init creates a vault only in an empty folder and removes nothing. Move those files out, or choose another folder.")]
    FolderNotEmpty {
        /// Up to five of the names found, then how many more.
        entries: String,
    },
    /// The password opened no recipient's wrapping of the vault key. Every
    /// way a password can fail collapses into this one variant.
    #[error("Incorrect password.{}", wrong_password_tail(*attempts_remaining, *locked_for_seconds))]
    WrongPassword {
        /// Attempts left before a lockout, when the lockout counted this one.
        attempts_remaining: Option<u32>,
        /// When this attempt started a lockout: its length.
        locked_for_seconds: Option<u64>,
    },
    /// A lockout is running: no password is tried until it ends.
    #[error("Too many failed attempts. Try again in {retry_after_seconds} s.")]
    Locked {
        /// Seconds until the next attempt is allowed.
        retry_after_seconds: u64,
    },
    /// As many attempts as the lockout allows are failed or still running:
    /// this one waits for them (no password is tried meanwhile).
    #[error("Too many unlock attempts are running on this vault at once; try again in a moment.")]
    UnlocksInFlight,
    /// The password is too weak for `init` or `passwd`.
    #[error("Password too weak: {reason}. Use at least 12 characters from at least 3 of: lower case, upper case, digits, symbols.")]
    WeakPassword {
        /// What was missing.
        reason: &'static str,
    },
    /// No file for this service.
    #[error("Service '{service}' not configured.")]
    ServiceNotFound {
        /// The service asked for.
        service: String,
    },
    /// The service exists but not this key.
    #[error("Secret '{key}' not found in service '{service}'.")]
    SecretNotFound {
        /// The service asked for.
        service: String,
        /// The key asked for.
        key: String,
    },
    /// A ciphertext failed its authentication tag (flipped byte, moved
    /// ciphertext, wrong AAD).
    #[error("{file}: ciphertext of '{key}' failed its integrity check (tampered or corrupt); other services are unaffected.")]
    Tampered {
        /// The document, e.g. `openai.json`.
        file: String,
        /// The secret key, or the data key id for `config.json`.
        key: String,
    },
    /// A wrapped data key failed its tag although the vault key opened and
    /// the MAC verified: `config.json` is damaged.
    #[error("config.json: data key '{id}' failed its integrity check (tampered or corrupt); the vault cannot open until config.json is restored from a backup.")]
    TamperedKey {
        /// The data key id.
        id: String,
    },
    /// `config.json` does not carry a valid MAC under the vault key the
    /// password opened: edited without the password, or copied from
    /// another vault. Nothing in it was used.
    #[error("config.json: its MAC does not verify under this vault's key (changed without the master password, or copied from another vault); nothing in it was used. Restore config.json from a backup you trust.")]
    ConfigMac,
    /// A held vault key (a session agent's) is not the vault's current one.
    #[error("The vault key held for this vault is not its current one (the vault was rotated or replaced); unlock with the master password.")]
    VaultKeyMiss,
    /// The command needs the password itself (a password key), not only
    /// the vault key.
    #[error("This change needs the master password; unlock with it.")]
    NeedsPassword,
    /// `recipients add` with a name the vault already has.
    #[error("The vault already has a recipient named '{recipient}'; choose another name (nothing was changed).")]
    RecipientExists {
        /// The name.
        recipient: String,
    },
    /// A recipient name the vault does not have.
    #[error(
        "The vault has no recipient named '{recipient}' (see 'agent secret recipients list')."
    )]
    RecipientNotFound {
        /// The name.
        recipient: String,
    },
    /// `recipients remove` of the only recipient.
    #[error("'{recipient}' is the vault's only recipient; removing it would leave a vault nobody can open, so it is refused (nothing was changed).")]
    LastRecipient {
        /// The name.
        recipient: String,
    },
    /// A front end without age support met an `age` recipient it must
    /// encrypt to.
    #[error("Recipient '{recipient}' is an age or SSH key, which this front end cannot encrypt to; run this with the agent command (nothing was changed).")]
    AgeUnsupported {
        /// The name.
        recipient: String,
    },
    /// A public key given for a recipient is not a valid age or SSH public
    /// key (the key itself is never repeated).
    #[error("Recipient '{recipient}': {reason} (nothing was changed).")]
    InvalidRecipientKey {
        /// The name.
        recipient: String,
        /// Why, in fixed words.
        reason: &'static str,
    },
    /// A document does not parse or breaks a rule of the format.
    #[error("{file}: {detail} (corrupt or edited by hand); the file was left as it is.")]
    Corrupt {
        /// The document.
        file: String,
        /// What is wrong: fixed text, field names and positions only.
        detail: String,
    },
    /// A service document left by a merge with conflicts
    /// (docs/format.md §6.1): nothing in it is used until every conflict
    /// is resolved. Names only (the file, the service, the keys in
    /// conflict), never a value or a ciphertext.
    #[error("{file}: unresolved merge: {keys} changed differently on two branches, so nothing in {file} is used. Resolve each with `agent secret resolve {service} KEY --ours` (or `--theirs`).")]
    Conflict {
        /// The document, e.g. `openai.json`.
        file: String,
        /// Its service.
        service: String,
        /// The keys in conflict, quoted (up to five, then how many more).
        keys: String,
    },
    /// `config.json` left by a merge that changed it on both branches
    /// (docs/format.md §3.3): the vault does not open until it is resolved.
    #[error("config.json: unresolved merge: it changed on both branches, so the vault does not open. Resolve it with `agent secret resolve --config --ours` (or `--theirs`), then repeat the other side's change.")]
    ConfigConflict,
    /// `resolve` of a key that is not in conflict.
    #[error("Service '{service}' has no unresolved merge for '{key}' (nothing was changed).")]
    NotInConflict {
        /// The service asked for.
        service: String,
        /// The key asked for.
        key: String,
    },
    /// `resolve --config` while `config.json` is not a conflict document.
    #[error("config.json has no unresolved merge (nothing was changed).")]
    ConfigNotInConflict,
    /// A document declares a format version this build does not know.
    #[error("{file} was written by a newer version of agent secrets (format version {found}; this build reads version 1). Upgrade agent secrets; nothing was changed.")]
    NewerVersion {
        /// The document.
        file: String,
        /// The version it declares.
        found: u64,
    },
    /// KDF iterations outside 100,000..=10,000,000.
    #[error(
        "PBKDF2 iteration count {iterations} is outside the accepted range 100000 to 10000000."
    )]
    KdfOutOfRange {
        /// The count asked for or found.
        iterations: u64,
    },
    /// A side of a `config.json` merge does not verify under its own
    /// vault key ([`crate::merge_config::merge`]): nothing was merged.
    #[error("config.json ({side} side of the merge): its MAC does not verify under its vault key (changed without a key holder, or damaged); nothing was merged or written.")]
    MergeMac {
        /// `ours` or `theirs`.
        side: &'static str,
    },
    /// A side of a `config.json` merge is under a vault key this command
    /// does not hold ([`crate::merge_config::merge`]).
    #[error("config.json ({side} side of the merge) is under a vault key this command does not hold (the password opens none of its recipients, or the session holds another key); nothing was merged.")]
    MergeNeedsKey {
        /// `ours` or `theirs`.
        side: &'static str,
    },
    /// The keys changed (rotate or passwd) between unlock and a write.
    #[error("The vault's keys changed while this command ran (a rotate or passwd in another process); run the command again.")]
    KeysChanged,
    /// `AGENT_SECRETS_LOCK_TIMEOUT_MS` breaks the grammar of
    /// [`crate::lock::timeout_from_env`] (the value is not echoed).
    #[error("AGENT_SECRETS_LOCK_TIMEOUT_MS must be a whole number of milliseconds written with the digits 0-9 only (such as 10000), or be unset or empty for the default of 10000.")]
    LockTimeout,
    /// The storage adapter failed.
    #[error(transparent)]
    Storage(#[from] StoreError),
    /// The operating system's random number generator failed.
    #[error("The system random number generator failed; nothing was written.")]
    Random,
    /// An argument breaks a rule its caller had to keep: a size (a value
    /// over 1 MiB, a key, password key, nonce or salt of the wrong length),
    /// a range (a lockout policy, alert thresholds), a form (a name, a
    /// `SERVICE/KEY` pair, a vault key id, a time, an audit operation or
    /// status from JavaScript, JSON for the `hazmat` primitives), a mapping
    /// rule or a change that would break a rule of `config.json`; also a
    /// result a binding cannot hand back (an encoding failure). The text
    /// names the rule, never the argument; a usage error
    /// ([`ErrorKind::Usage`]).
    #[error("Invalid parameter: {0}.")]
    InvalidParameter(&'static str),
    /// A variable that never carries a secret ([`crate::reserved_vars`]):
    /// the message names the list's entry, not the name given.
    #[error("{0}; a secret never sets it. Choose another variable name.")]
    ReservedVariable(crate::reserved_vars::Reserved),
}

fn wrong_password_tail(remaining: Option<u32>, locked_for: Option<u64>) -> String {
    match (remaining, locked_for) {
        (_, Some(seconds)) => format!(" Too many failed attempts. Try again in {seconds} s."),
        (Some(1), None) => " 1 attempt remaining.".to_owned(),
        (Some(n), None) => format!(" {n} attempts remaining."),
        (None, None) => String::new(),
    }
}

impl Error {
    /// The plain wrong-password error, before the lockout counts it.
    pub const WRONG_PASSWORD: Error = Error::WrongPassword {
        attempts_remaining: None,
        locked_for_seconds: None,
    };
}

/// Failures reported by a [`crate::Store`] implementation.
///
/// Adapters fill in locations (paths, document names) and the operating
/// system's reason; they never put document contents here.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The location cannot be written.
    #[error("Cannot write to {location}. Check permissions. ({reason})")]
    CannotWrite {
        /// Folder or file.
        location: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The location cannot be read.
    #[error("Cannot read {location}. Check permissions. ({reason})")]
    CannotRead {
        /// Folder or file.
        location: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The folder or one of its files breaks the rules of
    /// [`crate::files`] (a symbolic link, a FIFO, someone else's or a
    /// group-writable file, over its size cap): refused without reading it.
    #[error("{detail}")]
    Refused {
        /// The core's message: the path, what is wrong, and the fix.
        detail: String,
    },
    /// Another writer holds the lock for too long.
    #[error("The vault is busy: {detail}")]
    Busy {
        /// Who holds the lock and how to clear it.
        detail: String,
    },
}

impl From<crate::files::FileProblem> for StoreError {
    fn from(problem: crate::files::FileProblem) -> Self {
        Self::Refused {
            detail: problem.to_string(),
        }
    }
}

/// The categories every front end maps errors to: the CLI to exit codes,
/// the wasm build to `Error.code` strings. One place decides the category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad input from the caller (names, weak password, parameters).
    Usage,
    /// A service or secret that does not exist.
    NotFound,
    /// The password did not open the vault.
    WrongPassword,
    /// Too many failed attempts; wait.
    Locked,
    /// Tampered, corrupt or unreadable-version data.
    Integrity,
    /// No vault here yet.
    NotInitialized,
    /// A document left by a merge with conflicts: resolve it first.
    Conflict,
    /// Storage, randomness or other environment failures.
    Io,
}

impl ErrorKind {
    /// The stable code string given to JavaScript (`Error.code`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Usage => "INVALID_INPUT",
            Self::NotFound => "NOT_FOUND",
            Self::WrongPassword => "WRONG_PASSWORD",
            Self::Locked => "LOCKED",
            Self::Integrity => "INTEGRITY",
            Self::Conflict => "CONFLICT",
            Self::NotInitialized => "NOT_INITIALIZED",
            Self::Io => "IO",
        }
    }

    /// The category whose [`ErrorKind::code`] is `code`, if any.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Usage,
            Self::NotFound,
            Self::WrongPassword,
            Self::Locked,
            Self::Integrity,
            Self::Conflict,
            Self::NotInitialized,
            Self::Io,
        ]
        .into_iter()
        .find(|kind| kind.code() == code)
    }
}

impl Error {
    /// This error's category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidServiceName { .. }
            | Self::InvalidKeyName { .. }
            | Self::WeakPassword { .. }
            | Self::AlreadyInitialized
            | Self::FolderNotEmpty { .. }
            | Self::KdfOutOfRange { .. }
            | Self::NeedsPassword
            | Self::RecipientExists { .. }
            | Self::LastRecipient { .. }
            | Self::AgeUnsupported { .. }
            | Self::InvalidRecipientKey { .. }
            | Self::InvalidParameter(_)
            | Self::ReservedVariable(_)
            | Self::LockTimeout => ErrorKind::Usage,
            Self::NotInitialized => ErrorKind::NotInitialized,
            Self::WrongPassword { .. } | Self::VaultKeyMiss | Self::MergeNeedsKey { .. } => {
                ErrorKind::WrongPassword
            }
            Self::Locked { .. } | Self::UnlocksInFlight => ErrorKind::Locked,
            Self::ServiceNotFound { .. }
            | Self::SecretNotFound { .. }
            | Self::RecipientNotFound { .. }
            | Self::NotInConflict { .. }
            | Self::ConfigNotInConflict => ErrorKind::NotFound,
            Self::Conflict { .. } | Self::ConfigConflict => ErrorKind::Conflict,
            Self::Tampered { .. }
            | Self::TamperedKey { .. }
            | Self::ConfigMac
            | Self::MergeMac { .. }
            | Self::Corrupt { .. }
            | Self::NewerVersion { .. } => ErrorKind::Integrity,
            Self::KeysChanged | Self::Storage(_) | Self::Random => ErrorKind::Io,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_their_kinds_both_ways() {
        let kinds = [
            (ErrorKind::Usage, "INVALID_INPUT"),
            (ErrorKind::NotFound, "NOT_FOUND"),
            (ErrorKind::WrongPassword, "WRONG_PASSWORD"),
            (ErrorKind::Locked, "LOCKED"),
            (ErrorKind::Integrity, "INTEGRITY"),
            (ErrorKind::Conflict, "CONFLICT"),
            (ErrorKind::NotInitialized, "NOT_INITIALIZED"),
            (ErrorKind::Io, "IO"),
        ];
        for (kind, code) in kinds {
            assert_eq!(kind.code(), code);
            assert_eq!(ErrorKind::from_code(code), Some(kind));
        }
        for unknown in ["", "io", "INVALID_NAME", "EIO"] {
            assert_eq!(ErrorKind::from_code(unknown), None, "{unknown}");
        }
    }

    #[test]
    fn a_file_problem_is_a_refusal_with_its_message() {
        let problem = crate::files::FileProblem::NotAFolder {
            path: ".agent/secrets/".into(),
            found: crate::files::FileType::Regular,
        };
        let message = problem.to_string();
        let error = StoreError::from(problem);
        assert!(matches!(&error, StoreError::Refused { detail } if *detail == message));
        assert_eq!(
            error.to_string(),
            ".agent/secrets/ is a regular file, not a folder. Fix: move .agent/secrets/ out of the way."
        );
        assert_eq!(Error::from(error).kind(), ErrorKind::Io);
    }
}
