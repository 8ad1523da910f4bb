//! Tampered, moved, corrupt and newer documents: exit 6, a message that
//! names the file and key, nothing on stdout, the file left as it was, and
//! the other services still readable.

use crate::common;

use base64::Engine;
use common::Project;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn flip(text: &str, index: usize) -> String {
    let mut bytes = B64.decode(text).expect("base64");
    bytes[index] ^= 0x01;
    B64.encode(bytes)
}

fn two_services() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-openai-value");
    p.set("openai", "org_id", "fake-org");
    p.set("anthropic", "api_key", "fake-anthropic-value");
    p
}

fn assert_integrity_failure(p: &Project, service: &str, key: &str, needle: &str) {
    let r = p.run(&["secret", "get", service, key, "--show"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stdout.is_empty(), "{r:?}");
    assert!(r.stderr.contains(needle), "{r:?}");
    assert!(!r.stderr.contains("fake-"), "{r:?}");
    let other = p.get("anthropic", "api_key");
    assert_eq!(
        (other.code, other.stdout.as_str()),
        (0, "fake-anthropic-value\n"),
        "{other:?}"
    );
}

#[test]
fn a_flipped_byte_anywhere_in_nonce_ciphertext_or_tag_exits_6() {
    let p = two_services();
    let original = p.read_json("openai.json");
    for field in ["nonce", "ciphertext", "tag"] {
        let len = B64
            .decode(original["secrets"]["api_key"][field].as_str().expect("str"))
            .expect("b64")
            .len();
        for i in 0..len {
            let mut doc = original.clone();
            let text = doc["secrets"]["api_key"][field]
                .as_str()
                .expect("str")
                .to_owned();
            doc["secrets"]["api_key"][field] = flip(&text, i).into();
            p.write_json("openai.json", &doc);
            let bytes = std::fs::read(p.vault().join("openai.json")).expect("read");
            assert_integrity_failure(
                &p,
                "openai",
                "api_key",
                "openai.json: ciphertext of 'api_key' failed its integrity check (tampered or corrupt); other services are unaffected.",
            );
            assert_eq!(
                std::fs::read(p.vault().join("openai.json")).expect("read"),
                bytes
            );
        }
    }
    // the untouched key of the same file still reads
    p.write_json("openai.json", &original);
    assert_eq!(p.get("openai", "org_id").stdout, "fake-org\n");
}

#[test]
fn a_ciphertext_moved_to_another_key_or_service_exits_6() {
    let p = two_services();
    // to another key of the same service
    let mut doc = p.read_json("openai.json");
    doc["secrets"]["org_id"] = doc["secrets"]["api_key"].clone();
    p.write_json("openai.json", &doc);
    assert_integrity_failure(
        &p,
        "openai",
        "org_id",
        "openai.json: ciphertext of 'org_id'",
    );
    // to the same key in another service
    let q = two_services();
    let mut anthropic = q.read_json("anthropic.json");
    anthropic["secrets"]["api_key"] = q.read_json("openai.json")["secrets"]["api_key"].clone();
    q.write_json("anthropic.json", &anthropic);
    let r = q.get("anthropic", "api_key");
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr.contains("anthropic.json: ciphertext of 'api_key'"),
        "{r:?}"
    );
    assert!(r.stdout.is_empty());
    // a whole service file copied under another name
    let z = two_services();
    std::fs::copy(z.vault().join("openai.json"), z.vault().join("stripe.json")).expect("copy");
    let r = z.get("stripe", "api_key");
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stderr.contains("stripe.json"), "{r:?}");
}

#[test]
fn corrupt_and_newer_documents_exit_6_and_stay_byte_identical() {
    let p = two_services();
    let good = std::fs::read(p.vault().join("openai.json")).expect("read");
    let newer = String::from_utf8(good.clone())
        .expect("utf8")
        .replace("\"version\": 1", "\"version\": 2");
    let missing_tag = {
        let mut v = p.read_json("openai.json");
        v["secrets"]["api_key"]
            .as_object_mut()
            .expect("obj")
            .remove("tag");
        serde_json::to_vec(&v).expect("json")
    };
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_vec(),
            "openai.json: truncated JSON",
        ),
        (
            "invalid",
            b"{ this is not json".to_vec(),
            "openai.json: invalid JSON",
        ),
        ("empty", Vec::new(), "openai.json: truncated JSON"),
        ("missing tag", missing_tag, "missing field `tag`"),
        (
            "newer",
            newer.into_bytes(),
            "openai.json was written by a newer version",
        ),
    ];
    for (what, bytes, needle) in cases {
        std::fs::write(p.vault().join("openai.json"), &bytes).expect("write");
        for args in [
            &["secret", "get", "openai", "api_key", "--show"][..],
            &["secret", "set", "openai", "api_key", "--value", "new"],
            &["secret", "delete", "openai", "api_key"],
            &["secret", "list", "openai"],
        ] {
            let r = p.run(args);
            assert_eq!(r.code, 6, "{what}: {args:?} {r:?}");
            assert!(r.stderr.contains(needle), "{what}: {r:?}");
            assert!(r.stdout.is_empty() || args[1] == "list", "{what}: {r:?}");
            assert_eq!(
                std::fs::read(p.vault().join("openai.json")).expect("read"),
                bytes,
                "{what}"
            );
        }
        // list of everything still shows the healthy service, and exits 6
        let r = p.run(&["secret", "list"]);
        assert_eq!(r.code, 6, "{what}: {r:?}");
        assert!(r.stdout.contains("anthropic"), "{what}: {r:?}");
        assert_eq!(
            p.get("anthropic", "api_key").stdout,
            "fake-anthropic-value\n"
        );
    }
}

#[test]
fn a_vault_whose_only_service_is_refused_is_not_called_empty() {
    let p = Project::initialized();
    p.set("openai", "api_key", "fake-openai-value");
    std::fs::write(p.vault().join("openai.json"), b"{ this is not json").expect("write");
    let r = p.run(&["secret", "list"]);
    assert_eq!(r.code, 6, "{r:?}");
    assert!(r.stderr.contains("openai.json: invalid JSON"), "{r:?}");
    assert!(
        r.stderr
            .contains("1 service file(s) could not be read; nothing else to list."),
        "{r:?}"
    );
    assert!(!r.stdout.contains("No secrets yet"), "{r:?}");
    assert!(!r.stderr.contains("No secrets yet"), "{r:?}");
}

#[test]
fn a_corrupt_or_newer_config_is_refused_before_any_work() {
    let p = two_services();
    let good = std::fs::read(p.vault().join("config.json")).expect("read");
    let text = String::from_utf8(good).expect("utf8");
    let cases = [
        (
            text.replace("\"version\": 1", "\"version\": 3"),
            "config.json was written by a newer version",
        ),
        (
            text.replace("\"iterations\": 100000", "\"iterations\": 99999"),
            "outside the accepted range",
        ),
        (
            text.replace("\"iterations\": 100000", "\"iterations\": 4000000000"),
            "outside the accepted range",
        ),
        (text[..40].to_owned(), "config.json: truncated JSON"),
    ];
    for (bytes, needle) in cases {
        std::fs::write(p.vault().join("config.json"), &bytes).expect("write");
        let r = p.get("openai", "api_key");
        assert_eq!(r.code, 6, "{r:?}");
        assert!(r.stderr.contains(needle), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(p.vault().join("config.json")).expect("read"),
            bytes
        );
    }
}

#[test]
fn a_tampered_recipient_reads_as_a_wrong_password() {
    // Every way the password can fail to open the recipient's identity is
    // the same error.
    let p = two_services();
    let mut config = p.read_json("config.json");
    let tag = config["recipients"]["owner"]["identity"]["tag"]
        .as_str()
        .expect("str")
        .to_owned();
    config["recipients"]["owner"]["identity"]["tag"] = flip(&tag, 3).into();
    p.write_json("config.json", &config);
    let r = p.get("openai", "api_key");
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.stderr.contains("Incorrect password."), "{r:?}");
}

#[test]
fn a_tampered_stanza_or_public_key_fails_the_config_mac() {
    // The identity opens, so the password is right: a stanza that no longer
    // opens to the vault key, or a public key that is not the identity's, is
    // tampering (exit 6), and the file is left as it is.
    for field in ["stanza.body", "public_key"] {
        let p = two_services();
        let mut config = p.read_json("config.json");
        let owner = &mut config["recipients"]["owner"];
        let slot = match field {
            "stanza.body" => &mut owner["stanza"]["body"],
            _ => &mut owner["public_key"],
        };
        let value = slot.as_str().expect("str").to_owned();
        *slot = flip(&value, 3).into();
        p.write_json("config.json", &config);
        let before = std::fs::read(p.vault().join("config.json")).expect("read");
        let r = p.get("openai", "api_key");
        assert_eq!(r.code, 6, "{field}: {r:?}");
        assert!(
            r.stderr
                .contains("error: config.json: its MAC does not verify"),
            "{field}: {r:?}"
        );
        assert!(r.stdout.is_empty(), "{field}: {r:?}");
        assert_eq!(
            std::fs::read(p.vault().join("config.json")).expect("read"),
            before
        );
    }
}

#[test]
fn a_tampered_wrapped_data_key_fails_the_config_mac() {
    // The password is right, so a changed data key is tampering, found by
    // the MAC before the key is unwrapped.
    let p = two_services();
    let mut config = p.read_json("config.json");
    let tag = config["keys"]["k1"]["tag"]
        .as_str()
        .expect("str")
        .to_owned();
    config["keys"]["k1"]["tag"] = flip(&tag, 3).into();
    p.write_json("config.json", &config);
    let r = p.get("openai", "api_key");
    assert_eq!(r.code, 6, "{r:?}");
    assert!(
        r.stderr
            .contains("error: config.json: its MAC does not verify"),
        "{r:?}"
    );
}
