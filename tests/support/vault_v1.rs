//! The vault in `tests/data/vault-v1/`: written once by the native core
//! (`core/tests/generate_fixtures.rs`, an ignored test) and opened by every
//! build (`core/tests/interop_fixture.rs`, `wasm/tests/interop.rs`), so a
//! change that breaks reading existing vaults fails a test.
//!
//! Password and values are fake, made up for this fixture only.

/// The fixture's master password.
pub const PASSWORD: &str = "Correct-Horse-Battery-9";

/// PBKDF2 iterations the fixture was made with (the floor, to keep tests fast).
pub const ITERATIONS: u32 = 100_000;

/// The fixture's creation time, 2026-11-28T12:00:00Z.
pub const CREATED_AT: i64 = 1_795_867_200;

/// `(service, key, value)` of every secret, in the order they were set.
pub const SECRETS: &[(&str, &str, &str)] = &[
    ("openai", "api_key", "sk-fake-interop-0001"),
    ("anthropic", "api_key", "sk-ant-fake-interop-0002"),
    (
        "supabase",
        "anon_key",
        "fake-anon-\u{43a}\u{43b}\u{44e}\u{447}-\u{2713}-0003",
    ),
    ("supabase", "service_role_key", "fake-service-role-0004"),
    ("my-app_2", "DB.password-x", ""),
];

/// `(file name, contents)` of the fixture's documents, sorted by name.
/// The vault's `.gitignore` is left out: inside this repository it would
/// hide the fixture from git.
pub const DOCUMENTS: &[(&str, &str)] = &[
    (
        "anthropic.json",
        include_str!("../data/vault-v1/anthropic.json"),
    ),
    ("config.json", include_str!("../data/vault-v1/config.json")),
    (
        "my-app_2.json",
        include_str!("../data/vault-v1/my-app_2.json"),
    ),
    ("openai.json", include_str!("../data/vault-v1/openai.json")),
    (
        "supabase.json",
        include_str!("../data/vault-v1/supabase.json"),
    ),
];
