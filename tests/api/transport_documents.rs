//! Documents kept between requests: Apollo's automatic persisted queries, and a query text
//! parsed once for many requests without one request's variables or checks leaking into the next.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use gatehouse_testkit::spawn_app;

const ME: &str = "query Me { me { username } }";

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn persisted(text: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256(text) } })
}

#[tokio::test]
async fn a_persisted_query_runs_by_its_hash_once_its_text_was_sent() {
    let app = spawn_app().await;
    let token = app.register("alice", "secret123").await;
    let user = || app.user().bearer(&token);

    // Apollo's protocol: the hash alone first; unknown, the client sends the text with it.
    let by_hash = json!({ "extensions": persisted(ME) }).to_string();
    let answer = user().raw("application/json", by_hash.clone()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.error_message(), "PersistedQueryNotFound");
    assert_eq!(answer.error_code(), "PERSISTED_QUERY_NOT_FOUND");
    assert!(answer.body.get("data").is_none());

    let with_text = json!({ "query": ME, "extensions": persisted(ME) }).to_string();
    assert_eq!(user().raw("application/json", with_text).await.data(), &json!({ "me": { "username": "alice" } }));
    assert_eq!(user().raw("application/json", by_hash).await.data(), &json!({ "me": { "username": "alice" } }));
    // Over GET too, as Apollo Client sends queries with `useGETForHashedQueries`.
    let extensions = persisted(ME).to_string();
    let answer = user().get(&[("operationName", "Me"), ("extensions", &extensions)]).await;
    assert_eq!(answer.data(), &json!({ "me": { "username": "alice" } }));
}

#[tokio::test]
async fn a_persisted_query_is_refused_when_its_hash_does_not_match_or_is_malformed() {
    let app = spawn_app().await;
    let other = "{ __typename }";
    let mismatched = json!({ "query": other, "extensions": persisted(ME) }).to_string();
    let answer = app.user().raw("application/json", mismatched).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.error_message(), "provided sha does not match query");
    // Nothing was registered under the hash.
    let answer = app.user().raw("application/json", json!({ "extensions": persisted(ME) }).to_string()).await;
    assert_eq!(answer.error_code(), "PERSISTED_QUERY_NOT_FOUND");

    for extension in [
        json!({ "version": 2, "sha256Hash": sha256(other) }),
        json!({ "version": 1, "sha256Hash": "not-a-hash" }),
        json!(true),
    ] {
        let body = json!({ "extensions": { "persistedQuery": extension } }).to_string();
        let answer = app.user().raw("application/json", body).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{extension}");
        assert!(answer.error_code().starts_with("PERSISTED_QUERY_"), "{}", answer.body);
    }
}

#[tokio::test]
async fn a_mutation_known_by_its_hash_still_needs_post() {
    let app = spawn_app().await;
    let register =
        r#"mutation { register(input: {username: "bob", email: "bob@example.com", password: "secret123"}) { jwt } }"#;
    let body = json!({ "query": "{ __typename }" }).to_string();
    app.user().raw("application/json", body).await.data();
    let registration = json!({ "query": register, "extensions": persisted(register) }).to_string();
    assert!(app.user().raw("application/json", registration).await.data()["register"]["jwt"].is_string());
    let extensions = persisted(register).to_string();
    let answer = app.user().get(&[("extensions", &extensions)]).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn one_text_parsed_once_answers_each_request_with_its_own_variables_and_checks() {
    let app = spawn_app().await;
    let greet = "query Greet($d: String!) { __type(name: $d) { name } }";
    for round in 0..3 {
        for name in ["Query", "UsersPermissionsMe"] {
            let answer = app.user().query(greet, json!({ "d": name })).await;
            assert_eq!(answer.data(), &json!({ "__type": { "name": name } }), "round {round}");
        }
        // The checks that depend on the request run every time, on a known text too.
        let answer = app.user().query(greet, json!({})).await;
        assert!(!answer.error_message().is_empty(), "a missing variable is an error: {}", answer.body);
        let answer = app.user().query(greet, json!({ "d": [[[[[[[[[[[[[[[[[["Query"]]]]]]]]]]]]]]]]]] })).await;
        assert_eq!(answer.error_code(), "query_limit_exceeded", "{}", answer.body);
        let answer =
            app.user().get(&[("query", greet), ("variables", r#"{"d": "Query"}"#), ("operationName", "Other")]).await;
        assert!(!answer.error_message().is_empty(), "an unknown operation name is an error: {}", answer.body);
    }
}
