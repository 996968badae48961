//! `gatehouse import --from-strapi` on the databases a real Strapi 5.54 made
//! (tests/fixtures/strapi5): afterwards every user logs in with the password it had, over
//! GraphQL and REST, with Strapi's answers, ids, roles, permissions and settings.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sqlx::Connection;

use crate::cli_support::{gatehouse, write_config};
use crate::rest_support::rest;
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

fn fixture(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/strapi5").join(file)
}

/// The users file the fixture script wrote next to the database.
fn fixture_users(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(file)).unwrap()).unwrap()
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Strapi's login answers by the fixture's `expectedLogin`.
fn refusal(expected: &str) -> Option<&'static str> {
    match expected {
        "ok" => None,
        "not_confirmed" => Some("Your account email is not confirmed"),
        "blocked" => Some("Your account has been blocked by an administrator"),
        other => panic!("unknown expectedLogin {other}"),
    }
}

/// No login rate limit: every fixture user logs in from 127.0.0.1, twice.
async fn without_rate_limit(app: &TestApp, domain: &str) {
    let update = "mutation($d: DomainName!) { domain { updateDomainSettings(domain: $d, settings: {rateLimitMax: 0}) { rateLimitMax } } }";
    app.admin().query(update, json!({ "d": domain })).await.data();
}

/// Logs `user` in over REST and GraphQL (by username or email, alternately) and checks what
/// Strapi answered it.
async fn logs_in_as_in_strapi(app: &TestApp, domain: &str, user: &Value) {
    let id = user["id"].as_i64().unwrap();
    let identifier = if id % 2 == 0 { &user["username"] } else { &user["email"] };
    let identifier = identifier.as_str().unwrap();
    let password = user["password"].as_str().unwrap();
    let refused = refusal(user["expectedLogin"].as_str().unwrap());

    let reply = rest(app)
        .header("host", domain)
        .post("/auth/local", json!({ "identifier": identifier, "password": password }))
        .await;
    match refused {
        Some(message) => reply.plain_error(400, "ApplicationError", message),
        None => {
            let body = reply.ok(200);
            assert!(body["jwt"].is_string(), "{body}");
            let shown = &body["user"];
            for key in ["id", "documentId", "username", "email", "confirmed", "blocked"] {
                assert_eq!(shown[key], user[key], "{key} of {identifier}: {body}");
            }
            assert_eq!(shown["provider"], "local");
        }
    }

    let answer = app
        .user()
        .host(domain)
        .query(
            "mutation($i: String!, $p: String!) { login(input: {identifier: $i, password: $p}) { jwt user { id username role { type } } } }",
            json!({ "i": identifier, "p": password }),
        )
        .await;
    match refused {
        Some(message) => assert_eq!(answer.error_message(), message, "{identifier}: {}", answer.body),
        None => {
            let login = &answer.data()["login"];
            assert_eq!(login["user"]["id"], id.to_string(), "{identifier}");
            assert_eq!(login["user"]["username"], user["username"]);
            assert_eq!(login["user"]["role"]["type"], user["role"], "{identifier}");
        }
    }
}

/// The actions a REST role answer enables.
fn enabled_actions(permissions: &Value) -> Vec<String> {
    let mut actions = Vec::new();
    for (namespace, entry) in permissions.as_object().unwrap() {
        for (controller, entries) in entry["controllers"].as_object().unwrap() {
            for (action, state) in entries.as_object().unwrap() {
                if state["enabled"] == true {
                    actions.push(format!("{namespace}.{controller}.{action}"));
                }
            }
        }
    }
    actions.sort();
    actions
}

fn import_args<'a>(url: &'a str, domain: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["import", "--from-strapi", url, "--domain", domain];
    args.extend(extra);
    args
}

#[tokio::test]
async fn every_strapi_user_logs_in_with_the_password_it_had_and_keeps_its_id_role_and_permissions() {
    // One static domain: its Authenticated and Public roles are 1 and 2, as in Strapi.
    let app = spawn_app_with(|config| config.domains.truncate(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let database = fixture("data.db");
    let before = std::fs::read(&database).unwrap();
    let url = sqlite_url(&database);
    let fixture = fixture_users("strapi-fixture-users.json");

    let dry = gatehouse(&config, &import_args(&url, "localhost", &["--dry-run"])).await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert!(dry.stdout.contains("Dry run: nothing was written"), "{dry:?}");
    assert!(
        dry.stdout.contains("Would import from Strapi 5 into localhost: 30 created, 0 existing, 0 refused"),
        "{dry:?}"
    );
    assert!(dry.stdout.contains("Roles: 2 created (editor, viewer), 1 updated (authenticated), 1 unchanged (public)"));
    let nobody = app.login("alice.auth", "Alice-pass-01").await;
    assert_eq!(nobody.error_message(), "Invalid identifier or password");

    let run = gatehouse(&config, &import_args(&url, "localhost", &[])).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Imported from Strapi 5 into localhost: 30 created, 0 existing, 0 refused"), "{run:?}");
    assert!(run.stdout.contains("Users: 30 kept their Strapi id, 0 draft/published duplicates folded"), "{run:?}");
    assert!(
        run.stdout.contains(
            "Settings: 4 changed (email_confirmation, default_role, email_reset_password, email_confirmation_redirection)"
        ),
        "{run:?}"
    );
    assert!(run.stdout.contains("Email templates: 1 changed (reset_password)"), "{run:?}");
    // The reset template's own sender cannot be kept: said so.
    assert!(run.stdout.contains("from Fixture App <no-reply@fixture.test>, reply to support@fixture.test"));
    assert!(run.stderr.contains("import: 30/30 users"), "{run:?}");
    assert_eq!(std::fs::read(&database).unwrap(), before, "the Strapi database is only read");

    let settings = "{ domain { domainSettings(domain: \"localhost\") { allowRegister emailConfirmation uniqueEmail defaultRole emailResetPassword emailConfirmationRedirection } } }";
    assert_eq!(
        app.admin().query(settings, json!({})).await.data()["domain"]["domainSettings"],
        json!({
            "allowRegister": true,
            "emailConfirmation": true,
            "uniqueEmail": true,
            "defaultRole": "viewer",
            "emailResetPassword": "http://localhost:3000/reset-password",
            "emailConfirmationRedirection": "http://localhost:3000/email-confirmed",
        })
    );
    let templates = "{ domain { emailTemplates(domain: \"localhost\") { kind subject html } } }";
    let answer = app.admin().query(templates, json!({})).await;
    let reset = &answer.data()["domain"]["emailTemplates"][0];
    assert_eq!(reset["kind"], "RESET_PASSWORD");
    assert_eq!(reset["subject"], "Reset your password, <%= USER.username %>");
    assert_eq!(reset["html"], fixture["emailTemplates"]["reset_password"]["message"]);

    without_rate_limit(&app, "localhost").await;
    let users = fixture["users"].as_array().unwrap();
    assert_eq!(users.len(), 30);
    for user in users {
        logs_in_as_in_strapi(&app, "localhost", user).await;
    }

    // Roles with Strapi's ids, names, types, user counts and permissions (read by an
    // Authenticated user, whom Strapi's bootstrap let find roles).
    let jwt = app.login("alice.auth", "Alice-pass-01").await.data()["login"]["jwt"].as_str().unwrap().to_string();
    let listed = rest(&app).bearer(&jwt).get("/users-permissions/roles").await;
    let listed = listed.ok(200)["roles"].as_array().unwrap().clone();
    let strapi_roles = fixture["roles"].as_array().unwrap();
    assert_eq!(listed.len(), strapi_roles.len());
    for (role, strapi) in listed.iter().zip(strapi_roles) {
        for key in ["id", "name", "type", "description"] {
            assert_eq!(role[key], strapi[key], "{key}: {role}");
        }
        assert_eq!(role["nb_users"], strapi["nb_users"], "{role}");
        let one = rest(&app).bearer(&jwt).get(&format!("/users-permissions/roles/{}", strapi["id"])).await;
        let mut expected: Vec<String> =
            strapi["permissions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
        expected.sort();
        assert_eq!(enabled_actions(&one.ok(200)["role"]["permissions"]), expected, "{}", strapi["type"]);
    }

    // Every user that logged in now has an Argon2id hash; the others keep Strapi's bcrypt one.
    let export = gatehouse(&config, &["export", "--domain", "localhost"]).await;
    assert_eq!(export.code, 0, "{export:?}");
    for line in export.stdout.lines() {
        let exported: Value = serde_json::from_str(line).unwrap();
        let user = users.iter().find(|u| u["username"] == exported["username"]).unwrap();
        let scheme = if user["expectedLogin"] == "ok" { "$argon2id$" } else { "$2a$10$" };
        assert!(exported["password_hash"].as_str().unwrap().starts_with(scheme), "{}", user["username"]);
    }

    // Gatehouse numbers its own users after the imported ones.
    let newcomer = json!({ "username": "newcomer", "email": "newcomer@example.com", "password": "Newcomer-pass" });
    let registered = rest(&app).post("/auth/local/register", newcomer).await;
    assert_eq!(registered.ok(200)["user"]["id"], 31, "{}", registered.body);

    let again = gatehouse(&config, &import_args(&url, "localhost", &[])).await;
    assert_eq!(again.code, 0, "{again:?}");
    assert!(again.stdout.contains("Imported from Strapi 5 into localhost: 0 created, 30 existing, 0 refused"));
    assert!(again.stdout.contains("Roles: 0 created, 0 updated, 4 unchanged"), "{again:?}");
    assert!(again.stdout.contains("Settings: unchanged") && again.stdout.contains("Email templates: unchanged"));
    assert!(again.stdout.contains("Nothing new: localhost already has everything"), "{again:?}");
}

/// A copy of the fixture with rows Strapi could hold but this one does not: a draft beside a
/// published user, an invalid email, a password that is not a hash.
async fn edited_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("strapi.db");
    std::fs::copy(fixture("data.db"), &copy).unwrap();
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rw", copy.display())).await.unwrap();
    for statement in [
        "INSERT INTO up_users (id, document_id, username, email, provider, password, confirmed, blocked, created_at, updated_at, published_at) \
         SELECT 100, document_id, 'alice.draft', 'alice.draft@fixture.test', provider, password, 1, 0, created_at, updated_at + 1000, NULL \
         FROM up_users WHERE id = 2",
        "INSERT INTO up_users_role_lnk (user_id, role_id, user_ord) VALUES (100, 3, 9.0)",
        "UPDATE up_users SET email = 'not-an-email' WHERE id = 30",
        "UPDATE up_users SET password = 'Reg11-pass!' WHERE id = 29",
    ] {
        sqlx::query(statement).execute(&mut db).await.unwrap();
    }
    db.close().await.unwrap();
    copy
}

#[tokio::test]
async fn drafts_are_folded_bad_rows_refused_and_taken_ids_renumbered() {
    // Two static domains: localhost has roles 1 and 2, other.test roles 3 and 4.
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let url = sqlite_url(&edited_copy(dir.path()).await);

    let run = gatehouse(&config, &import_args(&url, "localhost", &["--no-settings"])).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("Imported from Strapi 5 into localhost: 28 created, 0 existing, 2 refused"), "{run:?}");
    assert!(run.stdout.contains("1 draft/published duplicates folded"), "{run:?}");
    assert!(run.stdout.contains("  user 29: password is not a bcrypt hash"), "{run:?}");
    assert!(run.stdout.contains("  user 30: email must be a valid email"), "{run:?}");
    assert!(run.stdout.contains("Settings and templates: not imported"), "{run:?}");
    assert!(!run.stdout.contains("Reg11-pass!"), "a refused password is never shown");
    assert!(run.stdout.contains("role 3 (editor) gets a new id: id 3 is taken"), "{run:?}");
    without_rate_limit(&app, "localhost").await;
    without_rate_limit(&app, "other.test").await;

    // The published row stands for the document; the draft's name is nowhere.
    let draft = app.login("alice.draft", "Alice-pass-01").await;
    assert_eq!(draft.error_message(), "Invalid identifier or password");
    let alice = app.login("alice.auth", "Alice-pass-01").await;
    assert_eq!(alice.data()["login"]["user"]["id"], "2");
    // Settings were not imported: email confirmation stays off, so carol (unconfirmed) gets in.
    let carol = app.login("carol.auth", "Carol-pass-03").await;
    assert_eq!(carol.data()["login"]["user"]["role"]["type"], "authenticated");

    // The same users in another domain: ids and documentIds are taken, so new ones.
    let run = gatehouse(&config, &import_args(&url, "other.test", &["--no-settings"])).await;
    assert!(
        run.stdout.contains("Imported from Strapi 5 into other.test: 28 created, 0 existing, 2 refused"),
        "{run:?}"
    );
    assert!(run.stdout.contains("28 users get a new id: theirs is taken"), "{run:?}");
    assert!(run.stdout.contains("28 users get a new documentId: theirs is taken"), "{run:?}");
    assert!(run.stdout.contains("role 1 (authenticated) is the domain's role 3 of that type"), "{run:?}");
    let fixture = fixture_users("strapi-fixture-users.json");
    let erin = &fixture["users"][5];
    assert_eq!(erin["username"], "erin.editor");
    let reply = rest(&app)
        .header("host", "other.test")
        .post("/auth/local", json!({ "identifier": "erin.editor", "password": erin["password"] }))
        .await;
    let body = reply.ok(200);
    assert!(body["user"]["id"].as_i64().unwrap() > 30, "{body}");
    assert_ne!(body["user"]["documentId"], erin["documentId"]);
    let answer = app
        .user()
        .host("other.test")
        .query(
            "mutation { login(input: {identifier: \"erin.editor\", password: \"Erin-pass-05\"}) { user { role { type } } } }",
            json!({}),
        )
        .await;
    assert_eq!(answer.data()["login"]["user"]["role"]["type"], "editor");
}

#[tokio::test]
async fn what_is_not_a_strapi_4_or_5_database_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    sqlx::any::install_default_drivers();
    let strapi3 = dir.path().join("strapi3.db");
    let empty = dir.path().join("empty.db");
    for (file, statement) in [
        (&strapi3, "CREATE TABLE \"users-permissions_user\" (id INTEGER PRIMARY KEY, username TEXT)"),
        (&empty, "CREATE TABLE articles (id INTEGER PRIMARY KEY)"),
    ] {
        let mut db = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rwc", file.display())).await.unwrap();
        sqlx::query(statement).execute(&mut db).await.unwrap();
        db.close().await.unwrap();
    }
    let cases = [
        (sqlite_url(&strapi3), "this is a Strapi 3 database (table users-permissions_user)"),
        (sqlite_url(&empty), "no up_users table: not a Strapi 4 or 5 database"),
        (sqlite_url(&dir.path().join("missing.db")), "no Strapi database file at"),
        ("mysql://localhost/strapi".to_string(), "a Strapi database URL starts with sqlite:// or postgres://"),
    ];
    for (url, message) in cases {
        let run = gatehouse(&config, &import_args(&url, "localhost", &[])).await;
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(message), "{message}: {run:?}");
    }
    assert!(!dir.path().join("missing.db").exists(), "a missing database is not created");
    let run = gatehouse(&config, &import_args(&sqlite_url(&fixture("data.db")), "nowhere.test", &[])).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("Domain does not exist: nowhere.test"), "{run:?}");
    let run = gatehouse(&config, &["import", "--domain", "localhost", "--dry-run", "users.csv"]).await;
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("--from-strapi"), "{run:?}");
    let count = "{ account { countUsers(domain: \"localhost\") } }";
    assert_eq!(app.admin().query(count, json!({})).await.data()["account"]["countUsers"], 0);
}

/// The PostgreSQL run of the fixture, loaded with psql into a new database on the test
/// PostgreSQL server (when the suite has one).
#[tokio::test]
async fn a_strapi_database_on_postgresql_imports_the_same() {
    let Ok(server) = std::env::var("GATEHOUSE_TEST_DATABASE_URL") else {
        eprintln!("no test PostgreSQL server: the import from a Strapi PostgreSQL database is not run");
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("strapi_fixture_{}", gatehouse_core::model::new_document_id());
    let mut conn = sqlx::AnyConnection::connect(&server).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.unwrap();
    let url = format!("{}/{name}", server.rsplit_once('/').unwrap().0);
    let load = std::process::Command::new("psql")
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-f"])
        .arg(fixture("postgres.sql"))
        .output()
        .expect("psql runs");
    assert!(load.status.success(), "{}", String::from_utf8_lossy(&load.stderr));

    let app = spawn_app_with(|config| config.domains.truncate(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let run = gatehouse(&config, &import_args(&url, "localhost", &[])).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Imported from Strapi 5 into localhost: 30 created, 0 existing, 0 refused"), "{run:?}");
    assert!(run.stdout.contains("Users: 30 kept their Strapi id"), "{run:?}");
    without_rate_limit(&app, "localhost").await;
    let fixture = fixture_users("strapi-fixture-users.postgres.json");
    for user in fixture["users"].as_array().unwrap() {
        logs_in_as_in_strapi(&app, "localhost", user).await;
    }
    let newcomer = json!({ "username": "newcomer", "email": "newcomer@example.com", "password": "Newcomer-pass" });
    let registered = rest(&app).post("/auth/local/register", newcomer).await;
    assert_eq!(registered.ok(200)["user"]["id"], 31, "{}", registered.body);
    let again = gatehouse(&config, &import_args(&url, "localhost", &[])).await;
    assert!(again.stdout.contains("0 created, 30 existing, 0 refused"), "{again:?}");
    conn.close().await.unwrap();
}

/// The fixture reshaped as Strapi 4 kept the same tables: `*_links` link tables, no
/// document ids, no draft/publish columns.
#[tokio::test]
async fn a_strapi_4_database_imports_without_document_ids() {
    let app = spawn_app_with(|config| config.domains.truncate(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(&app, dir.path());
    let copy = dir.path().join("strapi4.db");
    std::fs::copy(fixture("data.db"), &copy).unwrap();
    sqlx::any::install_default_drivers();
    let mut db = sqlx::AnyConnection::connect(&format!("sqlite://{}?mode=rw", copy.display())).await.unwrap();
    for statement in [
        "ALTER TABLE up_users_role_lnk RENAME TO up_users_role_links",
        "ALTER TABLE up_permissions_role_lnk RENAME TO up_permissions_role_links",
        "DROP INDEX up_users_documents_idx",
        "ALTER TABLE up_users DROP COLUMN document_id",
        "ALTER TABLE up_users DROP COLUMN published_at",
    ] {
        sqlx::query(statement).execute(&mut db).await.unwrap();
    }
    db.close().await.unwrap();

    let run = gatehouse(&config, &import_args(&sqlite_url(&copy), "localhost", &[])).await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("Imported from Strapi 4 into localhost: 30 created, 0 existing, 0 refused"), "{run:?}");
    let fixture = fixture_users("strapi-fixture-users.json");
    let erin = &fixture["users"][5];
    let reply =
        rest(&app).post("/auth/local", json!({ "identifier": "erin.editor", "password": erin["password"] })).await;
    let body = reply.ok(200);
    assert_eq!(body["user"]["id"], erin["id"]);
    assert!(body["user"]["documentId"].as_str().is_some_and(|d| d.len() == 24 && d != erin["documentId"]));
}
