//! Bare PBKDF2-HMAC-SHA256 in this build, in-process, as the vault derives
//! its password key (`PasswordKey::derive`): the reference that
//! `scripts/bench-foundation.py` compares whole `agent` runs against.
//!
//! Usage: `bench_kdf [ITERATIONS] [RUNS]`; prints one JSON line with the
//! fastest and median run in seconds.

#![allow(clippy::print_stdout)]

use std::time::Instant;

use agent_secrets_core::{Password, PasswordKey};

fn main() {
    let mut args = std::env::args().skip(1);
    let iterations: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(600_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut times = Vec::with_capacity(runs);
    let mut sink = 0u8;
    for i in 0..runs {
        let password = Password::new(format!("bench-password-{i}"));
        let start = Instant::now();
        match PasswordKey::derive(&password, b"0123456789abcdef", iterations) {
            Ok(key) => sink ^= key.expose_bytes()[0],
            Err(_) => std::process::exit(2),
        }
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"iterations\":{iterations},\"runs\":{runs},\"min_s\":{:.6},\"median_s\":{:.6},\"sink\":{}}}",
        times[0],
        times[runs / 2],
        sink
    );
}
