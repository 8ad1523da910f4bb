//! Writes `tests/data/vault-v1/` with the native core. Ignored: run it on
//! purpose, when the fixture must change (it never should for format v1):
//! `cargo test -p agent-secrets-core --test generate_fixtures -- --ignored`
//! (the files must exist to compile it, since `support/vault_v1.rs`
//! includes them: they are committed).

use std::path::Path;

use agent_secrets_core::{
    InitOptions, KeyName, MemoryStore, Password, SecretString, ServiceName, Timestamp, Vault,
};

#[cfg(test)]
#[path = "../../tests/support/vault_v1.rs"]
mod vault_v1;

#[test]
#[ignore = "rewrites tests/data/vault-v1; run on purpose only"]
fn generate_vault_v1() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/data/vault-v1");
    let options = InitOptions {
        iterations: vault_v1::ITERATIONS,
        ..InitOptions::default()
    };
    let created = Timestamp::from_unix(vault_v1::CREATED_AT);
    let vault = Vault::init(
        MemoryStore::new(),
        &Password::from(vault_v1::PASSWORD),
        &options,
        created,
    )
    .expect("init");
    for (i, (service, key, value)) in vault_v1::SECRETS.iter().enumerate() {
        let at = Timestamp::from_unix(vault_v1::CREATED_AT + 60 * (i as i64 + 1));
        vault
            .set(
                &ServiceName::parse(service).expect("service"),
                &KeyName::parse(key).expect("key"),
                &SecretString::from(*value),
                at,
            )
            .expect("set");
    }
    let documents = vault.into_store().documents();
    let mut names: Vec<&str> = documents.keys().map(String::as_str).collect();
    // The clean state.json of a new vault is not part of the fixture: the
    // vault opens without one.
    names.retain(|name| *name != ".gitignore" && *name != "state.json");
    let listed: Vec<&str> = vault_v1::DOCUMENTS.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, listed, "the documents support/vault_v1.rs lists");
    std::fs::create_dir_all(&dir).expect("create the fixture folder");
    for name in names {
        std::fs::write(dir.join(name), &documents[name]).expect("write a fixture document");
    }
}
