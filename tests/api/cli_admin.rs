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
    let app = gatehouse_testkit::spawn_app_with(|config| {
        config.listen.retain(|l| l.handler == gatehouse_server::config::Handler::User);
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let run = gatehouse(&config, &["admin", "account"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no admin listener") && run.stderr.contains("--url"), "{run:?}");
}

/// A server whose admin listener wants Basic credentials, and a CLI config that carries them.
async fn app_with_credentials() -> (gatehouse_testkit::TestApp, tempfile::TempDir, std::path::PathBuf) {
    let app = gatehouse_testkit::spawn_app_with(|config| {
        for listener in &mut config.listen {
            if listener.handler == gatehouse_server::config::Handler::Admin {
                listener.username = Some("root".into());
                listener.password = Some("root-secret".into());
            }
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    (app, dir, config)
}

#[tokio::test]
async fn one_command_of_every_category_against_a_running_server() {
    let (app, _dir, config) = app_with_credentials().await;
    app.register("alice", "alice-secret").await;
    let ok = |run: crate::cli_support::Run| {
        assert_eq!(run.code, 0, "{run:?}");
        run.json()["data"].clone()
    };

    let data = ok(gatehouse(&config, &["admin", "account", "countUsers", "--domain", "localhost"]).await);
    assert_eq!(data["account"]["countUsers"], 1);

    let data = ok(gatehouse(&config, &["admin", "domain", "addDomain", "--domain", "New.Test"]).await);
    assert_eq!(data["domain"]["addDomain"]["domain"], "new.test");
    assert_eq!(data["domain"]["addDomain"]["type"], "DYNAMIC");

    let data = ok(gatehouse(&config, &["admin", "role", "listRoles", "--domain", "localhost"]).await);
    let types: Vec<&str> =
        data["role"]["listRoles"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"authenticated") && types.contains(&"public"), "{data}");
    // Every return field is selected, nested objects included.
    assert!(data["role"]["listRoles"][0]["permissions"].is_array(), "{data}");

    let data = ok(gatehouse(&config, &["admin", "token", "requestToken", "--user", "alice@localhost"]).await);
    let jwt = data["token"]["requestToken"]["jwt"].as_str().expect("a jwt");
    let me = app.user().bearer(jwt).query("{ me { username } }", serde_json::json!({})).await;
    assert_eq!(me.data()["me"]["username"], "alice");

    let data = ok(gatehouse(&config, &["admin", "stat", "domainStats", "--domain", "localhost"]).await);
    assert_eq!(data["stat"]["domainStats"]["registeredUsers"], 1);

    let data = ok(gatehouse(&config, &["admin", "session", "kickUser", "--user", "alice@localhost"]).await);
    assert_eq!(data["session"]["kickUser"], serde_json::json!([]), "a legacy domain has no sessions");

    let data = ok(gatehouse(&config, &["admin", "server", "status"]).await);
    assert_eq!(data["server"]["status"]["statusCode"], "RUNNING");

    let run = gatehouse(
        &config,
        &["admin", "audit", "listEvents", "--domain", "localhost", "--types", r#"["USER_REGISTERED"]"#, "--limit", "5"],
    )
    .await;
    let data = ok(run);
    let events = data["audit"]["listEvents"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{data}");
    assert_eq!(events[0]["user"], "alice@localhost");

    // Output is pretty JSON in the order of the selection.
    let run = gatehouse(&config, &["admin", "server", "status"]).await;
    assert!(
        run.stdout.starts_with("{\n  \"data\": {\n    \"server\": {\n      \"status\": {\n        \"statusCode\""),
        "{run:?}"
    );
}

#[tokio::test]
async fn listings_help_and_usage_errors_with_their_exit_codes() {
    let (_app, _dir, config) = app_with_credentials().await;
    let run = gatehouse(&config, &["admin"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    for category in ["account", "domain", "role", "token", "stat", "server", "audit", "graphql"] {
        assert!(run.stderr.lines().any(|l| l.trim_start().starts_with(category)), "{category}: {run:?}");
    }

    let run = gatehouse(&config, &["admin", "account"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let line = run.stdout.lines().find(|l| l.trim_start().starts_with("countUsers")).expect("countUsers listed");
    assert!(line.split_whitespace().count() > 1, "a one-line description: {line}");

    let run = gatehouse(&config, &["admin", "account", "listUsers", "--help"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let domain = run.stdout.lines().find(|l| l.contains("--domain  DomainName!")).expect("the domain argument");
    assert!(domain.contains("required"), "{run:?}");
    assert!(run.stdout.lines().any(|l| l.contains("--limit  ") && !l.contains("required")), "{run:?}");

    let run = gatehouse(&config, &["admin", "acount"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Unknown category 'acount'") && run.stderr.contains("account"), "{run:?}");

    let run = gatehouse(&config, &["admin", "account", "nope", "--domain", "localhost"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Unknown command 'nope'") && run.stderr.contains("countUsers"), "{run:?}");

    for (args, message) in [
        (&["countUsers"][..], "Missing mandatory arguments for command 'countUsers': 'domain'"),
        (&["countUsers", "now"][..], "Could not parse the command arguments"),
        (&["countUsers", "--domain"][..], "Could not parse the command arguments"),
        (&["countUsers", "--domain", "localhost", "--x", "y"][..], "Unknown argument 'x' for command 'countUsers'"),
        (&["listUsers", "--domain", "localhost", "--limit", "ten"][..], "Invalid value 'ten' of argument 'limit'"),
    ] {
        let mut full = vec!["admin", "account"];
        full.extend_from_slice(args);
        let run = gatehouse(&config, &full).await;
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(message), "{args:?}: {run:?}");
        assert!(run.stderr.contains("Usage: gatehouse admin account"), "{args:?}: {run:?}");
    }
}

#[tokio::test]
async fn graphql_errors_exit_1_and_raw_documents_run() {
    let (_app, _dir, config) = app_with_credentials().await;
    let run = gatehouse(&config, &["admin", "account", "countUsers", "--domain", "nowhere.test"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["errors"][0]["extensions"]["code"], "domain_not_found");

    let run = gatehouse(&config, &["admin", "graphql", "query { checkAuth { authStatus } }"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["checkAuth"]["authStatus"], "AUTHORIZED");

    let document = "query($d: DomainName!) { account { countUsers(domain: $d) } }";
    let run = gatehouse(&config, &["admin", "graphql", document, "--variables", r#"{"d": "localhost"}"#]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["data"]["account"]["countUsers"], 0);

    let run = gatehouse(&config, &["admin", "graphql", "{}"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["errors"][0]["extensions"]["code"], "parser_error");

    for args in [&["admin", "graphql"][..], &["admin", "graphql", "{ a }", "{ b }"][..]] {
        let run = gatehouse(&config, args).await;
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("This command requires one string type argument!"), "{run:?}");
    }
}

#[tokio::test]
async fn credentials_come_from_the_config_and_flags_override_them() {
    let (_app, _dir, config) = app_with_credentials().await;
    let run = gatehouse(&config, &["admin", "--password", "wrong", "server", "status"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.json()["errors"][0]["extensions"]["code"], "wrong_credentials");
    let run = gatehouse(&config, &["admin", "--user", "root", "--password", "root-secret", "server", "status"]).await;
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test]
async fn an_import_is_one_audit_event_with_its_counts() {
    let (_app, dir, config) = app_with_credentials().await;
    let input = dir.path().join("users.jsonl");
    let lines: Vec<String> = (0..3)
        .map(|i| format!(r#"{{"username":"user{i}","email":"user{i}@example.com","password":"secret-{i}"}}"#))
        .chain(["{\"username\":\"x\",\"email\":\"x@example.com\"}".to_string()])
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let run = gatehouse(&config, &["import", "--domain", "localhost", input.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{run:?}");

    let run = gatehouse(&config, &["admin", "audit", "listEvents", "--domain", "localhost"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    let events = run.json()["data"]["audit"]["listEvents"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "USER_CREATED");
    assert_eq!(events[0]["actor"], "global_admin");
    assert_eq!(events[0]["details"], serde_json::json!({"import": true, "created": 3, "existing": 0, "invalid": 1}));
    let data = gatehouse(&config, &["admin", "account", "listUsers", "--domain", "localhost"]).await.json();
    assert_eq!(
        data["data"]["account"]["listUsers"],
        serde_json::json!(["user0@localhost", "user1@localhost", "user2@localhost"])
    );
}

#[tokio::test]
async fn a_subscription_streams_events_as_json_lines_until_its_limit() {
    let (app, dir, config) = app_with_credentials().await;
    let out = std::fs::File::create(dir.path().join("events.jsonl")).unwrap();
    let mut child = crate::cli_support::command(
        &config,
        &[
            "admin",
            "audit",
            "subscribeForEvents",
            "--domain",
            "localhost",
            "--types",
            r#"["USER_REGISTERED"]"#,
            "--limit",
            "2",
        ],
    )
    .stdout(out)
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    // Events recorded before the stream opens are not seen: register until two were.
    let mut registered = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(registered < 50, "the subscription did not end after {registered} registrations");
        app.register(&format!("user{registered}"), "user-secret").await;
        registered += 1;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(status.code(), Some(0));
    let lines = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let events: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 2, "{lines}");
    for event in &events {
        let event = &event["data"]["audit"]["subscribeForEvents"];
        assert_eq!(event["type"], "USER_REGISTERED", "{lines}");
        assert!(event["user"].as_str().unwrap().ends_with("@localhost"), "{lines}");
    }
}
