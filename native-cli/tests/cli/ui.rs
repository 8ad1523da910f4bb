//! `agent secret ui`: the dashboard server, over real HTTP on 127.0.0.1.
//! Each test starts the binary on port 0, reads the address it prints and
//! talks to it with a plain TCP client.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::{Project, PASSWORD};

const HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("cache-control", "no-store"),
    ("referrer-policy", "no-referrer"),
];

struct Ui {
    child: Child,
    port: u16,
    token: String,
    url: String,
}

impl Drop for Ui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
}

fn start(p: &Project, extra: &[&str], envs: &[(&str, &str)]) -> Ui {
    let mut c = p.command();
    c.args(["secret", "ui", "--no-open"]).args(extra);
    if !extra.contains(&"--idle-timeout") {
        c.args(["--idle-timeout", "60s"]);
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in envs {
        c.env(k, v);
    }
    let mut child = c.spawn().expect("spawn agent secret ui");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the address");
    let url = line
        .trim()
        .strip_prefix("Dashboard: ")
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    let rest = url.strip_prefix("http://127.0.0.1:").expect("127.0.0.1");
    let (port, token) = rest.split_once("/#token=").expect("token in the fragment");
    Ui {
        child,
        port: port.parse().expect("port"),
        token: token.to_owned(),
        url,
    }
}

impl Ui {
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn auth(&self) -> String {
        format!("Bearer {}", self.token)
    }

    /// A request with the right Host, token and Origin, plus `headers`.
    fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let auth = self.auth();
        let host = self.host();
        let origin = self.origin();
        let mut all = vec![
            ("Host", host.as_str()),
            ("Authorization", auth.as_str()),
            ("Origin", origin.as_str()),
        ];
        all.extend_from_slice(headers);
        raw(self.port, method, path, &all, body)
    }
}

/// One HTTP/1.1 request with exactly these headers (and Content-Length).
fn raw(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    read_response(s)
}

fn read_response(s: TcpStream) -> Response {
    let mut r = BufReader::new(s);
    let mut status = String::new();
    r.read_line(&mut status).expect("status line");
    let status: u16 = status
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).expect("header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').expect("header line");
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("length"));
    let mut body = vec![0; len];
    r.read_exact(&mut body).expect("body");
    Response {
        status,
        headers,
        body,
    }
}

fn assert_security_headers(r: &Response) {
    for (name, value) in HEADERS {
        assert_eq!(r.header(name), Some(*value), "{name} on {}", r.status);
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn project_with_secret() -> Project {
    let p = Project::initialized();
    p.set("openai", "api_key", "sk-test-canary-0001");
    p
}

#[test]
fn no_token_or_a_wrong_one_is_401_and_runs_nothing() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let before = p.snapshot();
    let host = ui.host();
    let origin = ui.origin();
    let r = raw(ui.port, "GET", "/api/config", &[("Host", &host)], b"");
    assert_eq!(r.status, 401);
    assert_security_headers(&r);
    // Same length, one character off: still refused.
    let mut wrong = ui.token.clone().into_bytes();
    wrong[10] = if wrong[10] == b'a' { b'b' } else { b'a' };
    let wrong = format!("Bearer {}", String::from_utf8(wrong).expect("hex"));
    for (method, path) in [("GET", "/api/services"), ("POST", "/api/unlock/reserve")] {
        let r = raw(
            ui.port,
            method,
            path,
            &[
                ("Host", &host),
                ("Origin", &origin),
                ("Authorization", &wrong),
            ],
            b"",
        );
        assert_eq!(r.status, 401, "{method} {path}");
        assert_security_headers(&r);
        assert!(!String::from_utf8_lossy(&r.body).contains(&ui.token));
    }
    let r = raw(
        ui.port,
        "GET",
        "/api/config",
        &[("Host", &host), ("Authorization", "Bearer ")],
        b"",
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        p.snapshot(),
        before,
        "no attempt was counted, nothing written"
    );
    assert_eq!(ui.call("GET", "/api/config", &[], b"").status, 200);
}

#[test]
fn a_foreign_host_is_403_even_with_the_token() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let before = p.snapshot();
    let auth = ui.auth();
    let origin = ui.origin();
    let other_port = format!("127.0.0.1:{}", ui.port.wrapping_add(1));
    let evil = format!("evil.example:{}", ui.port);
    for host in [evil.as_str(), other_port.as_str(), "127.0.0.1", "localhost"] {
        for (method, path) in [
            ("GET", "/api/config"),
            ("POST", "/api/unlock/reserve"),
            ("GET", "/"),
        ] {
            let r = raw(
                ui.port,
                method,
                path,
                &[
                    ("Host", host),
                    ("Authorization", &auth),
                    ("Origin", &origin),
                ],
                b"",
            );
            assert_eq!(r.status, 403, "{host} {method} {path}");
            assert_security_headers(&r);
        }
    }
    let r = raw(
        ui.port,
        "GET",
        "/api/config",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 403, "no Host at all");
    assert_eq!(p.snapshot(), before);
    let localhost = format!("localhost:{}", ui.port);
    let r = raw(
        ui.port,
        "GET",
        "/api/config",
        &[("Host", &localhost), ("Authorization", &auth)],
        b"",
    );
    assert_eq!(r.status, 200, "localhost:PORT is this server");
}

#[test]
fn a_write_without_this_origin_is_403_and_changes_nothing() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let doc = ui.call("GET", "/api/services/openai", &[], b"");
    assert_eq!(doc.status, 200);
    let etag = doc.header("etag").expect("etag").to_owned();
    let before = p.snapshot();
    let host = ui.host();
    let auth = ui.auth();
    let other = format!("http://127.0.0.1:{}", ui.port.wrapping_add(1));
    for origin in [
        Some("http://evil.example"),
        Some(other.as_str()),
        Some("null"),
        None,
    ] {
        let mut headers = vec![("Host", host.as_str()), ("Authorization", auth.as_str())];
        headers.push(("If-Match", &etag));
        if let Some(o) = origin {
            headers.push(("Origin", o));
        }
        for (method, path) in [
            ("PUT", "/api/services/openai"),
            ("DELETE", "/api/services/openai"),
            ("POST", "/api/unlock/reserve"),
        ] {
            let r = raw(ui.port, method, path, &headers, &doc.body);
            assert_eq!(r.status, 403, "{origin:?} {method} {path}");
            assert_security_headers(&r);
        }
    }
    assert_eq!(p.snapshot(), before);
}

#[test]
fn every_response_carries_the_security_headers() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let page = ui.call("GET", "/", &[], b"");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_security_headers(&page);
    let wasm = ui.call("GET", "/pkg/agent_secrets_wasm_bg.wasm", &[], b"");
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert!(wasm.body.starts_with(b"\0asm"), "the embedded wasm");
    assert_security_headers(&wasm);
    for path in [
        "/nope",
        "/api/nope",
        "/api/services/absent",
        "/../config.json",
    ] {
        let r = ui.call("GET", path, &[], b"");
        assert_eq!(r.status, 404, "{path}");
        assert_security_headers(&r);
    }
    let r = ui.call("POST", "/", &[], b"");
    assert_eq!(r.status, 405);
    assert_security_headers(&r);
}

#[test]
fn the_server_listens_on_127_0_0_1_only() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    assert!(ui.url.starts_with("http://127.0.0.1:"), "{}", ui.url);
    assert_eq!(ui.token.len(), 64);
    assert!(TcpStream::connect(("127.0.0.1", ui.port)).is_ok());
    // Another loopback address reaches the same interface; a socket bound
    // to 0.0.0.0 or to the whole interface would answer there too.
    let other = TcpStream::connect_timeout(
        &std::net::SocketAddr::from(([127, 0, 0, 2], ui.port)),
        Duration::from_secs(5),
    );
    assert!(other.is_err(), "answered on 127.0.0.2");
    // The kernel's own view: the listening socket's local address.
    let tcp = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp");
    let port_hex = format!(":{:04X}", ui.port);
    let listening: Vec<&str> = tcp
        .lines()
        .filter(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() > 3 && f[1].ends_with(&port_hex) && f[3] == "0A"
        })
        .collect();
    assert_eq!(listening.len(), 1, "{listening:?}");
    assert!(
        listening[0].split_whitespace().nth(1).expect("local") == format!("0100007F{port_hex}"),
        "bound to {listening:?}"
    );
}

#[test]
fn an_invalid_service_name_is_400_and_touches_no_file() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let doc = std::fs::read(p.vault().join("openai.json")).expect("read");
    let before = p.snapshot();
    for name in [
        "..%2fconfig",
        "..",
        "%2e%2e",
        "Config",
        "config",
        "state",
        "open%2fai",
        "a%00b",
        "-x",
        "openai.json",
    ] {
        let path = format!("/api/services/{name}");
        let get = ui.call("GET", &path, &[], b"");
        assert_eq!(get.status, 400, "GET {name}");
        assert_security_headers(&get);
        for method in ["PUT", "DELETE"] {
            let r = ui.call(method, &path, &[("If-None-Match", "*")], &doc);
            assert_eq!(r.status, 400, "{method} {name}");
        }
    }
    assert_eq!(p.snapshot(), before);
}

#[test]
fn a_body_over_the_cap_is_413_before_it_is_read() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let before = p.snapshot();
    let mut s = TcpStream::connect(("127.0.0.1", ui.port)).expect("connect");
    let head = format!(
        "PUT /api/services/openai HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\nOrigin: {}\r\n\
         If-None-Match: *\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        ui.host(),
        ui.auth(),
        ui.origin(),
        17 << 20
    );
    s.write_all(head.as_bytes()).expect("send");
    s.write_all(&[b'x'; 1024]).expect("send a little");
    let r = read_response(s);
    assert_eq!(r.status, 413);
    assert_security_headers(&r);
    // config.json is read back at most 1 MiB: a larger one is refused too.
    let r = ui.call(
        "PUT",
        "/api/config",
        &[("If-Match", "\"x\"")],
        &vec![b' '; (1 << 20) + 1],
    );
    assert_eq!(r.status, 413);
    // An audit line has its own, smaller cap.
    let r = ui.call("POST", "/api/audit", &[], &vec![b'x'; 5000]);
    assert_eq!(r.status, 413);
    assert_eq!(p.snapshot(), before);
}

#[test]
fn a_document_that_is_not_of_the_format_is_400_and_changes_nothing() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let doc = ui.call("GET", "/api/services/openai", &[], b"");
    let etag = doc.header("etag").expect("etag").to_owned();
    let before = p.snapshot();
    let text = String::from_utf8(doc.body.clone()).expect("utf8");
    let plaintext = text.replacen("\"key_id\"", "\"value\":\"sk-live\",\"key_id\"", 1);
    let other_service = text.replacen("\"service\": \"openai\"", "\"service\": \"anthropic\"", 1);
    let unknown_key = text.replacen("\"key_id\": \"k1\"", "\"key_id\": \"k9\"", 1);
    assert_ne!(unknown_key, text);
    for bad in [
        b"not json".to_vec(),
        b"{}".to_vec(),
        plaintext.into_bytes(),
        other_service.into_bytes(),
        unknown_key.into_bytes(),
        br#"{"format":"agent-secrets/service","version":1,"service":"openai","secrets":{}}"#
            .to_vec(),
    ] {
        let r = ui.call("PUT", "/api/services/openai", &[("If-Match", &etag)], &bad);
        assert_eq!(r.status, 400, "{}", String::from_utf8_lossy(&bad));
        assert_security_headers(&r);
    }
    let r = ui.call(
        "PUT",
        "/api/config",
        &[("If-Match", "\"x\"")],
        b"{\"format\":1}",
    );
    assert_eq!(r.status, 400);
    let r = ui.call("POST", "/api/audit", &[], b"{\"operation\":\"get\"}");
    assert_eq!(r.status, 400);
    assert_eq!(p.snapshot(), before);
}

#[test]
fn a_stale_if_match_is_409_and_the_file_stays() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let doc = ui.call("GET", "/api/services/openai", &[], b"");
    let etag = doc.header("etag").expect("etag").to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", sha256_hex(&doc.body)),
        "strong ETag of the bytes"
    );
    // The CLI changes the service after the page read it.
    p.set("openai", "org_id", "org-test-0002");
    let changed = p.snapshot();
    let r = ui.call(
        "PUT",
        "/api/services/openai",
        &[("If-Match", &etag)],
        &doc.body,
    );
    assert_eq!(r.status, 409);
    assert_eq!(r.json()["code"], "CONFLICT");
    let r = ui.call(
        "DELETE",
        "/api/services/openai",
        &[("If-Match", &etag)],
        b"",
    );
    assert_eq!(r.status, 409);
    let r = ui.call(
        "PUT",
        "/api/services/openai",
        &[("If-None-Match", "*")],
        &doc.body,
    );
    assert_eq!(r.status, 409, "create over an existing file");
    let r = ui.call("PUT", "/api/services/openai", &[], &doc.body);
    assert_eq!(r.status, 428, "a write must name its revision");
    assert_eq!(p.snapshot(), changed);
    assert_eq!(p.get("openai", "org_id").stdout.trim(), "org-test-0002");
    // With the current revision the write goes through (the old document
    // is valid: it drops org_id again).
    let current = ui.call("GET", "/api/services/openai", &[], b"");
    let etag = current.header("etag").expect("etag").to_owned();
    let r = ui.call(
        "PUT",
        "/api/services/openai",
        &[("If-Match", &etag)],
        &doc.body,
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        r.header("etag"),
        Some(format!("\"{}\"", sha256_hex(&doc.body)).as_str())
    );
    assert_eq!(
        std::fs::read(p.vault().join("openai.json")).expect("read"),
        doc.body
    );
    assert_eq!(
        p.get("openai", "api_key").stdout.trim(),
        "sk-test-canary-0001"
    );
    // Create and delete.
    let anthropic = String::from_utf8(doc.body.clone())
        .expect("utf8")
        .replace("\"service\": \"openai\"", "\"service\": \"anthropic\"");
    let r = ui.call(
        "PUT",
        "/api/services/anthropic",
        &[("If-None-Match", "*")],
        anthropic.as_bytes(),
    );
    assert_eq!(r.status, 204);
    let etag = r.header("etag").expect("etag").to_owned();
    // The copied ciphertext is bound to openai/api_key: it does not open here.
    assert_eq!(p.get("anthropic", "api_key").code, 6);
    let r = ui.call(
        "DELETE",
        "/api/services/anthropic",
        &[("If-Match", &etag)],
        b"",
    );
    assert_eq!(r.status, 204);
    assert!(!p.vault().join("anthropic.json").exists());
}

#[test]
fn the_listing_has_metadata_and_revisions_never_ciphertext() {
    let p = project_with_secret();
    p.set("anthropic", "api_key", "sk-ant-test-0003");
    let ui = start(&p, &[], &[]);
    let r = ui.call("GET", "/api/services", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    let services = v["services"].as_array().expect("services");
    assert_eq!(services.len(), 2);
    assert_eq!(services[1]["service"], "openai");
    assert_eq!(services[1]["secrets"][0]["key"], "api_key");
    assert_eq!(services[1]["secrets"][0]["key_id"], "k1");
    let bytes = std::fs::read(p.vault().join("openai.json")).expect("read");
    assert_eq!(
        services[1]["revision"],
        format!("\"{}\"", sha256_hex(&bytes))
    );
    assert_eq!(v["stale_days"], 90);
    assert_eq!(v["stale"], serde_json::json!([]));
    let text = String::from_utf8_lossy(&r.body);
    assert!(
        !text.contains("ciphertext") && !text.contains("nonce"),
        "{text}"
    );
}

#[test]
fn the_page_reserves_an_attempt_before_it_derives_and_a_lockout_refuses() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let r = ui.call("POST", "/api/unlock/reserve", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    let owner = &v["recipients"][0];
    assert_eq!(owner["iterations"], 100_000);
    assert_eq!(owner["algorithm"], "pbkdf2-hmac-sha256");
    let config = p.read_json("config.json");
    let salt = &config["recipients"][owner["recipient"].as_str().expect("name")]["kdf"]["salt"];
    assert_eq!(&owner["salt"], salt);
    // A right password resolves the attempt.
    let r = ui.call("POST", "/api/unlock/report", &[], br#"{"ok":true}"#);
    assert_eq!(r.status, 204);
    // Wrong passwords count in state.json like the CLI's: four, then a lockout.
    for left in [4, 3, 2, 1] {
        assert_eq!(ui.call("POST", "/api/unlock/reserve", &[], b"").status, 200);
        let r = ui.call("POST", "/api/unlock/report", &[], br#"{"ok":false}"#);
        assert_eq!(r.json()["attempts_remaining"], left, "{:?}", r.json());
        assert_eq!(r.json()["code"], "WRONG_PASSWORD");
    }
    assert_eq!(ui.call("POST", "/api/unlock/reserve", &[], b"").status, 200);
    let r = ui.call("POST", "/api/unlock/report", &[], br#"{"ok":false}"#);
    assert_eq!(r.json()["locked_for_seconds"], 30, "{:?}", r.json());
    let before = p.snapshot();
    let r = ui.call("POST", "/api/unlock/reserve", &[], b"");
    assert_eq!(r.status, 423);
    assert_eq!(r.json()["code"], "LOCKED");
    assert!(r.json()["error"]
        .as_str()
        .expect("message")
        .starts_with("Too many failed attempts. Try again in "));
    assert_eq!(p.snapshot(), before, "a refused attempt is not counted");
    let cli = p.get("openai", "api_key");
    assert_eq!(cli.code, 5, "{cli:?}");
    let r = ui.call("POST", "/api/unlock/report", &[], b"{\"ok\":1}");
    assert_eq!(r.status, 400);
}

#[test]
fn an_audit_line_is_appended_only_where_it_chains() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let log = ui.call("GET", "/api/audit", &[], b"");
    assert_eq!(log.status, 200);
    let body = String::from_utf8(log.body.clone()).expect("utf8");
    let last: serde_json::Value =
        serde_json::from_str(body.trim_end().rsplit('\n').next().expect("last")).expect("json");
    let seq = last["seq"].as_u64().expect("seq");
    let line = |op: &str, seq: u64, prev: &str, source: &str| {
        format!(
            "{{\"timestamp\":\"2026-11-28T12:00:00Z\",\"operation\":\"{op}\",\"status\":\"success\",\
             \"user\":\"tester\",\"source\":\"{source}\",\"component\":\"secret_manager\",\
             \"seq\":{seq},\"prev\":\"{prev}\"}}\n"
        )
    };
    let prev = sha256_hex(
        body.trim_end()
            .rsplit('\n')
            .next()
            .expect("last")
            .as_bytes(),
    );
    let before = p.snapshot();
    let r = ui.call(
        "POST",
        "/api/audit",
        &[],
        line("list", seq + 1, &prev, "cli").as_bytes(),
    );
    assert_eq!(r.status, 400, "the page writes source ui only");
    let r = ui.call(
        "POST",
        "/api/audit",
        &[],
        line("list", seq, &prev, "ui").as_bytes(),
    );
    assert_eq!(r.status, 409, "wrong seq");
    let r = ui.call(
        "POST",
        "/api/audit",
        &[],
        line("list", seq + 1, &"0".repeat(64), "ui").as_bytes(),
    );
    assert_eq!(r.status, 409, "wrong prev");
    // A successful get needs an open vault: without a MAC it is refused.
    let r = ui.call(
        "POST",
        "/api/audit",
        &[],
        line("get", seq + 1, &prev, "ui").as_bytes(),
    );
    assert_eq!(r.status, 409, "no MAC where one is required");
    assert_eq!(p.snapshot(), before);
    let good = line("list", seq + 1, &prev, "ui");
    let r = ui.call("POST", "/api/audit", &[], good.as_bytes());
    assert_eq!(r.status, 204);
    let after = std::fs::read_to_string(p.vault().join("audit.log")).expect("log");
    assert!(after.ends_with(&good));
    let verify = p.run(&["secret", "audit", "--verify"]);
    assert_eq!(verify.code, 0, "{verify:?}");
    let r = ui.call("POST", "/api/audit", &[], good.as_bytes());
    assert_eq!(r.status, 409, "the same line twice does not chain");
}

#[test]
fn only_the_env_mapping_of_the_config_can_change() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let r = ui.call("GET", "/api/config", &[], b"");
    let etag = r.header("etag").expect("etag").to_owned();
    let original: serde_json::Value = r.json();
    let owner = original["recipients"]
        .as_object()
        .and_then(|r| r.keys().next().cloned())
        .expect("a recipient");
    let mut config = original.clone();
    config["recipients"][&owner]["kdf"]["iterations"] = 100_001.into();
    config["lockout"]["max_attempts"] = 1000.into();
    let before = p.snapshot();
    for changed in [&config, &{
        let mut c = original.clone();
        c["lockout"]["max_attempts"] = 1000.into();
        c
    }] {
        let r = ui.call(
            "PUT",
            "/api/config",
            &[("If-Match", &etag)],
            &serde_json::to_vec(changed).expect("json"),
        );
        assert_eq!(r.status, 400);
    }
    assert_eq!(p.snapshot(), before);
    let mut env_only = original.clone();
    env_only["env"] = serde_json::json!({ "openai/api_key": ["MY_OPENAI"] });
    let body = serde_json::to_vec(&env_only).expect("json");
    let r = ui.call("PUT", "/api/config", &[("If-Match", "\"stale\"")], &body);
    assert_eq!(r.status, 409);
    assert_eq!(p.snapshot(), before);
    let r = ui.call("PUT", "/api/config", &[("If-Match", &etag)], &body);
    assert_eq!(r.status, 204);
    assert_eq!(
        std::fs::read(p.vault().join("config.json")).expect("read"),
        body
    );
    // The server has no key: a mapping it did not MAC is caught by every
    // reader that opens the vault (the page MACs its own; see the e2e suite).
    assert_eq!(p.get("openai", "api_key").code, 6);
}

#[test]
fn preflight_findings_come_as_data() {
    let p = project_with_secret();
    let ui = start(&p, &[], &[]);
    let r = ui.call("GET", "/api/preflight", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    let checks = v["checks"].as_array().expect("checks");
    // The same checks, in the same order, as `agent preflight --json`.
    let cli = p.run(&["preflight", "--json"]);
    let cli: serde_json::Value = serde_json::from_str(&cli.stdout).expect("json");
    let names = |v: &serde_json::Value| -> Vec<String> {
        v["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| c["check"].as_str().expect("name").to_owned())
            .collect()
    };
    assert!(checks.len() >= 10);
    assert_eq!(checks[0]["check"], "folder_mode");
    assert_eq!(names(&v), names(&cli));
    assert_eq!(v["ok"], cli["ok"]);
}

#[test]
fn the_idle_timeout_ends_the_server_and_records_the_session() {
    let p = project_with_secret();
    let mut ui = start(&p, &["--idle-timeout", "300ms"], &[]);
    assert_eq!(ui.call("GET", "/api/config", &[], b"").status, 200);
    let mut child = std::mem::replace(
        &mut ui.child,
        p.command().arg("--version").spawn().expect("placeholder"),
    );
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait().map(|s| s.code()));
    });
    let status = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server ended by itself")
        .expect("wait");
    assert_eq!(status, Some(0));
    let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("log");
    assert!(log
        .trim_end()
        .rsplit('\n')
        .next()
        .expect("line")
        .contains("\"operation\":\"ui\""));
}

#[test]
fn the_browser_gets_a_private_file_not_the_token_nor_the_password() {
    let p = project_with_secret();
    let out = p.root.path().join("browser");
    std::fs::create_dir(&out).expect("mkdir");
    let script = p.root.path().join("fake-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {o}/argv\nenv > {o}/env\nstat -c %a \"$1\" > {o}/mode\ncat \"$1\" > {o}/page\ntouch {o}/done\n",
            o = out.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod");
    let mut c = p.command();
    c.args(["secret", "ui", "--idle-timeout", "60s"])
        .env("BROWSER", &script)
        .env("AGENT_SECRETS_NEW_PASSWORD", "Another-Horse-Battery-8")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("address");
    let token = line.trim().rsplit('=').next().expect("token").to_owned();
    // Wait for the fake browser: its last act creates `done`.
    let (tx, rx) = mpsc::channel();
    let done = out.join("done");
    std::thread::spawn(move || {
        while !done.exists() {
            std::thread::yield_now();
        }
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the browser ran");
    let _ = child.kill();
    let _ = child.wait();
    let argv = std::fs::read_to_string(out.join("argv")).expect("argv");
    assert!(!argv.contains(&token), "token on the browser's argv");
    assert!(argv.trim().ends_with("open.html"), "{argv}");
    assert_eq!(
        std::fs::read_to_string(out.join("mode"))
            .expect("mode")
            .trim(),
        "600"
    );
    assert!(std::fs::read_to_string(out.join("page"))
        .expect("page")
        .contains(&token));
    let env = std::fs::read_to_string(out.join("env")).expect("env");
    assert!(
        !env.contains(PASSWORD),
        "the master password reached the browser"
    );
    assert!(!env.contains("AGENT_SECRETS_PASSWORD") && !env.contains("AGENT_SECRETS_NEW_PASSWORD"));
}

#[test]
fn ctrl_c_or_sigterm_end_the_session_cleanly() {
    let p = project_with_secret();
    let runtime = p.root.path().join("runtime");
    std::fs::create_dir(&runtime).expect("mkdir");
    let script = p.root.path().join("fake-browser");
    let opened = p.root.path().join("opened");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", opened.display())).expect("write");
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .expect("chmod");
    for signal in ["INT", "TERM"] {
        let mut c = p.command();
        c.args(["secret", "ui", "--idle-timeout", "60s"])
            .env("BROWSER", &script)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("address");
        // Wait for the fake browser: it touches `opened`.
        let (tx, rx) = mpsc::channel();
        let flag = opened.clone();
        std::thread::spawn(move || {
            while !flag.exists() {
                std::thread::yield_now();
            }
            let _ = tx.send(());
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the browser ran");
        std::fs::remove_file(&opened).expect("rm");
        assert_eq!(
            std::fs::read_dir(&runtime).expect("list").count(),
            1,
            "the redirect folder"
        );
        let killed = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|s| s.code()));
        });
        let code = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server stopped")
            .expect("wait");
        assert_eq!(code, Some(0), "SIG{signal}");
        assert_eq!(
            std::fs::read_dir(&runtime).expect("list").count(),
            0,
            "the redirect folder is removed on SIG{signal}"
        );
        let log = std::fs::read_to_string(p.vault().join("audit.log")).expect("log");
        let last = log.trim_end().rsplit('\n').next().expect("line");
        assert!(last.contains("\"operation\":\"ui\""), "{last}");
    }
}
