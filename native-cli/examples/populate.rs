//! Fills a vault folder with fake secrets for benchmarks, through the same
//! core and file store as the CLI (one write per service).
//!
//! Usage: `populate DIR SERVICES KEYS_PER_SERVICE ITERATIONS`; the password
//! comes from `AGENT_SECRETS_PASSWORD`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Duration;

use agent_cli::context::now;
use agent_cli::fs_store::FileStore;
use agent_secrets_core::{InitOptions, KeyName, Password, SecretString, ServiceName, Vault};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: populate DIR SERVICES KEYS_PER_SERVICE ITERATIONS");
        std::process::exit(2);
    }
    let num = |i: usize| -> usize { args[i].parse().unwrap_or(0) };
    let (services, keys) = (num(2), num(3));
    let iterations = u32::try_from(num(4)).unwrap_or(0);
    let password = Password::new(std::env::var("AGENT_SECRETS_PASSWORD").unwrap_or_default());
    let store = FileStore::new(args[1].clone().into(), Duration::from_secs(10));
    let options = InitOptions {
        iterations,
        ..InitOptions::default()
    };
    let vault = match Vault::init(&store, &password, &options, now()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let fail = |e: agent_secrets_core::Error| -> ! {
        eprintln!("error: {e}");
        std::process::exit(1);
    };
    for s in 0..services {
        let values: Vec<(KeyName, SecretString)> = (0..keys)
            .map(|k| {
                Ok((
                    KeyName::parse(&format!("key_{k}"))?,
                    SecretString::new(format!("fake-value-{s}-{k}-{}", "x".repeat(24))),
                ))
            })
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| fail(e));
        let service = ServiceName::parse(&format!("svc{s:04}")).unwrap_or_else(|e| fail(e));
        let entries = values.iter().map(|(k, v)| (k, v));
        if let Err(e) = vault.set_many(&service, entries, now()) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
    println!("{services} services x {keys} keys written");
}
