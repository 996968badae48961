//! `gatehouse admin` against a running server: one command of every category, the usage
//! errors and the exit codes.

use crate::cli_support::{gatehouse, write_config};

/// A config whose admin listener is a loopback port nobody listens on.
fn config_with_closed_port(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let toml = format!("[[listen]]\nhandler = \"admin\"\naddress = \"127.0.0.1:{port}\"\npath = \"/api/graphql\"\n");
    let path = dir.join("gatehouse.toml");
    std::fs::write(&path, toml).unwrap();
    (path, format!("http://127.0.0.1:{port}/api/graphql"))
}

#[tokio::test]
async fn server_down_exits_3_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let (config, url) = config_with_closed_port(dir.path());
    for args in [
        &["admin", "account", "countUsers", "--domain", "localhost"][..],
        &["admin"][..],
        &["admin", "graphql", "{ __typename }"][..],
    ] {
        let run = gatehouse(&config, args).await;
        assert_eq!(run.code, 3, "{args:?}: {run:?}");
        assert!(run.stderr.contains(&url) && run.stderr.contains("cannot reach"), "{run:?}");
    }
    let run = gatehouse(&config, &["admin", "--url", "http://127.0.0.1:9/x", "account"]).await;
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("http://127.0.0.1:9/x"), "{run:?}");
}

#[tokio::test]
async fn no_admin_listener_in_the_config_is_a_usage_error() {
    let app = crate::helpers::spawn_app_with(|config| {
        config.listen.retain(|l| l.handler == gatehouse::config::Handler::User);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let run = gatehouse(&config, &["admin", "account"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no admin listener") && run.stderr.contains("--url"), "{run:?}");
}
