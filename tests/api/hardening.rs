//! Inputs an attacker would send: each gets a clean refusal, changes nothing, and the server
//! answers the next request as before.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use crate::user_support::{grant, register};
use gatehouse_testkit::{Answer, TestApp, spawn_app};

const USERS: &str = "query($f: UsersPermissionsUserFiltersInput, $s: [String]) { usersPermissionsUsers(filters: $f, sort: $s, pagination: {limit: -1}) { username } }";

/// The server still serves: `/health` and a GraphQL query on every listener.
async fn assert_alive(app: &TestApp) {
    let health = app.client.get(app.admin_url.replace("/api/graphql", "/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let answer =
        app.user().query("{ checkPermission(action: \"plugin::users-permissions.user.me\") }", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = app.admin().query("{ checkAuth { authStatus } }", json!({})).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

fn assert_refused(answer: &Answer, message: &str) {
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.error_code(), "query_limit_exceeded", "{}", answer.body);
    assert!(answer.error_message().contains(message), "{}", answer.body);
}

/// A user whose role may list users and roles, so that filters reach the listing code.
async fn reader(app: &TestApp) -> String {
    let actions = ["plugin::users-permissions.user.find", "plugin::users-permissions.role.find"];
    grant(app, "authenticated", &actions).await;
    register(app, "reader").await.data()["register"]["jwt"].as_str().unwrap().to_string()
}

fn nested(wrapper: &str, levels: usize) -> String {
    format!("{}{{}}{}", wrapper.repeat(levels), "}".repeat(levels))
}

fn nested_json(key: &str, levels: usize) -> Value {
    (0..levels).fold(json!({}), |inner, _| json!({ key: inner }))
}

#[tokio::test]
async fn deeply_nested_filters_are_refused_before_anything_runs() {
    let app = spawn_app().await;
    let jwt = reader(&app).await;
    for (field, levels) in
        [("usersPermissionsUsers", 100), ("usersPermissionsRoles", 20), ("usersPermissionsUsers", 5000)]
    {
        let query = format!("{{ {field}(filters: {}) {{ documentId }} }}", nested("{not: ", levels));
        for call in [app.user(), app.user().bearer(&jwt)] {
            let answer = call.query(&query, json!({})).await;
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
            assert_eq!(answer.error_code(), "query_limit_exceeded");
        }
    }
    // The same through variables, and with `and` lists.
    let answer = app.user().bearer(&jwt).query(USERS, json!({ "f": nested_json("not", 100) })).await;
    assert_refused(&answer, "nested deeper than 16 levels");
    let and = (0..60).fold(json!({}), |inner, _| json!({ "and": [inner] }));
    let answer = app.user().bearer(&jwt).query(USERS, json!({ "f": and })).await;
    assert_refused(&answer, "nested deeper than 16 levels");
    // Within the bound, the deepest filter runs.
    let answer = app.user().bearer(&jwt).query(USERS, json!({ "f": nested_json("not", 15) })).await;
    assert_eq!(answer.data()["usersPermissionsUsers"], json!([]));
    assert_alive(&app).await;
}

#[tokio::test]
async fn deeply_nested_list_literals_are_refused_on_every_listener_and_method() {
    let app = spawn_app().await;
    for levels in [1000, 2000, 20_000] {
        let list = format!("{}\"x\"{}", "[".repeat(levels), "]".repeat(levels));
        let admin_query = format!("{{ account {{ listUsers(domain: {list}) }} }}");
        let user_query = format!("{{ checkPermission(action: {list}) }}");
        let mut answers = vec![
            app.user().query(&user_query, json!({})).await,
            app.admin().query(&admin_query, json!({})).await,
            app.domain_admin().query(&admin_query, json!({})).await,
        ];
        if levels <= 2000 {
            // Percent-encoded, deeper lists would pass the longest URL a client sends.
            answers.push(app.user().get(&[("query", &user_query)]).await);
            answers.push(app.domain_admin().get(&[("query", &admin_query)]).await);
        }
        for answer in answers {
            assert_refused(&answer, "nests brackets deeper than");
        }
    }
    // Variables nested past serde_json's own recursion limit are invalid JSON.
    let body = format!(
        "{{\"query\": \"{{ checkPermission(action: \\\"x\\\") }}\", \"variables\": {{\"v\": {}1{}}}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let answer = app.user().raw("application/json", body).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_alive(&app).await;
}

#[tokio::test]
async fn nul_characters_are_refused_on_every_text_input() {
    let app = spawn_app().await;
    let jwt = reader(&app).await;
    enable_domain_admin(&app, "localhost", "s3cret").await;
    let nul = "ali\u{0}ce";
    let user_calls = [
        (
            "mutation($i: String!) { login(input: {identifier: $i, password: \"secret123\"}) { jwt } }",
            json!({ "i": nul }),
        ),
        (
            "mutation($u: String!) { register(input: {username: $u, email: \"n@example.com\", password: \"secret123\"}) { jwt } }",
            json!({ "u": nul }),
        ),
        (
            "mutation($p: String!) { register(input: {username: \"nul\", email: \"n@example.com\", password: $p}) { jwt } }",
            json!({ "p": nul }),
        ),
        ("mutation($e: String!) { forgotPassword(email: $e) { ok } }", json!({ "e": "a\u{0}@example.com" })),
        (USERS, json!({ "f": { "username": { "eq": nul } } })),
    ];
    for (query, variables) in user_calls {
        assert_refused(&app.user().bearer(&jwt).query(query, variables).await, "NUL");
    }
    // Written in the document itself, as an escape.
    let literal = r#"mutation { login(input: {identifier: "ali\u0000ce", password: "x"}) { jwt } }"#;
    assert_refused(&app.user().query(literal, json!({})).await, "NUL");
    for (query, variables) in [
        (
            "mutation($u: String) { account { registerUser(domain: \"localhost\", username: $u, email: \"n@example.com\", password: \"secret123\") { message } } }",
            json!({ "u": nul }),
        ),
        ("query($u: UserRef!) { account { getUser(user: $u) { username } } }", json!({ "u": "ali\u{0}ce@localhost" })),
    ] {
        assert_refused(&app.admin().query(query, variables.clone()).await, "NUL");
        assert_refused(&domain_admin(&app, "localhost", "s3cret").query(query, variables).await, "NUL");
    }
    // Other control characters make no sense in names: a validation error, on both backends.
    for username in ["ali\u{7}ce", "ali\nce", "ali\u{1b}[31mce"] {
        let answer = app
            .user()
            .query(crate::user_support::REGISTER, json!({ "u": username, "e": "c@example.com", "p": "secret123" }))
            .await;
        assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{}", answer.body);
        assert_eq!(answer.error_message(), "username must not contain control characters");
    }
    let answer = app
        .user()
        .query(crate::user_support::REGISTER, json!({ "u": "carol", "e": "ca\u{7}rol@example.com", "p": "secret123" }))
        .await;
    assert_eq!(answer.error_message(), "email must be a valid email");
    let count = app.admin().query("{ account { countUsers(domain: \"localhost\") } }", json!({})).await;
    assert_eq!(count.data()["account"]["countUsers"], 1, "only the reader exists");
    assert_alive(&app).await;
}

#[tokio::test]
async fn filters_and_sorts_are_bounded_below_the_databases_limits() {
    let app = spawn_app().await;
    let jwt = reader(&app).await;
    let user = || app.user().bearer(&jwt);
    let names = |n: usize| (0..n).map(|i| format!("user{i}")).collect::<Vec<_>>();

    // Lists past the input bound: refused by the transport.
    let answer = user().query(USERS, json!({ "f": { "username": { "in": names(40_000) } } })).await;
    assert_refused(&answer, "more than 1000 items");
    let or: Vec<Value> = names(2000).into_iter().map(|n| json!({ "username": { "eq": n } })).collect();
    assert_refused(&user().query(USERS, json!({ "f": { "or": or } })).await, "more than 1000 items");
    assert_refused(&user().query(USERS, json!({ "s": vec!["username"; 1001] })).await, "more than 1000 items");

    // Within it, the listing's own bounds: Strapi's validation error.
    let answer = user().query(USERS, json!({ "f": { "username": { "in": names(1000) } } })).await;
    assert_eq!(answer.data()["usersPermissionsUsers"], json!([]));
    let or: Vec<Value> = names(101).into_iter().map(|n| json!({ "username": { "eq": n } })).collect();
    let answer = user().query(USERS, json!({ "f": { "or": or } })).await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT", "{}", answer.body);
    assert_eq!(answer.error_message(), "The filters have more than 100 conditions");
    let answer = user()
        .query(USERS, json!({ "f": { "username": { "in": names(600) }, "email": { "notIn": names(600) } } }))
        .await;
    assert_eq!(answer.error_message(), "The filters compare more than 1000 values");
    let answer = user().query(USERS, json!({ "s": vec!["username:asc"; 999] })).await;
    assert_eq!(answer.error_message(), "sort takes at most 16 keys");
    let answer = user().query(USERS, json!({ "s": ["username,email,createdAt".repeat(20)] })).await;
    assert_eq!(answer.error_code(), "BAD_USER_INPUT");
    assert_alive(&app).await;
}

#[tokio::test]
async fn stored_text_has_documented_maximum_lengths() {
    let app = spawn_app().await;
    let register = |username: String, email: String| {
        let app = &app;
        async move {
            app.user()
                .query(crate::user_support::REGISTER, json!({ "u": username, "e": email, "p": "secret123" }))
                .await
        }
    };
    let answer = register("a".repeat(1_000_000), "long@example.com".into()).await;
    assert_eq!(answer.error_message(), "username must be at most 255 characters", "{}", answer.body);
    let answer = register("é".repeat(256), "long@example.com".into()).await;
    assert_eq!(answer.error_message(), "username must be at most 255 characters");
    let answer = register("b".repeat(200), format!("{}@example.com", "b".repeat(243))).await;
    assert_eq!(answer.error_message(), "email must be a valid email", "255 bytes is over RFC 5321's 254");
    let answer = register("é".repeat(255), format!("{}@example.com", "c".repeat(242))).await;
    assert!(answer.data()["register"]["jwt"].is_string(), "255 characters and 254 bytes fit");

    let role = "mutation($n: String!, $d: String) { role { createRole(domain: \"localhost\", name: $n, description: $d) { name } } }";
    let answer = app.admin().query(role, json!({ "n": "r".repeat(256) })).await;
    assert_eq!(answer.error_message(), "name must be at most 255 characters", "{}", answer.body);
    let answer = app.admin().query(role, json!({ "n": "Editor", "d": "d".repeat(256) })).await;
    assert_eq!(answer.error_message(), "description must be at most 255 characters", "{}", answer.body);
    let ban = "mutation($r: String!) { account { banUser(user: \"a@localhost\", reason: $r) { message } } }";
    let answer = app.admin().query(ban, json!({ "r": "r".repeat(1001) })).await;
    assert_eq!(answer.error_message(), "reason must be at most 1000 characters", "{}", answer.body);
    let settings = "mutation($u: String) { domain { updateDomainSettings(domain: \"localhost\", settings: {emailResetPassword: $u}) { emailResetPassword } } }";
    let answer = app.admin().query(settings, json!({ "u": format!("https://x.test/{}", "p".repeat(2048)) })).await;
    assert_eq!(answer.error_message(), "emailResetPassword must be at most 2048 bytes", "{}", answer.body);

    let count = app
        .admin()
        .query(
            "{ account { countUsers(domain: \"localhost\") } role { listRoles(domain: \"localhost\") { type } } }",
            json!({}),
        )
        .await;
    assert_eq!(count.data()["account"]["countUsers"], 1);
    assert_eq!(count.data()["role"]["listRoles"].as_array().unwrap().len(), 2);
    assert_alive(&app).await;
}

/// Reads an SSE answer until it ends or `wait` passes; returns the status and what arrived.
async fn subscribe(
    app: &TestApp,
    url: &str,
    basic: (&str, &str),
    query: &str,
    wait: std::time::Duration,
) -> (StatusCode, String) {
    use futures_util::StreamExt;
    let params = serde_urlencoded::to_string([("query", query)]).unwrap();
    let response = app
        .client
        .get(format!("{url}/sse?{params}"))
        .basic_auth(basic.0, Some(basic.1))
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    let status = response.status();
    let mut stream = response.bytes_stream();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, stream.next()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status, text)
}

#[tokio::test]
async fn a_domain_admins_subscription_sees_its_own_domain_only() {
    let app = spawn_app().await;
    enable_domain_admin(&app, "other.test", "s3cret").await;
    let me = ("admin@other.test", "s3cret");
    let wait = std::time::Duration::from_millis(1500);
    let url = app.domain_admin_url.clone();

    // The spec's single-root-field rule: refused before a stream opens.
    for (query, message) in [
        ("subscription { audit { __typename } second: audit { __typename } }", "must select only one top level field"),
        ("subscription { __typename }", "must not select an introspection top level field"),
        ("subscription { audit @skip(if: false) { __typename } }", "must not use @skip or @include"),
    ] {
        let (status, body) = subscribe(&app, &url, me, query, wait).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains(message), "{body}");
    }

    // Shapes that name no domain, or skip the field that does: whatever they answer, no event
    // of another domain reaches them.
    let shapes = [
        "subscription { audit { __typename } }",
        "subscription { audit { subscribeForEvents(domain: \"other.test\") @skip(if: true) { type } } }",
    ];
    let streams: Vec<_> = shapes.iter().map(|query| subscribe(&app, &url, me, query, wait)).collect();
    let elsewhere = async {
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        register(&app, "localuser").await.data();
    };
    let (results, ()) = tokio::join!(futures_util::future::join_all(streams), elsewhere);
    let (status, body) = &results[0];
    assert_eq!(*status, StatusCode::OK);
    assert!(body.contains("Select subscribeForEvents once per subscription"), "{body}");
    for (_, body) in &results {
        assert!(!body.contains("\"audit\":{"), "{body}");
    }

    // Its own domain's stream gets its own events and no other.
    let own = "subscription { audit { subscribeForEvents(domain: \"other.test\") { type domain } } }";
    let own = subscribe(&app, &url, me, own, std::time::Duration::from_millis(3000));
    let both = async {
        // Several rounds: on a busy machine the stream may open after the first.
        for round in 0..4 {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            register(&app, &format!("localuser{round}")).await.data();
            let register = format!(
                "mutation {{ account {{ registerUser(domain: \"other.test\", username: \"otheruser{round}\", password: \"secret123\") {{ message }} }} }}"
            );
            app.admin().query(&register, json!({})).await.data();
        }
    };
    let ((_, own), ()) = tokio::join!(own, both);
    assert!(own.contains("\"domain\":\"other.test\""), "{own}");
    assert!(!own.contains("\"domain\":\"localhost\""), "{own}");
    assert_alive(&app).await;
}

#[tokio::test]
async fn int_arguments_keep_to_graphqls_32_bit_range() {
    let app = spawn_app().await;
    let events = "query($b: Int) { audit { listEvents(before: $b, limit: 1) { id } } }";
    for before in [json!(-2147483649i64), json!(2147483648i64), json!(9007199254740991i64)] {
        let answer = app.admin().query(events, json!({ "b": before })).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert_eq!(answer.error_code(), "input_coercion");
        assert!(answer.error_message().contains("Value is not a 32-bit integer"), "{}", answer.body);
    }
    let literal = app.admin().query("{ audit { listEvents(before: -2147483649) { id } } }", json!({})).await;
    assert_eq!(literal.status, StatusCode::BAD_REQUEST, "{}", literal.body);
    let answer = app.admin().query(events, json!({ "b": 2147483647 })).await;
    assert!(answer.data()["audit"]["listEvents"].is_array());
    let settings = "mutation { domain { updateDomainSettings(domain: \"localhost\", settings: {rateLimitMax: 4294967295}) { rateLimitMax } } }";
    let answer = app.admin().query(settings, json!({})).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_alive(&app).await;
}
