//! Inputs found by the fuzz targets in `fuzz/` (and their neighbours),
//! kept as tests named after the bug. See fuzz/README.md.

use agent_secrets_core::audit::{self, AuditEvent, AuditLine, Operation, Status, AUDIT_FILE};
use agent_secrets_core::{KeyName, MemoryStore, ServiceName, Store, Timestamp};

fn event() -> AuditEvent {
    AuditEvent::new(
        Timestamp::from_unix(1_795_867_200),
        Operation::Get,
        Status::Success,
        "alice",
        "cli",
    )
    .service(&sn("openai"))
    .key(&kn("api_key"))
}

/// Found by the `audit` target (input: one `\n`). `verify` read a log of
/// one newline as empty and intact, but `append` wrote after the newline,
/// so the log became `\n{…seq 1…}\n` and `verify` reported line 1 (the
/// blank one) as broken — for ever after. `echo > audit.log`, a common way
/// to "empty" a file, produces exactly this log.
///
/// Fixed in core/src/audit.rs: blank lines are not part of the chain, for
/// `verify` and for `append` alike.
#[test]
fn audit_append_after_a_log_of_one_newline_keeps_the_chain_intact() {
    let store = MemoryStore::new();
    store.insert(AUDIT_FILE, b"\n");
    let before = audit::verify(b"\n");
    assert_eq!((before.lines, before.first_broken.clone()), (0, None));

    let line = audit::append(&store, event()).expect("append");
    assert_eq!(line.seq, 1);
    let log = store.read(AUDIT_FILE).expect("read").expect("present");
    let after = audit::verify(&log);
    assert_eq!(
        after.first_broken,
        None,
        "log: {:?}",
        String::from_utf8_lossy(&log)
    );
    assert_eq!(after.lines, 1);
}

/// Found by reading the code while writing the `audit` target, then
/// reproduced through it: a last line whose `seq` is `u64::MAX` (an
/// edited log) made `chain` compute `seq + 1`, which overflows: a panic in
/// debug builds (the CLI's audit write would crash) and a wrap to 0 in
/// release builds.
#[test]
fn audit_chain_after_a_last_line_with_the_largest_seq_does_not_overflow() {
    let first = audit::chain(None, event(), None);
    let first = &first[..first.len() - 1];
    let mut edited: AuditLine = serde_json::from_slice(first).expect("a chained line parses");
    edited.seq = u64::MAX;
    let edited = serde_json::to_vec(&edited).expect("serialize");

    let next = audit::chain(Some(&edited), event(), None);
    let next: AuditLine = serde_json::from_slice(&next[..next.len() - 1]).expect("parses");
    assert_eq!(
        next.seq,
        u64::MAX,
        "saturates; verify reports the forged log anyway"
    );

    // And through the store, as the CLI appends.
    let store = MemoryStore::new();
    let mut log = edited.clone();
    log.push(b'\n');
    store.insert(AUDIT_FILE, &log);
    audit::append(&store, event()).expect("append after a forged seq");
    let log = store.read(AUDIT_FILE).expect("read").expect("present");
    assert!(audit::verify(&log).first_broken.is_some());
}

/// Found by the `unlock` target: a recipient named
/// `ownerCANARY-VALUE` (a valid name) of an unknown `type` was named in
/// the refusal, so a value pasted as a recipient name reached the screen.
///
/// Fixed in core/src/format.rs: the unknown-type refusal names no
/// recipient.
#[test]
fn an_unknown_recipient_type_does_not_repeat_the_recipient_name() {
    let config = br#"{"format":"agent-secrets/config","version":1,"recipients":{"ownerCANARY-VALUE":{"type":"x25519"}}}"#;
    let e = agent_secrets_core::format::parse_config(config).expect_err("unknown type");
    assert!(!format!("{e} {e:?}").contains("CANARY"), "{e}");
    assert!(e.to_string().starts_with("config.json: a recipient"), "{e}");
}

/// A service name (test input, valid by construction).
fn sn(name: &str) -> ServiceName {
    ServiceName::parse(name).expect("service name")
}

/// A key name (test input, valid by construction).
fn kn(name: &str) -> KeyName {
    KeyName::parse(name).expect("key name")
}
