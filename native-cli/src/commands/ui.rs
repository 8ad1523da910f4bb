//! `agent secret ui [--port N] [--no-open] [--idle-timeout DURATION]`: the
//! local dashboard. Serves the embedded page and the JSON API of
//! [`crate::ui`] on 127.0.0.1, prints the address with its token, opens
//! the browser, and stops on Ctrl-C (or SIGTERM, SIGHUP) or after the idle
//! timeout, removing what it wrote and recording the session.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::Error;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::CliError;
use crate::fs_store::FileStore;
use crate::output;
use crate::ui::{Options, Server, DEFAULT_IDLE_TIMEOUT};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1 (default: a free port the system chooses).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Print the address only; do not open a browser.
    #[arg(long)]
    pub no_open: bool,
    /// Stop after this long without a request: 500ms, 90s, 30m, 1h (default 30m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle_timeout: Option<Duration>,
}

/// The dashboard session is recorded as one `ui` line when it ends.
pub fn audit_target(_args: &Args) -> Option<Target> {
    Some(Target::vault(Operation::Ui))
}

/// `500ms`, `90s`, `30m`, `1h`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| "expected a number and a unit: 500ms, 90s, 30m, 1h".to_owned())?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        "h" => Duration::from_secs(n.saturating_mul(3600)),
        _ => return Err("the unit is ms, s, m or h".to_owned()),
    };
    if d.is_zero() {
        return Err("the duration must be more than zero".to_owned());
    }
    Ok(d)
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    if !super::is_initialized(&ctx.store)? {
        return Err(Error::NotInitialized.into());
    }
    // The server owns the folder's store; the context keeps one for the
    // audit line written when the session ends.
    let dir = ctx.store.dir().to_path_buf();
    let timeout = ctx.store.lock_timeout();
    let store = std::mem::replace(&mut ctx.store, FileStore::new(dir, timeout));
    // Ctrl-C, SIGTERM and SIGHUP end the session cleanly: the redirect
    // file is removed and the session's audit line written.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register(signal, Arc::clone(&stop)).map_err(|e| CliError::Reported {
            message: format!("Cannot handle signals: {e}"),
            code: crate::error::exit::ERROR,
        })?;
    }
    let idle = args.idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT);
    let server = Server::bind(
        store,
        Options {
            port: args.port,
            idle_timeout: idle,
        },
    )?;
    let url = server.url();
    output::line(&format!("Dashboard: {}", url.as_str()))?;
    output::note(&format!(
        "Serving {} on 127.0.0.1:{} until Ctrl-C or {} s without a request.",
        ctx.store.display(),
        server.port(),
        idle.as_secs()
    ));
    let _redirect = if args.no_open {
        None
    } else {
        match open_browser(&url) {
            Ok(page) => Some(page),
            Err(why) => {
                output::note(&format!("Open the address above in a browser ({why})."));
                None
            }
        }
    };
    server.serve(&stop)
}

/// A private file that sends the browser on to the address. The browser
/// gets the file's path on its command line, never the token: another
/// local user can read a process's arguments, not a 0600 file in a 0700
/// folder. Removed when dropped.
struct Redirect {
    dir: PathBuf,
}

impl Redirect {
    fn write(url: &str) -> std::io::Result<(Self, PathBuf)> {
        let name =
            crate::context::random_hex(8).map_err(|_| std::io::Error::other("no randomness"))?;
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map_or_else(std::env::temp_dir, PathBuf::from);
        let dir = base.join(format!("agent-secrets-ui-{}", name.as_str()));
        DirBuilder::new().mode(0o700).create(&dir)?;
        let page = dir.join("open.html");
        let redirect = Self { dir };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&page)?;
        write!(
            file,
            "<!doctype html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">\
             <meta http-equiv=\"refresh\" content=\"0; url={url}\"><title>agent secrets</title>"
        )?;
        Ok((redirect, page))
    }
}

impl Drop for Redirect {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// `$BROWSER` (its first entry), else `xdg-open` when there is a display.
fn open_browser(url: &str) -> Result<Redirect, &'static str> {
    let browser = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(str::to_owned))
        .filter(|b| !b.is_empty());
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    let program = match browser {
        Some(b) => b,
        None if display => "xdg-open".to_owned(),
        None => return Err("no display to open a browser on"),
    };
    let (redirect, page) =
        Redirect::write(url).map_err(|_| "could not write the page that opens it")?;
    // Without the master-password variables (crate::child).
    crate::child::command(program)
        .arg(&page)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|_| "the browser could not be started")?;
    Ok(redirect)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("-5s").is_err());
    }
}
