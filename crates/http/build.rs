//! Embeds the GraphiQL page's assets when they are installed.
//!
//! `web/package.json` pins graphiql, react, react-dom and graphql-sse. When `npm ci` has been
//! run in `web/` and every pinned file is there in the pinned version, the files are copied
//! into OUT_DIR and the `gatehouse_embedded_assets` cfg is set: the binary then serves them
//! itself and the page makes no request outside Gatehouse. Otherwise the page loads the same
//! pinned versions from a public CDN. The pinned versions reach the code as
//! `PINNED_<PACKAGE>_VERSION` compile-time variables (not `GATEHOUSE_`: `cargo run` passes them on, and the configuration reads `GATEHOUSE_*`) either way.

use std::path::Path;

/// (npm package, file inside the package, name in OUT_DIR).
const FILES: &[(&str, &str, &str)] = &[
    ("graphiql", "graphiql.min.js", "graphiql.min.js"),
    ("graphiql", "graphiql.min.css", "graphiql.min.css"),
    ("react", "umd/react.production.min.js", "react.production.min.js"),
    ("react-dom", "umd/react-dom.production.min.js", "react-dom.production.min.js"),
    ("graphql-sse", "umd/graphql-sse.min.js", "graphql-sse.min.js"),
];

const PACKAGES: &[&str] = &["graphiql", "react", "react-dom", "graphql-sse"];

/// The string value of the first `"key": "value"` in a JSON text (package.json files are
/// simple enough; a build dependency on a JSON parser is not worth it).
fn json_string(text: &str, key: &str) -> Option<String> {
    let quoted = format!("\"{key}\"");
    let mut rest = text;
    while let Some(at) = rest.find(&quoted) {
        rest = &rest[at + quoted.len()..];
        let after = rest.trim_start();
        if let Some(value) = after.strip_prefix(':').map(str::trim_start).and_then(|v| v.strip_prefix('"')) {
            return value.split('"').next().map(str::to_string);
        }
    }
    None
}

fn env_name(package: &str) -> String {
    format!("PINNED_{}_VERSION", package.to_uppercase().replace('-', "_"))
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(gatehouse_embedded_assets)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=../../web/package.json");
    // A directory is scanned as a whole: an `npm ci` (or removing node_modules) is noticed.
    println!("cargo::rerun-if-changed=../../web");

    // The GraphiQL assets are the workspace's `web/` package (the README's `npm ci` runs there).
    let web = Path::new("../../web");
    let manifest = std::fs::read_to_string(web.join("package.json")).expect("web/package.json is readable");
    let mut installed = true;
    for package in PACKAGES {
        let pinned = json_string(&manifest, package).unwrap_or_else(|| panic!("web/package.json pins {package}"));
        println!("cargo::rustc-env={}={pinned}", env_name(package));
        let found = std::fs::read_to_string(web.join("node_modules").join(package).join("package.json"))
            .ok()
            .and_then(|text| json_string(&text, "version"));
        match found {
            Some(version) if version == pinned => {}
            Some(version) => {
                println!(
                    "cargo::warning=web/node_modules has {package} {version}, not the pinned {pinned}: \
                     GraphiQL assets load from the CDN (run `npm ci` in web/)"
                );
                installed = false;
            }
            None => installed = false,
        }
    }
    let out = std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo");
    let installed = installed
        && FILES.iter().all(|(package, file, name)| {
            let source = web.join("node_modules").join(package).join(file);
            std::fs::copy(&source, Path::new(&out).join(name)).is_ok()
        });
    if installed {
        println!("cargo::rustc-cfg=gatehouse_embedded_assets");
    }
}
