//! The SDL of each API is kept in schema/*.graphql; a change of the code's schema must be
//! a visible change of that file too.

use gatehouse_server::config::LimitsConfig;

fn check(api: &str, sdl: &str) {
    let path = format!("{}/schema/{api}.graphql", env!("CARGO_MANIFEST_DIR"));
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        kept == sdl,
        "schema/{api}.graphql differs from the {api} API's schema; if the change is intended, regenerate it:\n\
         \n    cargo run -- schema {api} > schema/{api}.graphql\n"
    );
}

#[test]
fn user_sdl_is_kept_in_the_repository() {
    check("user", &gatehouse_api::user::build_schema(None, &LimitsConfig::default()).sdl());
}

#[test]
fn admin_sdl_is_kept_in_the_repository() {
    check("admin", &gatehouse_api::admin::build_schema(None, &LimitsConfig::default()).sdl());
}
