//! `agent man [COMMAND]... [--dir DIR]` — manual pages in roff, generated
//! from the command line's own clap definitions: the page of `agent` or of
//! one subcommand on stdout (`agent man secret get | man -l -`), or every
//! page (`agent.1`, `agent-secret.1`, `agent-secret-get.1`, …) written
//! into a folder for packaging.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subcommand whose page to print, e.g. `secret get` (default: agent itself).
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Vec<String>,

    /// Write every page, one file per command, into this folder (created if missing).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    // Built once from the root, so each subcommand carries its full name
    // (`agent-secret-get`) for its page's title and file name.
    let mut root = crate::cli::Cli::command().disable_help_subcommand(true);
    root.build();
    if let Some(dir) = &args.dir {
        return write_all(&root, dir);
    }
    let mut command = &root;
    for name in &args.command {
        command = command
            .get_subcommands()
            .find(|c| c.get_name() == name && !c.is_hide_set())
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "`{}` has no subcommand of that name. Run `{} --help` for the list.",
                    command.get_bin_name().unwrap_or("agent"),
                    command.get_bin_name().unwrap_or("agent")
                ))
            })?;
    }
    let page = render(command)?;
    output::line(page.trim_end_matches('\n'))?;
    Ok(())
}

/// One command's page; every page names the same source (`agent 0.1.0`)
/// (a subcommand's default would be its bare name).
fn render(command: &clap::Command) -> Result<String, CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .source(format!("agent {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)
        .map_err(|e| CliError::Reported {
            message: format!("Cannot render the manual page: {e}."),
            code: crate::error::exit::ERROR,
        })?;
    String::from_utf8(page).map_err(|_| CliError::Usage("the page is not UTF-8".to_owned()))
}

/// Every visible command's page into `dir`, named by the command's full
/// name (`agent-secret-get.1`).
fn write_all(root: &clap::Command, dir: &Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError::Reported {
        message: format!(
            "Cannot write the manual pages to {}: {e}. Check that it is a folder you can write.",
            dir.display()
        ),
        code: crate::error::exit::ERROR,
    };
    std::fs::create_dir_all(dir).map_err(failed)?;
    let mut pending = vec![root];
    let mut written = 0;
    while let Some(command) = pending.pop() {
        pending.extend(command.get_subcommands().filter(|c| !c.is_hide_set()));
        let name = command.get_display_name().unwrap_or(command.get_name());
        std::fs::write(dir.join(format!("{name}.1")), render(command)?).map_err(failed)?;
        written += 1;
    }
    output::note(&format!(
        "Wrote {written} manual pages to {}.",
        dir.display()
    ));
    Ok(())
}
