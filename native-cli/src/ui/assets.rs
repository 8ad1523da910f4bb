//! The dashboard's static files, embedded in the binary: `web/` and the
//! browser build of the core in `web/pkg/` (committed build output of
//! `scripts/build-web.sh`; `scripts/test.sh` rebuilds it and fails if it
//! differs). A binary built from a fresh clone serves the dashboard with
//! nothing else installed.

use super::Reply;

/// One embedded file.
#[derive(Debug)]
pub struct Asset {
    /// The URL path.
    pub path: &'static str,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: &'static [u8],
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every file the server serves.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: HTML,
        bytes: include_bytes!("../../../web/index.html"),
    },
    Asset {
        path: "/app.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/app.js"),
    },
    Asset {
        path: "/api.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/api.js"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../web/style.css"),
    },
    Asset {
        path: "/icon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../web/icon.svg"),
    },
    Asset {
        path: "/pkg/agent_secrets_wasm.js",
        content_type: JS,
        bytes: include_bytes!("../../../web/pkg/agent_secrets_wasm.js"),
    },
    Asset {
        path: "/pkg/agent_secrets_wasm_bg.wasm",
        content_type: "application/wasm",
        bytes: include_bytes!("../../../web/pkg/agent_secrets_wasm_bg.wasm"),
    },
];

/// The file at `path`, or 404.
pub fn serve(path: &str) -> Reply {
    let path = if path == "/index.html" { "/" } else { path };
    match ASSETS.iter().find(|a| a.path == path) {
        Some(asset) => Reply {
            status: 200,
            content_type: asset.content_type,
            body: asset.bytes.to_vec(),
            etag: None,
        },
        None => Reply::error(404, "NOT_FOUND", "No such file."),
    }
}
