//! The real binary: what `gatehouse serve` prints, and how it refuses a bad configuration.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub(crate) fn gatehouse() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("GATEHOUSE_") {
            command.env_remove(key);
        }
    }
    command
}

/// Runs `gatehouse serve` with `toml` and returns its exit code and stderr.
pub(crate) fn refused(toml: &str, env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gatehouse.toml");
    std::fs::write(&path, toml).unwrap();
    let output = gatehouse()
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .current_dir(dir.path())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_bad_configuration_is_refused_with_the_key_and_the_reason() {
    let (code, stderr) = refused("[storage]\nurl = 42\n", &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("storage.url") && stderr.contains("invalid type"), "{stderr}");

    let (code, stderr) = refused("[storage]\nurl = \"mysql://localhost/x\"\n", &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("storage.url: unsupported scheme"), "{stderr}");

    let (code, stderr) = refused("[server]\nunknown_key = 1\n", &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("unknown field") && stderr.contains("unknown_key"), "{stderr}");

    let toml = "[[listen]]\nhandler = \"admin\"\naddress = \"0.0.0.0:5551\"\n";
    let (code, stderr) = refused(toml, &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("admin on 0.0.0.0:5551") && stderr.contains("loopback"), "{stderr}");

    let toml = "[[listen]]\nhandler = \"admin\"\naddress = \"127.0.0.1:5551\"\nusername = \"admin\"\n";
    let (code, stderr) = refused(toml, &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("username and password must be set together"), "{stderr}");

    let toml = "[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:5561\"\ncors_origins = [\"app.example.com\"]\n";
    let (code, stderr) = refused(toml, &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("cors_origins") && stderr.contains("is not an origin"), "{stderr}");
}

#[test]
fn environment_variables_override_the_file() {
    let (code, stderr) =
        refused("[storage]\nurl = \"sqlite://ok.db\"\n", &[("GATEHOUSE_STORAGE__URL", "ftp://nowhere")]);
    assert_ne!(code, 0);
    assert!(stderr.contains("unsupported scheme in \"ftp://nowhere\""), "{stderr}");
}

#[test]
fn serve_prints_one_line_per_listener_once_ready() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    std::fs::write(
        &config,
        "[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\n\n[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\npath = \"/other\"\n",
    )
    .unwrap();
    let mut child = gatehouse()
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(first.starts_with("user") && first.contains("http://127.0.0.1:") && first.ends_with("/graphql"), "{first}");
    assert!(second.ends_with("/other"), "{second}");
    assert!(dir.path().join("gatehouse.db").exists(), "the SQLite file is created on first start");
}

/// Starts the binary on `dir`'s config and returns it with the user endpoint's URL.
fn start(dir: &std::path::Path) -> (std::process::Child, String) {
    let mut child = gatehouse()
        .arg("serve")
        .arg("--config")
        .arg(dir.join("gatehouse.toml"))
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let url = line.split_whitespace().nth(1).unwrap().to_string();
    (child, url)
}

#[tokio::test]
async fn acknowledged_writes_survive_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("gatehouse.toml"), "[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\n")
        .unwrap();
    let client = reqwest::Client::new();
    let register = |url: String, name: String| {
        let client = client.clone();
        async move {
            let query = format!(
                r#"mutation {{ register(input: {{username: "{name}", email: "{name}@example.com", password: "secret123"}}) {{ jwt }} }}"#
            );
            let body: serde_json::Value = client
                .post(url)
                .json(&serde_json::json!({ "query": query }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(body["data"]["register"]["jwt"].is_string(), "{body}");
        }
    };
    let (mut child, url) = start(dir.path());
    for i in 0..20 {
        register(url.clone(), format!("user{i}")).await;
    }
    // SIGKILL: no shutdown hook runs, nothing is flushed on the way out.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url) = start(dir.path());
    for i in 0..20 {
        let query =
            format!(r#"mutation {{ login(input: {{identifier: "user{i}", password: "secret123"}}) {{ jwt }} }}"#);
        let body: serde_json::Value =
            client.post(&url).json(&serde_json::json!({ "query": query })).send().await.unwrap().json().await.unwrap();
        assert!(body["data"]["login"]["jwt"].is_string(), "user{i} lost after the crash: {body}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_unknown_environment_variable_is_named_and_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("gatehouse.toml");
    std::fs::write(&config, "[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\n").unwrap();
    let mut child = gatehouse()
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .current_dir(dir.path())
        .env("GATEHOUSE_VERSION", "1.2.3")
        .env("GATEHOUSE_LIMITS__DEPTH", "12")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let line = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    assert!(line.starts_with("user"), "the server starts: {line}");
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GATEHOUSE_VERSION names no setting; ignored"), "{stderr}");
    assert!(!stderr.contains("GATEHOUSE_LIMITS__DEPTH"), "a real setting is not warned about: {stderr}");
}

/// Sends `signal` to the child process.
fn send(child: &std::process::Child, signal: libc::c_int) {
    // SAFETY: kill(2) on a child this test started and has not reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

#[tokio::test]
async fn sigterm_drains_open_requests_and_exits_cleanly() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let dir = tempfile::tempdir().unwrap();
        let toml = "[server]\nshutdown_delay_seconds = 1\n\n\
                    [[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\n\n\
                    [[listen]]\nhandler = \"admin\"\naddress = \"127.0.0.1:0\"\n";
        std::fs::write(dir.path().join("gatehouse.toml"), toml).unwrap();
        let mut child = gatehouse()
            .arg("serve")
            .arg("--config")
            .arg(dir.path().join("gatehouse.toml"))
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let user = lines.next().unwrap().unwrap().split_whitespace().nth(1).unwrap().to_string();
        let admin = lines.next().unwrap().unwrap().split_whitespace().nth(1).unwrap().to_string();
        let ready = admin.replace("/api/graphql", "/ready");
        let client = reqwest::Client::new();
        assert_eq!(client.get(&ready).send().await.unwrap().status(), reqwest::StatusCode::OK);

        // A subscription stream is open and a login (an Argon2id hash) is in flight.
        let stream = client
            .get(format!(
                "{admin}/sse?query=subscription%20%7B%20audit%20%7B%20subscribeForEvents%20%7B%20type%20%7D%20%7D%20%7D"
            ))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        let register = serde_json::json!({ "query": "mutation { register(input: {username: \"late\", email: \"late@example.com\", password: \"secret123\"}) { jwt } }" });
        let in_flight = tokio::spawn(client.post(&user).json(&register).send());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        send(&child, signal);

        // At once: not ready, though still answering.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert_eq!(client.get(&ready).send().await.unwrap().status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
        let answer: serde_json::Value = in_flight.await.unwrap().unwrap().json().await.unwrap();
        assert!(answer["data"]["register"]["jwt"].is_string(), "the request in flight finished: {answer}");
        // The stream ends cleanly, and the process exits 0.
        let body = tokio::time::timeout(std::time::Duration::from_secs(10), stream.text()).await;
        assert!(body.expect("the stream ends").is_ok(), "the stream ends without an error");
        let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
        assert_eq!(status.code(), Some(0), "exit status after signal {signal}");
    }
}

#[test]
fn written_docs_list_the_rest_routes_on_the_user_page() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gatehouse.toml"),
        "[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\nrest_prefix = \"/v1\"\n",
    )
    .unwrap();
    let status =
        gatehouse().args(["docs", "--out", "site"]).current_dir(dir.path()).stdout(Stdio::null()).status().unwrap();
    assert!(status.success());
    let user = std::fs::read_to_string(dir.path().join("site/user.html")).unwrap();
    assert!(user.contains("<code>GET /v1/users/me</code>") && user.contains("usersPermissionsUsers"));
    let admin = std::fs::read_to_string(dir.path().join("site/admin.html")).unwrap();
    assert!(!admin.contains(r#"id="rest""#));
}
