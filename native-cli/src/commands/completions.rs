//! `agent completions SHELL` — the shell's completion script on stdout,
//! generated from the command line's own clap definitions (so it always
//! knows every subcommand and option of this build).

use clap::CommandFactory;
use clap_complete::Shell;

use crate::error::CliError;
use crate::output;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &Args) -> Result<(), CliError> {
    let mut command = crate::cli::Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "agent", &mut script);
    let script = String::from_utf8(script)
        .map_err(|_| CliError::Usage("the completion script is not UTF-8".to_owned()))?;
    output::line(script.trim_end_matches('\n'))?;
    Ok(())
}
