//! The dashboard's JSON API over the vault files. Every write goes through
//! the CLI's [`FileStore`] (its lock and atomic replace) and is checked
//! with the core's parsers first; the bodies are ciphertext and names.
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/api/config` | `config.json` as stored; `ETag` is its revision |
//! | PUT | `/api/config` | replace it (`If-Match`); only `env` and `updated_at` may change |
//! | GET | `/api/services` | every service's metadata and revision, stale secrets, problems |
//! | GET | `/api/services/NAME` | `NAME.json` as stored; `ETag` is its revision |
//! | PUT | `/api/services/NAME` | replace it (`If-Match`) or create it (`If-None-Match: *`) |
//! | DELETE | `/api/services/NAME` | remove it (`If-Match`) |
//! | GET | `/api/audit` | `audit.log` as stored (empty when there is none); `?tail=1` its last 4 KiB |
//! | POST | `/api/audit` | append one line the page built, if it chains onto the last one |
//! | POST | `/api/unlock/reserve` | count an attempt, then get the KDF parameters |
//! | POST | `/api/unlock/report` | `{"ok": true}` after a right password |
//! | GET | `/api/preflight` | the findings of `agent preflight --json` |
//!
//! A revision is the lower-case hex SHA-256 of the file's bytes, sent as a
//! strong `ETag` (`"…"`); a write whose `If-Match` names another revision
//! gets 409 and changes nothing.

use agent_secrets_core::audit::{self, AuditLine, AUDIT_FILE};
use agent_secrets_core::format::{
    parse_config, parse_service, service_file, service_of_file, ConfigDoc, CONFIG_FILE,
};
use agent_secrets_core::lock::Tool;
use agent_secrets_core::lockout;
use agent_secrets_core::{Error, ErrorKind, ServiceName, Store};
use base64::Engine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Reply, Request};
use crate::context::now;
use crate::fs_store::FileStore;

/// `source` of the lines the page appends.
const SOURCE: &str = "ui";
/// The longest audit line accepted (names are at most 64 + 128 bytes).
const MAX_AUDIT_LINE: usize = 4096;
/// Secrets whose value has not changed for this many days are marked stale
/// (as `agent secret metrics`).
const STALE_DAYS: u64 = 90;

/// The handlers, over one vault folder.
#[derive(Debug)]
pub struct Api {
    store: FileStore,
}

/// Holds the store's write lock until dropped.
struct Locked<'a>(&'a FileStore);

impl<'a> Locked<'a> {
    fn take(store: &'a FileStore) -> Result<Self, Error> {
        store.lock()?;
        Ok(Self(store))
    }
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        // A lock left behind is recovered as stale by the next writer.
        let _ = self.0.unlock();
    }
}

/// The revision of a file's bytes: hex SHA-256, quoted as a strong ETag.
pub fn revision(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// A core error as a response: the status of its category, its message
/// (names and numbers only, never a value) and its code.
fn core_error(e: &Error) -> Reply {
    let status = match e.kind() {
        ErrorKind::NotInitialized | ErrorKind::NotFound => 404,
        ErrorKind::Usage => 400,
        ErrorKind::Integrity | ErrorKind::Conflict => 422,
        ErrorKind::Locked => 423,
        _ if matches!(
            e,
            Error::Storage(agent_secrets_core::StoreError::Busy { .. })
        ) =>
        {
            503
        }
        _ => 500,
    };
    let mut reply = Reply::error(status, e.kind().code(), &e.to_string());
    if let Error::Locked {
        retry_after_seconds,
    } = e
    {
        reply = Reply::json(
            status,
            &serde_json::json!({
                "error": e.to_string(),
                "code": e.kind().code(),
                "retry_after_seconds": retry_after_seconds,
            }),
        );
    }
    reply
}

fn document(bytes: Vec<u8>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/json",
        etag: Some(revision(&bytes)),
        body: bytes,
    }
}

fn conflict(what: &str) -> Reply {
    Reply::error(
        409,
        "CONFLICT",
        &format!("{what} changed since the page read it (another tab or the CLI). Reload it."),
    )
}

fn bad_request(message: &str) -> Reply {
    Reply::error(400, "INVALID_INPUT", message)
}

#[derive(Serialize)]
struct ServiceRow {
    service: ServiceName,
    revision: String,
    secrets: Vec<agent_secrets_core::SecretInfo>,
}

#[derive(Serialize)]
struct Problem {
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct Listing {
    dir: String,
    /// The operating-system user, for the page's audit lines.
    user: String,
    services: Vec<ServiceRow>,
    problems: Vec<Problem>,
    stale_days: u64,
    stale: Vec<agent_secrets_core::metrics::StaleSecret>,
}

impl Api {
    /// The handlers over `store` (its lock file says `ui`).
    pub fn new(store: FileStore) -> Self {
        Self {
            store: store.with_tool(Tool::Ui),
        }
    }

    /// Routes one request that passed the server's checks.
    pub fn handle(&self, request: &Request<'_>) -> Reply {
        let route = request.path.trim_start_matches("/api/");
        let result = match (request.method, route) {
            ("GET", "config") => self.get_config(),
            ("PUT", "config") => self.put_config(request),
            ("GET", "services") => self.list(),
            ("GET", "audit") => self.get_audit(request.query == "tail=1"),
            ("POST", "audit") => self.append_audit(&request.body),
            ("POST", "unlock/reserve") => self.reserve(),
            ("POST", "unlock/report") => self.report(&request.body),
            ("GET", "preflight") => Ok(self.preflight()),
            (method, route) => match route.strip_prefix("services/") {
                Some(name) => match ServiceName::parse(name) {
                    Err(e) => Ok(core_error(&e)),
                    Ok(name) => match method {
                        "GET" => self.get_service(&name),
                        "PUT" => self.put_service(&name, request),
                        "DELETE" => self.delete_service(&name, request),
                        _ => Ok(Reply::error(
                            405,
                            "METHOD",
                            "Not a method of this resource.",
                        )),
                    },
                },
                None => Ok(Reply::error(404, "NOT_FOUND", "No such API resource.")),
            },
        };
        result.unwrap_or_else(|e| core_error(&e))
    }

    fn read_config(&self) -> Result<(Vec<u8>, ConfigDoc), Error> {
        let bytes = self.store.read(CONFIG_FILE)?.ok_or(Error::NotInitialized)?;
        let config = parse_config(&bytes)?;
        Ok((bytes, config))
    }

    fn get_config(&self) -> Result<Reply, Error> {
        let (bytes, _) = self.read_config()?;
        Ok(document(bytes))
    }

    /// The page edits the env mapping; nothing else of `config.json` may
    /// change through the dashboard.
    fn put_config(&self, request: &Request<'_>) -> Result<Reply, Error> {
        let Some(if_match) = &request.if_match else {
            return Ok(precondition_required());
        };
        if let Some(reply) = over_cap(CONFIG_FILE, &request.body) {
            return Ok(reply);
        }
        let new = match parse_config(&request.body) {
            Ok(config) => config,
            Err(e) => return Ok(bad_request(&format!("Not a vault configuration: {e}"))),
        };
        let _lock = Locked::take(&self.store)?;
        let (bytes, current) = self.read_config()?;
        if revision(&bytes) != *if_match {
            return Ok(conflict("config.json"));
        }
        let mut same = new.clone();
        same.env.clone_from(&current.env);
        same.updated_at = current.updated_at;
        // The page re-MACs what it changed (the server has no key to check it).
        same.mac = current.mac;
        if same != current {
            return Ok(bad_request(
                "Only the env mapping of config.json can be changed from the dashboard.",
            ));
        }
        self.store.write(CONFIG_FILE, &request.body)?;
        Ok(Reply {
            etag: Some(revision(&request.body)),
            ..Reply::empty()
        })
    }

    fn list(&self) -> Result<Reply, Error> {
        self.read_config()?;
        let mut names = self.store.list()?;
        names.sort();
        let mut services = Vec::new();
        let mut problems = Vec::new();
        for name in &names {
            let Some(service) = service_of_file(name) else {
                continue;
            };
            let Some(bytes) = self.store.read(name)? else {
                continue; // removed since the listing
            };
            match parse_service(&service, &bytes) {
                Ok(doc) => services.push(ServiceRow {
                    service: doc.service,
                    revision: revision(&bytes),
                    secrets: doc
                        .secrets
                        .into_iter()
                        .map(|(key, e)| agent_secrets_core::SecretInfo {
                            key,
                            key_id: e.key_id,
                            created_at: e.created_at,
                            updated_at: e.updated_at,
                        })
                        .collect(),
                }),
                Err(e) => problems.push(Problem {
                    code: e.kind().code(),
                    message: e.to_string(),
                }),
            }
        }
        let infos: Vec<agent_secrets_core::ServiceInfo> = services
            .iter()
            .map(|s| agent_secrets_core::ServiceInfo {
                service: s.service.clone(),
                secrets: s.secrets.clone(),
            })
            .collect();
        let stale =
            agent_secrets_core::metrics::compute(&[], &infos, now(), STALE_DAYS).stale_secrets;
        Ok(Reply::json(
            200,
            &Listing {
                dir: self.store.display().to_owned(),
                user: crate::audit_log::user(),
                services,
                problems,
                stale_days: STALE_DAYS,
                stale,
            },
        ))
    }

    fn get_service(&self, name: &ServiceName) -> Result<Reply, Error> {
        match self.store.read(&service_file(name))? {
            Some(bytes) => Ok(document(bytes)),
            None => Err(Error::ServiceNotFound {
                service: name.to_string(),
            }),
        }
    }

    fn put_service(&self, name: &ServiceName, request: &Request<'_>) -> Result<Reply, Error> {
        let create = request.if_none_match.as_deref() == Some("*");
        if request.if_match.is_none() && !create {
            return Ok(precondition_required());
        }
        if let Some(reply) = over_cap(&service_file(name), &request.body) {
            return Ok(reply);
        }
        let doc = match parse_service(name, &request.body) {
            Ok(doc) => doc,
            Err(e) => return Ok(bad_request(&format!("Not a service document: {e}"))),
        };
        if doc.secrets.is_empty() {
            return Ok(bad_request(
                "A service document without secrets is removed, not written (DELETE).",
            ));
        }
        let _lock = Locked::take(&self.store)?;
        let (_, config) = self.read_config()?;
        if let Some((key, _)) = doc
            .secrets
            .iter()
            .find(|(_, e)| !config.keys.contains_key(&e.key_id))
        {
            return Ok(bad_request(&format!(
                "'{key}' names a data key that config.json does not hold."
            )));
        }
        let file = service_file(name);
        let current = self.store.read(&file)?;
        let unchanged = match (&current, &request.if_match) {
            (None, None) => create,
            (Some(bytes), Some(want)) => revision(bytes) == *want,
            _ => false,
        };
        if !unchanged {
            return Ok(conflict(&file));
        }
        self.store.write(&file, &request.body)?;
        Ok(Reply {
            etag: Some(revision(&request.body)),
            ..Reply::empty()
        })
    }

    fn delete_service(&self, name: &ServiceName, request: &Request<'_>) -> Result<Reply, Error> {
        let Some(if_match) = &request.if_match else {
            return Ok(precondition_required());
        };
        let _lock = Locked::take(&self.store)?;
        let file = service_file(name);
        match self.store.read(&file)? {
            None => Err(Error::ServiceNotFound {
                service: name.to_string(),
            }),
            Some(bytes) if revision(&bytes) != *if_match => Ok(conflict(&file)),
            Some(_) => {
                self.store.remove(&file)?;
                Ok(Reply::empty())
            }
        }
    }

    /// The whole log, or with `?tail=1` its last 4 KiB (what the page needs
    /// to chain a line: [`audit::next_line`]).
    fn get_audit(&self, tail: bool) -> Result<Reply, Error> {
        self.read_config()?;
        let log = if tail {
            self.store.read_tail(AUDIT_FILE, 4096)?
        } else {
            self.store.read(AUDIT_FILE)?
        };
        let log = log.unwrap_or_default();
        Ok(Reply {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: log,
            etag: None,
        })
    }

    fn append_audit(&self, line: &[u8]) -> Result<Reply, Error> {
        if line.len() > MAX_AUDIT_LINE {
            return Ok(Reply::error(
                413,
                "TOO_LARGE",
                "An audit line is at most 4096 bytes.",
            ));
        }
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        match serde_json::from_slice::<AuditLine>(body) {
            Ok(parsed) if parsed.event.source == SOURCE => {}
            Ok(_) => {
                return Ok(bad_request(
                    "The dashboard's audit lines have source \"ui\".",
                ))
            }
            Err(_) => return Ok(bad_request("Not an audit line.")),
        }
        self.read_config()?;
        let _lock = Locked::take(&self.store)?;
        if audit::append_built_locked(&self.store, line)? {
            Ok(Reply::empty())
        } else {
            Ok(conflict(AUDIT_FILE))
        }
    }

    /// Counts the attempt before the page derives anything (the core's
    /// `begin_unlock`: refused while a lockout runs), then gives the
    /// password recipients' KDF parameters. A page that never reports back
    /// has an attempt in flight, counted as wrong once stale.
    fn reserve(&self) -> Result<Reply, Error> {
        let start = agent_secrets_core::begin_unlock(&self.store, now())?;
        let recipients: Vec<serde_json::Value> = start
            .recipients
            .iter()
            .map(|(name, kdf)| {
                serde_json::json!({
                    "recipient": name,
                    "algorithm": kdf.algorithm,
                    "iterations": kdf.iterations,
                    "salt": base64::engine::general_purpose::STANDARD.encode(kdf.salt.0),
                })
            })
            .collect();
        Ok(Reply::json(
            200,
            &serde_json::json!({
                "recipients": recipients,
                "warning": start.reservation.warning.map(|w| format!("{w} {}", lockout::RECOVERY)),
            }),
        ))
    }

    /// `{"ok": true}`: the password was right, the attempt is resolved and
    /// the counters go back to zero (the core's `lockout::clear`).
    /// `{"ok": false}`: no recipient opened; the attempt counts as a wrong
    /// password (the core's `fail_unlock`), answered with its message.
    fn report(&self, body: &[u8]) -> Result<Reply, Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Report {
            ok: bool,
        }
        let Ok(report) = serde_json::from_slice::<Report>(body) else {
            return Ok(bad_request("Expected {\"ok\": true|false}."));
        };
        if report.ok {
            lockout::clear(&self.store)?;
            return Ok(Reply::empty());
        }
        let wrong = agent_secrets_core::fail_unlock(&self.store, now());
        let (remaining, locked_for) = match &wrong {
            Error::WrongPassword {
                attempts_remaining,
                locked_for_seconds,
            } => (*attempts_remaining, *locked_for_seconds),
            _ => (None, None),
        };
        Ok(Reply::json(
            200,
            &serde_json::json!({
                "error": wrong.to_string(),
                "code": wrong.kind().code(),
                "attempts_remaining": remaining,
                "locked_for_seconds": locked_for,
            }),
        ))
    }

    fn preflight(&self) -> Reply {
        match crate::commands::preflight::report(&self.store) {
            Ok(report) => Reply::json(200, &report),
            Err(e) => Reply::error(500, "IO", &e.to_string()),
        }
    }
}

/// 413 for a document larger than the file store reads back
/// ([`agent_secrets_core::files::max_bytes`]).
fn over_cap(file: &str, body: &[u8]) -> Option<Reply> {
    let max = agent_secrets_core::files::max_bytes(file);
    (body.len() as u64 > max).then(|| {
        Reply::error(
            413,
            "TOO_LARGE",
            &format!("{file} is at most {} KiB.", max >> 10),
        )
    })
}

fn precondition_required() -> Reply {
    Reply::error(
        428,
        "PRECONDITION",
        "A write names the revision it replaces (If-Match), or If-None-Match: * to create.",
    )
}
