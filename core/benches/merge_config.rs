//! What the three-way merge of `config.json` costs (core/src/merge_config.rs):
//! two branches each adding `N` age recipients (a fake encryptor: the age
//! crate is the CLI's) to a vault, merged with the vault key, against
//! opening both sides with the held key (`Vault::unlock_with_vault_key`:
//! parse, MAC check, data keys) in the same run; and a merge across a
//! rotation (the other side's recipients wrapped again). Prints one JSON
//! line. Run: `cargo bench -p agent-secrets-core --bench merge_config`.

#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::Instant;

use agent_secrets_core::merge_config::{merge, Outcome};
use agent_secrets_core::{
    AgeEncryptor, Error, InitOptions, KeyName, MemoryStore, NoAge, Password, Store, Timestamp,
    Vault,
};

struct FakeAge;

impl AgeEncryptor for FakeAge {
    fn encrypt(&self, _: &str, _: &str, payload: &[u8]) -> Result<Vec<u8>, Error> {
        Ok([b"fake-age:".as_slice(), payload].concat())
    }
}

/// Milliseconds per call of `f`, the fastest of several rounds.
fn per_call(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..calls {
            f();
        }
        best = best.min(started.elapsed().as_secs_f64() * 1e3 / calls as f64);
    }
    best
}

fn t(s: i64) -> Timestamp {
    Timestamp::from_unix(1_795_867_200 + s)
}

fn open<'s>(s: &'s MemoryStore, pw: &str) -> Vault<&'s MemoryStore> {
    Vault::unlock(s, &Password::from(pw), t(1)).expect("open")
}

fn main() {
    const N: usize = 100;
    const PW: &str = "Bench-Merge-Password-1";
    let base = MemoryStore::new();
    let options = InitOptions {
        iterations: 100_000,
        ..InitOptions::default()
    };
    Vault::init(&base, &Password::from(PW), &options, t(0)).expect("init");
    let branch = || MemoryStore::from_documents(base.documents());
    let add = |s: &MemoryStore, prefix: &str, c: char| {
        let mut v = open(s, PW);
        for i in 0..N {
            let name = KeyName::parse(&format!("{prefix}{i}")).expect("name");
            let key = format!("age1{}", c.to_string().repeat(58));
            v.add_age_recipient(&name, &key, &FakeAge, t(2))
                .expect("add");
        }
    };
    let (ours, theirs, rotated) = (branch(), branch(), branch());
    add(&ours, "o", 'q');
    add(&theirs, "t", 'p');
    open(&rotated, PW)
        .rotate(t(3), &mut |_, _| {})
        .expect("rotate");
    let config = |s: &MemoryStore| s.read("config.json").expect("read").expect("config");
    let (b, o, th, r) = (
        config(&base),
        config(&ours),
        config(&theirs),
        config(&rotated),
    );
    let key = open(&base, PW).vault_key().clone();
    let rkey = open(&rotated, PW).vault_key().clone();
    let (rounds, calls) = (7, 20);

    let reference = per_call(rounds, calls, || {
        for s in [&ours, &theirs] {
            black_box(Vault::unlock_with_vault_key(s, key.clone(), t(4)).expect("opens"));
        }
    });
    let same_key = per_call(rounds, calls, || {
        let out = merge(Some(&b), &o, &th, std::slice::from_ref(&key), &NoAge, t(5)).expect("ok");
        assert!(matches!(out, Outcome::Merged(_)));
        black_box(out);
    });
    let keys = [key.clone(), rkey];
    let across_rotation = per_call(rounds, calls, || {
        let out = merge(Some(&b), &r, &th, &keys, &FakeAge, t(5)).expect("ok");
        assert!(matches!(out, Outcome::Merged(_)));
        black_box(out);
    });
    println!(
        "{{\"recipients_added_per_side\":{N},\"config_bytes\":{},\"open_both_sides_ms\":{reference:.3},\"merge_same_key_ms\":{same_key:.3},\"merge_same_key_ratio\":{:.2},\"merge_across_rotation_ms\":{across_rotation:.3},\"merge_across_rotation_ratio\":{:.2}}}",
        o.len(),
        same_key / reference,
        across_rotation / reference
    );
}
