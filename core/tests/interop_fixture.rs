//! The native core opens the vault in `tests/data/vault-v1/` (the wasm
//! build opens the same files in `wasm/tests/interop.rs`).

use agent_secrets_core::{
    list, status, ErrorKind, KeyName, MemoryStore, Password, ServiceName, Vault,
};

#[cfg(test)]
#[path = "../../tests/support/vault_v1.rs"]
mod vault_v1;

fn fixture() -> MemoryStore {
    MemoryStore::from_documents(
        vault_v1::DOCUMENTS
            .iter()
            .map(|(name, text)| ((*name).to_owned(), text.as_bytes().to_vec())),
    )
}

#[test]
fn opens_with_the_fixture_password_and_reads_every_value() {
    let vault = Vault::unlock(
        fixture(),
        &Password::from(vault_v1::PASSWORD),
        agent_secrets_core::Timestamp::from_unix(1_795_867_200),
    )
    .expect("unlock");
    let (recipient, owner) = vault.config().password_recipients().next().expect("owner");
    assert_eq!(
        (recipient, owner.kdf.iterations),
        ("owner", vault_v1::ITERATIONS)
    );
    for (service, key, value) in vault_v1::SECRETS {
        let name = (ServiceName::parse(service), KeyName::parse(key));
        let (Ok(s), Ok(k)) = name else {
            panic!("{service}/{key}: not valid names");
        };
        let got = vault.get(&s, &k).expect("get");
        assert!(got.expose() == *value, "{service}/{key}: value differs");
    }
    // Reading changes no document; the unlock counted its attempt in
    // state.json and cleared it.
    let mut after = vault.store().documents();
    let state = after.remove("state.json").expect("the attempt was counted");
    assert!(agent_secrets_core::lockout::parse_state(&state)
        .expect("state")
        .is_clear());
    assert_eq!(after, fixture().documents(), "reading changes no document");
}

#[test]
fn lists_names_without_the_password() {
    let store = fixture();
    let (services, problems) = list(&store, None).expect("list");
    assert!(problems.is_empty());
    let mut names: Vec<(String, String)> = services
        .iter()
        .flat_map(|s| {
            s.secrets
                .iter()
                .map(|e| (s.service.to_string(), e.key.to_string()))
        })
        .collect();
    names.sort();
    let mut expected: Vec<(String, String)> = vault_v1::SECRETS
        .iter()
        .map(|(s, k, _)| ((*s).to_owned(), (*k).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let (status, problems) = status(&store).expect("status");
    assert!(problems.is_empty());
    assert_eq!((status.services, status.secrets), (4, 5));
    assert_eq!(status.created_at.unix(), vault_v1::CREATED_AT);
}

#[test]
fn refuses_a_wrong_password() {
    let err = Vault::unlock(
        fixture(),
        &Password::from("Correct-Horse-Battery-8"),
        agent_secrets_core::Timestamp::from_unix(1_795_867_200),
    )
    .expect_err("wrong password");
    assert_eq!(err.kind(), ErrorKind::WrongPassword);
}
