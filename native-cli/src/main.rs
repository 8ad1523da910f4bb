//! `agent`: the command-line front end of agent secrets. Glue over
//! `agent-secrets-core`: it parses arguments, reads passwords, keeps the
//! vault folder (locks, atomic writes, permissions) and prints.

mod cli;
mod commands;
mod context;
mod error;
mod fs_store;
mod input;
mod lock;
mod output;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Before any key or password is in memory: no core dumps, no ptrace by
    // other users' processes.
    let _ = rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable);
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(error::exit::USAGE));
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::from(error::exit::OK),
        Err(e) => {
            output::note(&format!("error: {e}"));
            ExitCode::from(e.exit_code())
        }
    }
}
