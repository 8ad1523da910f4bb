//! The black-box tests of the `agent` binary: one test binary, one module
//! per area, the shared support in `common`.

// The tests start the binary under test, git and shells themselves, with
// environments they choose; the CLI's rule (every child through
// agent_cli::child::command) is for the CLI.
#![allow(clippy::disallowed_methods)]

mod common;

mod audit;
mod basics;
mod canary;
mod children;
mod completions;
mod concurrency;
mod daily_dotenv;
mod daily_import_export;
mod daily_run;
mod dumpable;
mod folder_rules;
mod integrity;
mod messages;
mod preflight;
mod regressions;
mod scan;
mod security_ops;
mod session;
mod team;
mod team_config;
mod team_merge;
mod trust;
mod ui;
