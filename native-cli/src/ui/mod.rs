//! The dashboard server of `agent secret ui`.
//!
//! A static page and a JSON API over the vault's files, on 127.0.0.1 only.
//! The page (embedded in the binary, [`assets`]) runs the core as
//! WebAssembly and does every key derivation, decryption, encryption and
//! MAC itself; this server moves ciphertext and names, and never sees a
//! password, a key or a value.
//!
//! Every request is checked here, in this order, before any handler runs:
//!
//! 1. the `Host` header is `127.0.0.1:PORT` or `localhost:PORT` (else 403:
//!    a page on another site reaching this port through DNS rebinding);
//! 2. under `/api/`, the header `Authorization: Bearer TOKEN` carries the
//!    random 256-bit token of the printed URL (else 401; compared in
//!    constant time);
//! 3. a request that writes (any method but GET and HEAD) carries an
//!    `Origin` of this server (else 403);
//! 4. a body is at most [`MAX_BODY`] bytes (else 413, before it is read).
//!
//! Every response, errors included, carries [`SECURITY_HEADERS`]. The API
//! itself is [`api`]; `docs/dashboard.md` describes it for people.

pub mod api;
pub mod assets;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::fs_store::FileStore;

/// The largest request body read (a service document of many secrets).
pub const MAX_BODY: usize = 16 << 20;

/// Headers on every response.
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
];

/// The default idle timeout: the server stops after 30 minutes without a request.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// How often the serving loop looks at its stop flag.
const STOP_POLL: Duration = Duration::from_millis(200);

/// The random token the page must send on every API call.
struct Token(Zeroizing<String>);

impl Token {
    fn random() -> Result<Self, CliError> {
        Ok(Self(crate::context::random_hex(32)?))
    }

    /// Constant time in the content; the length (64) is no secret.
    fn matches(&self, offered: &str) -> bool {
        let ours = self.0.as_bytes();
        ours.len() == offered.len() && bool::from(ours.ct_eq(offered.as_bytes()))
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// A request as the handlers see it.
#[derive(Debug)]
pub struct Request<'a> {
    /// `GET`, `PUT`, …
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The query, without `?` (empty when none).
    pub query: &'a str,
    /// `If-Match`, if any.
    pub if_match: Option<String>,
    /// `If-None-Match`, if any.
    pub if_none_match: Option<String>,
    /// The body (empty for GET).
    pub body: Vec<u8>,
}

/// A response before the security headers are added.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
    /// `ETag`, quoted, if the body is a document with a revision.
    pub etag: Option<String>,
}

impl Reply {
    /// JSON of `value`.
    pub fn json(status: u16, value: &impl serde::Serialize) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(value).unwrap_or_default(),
            etag: None,
        }
    }

    /// `{"error": message, "code": code}`.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &serde_json::json!({ "error": message, "code": code }),
        )
    }

    /// Nothing to say (204).
    pub fn empty() -> Self {
        Self {
            status: 204,
            content_type: "text/plain",
            body: Vec::new(),
            etag: None,
        }
    }
}

/// Options of [`Server::bind`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Port on 127.0.0.1; 0 lets the system choose a free one.
    pub port: u16,
    /// Stop after this long without a request.
    pub idle_timeout: Duration,
}

/// The bound server.
pub struct Server {
    http: tiny_http::Server,
    port: u16,
    token: Token,
    api: api::Api,
    idle_timeout: Duration,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("port", &self.port).finish()
    }
}

impl Server {
    /// Binds 127.0.0.1 (never another address) and makes the token.
    pub fn bind(store: FileStore, options: Options) -> Result<Self, CliError> {
        let http = tiny_http::Server::http(("127.0.0.1", options.port)).map_err(|e| {
            CliError::Reported {
                message: format!("Cannot listen on 127.0.0.1:{}: {e}", options.port),
                code: crate::error::exit::ERROR,
            }
        })?;
        let port = http
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .unwrap_or(options.port);
        Ok(Self {
            http,
            port,
            token: Token::random()?,
            api: api::Api::new(store),
            idle_timeout: options.idle_timeout,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The address to open, token in the fragment (which a browser never
    /// sends to a server or puts in a `Referer`).
    pub fn url(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "http://127.0.0.1:{}/#token={}",
            self.port,
            self.token.0.as_str()
        ))
    }

    /// Serves until no request has come for the idle timeout, or until
    /// `stop` is set (Ctrl-C, SIGTERM, SIGHUP: the caller's handler), so
    /// that the session ends cleanly either way.
    pub fn serve(self, stop: &AtomicBool) -> Result<(), CliError> {
        let mut last = Instant::now();
        loop {
            let left = self.idle_timeout.saturating_sub(last.elapsed());
            if left.is_zero() || stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            // Wake up now and then to notice `stop`.
            match self.http.recv_timeout(left.min(STOP_POLL)) {
                Ok(Some(request)) => {
                    last = Instant::now();
                    self.respond(request);
                }
                Ok(None) => {}
                Err(e) => {
                    return Err(CliError::Reported {
                        message: format!("The dashboard server stopped: {e}"),
                        code: crate::error::exit::ERROR,
                    })
                }
            }
        }
    }

    fn respond(&self, mut request: tiny_http::Request) {
        let reply = self.handle(&mut request);
        // Whole bodies with a Content-Length: they are in memory anyway.
        let mut response = tiny_http::Response::from_data(reply.body)
            .with_status_code(reply.status)
            .with_chunked_threshold(usize::MAX);
        let mut add = |name: &str, value: &str| {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        };
        add("Content-Type", reply.content_type);
        for (name, value) in SECURITY_HEADERS {
            add(name, value);
        }
        if let Some(etag) = &reply.etag {
            add("ETag", etag);
        }
        // The client may have gone; nothing to tell it then.
        let _ = request.respond(response);
    }

    /// The checks of the module documentation, then the handler.
    fn handle(&self, request: &mut tiny_http::Request) -> Reply {
        let headers = request.headers().to_vec();
        let header = |name: &'static str| {
            headers
                .iter()
                .find(|h| h.field.equiv(name))
                .map(|h| h.value.as_str().to_owned())
        };
        let here = [
            format!("127.0.0.1:{}", self.port),
            format!("localhost:{}", self.port),
        ];
        if !header("Host").is_some_and(|h| here.contains(&h)) {
            return Reply::error(
                403,
                "FORBIDDEN",
                "This server answers only to 127.0.0.1 and localhost on its own port.",
            );
        }
        let url = request.url().to_owned();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let method = request.method().as_str().to_owned();
        let writes = !matches!(method.as_str(), "GET" | "HEAD");
        if !path.starts_with("/api/") {
            if writes {
                return Reply::error(405, "METHOD", "Static files are read-only.");
            }
            return assets::serve(path);
        }
        let authorized = header("Authorization")
            .as_deref()
            .and_then(|h| h.strip_prefix("Bearer "))
            .is_some_and(|t| self.token.matches(t));
        if !authorized {
            return Reply::error(
                401,
                "UNAUTHORIZED",
                "Missing or wrong token: open the address `agent secret ui` printed.",
            );
        }
        if writes {
            let origins = here.map(|h| format!("http://{h}"));
            if !header("Origin").is_some_and(|o| origins.contains(&o)) {
                return Reply::error(
                    403,
                    "FORBIDDEN",
                    "A write must come from the dashboard's own page (Origin).",
                );
            }
        }
        if request.body_length().is_some_and(|n| n > MAX_BODY) {
            return too_large();
        }
        let mut body = Vec::new();
        let read = request
            .as_reader()
            .take(MAX_BODY as u64 + 1)
            .read_to_end(&mut body);
        if read.is_err() {
            return Reply::error(400, "INVALID_INPUT", "The request body could not be read.");
        }
        if body.len() > MAX_BODY {
            return too_large();
        }
        let request = Request {
            method: &method,
            path,
            query,
            if_match: header("If-Match"),
            if_none_match: header("If-None-Match"),
            body,
        };
        self.api.handle(&request)
    }
}

fn too_large() -> Reply {
    Reply::error(
        413,
        "TOO_LARGE",
        &format!("The request body is larger than {} MiB.", MAX_BODY >> 20),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_compare_whole() {
        let a = Token::random().expect("token");
        let b = Token::random().expect("token");
        assert_eq!(a.0.len(), 64);
        assert!(a.0.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.0.as_str(), b.0.as_str());
        assert!(a.matches(&a.0));
        assert!(!a.matches(&b.0));
        assert!(!a.matches(&a.0[..63]));
        assert!(!a.matches(""));
        assert_eq!(format!("{a:?}"), "Token([redacted])");
    }
}
