//! Paging through the users and the audit log of the admin API: `listUsersPage` and
//! `listEventsPage` with their cursors, and `listUsers(limit:, index:)`, whose deep pages are
//! sought on an index, giving the same slices as before.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use gatehouse_testkit::{Answer, TestApp, spawn_app};

const PAGE: &str = "query($d: DomainName!, $l: PosInt, $a: Cursor) { account { listUsersPage(domain: $d, limit: $l, after: $a) { users nextCursor } } }";
const LIST: &str =
    "query($d: DomainName!, $l: PosInt, $i: NonNegInt) { account { listUsers(domain: $d, limit: $l, index: $i) } }";
const EVENTS_PAGE: &str = "query($d: DomainName, $t: [EventType!], $l: PosInt, $a: Cursor) { audit { listEventsPage(domain: $d, types: $t, limit: $l, after: $a) { events { id type } nextCursor } } }";
const IMPORT: &str =
    "mutation($d: DomainName!, $u: [ImportUserInput!]!) { account { importUsers(domain: $d, users: $u) { created } } }";
const REMOVE: &str = "mutation($u: UserRef!) { account { removeUser(user: $u) { message } } }";

/// Users without a password (nothing to hash), through the admin API.
async fn import(app: &TestApp, domain: &str, names: &[&str]) {
    let email = |name: &str| format!("{}@example.com", name.replace([':', '@'], "-"));
    let users: Vec<Value> = names.iter().map(|name| json!({ "username": name, "email": email(name) })).collect();
    let answer = app.admin().query(IMPORT, json!({ "d": domain, "u": users })).await;
    assert_eq!(answer.data()["account"]["importUsers"]["created"], names.len(), "{}", answer.body);
}

async fn remove(app: &TestApp, user: &str) {
    app.admin().query(REMOVE, json!({ "u": user })).await.data();
}

async fn page(app: &TestApp, domain: &str, limit: i64, after: &Value) -> Answer {
    app.admin().query(PAGE, json!({ "d": domain, "l": limit, "a": after })).await
}

/// The users and the next cursor of one page.
fn users_and_next(answer: &Answer) -> (Vec<String>, Value) {
    let page = &answer.data()["account"]["listUsersPage"];
    let users = page["users"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_string()).collect();
    (users, page["nextCursor"].clone())
}

async fn list(app: &TestApp, domain: &str, limit: Option<i64>, index: Option<i64>) -> Vec<String> {
    let answer = app.admin().query(LIST, json!({ "d": domain, "l": limit, "i": index })).await;
    serde_json::from_value(answer.data()["account"]["listUsers"].clone()).unwrap()
}

fn refs(names: &[&str], domain: &str) -> Vec<String> {
    names.iter().map(|name| format!("{name}@{domain}")).collect()
}

#[tokio::test]
async fn the_cursor_visits_every_user_once_in_order_while_users_come_and_go() {
    let app = spawn_app().await;
    let first: Vec<String> = (0..25).map(|i| format!("m{i:02}")).collect();
    // Separators of the cursor's text and of a user reference, in usernames.
    let mut names: Vec<&str> = first.iter().map(String::as_str).collect();
    names.extend(["m07:x:y", "m12@z"]);
    import(&app, "localhost", &names).await;

    let (seen, mut next) = users_and_next(&page(&app, "localhost", 4, &Value::Null).await);
    assert_eq!(seen, refs(&["m00", "m01", "m02", "m03"], "localhost"));
    assert!(next.is_string());
    // Between pages: one seen user and one ahead go, one user comes before the cursor (never
    // seen, as with any keyset), two come ahead of it.
    remove(&app, "m01@localhost").await;
    remove(&app, "m10@localhost").await;
    import(&app, "localhost", &["a-early", "m055", "z-last"]).await;

    let mut visited = seen;
    let mut pages = 1;
    while !next.is_null() {
        let (users, after) = users_and_next(&page(&app, "localhost", 4, &next).await);
        assert!(!users.is_empty() && users.len() <= 4, "{users:?}");
        visited.extend(users);
        next = after;
        pages += 1;
        assert!(pages < 20, "the cursor does not end");
    }
    let mut expected: Vec<&str> = names.iter().copied().filter(|n| *n != "m10").collect();
    expected.extend(["m055", "z-last"]);
    expected.sort_unstable();
    assert_eq!(visited, refs(&expected, "localhost"), "every user once, in byte order");
    assert_eq!(pages, expected.len().div_ceil(4), "a full last page has no next cursor");

    // The whole listing in one page, and the defaults.
    let (all, next) = users_and_next(&page(&app, "localhost", 1000, &Value::Null).await);
    assert_eq!(all, list(&app, "localhost", None, None).await);
    assert!(next.is_null());
    let answer = app.admin().query("{ account { listUsersPage(domain: \"localhost\") { users } } }", json!({})).await;
    assert_eq!(answer.data()["account"]["listUsersPage"]["users"].as_array().unwrap().len(), all.len());
}

#[tokio::test]
async fn index_pages_are_the_same_slices_of_the_listing_from_either_end() {
    let app = spawn_app().await;
    let names: Vec<String> = (0..23).map(|i| format!("user{:03}", (i * 37) % 101)).collect();
    import(&app, "localhost", &names.iter().map(String::as_str).collect::<Vec<_>>()).await;
    // Some users gone, so that the kept count and the index both had to follow.
    remove(&app, &format!("{}@localhost", names[3])).await;
    remove(&app, &format!("{}@localhost", names[17])).await;

    let all = list(&app, "localhost", None, None).await;
    assert_eq!(all.len(), 21);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);
    for limit in [1, 4, 7] {
        for index in 0..=all.len() + 2 {
            let expected: Vec<String> = all.iter().skip(index).take(limit).cloned().collect();
            let got = list(&app, "localhost", Some(limit as i64), Some(index as i64)).await;
            assert_eq!(got, expected, "limit {limit}, index {index}");
        }
    }
    for index in [0, 10, 11, 20, 21, 30] {
        let expected: Vec<String> = all.iter().skip(index).cloned().collect();
        assert_eq!(list(&app, "localhost", None, Some(index as i64)).await, expected, "no limit, index {index}");
    }
    assert_eq!(list(&app, "localhost", Some(5), Some(i64::MAX)).await, Vec::<String>::new(), "far past the end");
    let answer =
        app.admin().query("{ account { listUsers(domain: \"localhost\", index: 0, limit: 2) } }", json!({})).await;
    assert_eq!(answer.data()["account"]["listUsers"], json!(all[..2]));
}

#[tokio::test]
async fn a_cursor_continues_its_own_listing_only() {
    let app = spawn_app().await;
    // other.test: the test server's second domain.
    for name in ["ann", "ben", "cat"] {
        import(&app, "localhost", &[name]).await; // one event per import
    }
    import(&app, "other.test", &["ann", "ben", "cat"]).await;

    let (_, users_cursor) = users_and_next(&page(&app, "localhost", 1, &Value::Null).await);
    let events = app.admin().query(EVENTS_PAGE, json!({ "d": "localhost", "l": 1 })).await;
    let events_cursor = events.data()["audit"]["listEventsPage"]["nextCursor"].clone();
    assert!(users_cursor.is_string() && events_cursor.is_string());

    let refused = |answer: &Answer, field: &str| {
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.error_code(), "invalid_input", "{}", answer.body);
        assert_eq!(answer.error_message(), "The cursor was made for another listing");
        let category = if field == "listUsersPage" { "account" } else { "audit" };
        assert_eq!(answer.body["data"][category][field], Value::Null);
    };
    // Another domain's users, events for users, users for events, one domain's events for all.
    refused(&page(&app, "other.test", 1, &users_cursor).await, "listUsersPage");
    refused(&page(&app, "localhost", 1, &events_cursor).await, "listUsersPage");
    for (domain, cursor) in
        [(json!("localhost"), &users_cursor), (Value::Null, &events_cursor), (json!("other.test"), &events_cursor)]
    {
        let answer = app.admin().query(EVENTS_PAGE, json!({ "d": domain, "l": 1, "a": cursor })).await;
        refused(&answer, "listEventsPage");
    }

    // A domain admin holding another domain's cursor gets nothing of either domain.
    enable_domain_admin(&app, "other.test", "s3cret-admin").await;
    let other = domain_admin(&app, "other.test", "s3cret-admin");
    let answer = other.query(PAGE, json!({ "d": "other.test", "l": 1, "a": users_cursor })).await;
    refused(&answer, "listUsersPage");
    let other = domain_admin(&app, "other.test", "s3cret-admin");
    let answer = other.query(PAGE, json!({ "d": "localhost", "l": 1, "a": users_cursor })).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.error_code(), "no_permissions");
    // Its own listing pages as the global admin's does.
    let other = domain_admin(&app, "other.test", "s3cret-admin");
    let answer = other.query(PAGE, json!({ "d": "other.test", "l": 2 })).await;
    assert_eq!(users_and_next(&answer).0, refs(&["ann", "ben"], "other.test"));
}

#[tokio::test]
async fn a_malformed_cursor_is_a_bad_request_and_changes_nothing() {
    let app = spawn_app().await;
    import(&app, "localhost", &["ann", "ben", "cat"]).await;
    let before = list(&app, "localhost", None, None).await;
    let events_before = app.admin().query(EVENTS_PAGE, json!({ "l": 1000 })).await.data().clone();

    for cursor in ["", "not a cursor", "dXNlcnM6bG9jYWxob3N0", "ZXZlbnRzOjow", &"A".repeat(3000)] {
        let answer = page(&app, "localhost", 2, &json!(cursor)).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{cursor}: {}", answer.body);
        assert_eq!(answer.error_code(), "input_coercion");
        assert!(answer.error_message().contains("Input coercion failed for type Cursor"), "{}", answer.body);
        assert!(answer.error_message().contains("malformed_cursor"), "{}", answer.body);
        assert!(answer.body.get("data").is_none());
        let inline = format!("{{ audit {{ listEventsPage(after: {cursor:?}) {{ nextCursor }} }} }}");
        let answer = app.admin().query(&inline, json!({})).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        assert_eq!(answer.error_code(), "input_coercion");
    }
    let answer = app.admin().query(PAGE, json!({ "d": "localhost", "a": 12 })).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);

    assert_eq!(list(&app, "localhost", None, None).await, before);
    let events_after = app.admin().query(EVENTS_PAGE, json!({ "l": 1000 })).await;
    assert_eq!(events_after.data(), &events_before, "no event recorded");
}

#[tokio::test]
async fn events_are_paged_newest_first_and_new_events_do_not_shift_the_pages() {
    let app = spawn_app().await;
    for i in 0..11 {
        import(&app, "localhost", &[&format!("e{i:02}")]).await; // one event per import
    }
    let whole =
        app.admin().query("{ audit { listEvents(domain: \"localhost\", limit: 1000) { id type } } }", json!({})).await;
    let whole = whole.data()["audit"]["listEvents"].as_array().unwrap().clone();
    assert!(whole.len() >= 11, "{whole:?}");

    let mut visited = Vec::new();
    let mut after = Value::Null;
    loop {
        let answer = app.admin().query(EVENTS_PAGE, json!({ "d": "localhost", "l": 3, "a": after })).await;
        let page = answer.data()["audit"]["listEventsPage"].clone();
        visited.extend(page["events"].as_array().unwrap().iter().cloned());
        after = page["nextCursor"].clone();
        if after.is_null() {
            break;
        }
        // Newer events come in between pages: they are before the cursor.
        import(&app, "localhost", &[&format!("late{}", visited.len())]).await;
    }
    assert_eq!(visited, whole, "every event once, newest first");

    // With types, and for every domain (the global admin).
    let created = json!(["USER_CREATED"]);
    let answer = app.admin().query(EVENTS_PAGE, json!({ "t": created, "l": 2 })).await;
    let page = &answer.data()["audit"]["listEventsPage"];
    assert!(page["events"].as_array().unwrap().iter().all(|e| e["type"] == "USER_CREATED"));
    let next = page["nextCursor"].clone();
    let answer = app.admin().query(EVENTS_PAGE, json!({ "t": created, "l": 2, "a": next })).await;
    let second = answer.data()["audit"]["listEventsPage"]["events"].as_array().unwrap().clone();
    assert!(second[0]["id"].as_i64() < page["events"][1]["id"].as_i64(), "older than the first page");
}
