use super::page::unavailable;
use super::render;
use crate::assets;

#[test]
fn the_page_targets_its_own_path_and_its_sse_route() {
    let html = render("admin", "/custom/gql");
    assert!(html.contains(r#"const endpoint = "/custom/gql";"#));
    assert!(html.contains("endpoint + '/sse'"));
    for asset in assets::ALL {
        assert!(html.contains(&asset.url("/custom/gql")), "{}", asset.key());
    }
    if assets::EMBEDDED {
        assert!(!html.contains("https://"), "an embedded build makes no request outside Gatehouse");
    } else {
        assert!(html.contains("integrity=\"sha384-"));
    }
}

#[test]
fn a_page_whose_scripts_cannot_load_says_why_and_how_to_fix_it() {
    let html = render("user", "/graphql");
    // Every file reports its failure to a handler defined before the first of them.
    let handler = html.find("function assetFailed(tag)").expect("the failure handler");
    for asset in assets::ALL {
        let url = asset.url("/graphql");
        let at = html.find(&url).unwrap_or_else(|| panic!("{url}"));
        let tag_end = at + html[at..].find('>').unwrap();
        assert!(html[at..tag_end].contains(r#"onerror="assetFailed(this)""#), "{url}: {}", &html[at..tag_end]);
        assert!(handler < at, "{url} comes after the handler");
    }
    // The message is in the page, hidden until a file fails; GraphiQL starts only when its
    // scripts defined what it needs.
    assert!(html.contains(r#"id="assets-unavailable" hidden"#), "hidden at first");
    assert!(html.contains(r#"id="assets-failed""#), "the failed files are named there");
    assert!(html.contains("showAssetsUnavailable(missing)"), "a script that loaded nothing is caught too");
    assert!(html.contains(r#"<div id="graphiql">Loading…</div>"#), "GraphiQL's root");
    assert!(html.contains("<noscript") && html.contains("GraphiQL needs JavaScript"), "without JavaScript");
    assert!(html.contains(&unavailable("/graphql", assets::EMBEDDED).into_string()), "the fix of this build");
}

#[test]
fn the_fix_offered_fits_the_build() {
    let cdn = unavailable("/graphql", false).into_string();
    assert!(cdn.contains("cdn.jsdelivr.net"), "allow the CDN: {cdn}");
    assert!(cdn.contains("<code>npm ci</code> in <code>web/</code> and rebuild"), "or embed the files: {cdn}");
    assert!(cdn.contains(r#"<a href="/graphql/docs">"#), "the docs need no script");
    let embedded = unavailable("/graphql", true).into_string();
    assert!(embedded.contains("<code>/graphql/assets/</code>") && !embedded.contains("npm ci"), "{embedded}");
}

#[test]
fn the_path_is_escaped_in_the_markup_and_in_the_script() {
    let html = render("a<b>", "/x\"</script><i>");
    assert!(html.contains("<title>Gatehouse GraphiQL (a&lt;b&gt;)</title>"));
    assert!(html.contains(r#"const endpoint = "/x\"\u003c/script>\u003ci>";"#), "{html}");
    assert!(!html.contains("</script><i>") && !html.contains("<i>"), "{html}");
}
