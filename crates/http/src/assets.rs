//! The GraphiQL page's scripts and stylesheet: graphiql, react, react-dom and graphql-sse in
//! the versions pinned by `web/package.json`. A build that has them installed (`npm ci` in
//! `web/`, see build.rs) embeds them and serves them at `<path>/assets/<package>@<version>/<file>`;
//! otherwise the page loads the same files from a public CDN, checked by their SRI hashes.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tracing::instrument;

pub const GRAPHIQL_VERSION: &str = env!("PINNED_GRAPHIQL_VERSION");
pub const REACT_VERSION: &str = env!("PINNED_REACT_VERSION");
pub const REACT_DOM_VERSION: &str = env!("PINNED_REACT_DOM_VERSION");
pub const GRAPHQL_SSE_VERSION: &str = env!("PINNED_GRAPHQL_SSE_VERSION");

/// The public CDN used when the assets are not embedded.
pub const CDN_HOST: &str = "cdn.jsdelivr.net";

/// One file of the page.
pub struct Asset {
    pub package: &'static str,
    pub version: &'static str,
    /// Path inside the npm package.
    pub file: &'static str,
    /// Subresource Integrity of the pinned version (checked against the embedded bytes by a test).
    pub integrity: &'static str,
    pub content_type: &'static str,
    #[cfg(gatehouse_embedded_assets)]
    pub bytes: &'static [u8],
}

#[cfg(gatehouse_embedded_assets)]
macro_rules! embedded {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name))
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

pub static GRAPHIQL_CSS: Asset = Asset {
    package: "graphiql",
    version: GRAPHIQL_VERSION,
    file: "graphiql.min.css",
    integrity: "sha384-1el1QShFBnnXTx9x/Cprg82hZWKt0ry29OAYIXt05swbi0KcZDFoj0CWguMpopJr",
    content_type: CSS,
    #[cfg(gatehouse_embedded_assets)]
    bytes: embedded!("graphiql.min.css"),
};
pub static REACT: Asset = Asset {
    package: "react",
    version: REACT_VERSION,
    file: "umd/react.production.min.js",
    integrity: "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    content_type: JS,
    #[cfg(gatehouse_embedded_assets)]
    bytes: embedded!("react.production.min.js"),
};
pub static REACT_DOM: Asset = Asset {
    package: "react-dom",
    version: REACT_DOM_VERSION,
    file: "umd/react-dom.production.min.js",
    integrity: "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    content_type: JS,
    #[cfg(gatehouse_embedded_assets)]
    bytes: embedded!("react-dom.production.min.js"),
};
pub static GRAPHIQL_JS: Asset = Asset {
    package: "graphiql",
    version: GRAPHIQL_VERSION,
    file: "graphiql.min.js",
    integrity: "sha384-9XdHu7ajgGJziD4J1zNBKQ842Q/+zZfDv+ib1eMhZWBH6hPAs806x+Jbcf0yNO6B",
    content_type: JS,
    #[cfg(gatehouse_embedded_assets)]
    bytes: embedded!("graphiql.min.js"),
};
pub static GRAPHQL_SSE: Asset = Asset {
    package: "graphql-sse",
    version: GRAPHQL_SSE_VERSION,
    file: "umd/graphql-sse.min.js",
    integrity: "sha384-UsvndtFvDnjGmKs11OV8EvlC6rGNPfLJL0VuJCUUWVglJHD4sFt9jcb48vhqaMtj",
    content_type: JS,
    #[cfg(gatehouse_embedded_assets)]
    bytes: embedded!("graphql-sse.min.js"),
};

/// Every file, in the order the page loads them.
pub static ALL: [&Asset; 5] = [&GRAPHIQL_CSS, &REACT, &REACT_DOM, &GRAPHIQL_JS, &GRAPHQL_SSE];

/// True when this build serves the assets itself.
pub const EMBEDDED: bool = cfg!(gatehouse_embedded_assets);

impl Asset {
    /// `<package>@<version>/<file>`, as under the CDN.
    pub fn key(&self) -> String {
        format!("{}@{}/{}", self.package, self.version, self.file)
    }

    /// Where the page loads this file from, for an endpoint at `path`.
    pub fn url(&self, path: &str) -> String {
        if EMBEDDED {
            format!("{path}/assets/{}", self.key())
        } else {
            format!("https://{CDN_HOST}/npm/{}", self.key())
        }
    }

    pub fn is_stylesheet(&self) -> bool {
        self.content_type == CSS
    }
}

/// `GET <path>/assets/<package>@<version>/<file>`: an embedded file, cached for a year (the
/// version is in the path), or 404.
#[instrument(skip_all, fields(asset = key.as_str()))]
pub async fn serve(Path(key): Path<String>) -> Response {
    match ALL.iter().find(|asset| asset.key() == key) {
        #[cfg(gatehouse_embedded_assets)]
        Some(asset) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes,
        )
            .into_response(),
        _ => (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "no such asset")
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_versions_come_from_web_package_json() {
        let manifest = include_str!("../../../web/package.json");
        for asset in ALL {
            assert!(manifest.contains(&format!("\"{}\": \"{}\"", asset.package, asset.version)), "{}", asset.key());
        }
    }

    #[cfg(gatehouse_embedded_assets)]
    #[test]
    fn integrity_hashes_match_the_embedded_files() {
        use base64::Engine;
        use sha2::Digest;
        for asset in ALL {
            let digest = sha2::Sha384::digest(asset.bytes);
            let expected = format!("sha384-{}", base64::engine::general_purpose::STANDARD.encode(digest));
            assert_eq!(asset.integrity, expected, "update the integrity of {} in src/http/assets.rs", asset.key());
        }
    }
}
