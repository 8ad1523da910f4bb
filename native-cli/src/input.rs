//! Where passwords and values come from: `--password-stdin` (first line of
//! standard input), `AGENT_SECRETS_PASSWORD`, or a no-echo prompt when
//! standard input is a terminal. Never argv. With no terminal and no other
//! source the command fails at once instead of waiting.

use std::io::{IsTerminal, Read};

use agent_secrets_core::{check_password_strength, Password, SecretString};
use zeroize::Zeroizing;

use crate::error::CliError;

/// The environment variable that may hold the master password.
pub const PASSWORD_ENV: &str = "AGENT_SECRETS_PASSWORD";
/// The environment variable that may hold the new password of `passwd`.
pub const NEW_PASSWORD_ENV: &str = "AGENT_SECRETS_NEW_PASSWORD";

/// Hands out passwords and values from their sources. Standard input is
/// read only as far as needed: a password line byte by byte, so that what
/// follows it stays in the pipe (for `--value-stdin`, or for the child of
/// `run`).
pub struct Inputs {
    password_stdin: bool,
    /// `--identity` files, tried before a password on a vault with `age`
    /// recipients.
    pub identities: Vec<std::path::PathBuf>,
    session: bool,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("password_stdin", &self.password_stdin)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

const NO_SOURCE: &str =
    "No master password: standard input is not a terminal, so there is no one to ask. \
     Pass --password-stdin (the first line of standard input) or set AGENT_SECRETS_PASSWORD.";

/// One line of standard input (without `\n` or `\r\n`), read without a
/// buffer so nothing after the newline is consumed.
fn read_stdin_line() -> Result<Zeroizing<String>, CliError> {
    use std::os::fd::AsFd;
    let cannot = |e: std::io::Error| CliError::Usage(format!("Cannot read standard input ({e})."));
    let mut file = std::fs::File::from(
        std::io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(cannot)?,
    );
    let mut line = Zeroizing::new(Vec::new());
    let mut byte = Zeroizing::new([0u8; 1]);
    loop {
        match file.read(&mut byte[..]) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let text = std::str::from_utf8(&line).map_err(|_| {
        CliError::Usage("--password-stdin: the password line is not UTF-8 text.".to_owned())
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

impl Inputs {
    /// `password_stdin`: the global `--password-stdin` flag; `session`:
    /// whether an open session may stand in for the password
    /// ([`crate::session::allowed`]).
    pub fn new(password_stdin: bool, session: bool) -> Self {
        Self {
            password_stdin,
            session,
            identities: Vec::new(),
        }
    }

    /// With the `--identity` files.
    pub fn with_identities(mut self, identities: Vec<std::path::PathBuf>) -> Self {
        self.identities = identities;
        self
    }

    /// Whether an open session may stand in for the password.
    pub fn session_allowed(&self) -> bool {
        self.session
    }

    /// The next line of standard input.
    fn stdin_password(&mut self) -> Result<Password, CliError> {
        let line = read_stdin_line()?;
        if line.is_empty() {
            return Err(CliError::Usage(
                "--password-stdin: the expected password line of standard input is empty or missing.".to_owned(),
            ));
        }
        Ok(Password::new(line.to_string()))
    }

    fn env_password() -> Option<Password> {
        std::env::var(PASSWORD_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(Password::new)
    }

    fn prompt(label: &str) -> Result<Zeroizing<String>, CliError> {
        rpassword::prompt_password(label)
            .map(Zeroizing::new)
            .map_err(|e| {
                CliError::Usage(format!("Cannot read from the terminal ({e}). {NO_SOURCE}"))
            })
    }

    /// Whether [`Inputs::password`] has somewhere to get a password from
    /// (`--password-stdin`, the variable, or a terminal to ask on).
    pub fn has_password_source(&self) -> bool {
        self.password_stdin || Self::env_password().is_some() || std::io::stdin().is_terminal()
    }

    /// The master password of an existing vault.
    pub fn password(&mut self) -> Result<Password, CliError> {
        if self.password_stdin {
            return self.stdin_password();
        }
        if let Some(p) = Self::env_password() {
            return Ok(p);
        }
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(NO_SOURCE.to_owned()));
        }
        Ok(Password::new(
            Self::prompt("Master password: ")?.to_string(),
        ))
    }

    /// Asks for a new password twice at the terminal; both must match. A
    /// password the core's strength rule refuses is reported before it is
    /// asked again (the core's `init` and password change refuse it too).
    fn prompt_new_twice() -> Result<Password, CliError> {
        let first = Password::new(Self::prompt("New master password: ")?.to_string());
        check_password_strength(&first)?;
        let second = Password::new(Self::prompt("Repeat the new master password: ")?.to_string());
        if first != second {
            return Err(CliError::Usage(
                "The two passwords differ; nothing was changed.".to_owned(),
            ));
        }
        Ok(first)
    }

    /// A new master password: on a terminal asked twice and compared.
    pub fn new_password(&mut self) -> Result<Password, CliError> {
        if self.password_stdin
            || std::env::var_os(PASSWORD_ENV).is_some()
            || !std::io::stdin().is_terminal()
        {
            return self.password();
        }
        Self::prompt_new_twice()
    }

    /// The new password of `passwd`: the second line of standard input
    /// with `--password-stdin`, else `AGENT_SECRETS_NEW_PASSWORD`, else
    /// asked twice on a terminal.
    pub fn replacement_password(&mut self) -> Result<Password, CliError> {
        if self.password_stdin {
            return self.stdin_password();
        }
        if let Some(p) = std::env::var(NEW_PASSWORD_ENV)
            .ok()
            .filter(|p| !p.is_empty())
        {
            return Ok(Password::new(p));
        }
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(format!(
                "No new master password: standard input is not a terminal. Pass both passwords with \
                 --password-stdin (old on the first line, new on the second) or set {NEW_PASSWORD_ENV}."
            )));
        }
        Self::prompt_new_twice()
    }

    /// A value from standard input (after the password line when
    /// `--password-stdin` is also used). One trailing newline is dropped,
    /// as `echo` and here-strings add it.
    pub fn value_from_stdin(&mut self) -> Result<SecretString, CliError> {
        let mut text = Zeroizing::new(String::new());
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            CliError::Usage(format!("Cannot read standard input as UTF-8 text ({e})."))
        })?;
        let value = text
            .strip_suffix('\n')
            .map_or(text.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
        Ok(SecretString::new(value.to_owned()))
    }

    /// A value typed at a no-echo prompt.
    pub fn value_prompt(&mut self, service: &str, key: &str) -> Result<SecretString, CliError> {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Usage(
                "No value: standard input is not a terminal. Pass --value-stdin and pipe the value in.".to_owned(),
            ));
        }
        Ok(SecretString::new(
            Self::prompt(&format!("Value of {service}/{key}: "))?.to_string(),
        ))
    }
}
