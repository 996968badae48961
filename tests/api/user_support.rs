//! Test support for the user API suites: setting up roles, settings and users through the
//! core (as an operator would through the admin API), reading mail, and a real SMTP server.

use std::time::Duration;

use gatehouse_core::events::Actor;
use gatehouse_core::{Domain, RoleId, Settings, UserDraft, UserId};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use gatehouse_testkit::TestApp;

pub async fn domain(app: &TestApp) -> Domain {
    app.app.core.domains().domain(&"localhost".parse().unwrap()).await.unwrap()
}

/// Changes the settings of the `localhost` domain.
pub async fn set_settings(app: &TestApp, change: impl FnOnce(&mut Settings)) {
    let domain = domain(app).await;
    let mut settings = domain.settings.clone();
    change(&mut settings);
    app.app.core.domains().force_settings(&domain, settings).await.unwrap();
}

/// Adds `actions` to the permissions of the role of type `kind`.
pub async fn grant(app: &TestApp, kind: &str, actions: &[&str]) {
    let core = &app.app.core;
    let domain = domain(app).await;
    let role = core.roles().role_by_type(&domain, kind).await.unwrap().unwrap();
    let mut set: Vec<String> =
        core.roles().role_permissions(&role).await.unwrap().into_iter().map(String::from).collect();
    set.extend(actions.iter().map(|a| a.to_string()));
    core.roles().update_role(&domain, role.id, None, None, Some(set), Actor::GlobalAdmin).await.unwrap();
}

/// Creates a user without a password (no hashing: fast), returning its numeric id.
pub async fn seed_user(app: &TestApp, username: &str, blocked: bool, role: Option<RoleId>) -> UserId {
    let draft = UserDraft {
        username: username.into(),
        email: format!("{username}@example.com"),
        password: None,
        confirmed: true,
        blocked,
        role_id: role,
    };
    app.app.core.users().create_user(&domain(app).await, draft, Actor::GlobalAdmin).await.unwrap().user.id
}

pub const REGISTER: &str = "mutation($u: String!, $e: String!, $p: String!) { register(input: {username: $u, email: $e, password: $p}) { jwt user { id documentId username email confirmed role { type } } } }";

pub async fn register(app: &TestApp, username: &str) -> gatehouse_testkit::Answer {
    app.user().query(REGISTER, json!({ "u": username, "e": format!("{username}@example.com"), "p": "secret123" })).await
}

/// The numeric id of a registered user, from its login payload.
pub fn user_id(payload: &Value) -> String {
    payload["user"]["id"].as_str().expect("user id").to_string()
}

/// The text of a MIME message with its quoted-printable soft breaks and escapes undone.
pub fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first run of `len` lower-case hex characters after `marker` in `text`.
pub fn token_after(text: &str, marker: &str, len: usize) -> Option<String> {
    let start = text.find(marker)? + marker.len();
    let token: String = text[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    (token.len() == len).then_some(token)
}

/// Waits for the outbox to hold `count` mails and returns their decoded contents (oldest first
/// is not guaranteed: callers look for what they expect).
pub async fn outbox_mails(app: &TestApp, count: usize) -> Vec<String> {
    for _ in 0..100 {
        let mut mails = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&app.outbox) {
            for entry in entries.flatten() {
                if entry.path().extension().is_some_and(|e| e == "eml") {
                    mails.push(decode_quoted_printable(&std::fs::read_to_string(entry.path()).unwrap()));
                }
            }
        }
        if mails.len() >= count {
            return mails;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the outbox did not get {count} mail(s)");
}

/// A mail received by the test SMTP server.
#[derive(Debug)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

/// A minimal SMTP server on 127.0.0.1 (no TLS, no AUTH): enough for a real SMTP client to
/// deliver to. Returns its port and the mails it receives.
pub async fn smtp_server() -> (u16, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let sender = sender.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test.local ESMTP\r\n").await;
                let (mut from, mut to) = (String::new(), Vec::new());
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let answer = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        "250 test.local"
                    } else if upper.starts_with("MAIL FROM:") {
                        from = line[10..].trim().to_string();
                        "250 OK"
                    } else if upper.starts_with("RCPT TO:") {
                        to.push(line[8..].trim().to_string());
                        "250 OK"
                    } else if upper == "DATA" {
                        let _ = write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(line)) = lines.next_line().await {
                            if line == "." {
                                break;
                            }
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                            data.push_str("\r\n");
                        }
                        let _ = sender.send(Received { from: from.clone(), to: std::mem::take(&mut to), data });
                        "250 OK queued"
                    } else if upper == "QUIT" {
                        let _ = write.write_all(b"221 Bye\r\n").await;
                        return;
                    } else {
                        "250 OK"
                    };
                    if write.write_all(format!("{answer}\r\n").as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, receiver)
}
