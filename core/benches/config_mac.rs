//! What authenticating `config.json` costs: the RFC 8785 form of a real
//! config, the HKDF of the subkey and the HMAC over it, as one MAC check
//! does, against one AES-256-GCM seal of 32 bytes (a key wrap) in the same
//! run. Prints one JSON line. Run: `cargo bench -p agent-secrets-core`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use agent_secrets_core::{
    primitives, InitOptions, KeyName, MemoryStore, Password, ServiceName, Timestamp, VarName, Vault,
};

/// Nanoseconds per call of `f`, the fastest of several rounds.
fn per_call(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..calls {
            f();
        }
        best = best.min(started.elapsed().as_nanos() as f64 / calls as f64);
    }
    best
}

fn main() {
    let store = MemoryStore::new();
    let options = InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    };
    let vault = Vault::init(
        &store,
        &Password::from("Bench-Password-123"),
        &options,
        Timestamp::from_unix(0),
    )
    .expect("init");
    let mut vault = vault;
    let vars = [VarName::parse("BENCH_VARIABLE").expect("variable")];
    let service = ServiceName::parse("bench").expect("service");
    let key = KeyName::parse("key").expect("key");
    vault
        .set_user_mapping(&service, &key, Some(&vars), Timestamp::from_unix(1))
        .expect("a mapping, so the document is realistic");
    let config = store.documents()["config.json"].clone();
    let vault_key = *vault.vault_key().expose_bytes();
    let (rounds, calls) = (7, 20_000);
    let jcs = per_call(rounds, calls, || {
        black_box(primitives::signed_bytes(black_box(&config)).expect("jcs"));
    });
    let hkdf = per_call(rounds, calls, || {
        black_box(
            primitives::hkdf_sha256(black_box(&vault_key), b"agent-secrets/v1/config-mac")
                .expect("hkdf"),
        );
    });
    let signed = primitives::signed_bytes(&config).expect("jcs");
    let hmac = per_call(rounds, calls, || {
        black_box(primitives::hmac_sha256(
            black_box(&vault_key),
            black_box(&signed),
        ));
    });
    let whole = per_call(rounds, calls, || {
        black_box(primitives::config_mac(black_box(&vault_key), black_box(&config)).expect("mac"));
    });
    let seal = per_call(rounds, calls, || {
        black_box(
            primitives::aes256gcm_seal(
                black_box(&vault_key),
                &[7; 12],
                b"aad",
                black_box(&[1u8; 32]),
            )
            .expect("seal"),
        );
    });
    println!(
        "{{\"config_bytes\":{},\"jcs_us\":{:.2},\"hkdf_us\":{:.2},\"hmac_us\":{:.2},\"config_mac_us\":{:.2},\"aes_gcm_seal_32_bytes_us\":{:.3},\"config_mac_over_seal\":{:.1}}}",
        config.len(),
        jcs / 1000.0,
        hkdf / 1000.0,
        hmac / 1000.0,
        whole / 1000.0,
        seal / 1000.0,
        whole / seal
    );
}
