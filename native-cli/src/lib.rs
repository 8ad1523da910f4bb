//! `agent`: the command-line front end of agent secrets. Glue over
//! `agent-secrets-core`: it parses arguments, reads passwords, keeps the
//! vault folder (locks, atomic writes, permissions) and prints.
//!
//! The library half exists so benchmarks and tools can reach the same
//! file store; the binary is `src/main.rs`, which only calls [`main`].

// clap turns doc comments into help text, so these two modules document
// their items for the user (`--help`), not as API docs.
pub mod audit_log;
pub mod child;
#[allow(missing_docs)]
pub mod cli;
#[allow(missing_docs)]
pub mod commands;
pub mod context;
pub mod error;
pub mod fs_store;
pub mod identity;
pub mod input;
pub mod lock;
pub mod output;
pub mod session;
pub mod ui;
pub mod user_config;

use std::process::ExitCode;

use clap::Parser;

use crate::error::{exit, CliError};

/// Runs the `agent` command line and returns its exit code.
pub fn main() -> ExitCode {
    // Before any key or password is in memory: no core dumps, no ptrace by
    // other users' processes.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    if cli.global.log_format == Some(cli::LogFormat::Json) {
        // Only the audit target: nothing else in the program logs values,
        // and this keeps it that way for dependencies too.
        let subscriber = tracing_subscriber::fmt()
            .json()
            .with_writer(std::io::stderr)
            .with_target(true)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
    exit_code(commands::run(cli))
}

/// The one place an outcome becomes an exit code: the error's message
/// printed once (none for a child's own status or a closed pipe), its code
/// from [`CliError::exit_code`] (a closed pipe is a success, as in
/// ripgrep).
pub fn exit_code(outcome: Result<(), CliError>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            if e.has_message() {
                output::note(&format!("error: {e}"));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// A command line clap refused. A name or value checked by the core's
/// rules (a service, a key, a variable) says what is wrong with it in the
/// core's words; clap's other messages quote what was typed, which may be
/// a value pasted in the wrong place, so they say what is wrong, not what
/// it was.
fn usage(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind as K;
    let checked = std::error::Error::source(e).and_then(|source| {
        source
            .downcast_ref::<agent_secrets_core::Error>()
            .map(ToString::to_string)
            .or_else(|| source.downcast_ref::<CliError>().map(ToString::to_string))
    });
    let quotes_input = matches!(
        e.kind(),
        K::UnknownArgument
            | K::InvalidValue
            | K::InvalidSubcommand
            | K::ValueValidation
            | K::TooManyValues
            | K::WrongNumberOfValues
            | K::NoEquals
            | K::InvalidUtf8
    );
    match checked {
        Some(message) if e.kind() == K::ValueValidation => {
            output::note(&format!("error: {message}"));
        }
        _ if quotes_input => output::note(&format!(
            "error: {} (the argument is not repeated here, in case it was a secret). \
             Run `agent --help` or `agent secret <command> --help` for usage.",
            e.kind()
        )),
        _ => {
            let _ = e.print();
        }
    }
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(exit::USAGE))
}
