//! Black-box tests of `agent secret scan`. Every planted value and key
//! pattern is generated when the test runs: none is written in this file,
//! so the scan of this repository (the CI gate) does not find them here.

use crate::common;

use std::fs;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use common::{Project, Run, PASSWORD};

/// `n` random characters from `A-Z a-z 0-9`, at least one of each class.
fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("rng");
    let mut s: String = bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    s.replace_range(..3, "Qz7");
    s
}

/// A fake value with characters that base64 and URL encoding change.
fn fake_value() -> String {
    format!("fake-{}+/={}&?", random_alnum(12), random_alnum(12))
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn scan(p: &Project, args: &[&str]) -> Run {
    let mut all = vec!["secret", "scan"];
    all.extend_from_slice(args);
    p.run(&all)
}

fn scan_json(p: &Project, args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let r = scan(p, &all);
    let v = serde_json::from_str(&r.stdout).expect("json report");
    (r, v)
}

fn write(p: &Project, name: &str, content: &[u8]) {
    let path = p.root.path().join(name);
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn assert_absent(r: &Run, secrets: &[&str]) {
    for s in secrets {
        assert!(
            !r.stdout.contains(s) && !r.stderr.contains(s),
            "a planted secret reached the output: {r:?}"
        );
    }
}

#[test]
fn finds_a_value_exact_base64_and_url_encoded_and_never_prints_it() {
    let p = Project::initialized();
    let value = fake_value();
    p.set("app", "token", &value);
    p.set("other", "unused", &fake_value());
    let b64 = STANDARD.encode(&value);
    let url = url_encode(&value);
    assert_ne!(url, value);
    write(&p, "exact.txt", format!("a\nb\nTOKEN={value}\n").as_bytes());
    write(
        &p,
        "enc/b64.yaml",
        format!("data:\n  token: {b64}\n").as_bytes(),
    );
    // Inside a larger base64 blob, at an offset that is not a multiple of 3.
    let blob = STANDARD.encode(format!("X={value}\n"));
    write(&p, "enc/blob.txt", format!("{blob}\n").as_bytes());
    write(
        &p,
        "url.md",
        format!("see https://x.invalid/cb?token={url}&a=1\n").as_bytes(),
    );
    let r = scan(&p, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "enc/b64.yaml:2: app/token (base64)",
            "enc/blob.txt:1: app/token (base64)",
            "exact.txt:3: app/token (exact)",
            "url.md:1: app/token (urlencoded)",
        ]
    );
    assert!(
        r.stderr.contains("scan found 4 finding(s) in 4 file(s)"),
        "{r:?}"
    );
    assert_absent(&r, &[&value, &b64, &url, &blob]);

    let (r, v) = scan_json(&p, &["exact.txt"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(
        v["findings"],
        serde_json::json!([{ "kind": "value", "file": "exact.txt", "line": 3,
                             "service": "app", "key": "token", "form": "exact" }])
    );
    assert_eq!(v["source"], "paths");
    assert_eq!(v["files_scanned"], 1);
    assert_eq!(v["values_searched"], 2);
    assert_absent(&r, &[&value]);

    // The audit line records the scan, and nothing of the value.
    let log = fs::read_to_string(p.vault().join("audit.log")).expect("log");
    let last = log.lines().last().expect("a line");
    assert!(last.contains("\"operation\":\"scan\""), "{last}");
    assert!(last.contains("\"status\":\"failed\""), "{last}");
    assert!(!log.contains(&value));
}

/// `text` wrapped at `width` columns with `eol` after every line.
fn wrap(text: &str, width: usize, eol: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|c| format!("{}{eol}", String::from_utf8_lossy(c)))
        .collect()
}

/// Regression (issue 8): a copy in base64 wrapped at 76 columns (GNU
/// `base64`) or 64 (PEM, `openssl base64`), or in hex, was not found.
#[test]
fn finds_wrapped_base64_and_hex_copies_and_not_a_near_miss() {
    let p = Project::initialized();
    let value = format!("{}{}", fake_value(), random_alnum(16));
    assert!(value.len() >= 40);
    p.set("app", "token", &value);
    let mut expected = Vec::new();
    let mut planted = vec![value.clone()];
    // Leading bytes put the value at every alignment, and the line breaks
    // at different places in its copy.
    for (n, lead) in ["", "K=", "KEY=", "LONGER_KEY_NAME="].iter().enumerate() {
        let encoded = STANDARD.encode(format!("# env\n{lead}{value}\nNEXT=1\n"));
        for width in [64, 76] {
            for (eol, eol_name) in [("\n", "lf"), ("\r\n", "crlf")] {
                let file = format!("b64/{n}-{width}-{eol_name}.txt");
                let text = format!("header{eol}{}", wrap(&encoded, width, eol));
                write(&p, &file, text.as_bytes());
                expected.push(format!("{file}:2: app/token (base64)"));
                planted.push(text);
            }
        }
    }
    let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
    for (file, text) in [
        ("hex/lower.txt", format!("x\n{hex}\n")),
        ("hex/upper.txt", format!("x\n{}\n", hex.to_uppercase())),
        (
            "hex/xxd-p.txt",
            format!("x\n{}", wrap(&format!("6c656164{hex}"), 60, "\n")),
        ),
        (
            "hex/od.txt",
            format!(
                "x\n{}",
                wrap(&hex, 32, "\n")
                    .lines()
                    .map(|l| {
                        let bytes: Vec<&str> =
                            (0..l.len()).step_by(2).map(|i| &l[i..i + 2]).collect();
                        format!(" {}\n", bytes.join(" "))
                    })
                    .collect::<String>()
            ),
        ),
    ] {
        write(&p, file, text.as_bytes());
        expected.push(format!("{file}:2: app/token (hex)"));
        planted.push(text);
    }
    // One byte changed: found in no form.
    let mut near = value.clone().into_bytes();
    near[20] ^= 1;
    let near = String::from_utf8(near).expect("ascii");
    let near_hex: String = near.bytes().map(|b| format!("{b:02x}")).collect();
    let near_b64 = STANDARD.encode(format!("K={near}\n"));
    write(
        &p,
        "near.txt",
        format!("{near}\n{}{near_hex}\n", wrap(&near_b64, 76, "\r\n")).as_bytes(),
    );

    let r = scan(&p, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    let mut lines: Vec<&str> = r.stdout.lines().collect();
    lines.sort();
    expected.sort();
    assert_eq!(lines, expected);
    let refs: Vec<&str> = planted.iter().map(String::as_str).collect();
    assert_absent(&r, &refs);
    assert_absent(&r, &[&hex, &near]);
    let (r, v) = scan_json(&p, &["hex/od.txt"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(v["findings"][0]["form"], "hex");
    let (r, _) = scan_json(&p, &["near.txt"]);
    assert_eq!(r.code, 0, "{r:?}");
}

#[test]
fn finds_each_key_pattern_without_printing_it() {
    let p = Project::initialized();
    let openai = format!("sk-{}", random_alnum(48));
    let anthropic = format!("sk-ant-api03-{}", random_alnum(93));
    let aws = format!("AKIA{}", random_alnum(16).to_uppercase());
    let jwt = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
        URL_SAFE_NO_PAD.encode("{\"iss\":\"supabase\",\"role\":\"service_role\"}"),
        random_alnum(43)
    );
    write(
        &p,
        "leaks.env",
        format!("OPENAI={openai}\nANTHROPIC={anthropic}\n\nAWS={aws}\nSUPABASE={jwt}\n").as_bytes(),
    );
    let r = scan(&p, &["leaks.env"]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(
        r.stdout,
        "leaks.env:1: pattern openai-api-key\n\
         leaks.env:2: pattern anthropic-api-key\n\
         leaks.env:4: pattern aws-access-key-id\n\
         leaks.env:5: pattern jwt\n"
    );
    assert_absent(&r, &[&openai, &anthropic, &aws, &jwt]);
    let (_, v) = scan_json(&p, &["leaks.env"]);
    assert_eq!(
        v["findings"][3],
        serde_json::json!({ "kind": "pattern", "file": "leaks.env", "line": 5, "pattern": "jwt" })
    );
}

#[test]
fn skips_binaries_and_the_vault_and_passes_a_clean_tree() {
    let p = Project::initialized();
    let value = fake_value();
    p.set("app", "token", &value);
    let mut binary = b"\x7fELF\x02\x01\x01\x00".to_vec();
    binary.extend_from_slice(value.as_bytes());
    write(&p, "bin/tool", &binary);
    // A copy inside the vault folder is not a leak into the project.
    write(&p, ".agent/secrets/notes.txt", value.as_bytes());
    write(&p, "src/main.rs", b"fn main() {}\n");
    write(&p, "README.md", b"# nothing secret here\n");
    let (r, v) = scan_json(&p, &[]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(v["source"], "tree");
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["files_scanned"], 2);
    assert_eq!(v["skipped"]["binary"], 1);
    let r = scan(&p, &["."]);
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .contains("Searched 2 file(s) for 1 stored value(s)"),
        "{r:?}"
    );
    assert!(r.stderr.contains("skipped 1 binary"), "{r:?}");
}

#[test]
fn by_default_only_files_git_tracks_are_searched() {
    let p = Project::initialized();
    let value = fake_value();
    p.set("app", "token", &value);
    write(&p, "tracked.txt", format!("{value}\n").as_bytes());
    write(&p, "untracked.txt", format!("{value}\n").as_bytes());
    let git = |args: &[&str]| p.git(args);
    git(&["init", "-q", "."]);
    git(&["add", "tracked.txt"]);
    let (r, v) = scan_json(&p, &[]);
    assert_eq!(r.code, 8, "{r:?}");
    assert_eq!(v["source"], "git");
    assert_eq!(v["files_scanned"], 1);
    assert_eq!(v["findings"][0]["file"], "tracked.txt");
    assert_eq!(v["findings"].as_array().expect("array").len(), 1);
}

#[test]
fn short_values_are_not_searched_and_the_report_says_so() {
    let p = Project::initialized();
    p.set("app", "pin", "Zq81x");
    write(&p, "a.txt", b"pin Zq81x\n");
    let r = scan(&p, &["a.txt"]);
    assert_eq!(r.code, 0, "{r:?}");
    assert!(
        r.stderr
            .contains("Not searched, shorter than 8 characters: app/pin."),
        "{r:?}"
    );
    let (_, v) = scan_json(&p, &["a.txt"]);
    assert_eq!(
        v["values_too_short"],
        serde_json::json!([{ "service": "app", "key": "pin" }])
    );
    assert_eq!(v["values_searched"], 0);
}

#[test]
fn bad_paths_wrong_passwords_and_no_vault() {
    let p = Project::initialized();
    // A missing path is found before any password is asked.
    let mut c = p.command();
    c.env_remove("AGENT_SECRETS_PASSWORD")
        .args(["secret", "scan", "no-such-file"]);
    let r: Run = c.output().expect("spawn").into();
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("No such file or folder: no-such-file"));
    let r = p.run_with(
        &["secret", "scan"],
        &[("AGENT_SECRETS_PASSWORD", "Wrong-Password-123")],
        None,
    );
    assert_eq!(r.code, 4, "{r:?}");
    assert_absent(&r, &[PASSWORD]);
    let empty = Project::new();
    assert_eq!(scan(&empty, &[]).code, 7);
}
