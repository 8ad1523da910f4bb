//! `agent secret run [--service S]... [--no-inherit-env] [--no-override] -- COMMAND [ARGS...]`
//!
//! One unlock, then COMMAND runs with the vault's secrets in its
//! environment, each under every variable its mapping names. Values go
//! through the environment only, never through argv. The master password
//! variables are removed from the child's environment
//! ([`crate::child::command`]), and a variable that steers the loader, a
//! shell or an interpreter is never set from a secret (the core's
//! [`env::plan_env`]; a warning names it).
//!
//! Exit status: the child's; 128+N when a signal N killed it; 127 when
//! COMMAND does not exist and 126 when it cannot be executed (as a shell
//! does); 2 with no COMMAND. SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to
//! `agent` by another process are passed on to the child; the same
//! signals from the terminal (Ctrl-C) already reach the child, which
//! shares the foreground process group, and are not sent a second time.

use std::ffi::OsString;
use std::process::Command;

use agent_secrets_core::audit::Operation;
use agent_secrets_core::env;
use agent_secrets_core::{Error, KeyName, SecretString, ServiceName};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;

use crate::audit_log::Target;
use crate::context::Context;
use crate::error::{exit, CliError};
use crate::output;

/// Exit status when COMMAND is not found (as in sh).
pub const NOT_FOUND: u8 = 127;
/// Exit status when COMMAND cannot be executed (as in sh).
pub const CANNOT_EXECUTE: u8 = 126;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this service's secrets (repeatable; default: every service).
    #[arg(long = "service", value_name = "S")]
    pub services: Vec<ServiceName>,
    /// Start the child from an empty environment plus PATH (and the secrets), instead of this one.
    #[arg(long)]
    pub no_inherit_env: bool,
    /// Keep variables already set in the environment instead of replacing them with the vault's values.
    #[arg(long)]
    pub no_override: bool,
    /// The command and its arguments (after `--`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<OsString>,
}

/// The audit line this command writes, if any.
pub fn audit_target(args: &Args) -> Option<Target> {
    Some(match args.services.as_slice() {
        [one] => Target::secret(Operation::Run, one, None),
        _ => Target::vault(Operation::Run),
    })
}

pub fn run(ctx: &mut Context, args: &Args) -> Result<(), CliError> {
    let Some((program, rest)) = args.command.split_first() else {
        return Err(CliError::Usage(
            "run needs a command: agent secret run [--service S]... -- COMMAND [ARGS...]"
                .to_owned(),
        ));
    };
    let vault = super::unlock(&ctx.store, &mut ctx.inputs)?;
    let user = vault.config().env.clone();
    // Named services are read on their own: a large service elsewhere
    // costs nothing.
    let mut loaded: Vec<(ServiceName, Vec<(KeyName, SecretString)>)> = Vec::new();
    if args.services.is_empty() {
        let (listed, problems) = agent_secrets_core::list(&ctx.store, None)?;
        if let Some(problem) = problems.into_iter().next() {
            return Err(problem.into());
        }
        for s in listed {
            let secrets = vault.get_service(&s.service)?;
            loaded.push((s.service, secrets));
        }
    } else {
        for service in &args.services {
            match vault.get_service(service) {
                Ok(secrets) => loaded.push((service.clone(), secrets)),
                Err(Error::ServiceNotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let in_vault: Vec<ServiceName> = loaded.iter().map(|(s, _)| s.clone()).collect();

    // The secrets in service/key order, their values beside them; which
    // variables they set is the core's plan (shared with export and the
    // npm loadEnv).
    let mut present: Vec<(ServiceName, KeyName)> = Vec::new();
    let mut values: Vec<SecretString> = Vec::new();
    for (service, secrets) in loaded {
        for (key, value) in secrets {
            if value.expose().contains('\0') {
                return Err(CliError::Reported {
                    message: format!("{service}/{key} contains a NUL character, which an environment variable cannot hold; nothing was run."),
                    code: exit::ERROR,
                });
            }
            present.push((service.clone(), key));
            values.push(value);
        }
    }
    let plan = env::plan_env(&user, &present, env::Which::Every);
    for skipped in &plan.skipped {
        output::note(&format!("warning: {skipped}"));
    }

    // Mapped secrets the vault lacks but the environment has (of the named
    // services, or of any): the child gets them from the environment, and
    // we say how to move them in.
    let mut from_env = Vec::new();
    for (service, key) in env::mapped_secrets(&user, None) {
        if !args.services.is_empty() && !args.services.contains(&service) {
            continue;
        }
        if present.iter().any(|(s, k)| *s == service && *k == key) {
            continue;
        }
        let hit = env::vars_for_in(&user, &service, &key)
            .into_iter()
            .find(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
        if let Some(var) = hit {
            from_env.push((service, key, var));
        }
    }
    // With --no-inherit-env the child gets nothing from the environment, so
    // a service found only there is as missing as one found nowhere.
    if args.no_inherit_env {
        from_env.clear();
    }
    for service in &args.services {
        if !in_vault.contains(service) && !from_env.iter().any(|(s, _, _)| s == service) {
            return Err(Error::ServiceNotFound {
                service: service.to_string(),
            }
            .into());
        }
    }
    if !args.no_inherit_env {
        for (service, key, var) in &from_env {
            ctx.env_fallback.set(true);
            output::note(&format!(
                "{service}/{key} is not in the vault; the command gets {var} from your environment. \
                 Move it into the vault with: agent secret import {service}"
            ));
        }
    }

    // Without the master password (old or new), as every child.
    let mut command = crate::child::command(program);
    command.args(rest);
    if args.no_inherit_env {
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
    }
    for planned in &plan.vars {
        let var = &planned.variable;
        if args.no_override && !args.no_inherit_env && std::env::var_os(var).is_some() {
            continue;
        }
        // The one place `run` lets values out: the child's environment.
        command.env(var, values[planned.secret].expose());
    }
    drop(values);
    drop(vault);
    spawn_and_wait(command, program)
}

/// Runs the child, forwarding signals sent to us, and turns its status
/// into ours.
fn spawn_and_wait(mut command: Command, program: &OsString) -> Result<(), CliError> {
    let shown = program.to_string_lossy();
    // Registered before the child exists, so a SIGTERM in between cannot
    // kill us and orphan it.
    let mut signals =
        SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT]).map_err(|e| {
            CliError::Reported {
                message: format!("Cannot set up signal forwarding ({e}); nothing was run."),
                code: exit::ERROR,
            }
        })?;
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            let (code, why) = match e.kind() {
                std::io::ErrorKind::NotFound => (NOT_FOUND, "command not found".to_owned()),
                std::io::ErrorKind::PermissionDenied => {
                    (CANNOT_EXECUTE, "permission denied".to_owned())
                }
                _ => (CANNOT_EXECUTE, format!("cannot run it ({e})")),
            };
            return Err(CliError::Reported {
                message: format!("{shown}: {why}"),
                code,
            });
        }
    };
    drop(command); // its copy of the environment
    let handle = signals.handle();
    let pid = rustix::process::Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    let forwarder = std::thread::spawn(move || {
        for origin in signals.forever() {
            // From the terminal (kernel): the child got it too.
            if origin.process.is_none() {
                continue;
            }
            if let (Some(pid), Some(sig)) =
                (pid, rustix::process::Signal::from_named_raw(origin.signal))
            {
                let _ = rustix::process::kill_process(pid, sig);
            }
        }
    });
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();
    let status = status.map_err(|e| CliError::Reported {
        message: format!("{shown}: waiting for it failed ({e})"),
        code: exit::ERROR,
    })?;
    use std::os::unix::process::ExitStatusExt;
    let code = match (status.code(), status.signal()) {
        (Some(0), _) => return Ok(()),
        (Some(code), _) => u8::try_from(code).unwrap_or(exit::ERROR),
        (None, Some(sig)) => u8::try_from(128 + sig).unwrap_or(u8::MAX),
        (None, None) => exit::ERROR,
    };
    Err(CliError::ChildExit(code))
}
