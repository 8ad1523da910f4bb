//! The cost of one audit line as `agent` writes it (take the lock, read the
//! log's tail, append, fsync, release) on a real folder whose log already
//! holds many lines. Prints one JSON line: per-append milliseconds.
//!
//! Usage: `bench_audit DIR [EXISTING_LINES] [APPENDS]`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use agent_cli::context::now;
use agent_cli::fs_store::FileStore;
use agent_secrets_core::audit::{self, AuditEvent, Operation, Status};
use agent_secrets_core::{KeyName, ServiceName, Store};

fn event() -> AuditEvent {
    let (Ok(service), Ok(key)) = (ServiceName::parse("svc0001"), KeyName::parse("key_1")) else {
        unreachable!("valid names");
    };
    AuditEvent::new(now(), Operation::Get, Status::Success, "bench", "cli")
        .service(&service)
        .key(&key)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "bench-audit".to_owned());
    let existing: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let appends: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(200);
    let store = FileStore::new(dir.into(), Duration::from_secs(10));
    // Build the existing log in one write (chained, as the tool would).
    let mut log = Vec::new();
    let mut last: Option<Vec<u8>> = None;
    for _ in 0..existing {
        let line = audit::chain(last.as_deref(), event(), None);
        last = Some(line[..line.len() - 1].to_vec());
        log.extend_from_slice(&line);
    }
    if let Err(e) = store
        .lock()
        .and_then(|()| store.write(audit::AUDIT_FILE, &log))
        .and_then(|()| store.unlock())
    {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    let mut times = Vec::with_capacity(appends);
    for _ in 0..appends {
        let start = Instant::now();
        if let Err(e) = audit::append(&store, event()) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "{{\"existing_lines\":{existing},\"appends\":{appends},\"median_ms\":{:.3},\"mean_ms\":{mean:.3},\"p95_ms\":{:.3}}}",
        times[appends / 2],
        times[appends * 95 / 100]
    );
}
