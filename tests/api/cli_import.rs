//! `gatehouse import` and `gatehouse export` on the test database, checked through the user API.

use std::collections::BTreeSet;
use std::fmt::Write;

use serde_json::Value;

use crate::cli_support::{gatehouse, write_config};
use gatehouse_testkit::{TestApp, spawn_app};

const USERS: usize = 10_000;

/// The original password of user `i`: ten distinct ones for the pre-hashed rows.
fn password(i: usize) -> String {
    format!("password-{}", i % 10)
}

/// A CSV of USERS users: pre-hashed Argon2 rows, a few bcrypt rows, a few plain passwords,
/// roles, confirmed and blocked flags.
fn users_csv() -> String {
    let argon2: Vec<String> = (0..10).map(|i| gatehouse_core::password::hash_now(&password(i)).unwrap()).collect();
    let mut csv = String::from("username,email,password,password_hash,confirmed,blocked,role\n");
    for i in 0..USERS {
        let (plain, hash) = match i {
            0..5 => (password(i), String::new()),
            5..10 => (String::new(), bcrypt::hash(password(i), 4).unwrap()),
            _ => (String::new(), argon2[i % 10].clone()),
        };
        let role = if i % 7 == 0 { "public" } else { "" };
        let confirmed = i % 5 != 3;
        let blocked = i % 1000 == 11;
        // Argon2 PHC strings contain commas: quoted.
        writeln!(csv, "user{i:05},User{i:05}@Example.com,{plain},\"{hash}\",{confirmed},{blocked},{role}").unwrap();
    }
    csv
}

/// Every exported line without its hash, for comparison.
fn without_hashes(jsonl: &str) -> BTreeSet<String> {
    jsonl
        .lines()
        .map(|line| {
            let mut user: Value = serde_json::from_str(line).unwrap();
            assert!(user.get("password").is_none(), "{line}");
            assert!(user["password_hash"].as_str().is_some_and(|h| h.starts_with('$')), "{line}");
            user.as_object_mut().unwrap().remove("password_hash");
            user.to_string()
        })
        .collect()
}

async fn login(app: &TestApp, domain: &str, identifier: &str, password: &str) -> gatehouse_testkit::Answer {
    app.user()
        .host(domain)
        .query(
            "mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt user { username role { type } } } }",
            serde_json::json!({ "i": identifier, "p": password }),
        )
        .await
}

#[tokio::test]
async fn ten_thousand_users_survive_import_export_and_import_into_another_domain() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let input = dir.path().join("users.csv");
    std::fs::write(&input, users_csv()).unwrap();
    let input = input.to_str().unwrap();

    let run = gatehouse(&config, &["import", "--domain", "localhost", input]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("10000 created, 0 existing, 0 invalid"), "{run:?}");
    // Not a terminal: plain progress lines.
    assert!(run.stderr.contains("import: 10000/10000 records"), "{run:?}");

    let again = gatehouse(&config, &["import", "--domain", "LocalHost", input]).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("0 created, 10000 existing, 0 invalid"), "{again:?}");

    let exported = dir.path().join("localhost.jsonl");
    let run = gatehouse(&config, &["export", "--domain", "localhost", "--out", exported.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("Exported 10000 users of localhost"), "{run:?}");
    let first = std::fs::read_to_string(&exported).unwrap();
    assert_eq!(first.lines().count(), USERS);
    let sample: Value = serde_json::from_str(first.lines().nth(14).unwrap()).unwrap();
    assert_eq!(sample["username"], "user00014");
    assert_eq!(sample["email"], "user00014@example.com");
    assert_eq!(sample["role"], "public");
    assert_eq!(sample["confirmed"], true);
    assert_eq!(sample["blocked"], false);

    let run = gatehouse(&config, &["import", "--domain", "other.test", exported.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("10000 created, 0 existing, 0 invalid"), "{run:?}");
    let run = gatehouse(&config, &["export", "--domain", "other.test"]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(without_hashes(&run.stdout), without_hashes(&first));
    // The hashes travel unchanged: plain passwords are hashed once, on the first import.
    let hashes = |text: &str| -> BTreeSet<String> { text.lines().map(|l| l.to_string()).collect() };
    assert_eq!(hashes(&run.stdout), hashes(&first));

    // Plain, bcrypt and Argon2 users log in to the new domain with their original passwords.
    for i in [1, 6, 12, 9_999] {
        let answer = login(&app, "other.test", &format!("user{i:05}"), &password(i)).await;
        assert_eq!(answer.data()["login"]["user"]["username"], format!("user{i:05}"));
        let wrong = login(&app, "other.test", &format!("user{i:05}"), "not-the-password").await;
        assert_eq!(wrong.error_message(), "Invalid identifier or password");
    }
    let answer = login(&app, "other.test", "user00014@example.com", &password(14)).await;
    assert_eq!(answer.data()["login"]["user"]["role"]["type"], "public");
    let blocked = login(&app, "other.test", "user00011", &password(11)).await;
    assert_eq!(blocked.error_message(), "Your account has been blocked by an administrator");
}

#[tokio::test]
async fn invalid_records_are_reported_with_their_line_numbers_and_the_rest_is_imported() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let lines = [
        r#"{"username":"alice","email":"alice@example.com","password":"secret-alice"}"#,
        r#"{"username":"al","email":"al@example.com","password":"secret-al"}"#,
        r#"{"username":"bob","email":"not-an-email","password":"secret-bob"}"#,
        r#"{"username":"carol","email":"carol@example.com","password_hash":"md5:abc"}"#,
        "",
        r#"{"username":"dave","email":"dave@example.com","password":"secret-dave","role":"nope"}"#,
        r#"{"username":"alice","email":"alice2@example.com","password":"secret-alice"}"#,
        r#"{"username":"erin","email":"erin@example.com","password":"short"}"#,
        "{not json",
        r#"{"username":"frank","email":"frank@example.com","password":"x","password_hash":"$2b$04$abc"}"#,
        r#"{"username":"gina","email":"gina@example.com","password":"secret-gina","confirmed":false}"#,
    ];
    let input = dir.path().join("users.txt");
    std::fs::write(&input, lines.join("\n")).unwrap();
    let run = gatehouse(&config, &["import", "--domain", "localhost", input.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("2 created, 0 existing, 8 invalid"), "{run:?}");
    for expected in [
        "line 2: username must be at least 3 characters",
        "line 3: email must be a valid email",
        "line 4: password_hash is neither an Argon2 PHC string nor a bcrypt hash",
        "line 6: unknown role nope",
        "line 7: username alice already appears on line 1",
        "line 8: password must be at least 6 characters",
        "line 9: not a valid user record",
        "line 10: give password or password_hash, not both",
    ] {
        assert!(run.stdout.contains(expected), "{expected} missing: {}", run.stdout);
    }
    assert_eq!(login(&app, "localhost", "alice", "secret-alice").await.data()["login"]["user"]["username"], "alice");

    // Existing users are counted, never changed: gina keeps her first password.
    let csv = "username,email,password\ngina,gina@example.com,another-password\nhenry,HENRY@example.com,secret-henry\n";
    let input = dir.path().join("more.csv");
    std::fs::write(&input, csv).unwrap();
    let run = gatehouse(&config, &["import", "--domain", "localhost", input.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("1 created, 1 existing, 0 invalid"), "{run:?}");
    assert!(login(&app, "localhost", "gina", "secret-gina").await.body["data"]["login"]["jwt"].is_string());
    assert!(
        login(&app, "localhost", "henry@example.com", "secret-henry").await.body["data"]["login"]["jwt"].is_string()
    );
}

#[tokio::test]
async fn import_and_export_refuse_an_unknown_domain_and_a_bad_file() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let input = dir.path().join("users.csv");
    std::fs::write(&input, "username,email,pass\n").unwrap();
    let run = gatehouse(&config, &["import", "--domain", "localhost", input.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("unknown column 'pass'"), "{run:?}");

    std::fs::write(&input, "username,email\nalice,alice@example.com\n").unwrap();
    let run = gatehouse(&config, &["import", "--domain", "nowhere.test", input.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Domain does not exist: nowhere.test"), "{run:?}");
    let run = gatehouse(&config, &["export", "--domain", "nowhere.test"]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Domain does not exist"), "{run:?}");

    let missing = dir.path().join("missing.csv");
    let run = gatehouse(&config, &["import", "--domain", "localhost", missing.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("cannot read"), "{run:?}");
}
