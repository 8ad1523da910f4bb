//! Where passwords and values come from: `--password-stdin` (first line of
//! standard input), `AGENT_SECRETS_PASSWORD`, or a no-echo prompt when
//! standard input is a terminal. Never argv. With no terminal and no other
//! source the command fails at once instead of waiting.

use std::io::{IsTerminal, Read};

use agent_secrets_core::{Password, SecretString};
use zeroize::Zeroizing;

use crate::error::CliError;

/// The environment variable that may hold the master password.
pub const PASSWORD_ENV: &str = "AGENT_SECRETS_PASSWORD";
/// The environment variable that may hold the new password of `passwd`.
pub const NEW_PASSWORD_ENV: &str = "AGENT_SECRETS_NEW_PASSWORD";

/// Reads standard input at most once and hands out its parts.
#[derive(Debug)]
pub struct Inputs {
    password_stdin: bool,
    stdin: Option<Zeroizing<String>>,
    /// Byte offset of what is left after the password line.
    rest_at: usize,
}

const NO_SOURCE: &str =
    "No master password: standard input is not a terminal, so there is no one to ask. \
     Pass --password-stdin (the first line of standard input) or set AGENT_SECRETS_PASSWORD.";

impl Inputs {
    /// `password_stdin`: the global `--password-stdin` flag.
    pub fn new(password_stdin: bool) -> Self {
        Self {
            password_stdin,
            stdin: None,
            rest_at: 0,
        }
    }

    fn stdin(&mut self) -> Result<&str, CliError> {
        if self.stdin.is_none() {
            let mut text = Zeroizing::new(String::new());
            std::io::stdin().read_to_string(&mut text).map_err(|e| {
                CliError::Usage(format!("Cannot read standard input as UTF-8 text ({e})."))
            })?;
            self.stdin = Some(text);
        }
        Ok(self.stdin.as_deref().map_or("", |s| s.as_str()))
    }

    /// The next line of standard input after what was taken before.
    fn stdin_password(&mut self) -> Result<Password, CliError> {
        let rest_at = self.rest_at;
        let text = &self.stdin()?[rest_at..];
        let (line, consumed) = match text.find('\n') {
            Some(i) => (&text[..i], i + 1),
            None => (text, text.len()),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            return Err(CliError::Usage(
                "--password-stdin: the expected password line of standard input is empty or missing.".to_owned(),
            ));
        }
        let password = Password::new(line.to_owned());
        self.rest_at = rest_at + consumed;
        Ok(password)
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

    /// Asks for a new password twice at the terminal; both must match.
    fn prompt_new_twice() -> Result<Password, CliError> {
        let first = Password::new(Self::prompt("New master password: ")?.to_string());
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
        let rest_at = self.rest_at;
        let text = &self.stdin()?[rest_at..];
        let text = text
            .strip_suffix('\n')
            .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
        Ok(SecretString::new(text.to_owned()))
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
