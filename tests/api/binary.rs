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
