//! The password key's PBKDF2-HMAC-SHA256 as the vault derives it (the
//! `pbkdf2` crate, through `PasswordKey::derive`) against the hand-written
//! loop the core shipped before it (the HMAC pads hashed once, then two raw
//! SHA-256 compressions per iteration, its buffers in `Zeroizing`), side
//! by side in one process, and against that loop with its buffers on the
//! plain stack (what the wipes cost). Runs alternate and rotate their order, so every
//! implementation sees the same machine load; each must give the same
//! bytes before anything is timed.
//!
//! Run: `cargo bench -p agent-secrets-core --bench pbkdf2 [-- ITERATIONS RUNS ROUNDS]`
//! (default 600000 15 3). Prints each implementation's median per round and
//! the median of its run-by-run ratio to the crate (robust to load that
//! changes between rounds), then one JSON line.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use agent_secrets_core::{Password, PasswordKey};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const SALT: &[u8; 16] = b"0123456789abcdef";
const PASSWORD: &str = "Bench-Fake-Password-42";

type Derive = fn(&[u8], u32) -> [u8; 32];

fn by_crate(password: &[u8], iterations: u32) -> [u8; 32] {
    // The vault's own path; the password is ASCII here.
    let password = Password::new(String::from_utf8_lossy(password).into_owned());
    let key = PasswordKey::derive(&password, SALT, iterations).expect("parameters in range");
    *key.expose_bytes()
}

fn by_shipped_loop(password: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    shipped_loop(password, SALT, iterations, &mut out);
    out
}

fn by_loop_without_wipes(password: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    loop_without_wipes(password, SALT, iterations, &mut out);
    out
}

fn main() {
    // `cargo bench` passes `--bench`; only the numbers are ours.
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<u32>().ok());
    let iterations = numbers.next().unwrap_or(600_000);
    let runs = numbers.next().unwrap_or(15).max(1) as usize;
    let rounds = numbers.next().unwrap_or(3).max(1);

    let implementations: [(&str, Derive); 3] = [
        ("pbkdf2 crate", by_crate),
        ("hand-written loop", by_shipped_loop),
        ("the loop without its wipes", by_loop_without_wipes),
    ];
    let reference = by_crate(PASSWORD.as_bytes(), iterations);
    for (name, derive) in implementations {
        assert_eq!(
            derive(PASSWORD.as_bytes(), iterations),
            reference,
            "{name} disagrees"
        );
    }

    let n = implementations.len();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); n];
    for round in 1..=rounds {
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); n];
        for run in 0..runs {
            let mut this_run = vec![0.0; n];
            for k in 0..n {
                let i = (run + k) % n;
                let started = Instant::now();
                black_box((implementations[i].1)(
                    black_box(PASSWORD.as_bytes()),
                    iterations,
                ));
                this_run[i] = started.elapsed().as_secs_f64() * 1e3;
            }
            for i in 0..n {
                times[i].push(this_run[i]);
                ratios[i].push(this_run[i] / this_run[0]);
            }
        }
        let medians: Vec<String> = implementations
            .iter()
            .zip(times.iter_mut())
            .map(|((name, _), t)| format!("{name} {:.1} ms", median(t)))
            .collect();
        println!("round {round} (medians of {runs}): {}", medians.join(", "));
        for (a, t) in all.iter_mut().zip(times) {
            a.extend(t);
        }
    }
    for i in 1..n {
        println!(
            "{} / pbkdf2 crate, run by run: median {:.3}",
            implementations[i].0,
            median(&mut ratios[i])
        );
    }
    println!(
        "{{\"iterations\":{iterations},\"runs\":{},\"crate_median_ms\":{:.2},\"loop_median_ms\":{:.2},\"loop_over_crate\":{:.3},\"unwiped_loop_over_crate\":{:.3}}}",
        all[0].len(),
        median(&mut all[0]),
        median(&mut all[1]),
        median(&mut ratios[1]),
        median(&mut ratios[2])
    );
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The core's PBKDF2 before the `pbkdf2` crate, as it shipped (kept here
/// only as this benchmark's reference).
fn shipped_loop(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let mut key_block = Zeroizing::new([0u8; 64]);
    if password.len() > 64 {
        key_block[..32].copy_from_slice(&Sha256::digest(password));
    } else {
        key_block[..password.len()].copy_from_slice(password);
    }
    let mut pad = Zeroizing::new([0u8; 64]);
    for (p, k) in pad.iter_mut().zip(key_block.iter()) {
        *p = k ^ 0x36;
    }
    let mut inner_state = Zeroizing::new(SHA256_IV);
    compress(&mut inner_state, &pad);
    let mut inner_hasher = Sha256::new();
    inner_hasher.update(&pad[..]);
    for (p, k) in pad.iter_mut().zip(key_block.iter()) {
        *p = k ^ 0x5c;
    }
    let mut outer_state = Zeroizing::new(SHA256_IV);
    compress(&mut outer_state, &pad);
    let mut outer_hasher = Sha256::new();
    outer_hasher.update(&pad[..]);

    // Block of 32 message bytes after a 64-byte pad: 0x80, zeros, length 768 bits.
    let mut block = Zeroizing::new([0u8; 64]);
    block[32] = 0x80;
    block[62] = 0x03;
    let mut u = Zeroizing::new([0u8; 32]);
    let mut t = Zeroizing::new([0u8; 32]);
    let mut state = Zeroizing::new([0u32; 8]);

    for (index, chunk) in out.chunks_mut(32).enumerate() {
        // U1 = HMAC(P, S || INT(i)); the salt has any length, so the hashers do it.
        let mut inner = inner_hasher.clone();
        inner.update(salt);
        inner.update(((index as u32).wrapping_add(1)).to_be_bytes());
        let mut outer = outer_hasher.clone();
        outer.update(inner.finalize());
        u.copy_from_slice(&outer.finalize());
        t.copy_from_slice(&u[..]);
        for _ in 1..iterations {
            block[..32].copy_from_slice(&u[..]);
            *state = *inner_state;
            compress(&mut state, &block);
            write_words(&state, &mut block[..32]);
            *state = *outer_state;
            compress(&mut state, &block);
            write_words(&state, &mut u[..]);
            for (t, u) in t.iter_mut().zip(u.iter()) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

/// The same loop with its buffers on the plain stack: what a hand-written
/// loop gains when nothing is wiped.
fn loop_without_wipes(password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
    let mut key_block = [0u8; 64];
    if password.len() > 64 {
        key_block[..32].copy_from_slice(&Sha256::digest(password));
    } else {
        key_block[..password.len()].copy_from_slice(password);
    }
    let pad = |byte: u8| key_block.map(|k| k ^ byte);
    let (inner_pad, outer_pad) = (pad(0x36), pad(0x5c));
    let mut inner_state = SHA256_IV;
    compress(&mut inner_state, &inner_pad);
    let mut outer_state = SHA256_IV;
    compress(&mut outer_state, &outer_pad);
    let inner_hasher = Sha256::new().chain_update(inner_pad);
    let outer_hasher = Sha256::new().chain_update(outer_pad);

    let mut block = [0u8; 64];
    block[32] = 0x80;
    block[62] = 0x03;
    for (index, chunk) in out.chunks_mut(32).enumerate() {
        let inner = inner_hasher
            .clone()
            .chain_update(salt)
            .chain_update((index as u32 + 1).to_be_bytes());
        let mut u: [u8; 32] = outer_hasher
            .clone()
            .chain_update(inner.finalize())
            .finalize()
            .into();
        let mut t = u;
        for _ in 1..iterations {
            block[..32].copy_from_slice(&u);
            let mut state = inner_state;
            compress(&mut state, &block);
            write_words(&state, &mut block[..32]);
            state = outer_state;
            compress(&mut state, &block);
            write_words(&state, &mut u);
            for (t, u) in t.iter_mut().zip(u.iter()) {
                *t ^= u;
            }
        }
        chunk.copy_from_slice(&t[..chunk.len()]);
    }
}

fn compress(state: &mut [u32; 8], block: &[u8; 64]) {
    sha2::compress256(
        state,
        core::slice::from_ref(GenericArray::from_slice(block)),
    );
}

fn write_words(state: &[u32; 8], out: &mut [u8]) {
    for (chunk, word) in out.chunks_exact_mut(4).zip(state.iter()) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
}
