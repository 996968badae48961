//! The GraphiQL page's HTML (maud: every spliced text is escaped). Its scripts are files
//! beside this one: `fetcher.js` starts GraphiQL, `unavailable.js` tells why it could not.

use maud::{Markup, PreEscaped, html};

use crate::assets::{self, Asset};

const FETCHER_JS: &str = include_str!("fetcher.js");
const UNAVAILABLE_JS: &str = include_str!("unavailable.js");

/// Every asset tag reports its failure.
const ON_ERROR: &str = "assetFailed(this)";

const STYLE: &str = "html, body, #graphiql { height: 100%; margin: 0; }\n\
    .unavailable { font: 15px/1.5 system-ui, sans-serif; padding: 1em 2em; max-width: 48em; }";

/// The page for the endpoint `api` mounted at `path`.
pub fn render(api: &str, path: &str) -> String {
    html! {
        (PreEscaped("<!doctype html>\n"))
        html lang="en" {
            "\n"
            head {
                "\n" meta charset="utf-8";
                "\n" meta name="viewport" content="width=device-width, initial-scale=1";
                "\n" title { "Gatehouse GraphiQL (" (api) ")" }
                "\n" link rel="icon" href="data:,";
                "\n" style { (PreEscaped(STYLE)) }
                "\n"
            }
            "\n"
            body {
                "\n" div #graphiql { "Loading…" }
                "\n" (unavailable(path, assets::EMBEDDED))
                "\n" noscript.unavailable {
                    "GraphiQL needs JavaScript: allow it for this page. The API's documentation needs none: "
                    a href={ (path) "/docs" } { (path) "/docs" } "."
                }
                "\n" script { "\n" (PreEscaped(UNAVAILABLE_JS)) }
                "\n"
                @for asset in &assets::ALL { (tag(asset, path)) "\n" }
                script { "\n" "const endpoint = " (PreEscaped(script_string(path))) ";\n" (PreEscaped(FETCHER_JS)) }
                "\n"
            }
            "\n"
        }
    }
    .into_string()
}

/// The message shown when a file of the page did not load, with the fix for this build:
/// one that loads them from the CDN needs it reachable, or the files embedded.
pub(super) fn unavailable(path: &str, embedded: bool) -> Markup {
    html! {
        div #assets-unavailable .unavailable hidden {
            h1 { "GraphiQL could not load its files" }
            p { "Not loaded: " code #assets-failed {} }
            @if embedded {
                p {
                    "Gatehouse serves them itself, under " code { (path) "/assets/" }
                    ". Reload the page, and check that nothing between this browser and Gatehouse blocks them."
                }
            } @else {
                p {
                    "This build of Gatehouse loads GraphiQL from a public CDN, which this browser cannot reach "
                    "(offline, or blocked by a firewall or a content filter). Either allow this browser to reach "
                    code { (assets::CDN_HOST) } ", or, for an air-gapped install, have Gatehouse serve the files itself: run "
                    code { "npm ci" } " in " code { "web/" } " and rebuild Gatehouse (" code { "cargo build --release" }
                    "); the build then embeds them."
                }
            }
            p { "The API's documentation needs no script: " a href={ (path) "/docs" } { (path) "/docs" } "." }
        }
    }
}

/// The tag loading `asset`; files from the CDN must match their pinned hashes.
fn tag(asset: &Asset, path: &str) -> Markup {
    let url = asset.url(path);
    let (integrity, crossorigin) =
        if assets::EMBEDDED { (None, None) } else { (Some(asset.integrity), Some("anonymous")) };
    html! {
        @if asset.is_stylesheet() {
            link rel="stylesheet" href=(url) integrity=[integrity] crossorigin=[crossorigin] onerror=(ON_ERROR);
        } @else {
            script src=(url) integrity=[integrity] crossorigin=[crossorigin] onerror=(ON_ERROR) {}
        }
    }
}

/// `text` as a JavaScript string literal that cannot end the `<script>` element it sits in.
fn script_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default().replace('<', "\\u003c")
}
