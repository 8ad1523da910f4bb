//! Documents of the vault format outside the vault folder: what
//! `agent preflight` reports when git tracks one anywhere in a repository
//! (a backup of the folder added with `git add -f`, a folder moved or
//! copied), and the allow-list of paths that are known test fixtures.
//! Pure: bytes in, answers out; the front end runs git and reads the files.
//!
//! # What counts as a document of the format
//!
//! A file whose first [`PROBE_BYTES`] bytes, after an optional UTF-8
//! byte-order mark and blanks, start with `{` and
//!
//! - hold a member `"format"` whose value is `"agent-secrets/config"`,
//!   `"agent-secrets/service"` or `"agent-secrets/state"` (blanks allowed
//!   around the `:`); a truncated or otherwise invalid copy counts too;
//! - or whose first line is a line of an audit log.
//!
//! # The allow-list
//!
//! [`ALLOW_FILE`] at the root of the repository lists the paths, relative
//! to that root, where such documents are expected (test fixtures of a
//! vault with a public test password). One path a line; blank lines and
//! lines starting with `#` are skipped; a line ending in `/` covers that
//! folder and everything below it, any other line exactly that file. A
//! leading `./` or `/` is ignored. There are no wildcards.
//!
//! A listed path is still reported when the document there is a copy of
//! the vault's own `config.json` (the same `kdf.salt`): a fixture folder is
//! no place for the real vault.

use crate::audit::AuditLine;

/// The allow-list file, at the root of the repository.
pub const ALLOW_FILE: &str = ".agent-secrets-allow";

/// Bytes of a file that [`document_kind`] looks at: 1 MiB. The documents
/// this tool writes put `format` first, and a config or state document is
/// a few kilobytes.
pub const PROBE_BYTES: usize = 1 << 20;

/// Which document of the format a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocumentKind {
    /// `"format": "agent-secrets/config"`.
    Config,
    /// `"format": "agent-secrets/service"`.
    Service,
    /// `"format": "agent-secrets/state"`.
    State,
    /// A line of `audit.log`.
    Audit,
}

impl DocumentKind {
    /// The name used in reports: `config`, `service`, `state`, `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Service => "service",
            Self::State => "state",
            Self::Audit => "audit",
        }
    }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_blanks(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| is_blank(**b)).count();
    &bytes[n..]
}

/// Whether `bytes`, after an optional byte-order mark and blanks, start
/// with `{`: the cheap first test, for the front end to decide whether to
/// read more of a file.
pub fn starts_like_json_object(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    skip_blanks(bytes).first() == Some(&b'{')
}

/// Which document of the format `bytes` (the first [`PROBE_BYTES`] of a
/// file, or all of it) is, if any (see the module documentation).
pub fn document_kind(bytes: &[u8]) -> Option<DocumentKind> {
    if !starts_like_json_object(bytes) {
        return None;
    }
    let bytes = &bytes[..bytes.len().min(PROBE_BYTES)];
    const MEMBER: &[u8] = b"\"format\"";
    let mut rest = bytes;
    while let Some(at) = find(rest, MEMBER) {
        rest = &rest[at + MEMBER.len()..];
        let Some(value) = skip_blanks(rest).strip_prefix(b":") else {
            continue;
        };
        let value = skip_blanks(value);
        for (name, kind) in [
            (&b"\"agent-secrets/config\""[..], DocumentKind::Config),
            (b"\"agent-secrets/service\"", DocumentKind::Service),
            (b"\"agent-secrets/state\"", DocumentKind::State),
        ] {
            if value.starts_with(name) {
                return Some(kind);
            }
        }
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<AuditLine>(first_line)
        .is_ok()
        .then_some(DocumentKind::Audit)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Whether `document` is a copy of the config document `config`: both
/// carry the same `vault_key_id`, or a recipient of each has the same KDF
/// salt (random values, made with the vault key and when a password is
/// set, so a copy from before a rotation or a password change still
/// matches on the other). Either side unreadable: `false`.
pub fn same_vault_config(document: &[u8], config: &[u8]) -> bool {
    let marks = |bytes: &[u8]| -> Vec<String> {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return Vec::new();
        };
        let mut out: Vec<String> = v
            .get("recipients")
            .and_then(serde_json::Value::as_object)
            .into_iter()
            .flat_map(|r| r.values())
            .filter_map(|r| r.get("kdf")?.get("salt")?.as_str())
            .map(|salt| format!("salt:{salt}"))
            .collect();
        if let Some(id) = v.get("vault_key_id").and_then(serde_json::Value::as_str) {
            out.push(format!("id:{id}"));
        }
        out.retain(|m| !m.ends_with(':'));
        out
    };
    let theirs = marks(config);
    marks(document).iter().any(|m| theirs.contains(m))
}

/// The parsed [`ALLOW_FILE`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// Folders (ending in `/`) and files, relative to the repository root.
    entries: Vec<String>,
}

impl AllowList {
    /// Reads the allow-list (see the module documentation). Never fails:
    /// a line that names nothing simply matches nothing.
    pub fn parse(text: &str) -> Self {
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let l = l.strip_prefix("./").unwrap_or(l);
                l.trim_start_matches('/').to_owned()
            })
            .filter(|l| !l.is_empty())
            .collect();
        Self { entries }
    }

    /// Whether `path` (relative to the repository root, `/`-separated, as
    /// `git ls-files` prints it) is listed.
    pub fn allows(&self, path: &str) -> bool {
        self.entries.iter().any(|e| {
            if e.ends_with('/') {
                path.starts_with(e.as_str())
            } else {
                path == e
            }
        })
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_of_each_kind_are_recognised() {
        let cases: [(&[u8], Option<DocumentKind>); 12] = [
            (
                b"{\n  \"format\": \"agent-secrets/config\",\n  \"version\": 1\n}\n",
                Some(DocumentKind::Config),
            ),
            (
                b"\xEF\xBB\xBF \r\n{\"version\":1,\"format\" :\t\"agent-secrets/service\"}",
                Some(DocumentKind::Service),
            ),
            (
                b"{\"format\":\"agent-secrets/state\"",
                Some(DocumentKind::State),
            ),
            // Truncated after the member: still a copy.
            (
                b"{\"format\": \"agent-secrets/config\", \"kdf\": {",
                Some(DocumentKind::Config),
            ),
            (b"{\"format\": \"agent-secrets/other\"}", None),
            (b"{\"format\": \"agent-secrets/configs\"}", None),
            (b"{\"formats\": \"agent-secrets/config\"}", None),
            (
                b"{\"name\": \"format\", \"x\": \"agent-secrets/config\"}",
                None,
            ),
            (b"[{\"format\": \"agent-secrets/config\"}]", None),
            (b"see {\"format\": \"agent-secrets/config\"}", None),
            (b"", None),
            (b"{}", None),
        ];
        for (bytes, want) in cases {
            let text = String::from_utf8_lossy(bytes);
            assert_eq!(document_kind(bytes), want, "{text}");
        }
        let names = [
            DocumentKind::Config,
            DocumentKind::Service,
            DocumentKind::State,
            DocumentKind::Audit,
        ]
        .map(DocumentKind::as_str);
        assert_eq!(names, ["config", "service", "state", "audit"]);
    }

    #[test]
    fn an_audit_log_is_recognised_by_its_first_line() {
        let event = crate::audit::AuditEvent::new(
            crate::Timestamp::from_unix_checked(1_800_000_000).expect("time"),
            crate::audit::Operation::Get,
            crate::audit::Status::Success,
            "tester",
            "cli",
        )
        .service(&crate::ServiceName::parse("openai").expect("service"));
        let line = crate::audit::chain(None, event, None);
        let mut log = line.clone();
        log.extend_from_slice(b"{\"not\": \"a line\"}\n");
        assert_eq!(document_kind(&log), Some(DocumentKind::Audit));
        assert_eq!(document_kind(b"{\"timestamp\": 1}\n"), None);
    }

    #[test]
    fn same_vault_config_compares_the_vault_key_id_and_the_salts() {
        let a = br#"{"format":"agent-secrets/config","vault_key_id":"0123456789abcdef0123456789abcdef","recipients":{"owner":{"kdf":{"salt":"c2FsdHNhbHRzYWx0c2FsdA=="}}}}"#;
        let rotated = br#"{"vault_key_id":"ffffffffffffffffffffffffffffffff","recipients":{"owner":{"kdf":{"salt":"c2FsdHNhbHRzYWx0c2FsdA=="}}}}"#;
        let new_password = br#"{"vault_key_id":"0123456789abcdef0123456789abcdef","recipients":{"owner":{"kdf":{"salt":"b3RoZXJvdGhlcm90aGVyMQ=="}}}}"#;
        let other = br#"{"vault_key_id":"ffffffffffffffffffffffffffffffff","recipients":{"owner":{"kdf":{"salt":"b3RoZXJvdGhlcm90aGVyMQ=="}}}}"#;
        assert!(same_vault_config(a, rotated));
        assert!(same_vault_config(a, new_password));
        assert!(!same_vault_config(a, other));
        assert!(!same_vault_config(b"{", a));
        assert!(!same_vault_config(
            br#"{"vault_key_id":"","recipients":{"o":{"kdf":{"salt":""}}}}"#,
            br#"{"vault_key_id":"","recipients":{"o":{"kdf":{"salt":""}}}}"#
        ));
    }

    #[test]
    fn the_allow_list_matches_folders_and_files() {
        let list = AllowList::parse(
            "# fixtures\n\ntests/fixtures/format/\n ./tests/data/vault-v1/config.json \n/fuzz/corpus/\n/\n",
        );
        assert!(!list.is_empty());
        assert!(list.allows("tests/fixtures/format/ok_config.json"));
        assert!(list.allows("tests/fixtures/format/sub/x.json"));
        assert!(list.allows("tests/data/vault-v1/config.json"));
        assert!(list.allows("fuzz/corpus/state/ok.json"));
        assert!(!list.allows("tests/data/vault-v1/openai.json"));
        assert!(!list.allows("tests/fixtures/formats/x.json"));
        assert!(!list.allows("backup/config.json"));
        assert!(AllowList::parse("# nothing\n/\n").is_empty());
    }
}
