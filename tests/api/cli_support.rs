//! Running the real `gatehouse` binary against a test server: a config file that names the
//! test's database and admin listener, and the command's exit code and output.

use std::path::{Path, PathBuf};
use std::process::Command;

use gatehouse_server::config::Handler;

use gatehouse_testkit::TestApp;

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[allow(dead_code)] // Used by the admin CLI tests.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }
}

/// A config file for the CLI: the test's database, static domains and admin listener.
pub fn write_config(app: &TestApp, dir: &Path) -> PathBuf {
    let mut toml = format!("[storage]\nurl = {:?}\npool_size = 4\n\n", app.config.storage.url);
    for domain in &app.config.domains {
        toml.push_str(&format!("[[domains]]\nname = {:?}\n\n", domain.name));
    }
    for listener in &app.config.listen {
        let Some(bound) = app.app.listener(listener.handler).filter(|_| listener.handler == Handler::Admin) else {
            continue;
        };
        toml.push_str(&format!(
            "[[listen]]\nhandler = \"admin\"\naddress = \"{}\"\npath = {:?}\n",
            bound.address, bound.path
        ));
        if let Some((user, password)) = listener.admin_credentials() {
            toml.push_str(&format!("username = {user:?}\npassword = {password:?}\n"));
        }
    }
    if !toml.contains("[[listen]]") {
        // No admin listener in this test: the CLI still needs one listener to accept the file.
        toml.push_str("[[listen]]\nhandler = \"user\"\naddress = \"127.0.0.1:0\"\n");
    }
    let path = dir.join("gatehouse.toml");
    std::fs::write(&path, toml).expect("write the CLI config");
    path
}

/// `gatehouse --config <config> <args>`, without the caller's GATEHOUSE_ variables.
pub fn command(config: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.env_remove("RUST_LOG");
    for (key, _) in std::env::vars() {
        if key.starts_with("GATEHOUSE_") {
            command.env_remove(key);
        }
    }
    command.arg("--config").arg(config).args(args);
    command
}

/// Runs `gatehouse <args>` with `config` off the async runtime, so that the test server
/// keeps serving meanwhile.
pub async fn gatehouse(config: &Path, args: &[&str]) -> Run {
    let mut command = command(config, args);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("gatehouse runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
