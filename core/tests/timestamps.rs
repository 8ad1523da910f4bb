//! RFC 3339 timestamps as the format reads and writes them: edge cases of
//! the parser reached through the public API.

use agent_secrets_core::Timestamp;

#[test]
fn each_field_must_be_digits() {
    for bad in [
        "2a26-11-28T12:00:00Z",
        "2026-1a-28T12:00:00Z",
        "2026-11-2aT12:00:00Z",
        "2026-11-28T1a:00:00Z",
        "2026-11-28T12:0a:00Z",
        "2026-11-28T12:00:0aZ",
        "2026-+1-28T12:00:00Z",
        "2026-11-28T12:00:00.5",
        "2026-11-28T12:00:00.5ZZ",
        "2026-11-28T12:00:00 Z",
        // A multi-byte character across the seconds field's end.
        "2026-11-28T12:00:0éZ",
        "2026-11-28T12:00:00Zé",
    ] {
        assert_eq!(Timestamp::parse_rfc3339(bad), None, "{bad}");
    }
}

#[test]
fn accepted_variants() {
    let noon = Timestamp::from_unix(1_795_867_200);
    assert_eq!(Timestamp::parse_rfc3339("2026-11-28T12:00:00z"), Some(noon));
    assert_eq!(
        Timestamp::parse_rfc3339("2026-11-28T12:00:00.000000001Z"),
        Some(noon)
    );
    // A leap second is read as the second before it.
    assert_eq!(
        Timestamp::parse_rfc3339("2016-12-31T23:59:60Z"),
        Timestamp::parse_rfc3339("2016-12-31T23:59:59Z")
    );
    assert_eq!(
        Timestamp::parse_rfc3339("2000-02-29T00:00:00Z").map(Timestamp::unix),
        Some(951_782_400)
    );
    assert_eq!(Timestamp::parse_rfc3339("1900-02-29T00:00:00Z"), None);
    assert_eq!(
        Timestamp::parse_rfc3339("0001-01-01T00:00:00Z").map(|t| t.to_string()),
        Some("0001-01-01T00:00:00Z".to_owned())
    );
    assert_eq!(
        Timestamp::parse_rfc3339("9999-12-31T23:59:59Z").map(|t| t.to_string()),
        Some("9999-12-31T23:59:59Z".to_owned())
    );
    assert!(Timestamp::from_unix(0) < noon);
}

#[test]
fn serde_refuses_non_strings_without_quoting_them() {
    for bad in ["5", "null", "{}", "[\"2026-11-28T12:00:00Z\"]"] {
        assert!(serde_json::from_str::<Timestamp>(bad).is_err(), "{bad}");
    }
    let e = serde_json::from_str::<Timestamp>("\"sk-FAKE-not-a-time\"").expect_err("text");
    assert!(!e.to_string().contains("sk-FAKE"), "{e}");
    assert_eq!(
        serde_json::to_string(&Timestamp::from_unix(-62_135_596_800)).expect("json"),
        "\"0001-01-01T00:00:00Z\""
    );
}
