//! `audit::verify` and `audit::parse_lines` on arbitrary logs, and
//! `audit::append` after them: never a panic; what verify reports never
//! repeats the log; a line appended to any log chains to it.
#![no_main]

use agent_secrets_core::audit::{self, AuditEvent, Operation, Status, AUDIT_FILE};
use agent_secrets_core::{KeyName, MemoryStore, ServiceName, Store, Timestamp};
use agent_secrets_fuzz::assert_no_value_in;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let verification = audit::verify(data);
    if let Some((line, why)) = &verification.first_broken {
        // A physical line number (blank lines are skipped but counted).
        assert!(*line >= 1 && *line <= data.split(|b| *b == b'\n').count());
        assert_no_value_in(&[data], why);
    }
    let (good, bad) = audit::parse_lines(data);
    assert!(good.len() + bad.len() <= data.split(|b| *b == b'\n').count());

    // Appending to whatever is there must work and produce a line that
    // parses; the tool keeps working after a broken log.
    let store = MemoryStore::new();
    store.insert(AUDIT_FILE, data);
    let event = AuditEvent::new(
        Timestamp::from_unix(0),
        Operation::Get,
        Status::Success,
        "fuzz",
        "cli",
    )
    .service(&ServiceName::parse("openai").expect("a valid name"))
    .key(&KeyName::parse("api_key").expect("a valid name"));
    let line = audit::append(&store, event).expect("append to a memory store");
    assert!(!store.is_locked());
    let log = store.read(AUDIT_FILE).expect("read").expect("present");
    assert!(log.starts_with(data));
    assert!(log.ends_with(b"\n"));
    let (after, _) = audit::parse_lines(&log);
    assert_eq!(after.last(), Some(&line));
    // An intact log stays intact, with one more line.
    if verification.first_broken.is_none() {
        let v = audit::verify(&log);
        assert_eq!(v.first_broken, None, "appending broke an intact chain");
        assert_eq!(v.lines, verification.lines + 1);
    }
});
