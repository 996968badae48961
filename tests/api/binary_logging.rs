//! The real binary's JSON log format: one JSON object per line, every GraphQL request in a
//! span with its endpoint, operation, outcome and latency, the core's operations in spans of
//! their own with the domain and the error, and never a password or a token.

use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;

use base64::Engine;
use serde_json::{Value, json};

use super::binary::{gatehouse, refused};

const CONFIG: &str = r#"
[server]
log_format = "json"
log_level = "info,gatehouse_http=debug,gatehouse_core=debug"

[[listen]]
handler = "user"
address = "127.0.0.1:0"
"#;

const PASSWORD: &str = "correct-horse-battery";
const WRONG_PASSWORD: &str = "wrong-horse-battery";

#[tokio::test]
async fn json_logs_put_each_request_on_one_line_with_its_span_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gatehouse.toml"), CONFIG).unwrap();
    let mut child = gatehouse()
        .arg("serve")
        .arg("--config")
        .arg(dir.path().join("gatehouse.toml"))
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        stderr.read_to_string(&mut text).unwrap();
        text
    });
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.split_whitespace().nth(1).unwrap().to_string();

    let client = reqwest::Client::new();
    let post = |body: Value| client.post(&url).json(&body);
    let register = json!({
        "query": "mutation SignUp($password: String!) { register(input: {username: \"alice\", \
                  email: \"alice@example.com\", password: $password}) { jwt } }",
        "variables": { "password": PASSWORD },
    });
    let answer: Value = post(register).send().await.unwrap().json().await.unwrap();
    let jwt = answer["data"]["register"]["jwt"].as_str().expect("registered").to_string();
    let me = json!({ "query": "query Me { me { id } }" });
    assert_eq!(post(me).bearer_auth(&jwt).send().await.unwrap().status(), 200);
    let login = json!({
        "query": "mutation LogIn($password: String!) { login(input: {identifier: \"alice\", password: $password}) { jwt } }",
        "variables": { "password": WRONG_PASSWORD },
    });
    assert_eq!(post(login).send().await.unwrap().status(), 200);
    let not_json = client.post(&url).header("content-type", "text/plain").body("{ me { id } }");
    assert_eq!(not_json.send().await.unwrap().status(), 415);
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("alice@localhost:{WRONG_PASSWORD}"));
    let unauthorized = post(json!({ "query": "{ me { id } }" })).header("authorization", format!("Basic {basic}"));
    assert_eq!(unauthorized.send().await.unwrap().status(), 401);

    let _ = child.kill();
    let _ = child.wait();
    let logs = logs.join().unwrap();

    let events: Vec<Value> = logs
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}")))
        .collect();
    for event in &events {
        assert!(event["timestamp"].is_string() && event["level"].is_string(), "{event}");
        // A message, or the error with which a core operation ended.
        assert!(event["fields"]["message"].is_string() || event["fields"]["error"].is_string(), "{event}");
    }
    let requests: Vec<&Value> = events.iter().filter(|e| e["span"]["name"] == "graphql_request").collect();
    let seen: Vec<(&str, &str, &str)> = requests
        .iter()
        .map(|e| {
            let span = &e["span"];
            assert_eq!(span["endpoint"], "user", "{e}");
            assert_eq!(span["transport"], "post", "{e}");
            assert!(span["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0), "{e}");
            let text = |key: &str| span[key].as_str().unwrap_or("");
            (text("operation_name"), text("operation_type"), text("outcome"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("SignUp", "mutation", "ok"),
            ("Me", "query", "ok"),
            ("LogIn", "mutation", "graphql_error"),
            ("", "", "rejected"),
            ("", "", "unauthorized"),
        ],
        "one event per request: {logs}"
    );
    // The refused login ended its core operation with an error, inside the request's span.
    let failed_login = events
        .iter()
        .find(|e| e["span"]["name"] == "login" && e["fields"]["error"] == "Invalid identifier or password")
        .unwrap_or_else(|| panic!("no event of the core's login span: {logs}"));
    assert_eq!(failed_login["span"]["domain"], "localhost", "{failed_login}");
    let names: Vec<&str> =
        failed_login["spans"].as_array().unwrap().iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["graphql_request", "login"], "{failed_login}");
    for secret in [PASSWORD, WRONG_PASSWORD, &jwt, &basic] {
        assert!(!logs.contains(secret), "a secret in the logs: {logs}");
    }
}

#[test]
fn an_unknown_log_format_is_refused_with_the_key() {
    let (code, stderr) = refused("[server]\nlog_format = \"xml\"\n", &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("server.log_format") && stderr.contains("xml"), "{stderr}");
}
