//! The cost the counted attempt adds to every unlock on a real folder:
//! `lockout::reserve` before the derivation and `lockout::clear` after a
//! right password, each under the write lock with an atomic, fsync-ed
//! replace of `state.json`. Prints one JSON line: milliseconds per pair.
//!
//! Usage: `bench_lockout DIR [RUNS]`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use agent_cli::context::now;
use agent_cli::fs_store::FileStore;
use agent_secrets_core::format::LockoutPolicy;
use agent_secrets_core::lockout;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "bench-lockout".to_owned());
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(200);
    std::fs::create_dir_all(&dir).expect("folder");
    let store = FileStore::new(dir.into(), Duration::from_secs(10));
    let policy = LockoutPolicy::default();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        lockout::reserve(&store, &policy, now()).expect("reserve");
        lockout::clear(&store).expect("clear");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"runs\":{runs},\"min_ms\":{:.3},\"median_ms\":{:.3}}}",
        times[0],
        times[runs / 2]
    );
}
