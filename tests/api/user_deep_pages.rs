//! Deep offsets of the user API's listings in id order (the default), which are sought on an
//! index from the nearer end instead of skipped: every window is the same slice of the whole
//! listing as before, on GraphQL (`start`/`limit`, `page`/`pageSize`) and REST (`start`,
//! `limit`, `sort=id:desc`), with ids left out by deleted users.

use gatehouse_core::events::Actor;
use serde_json::{Value, json};

use crate::rest_support::rest;
use crate::user_support::{domain, grant, seed_user};
use gatehouse_testkit::{TestApp, spawn_app};

const P: &str = "plugin::users-permissions.";

/// 26 users created, 4 of them deleted (ids with gaps); the public role may list them.
async fn seeded() -> (TestApp, Vec<String>) {
    let app = spawn_app().await;
    let domain = domain(&app).await;
    let mut kept = Vec::new();
    for i in 0..26 {
        // Created out of name order: id order is not username order.
        let name = format!("user{:02}", (i * 7) % 26);
        let id = seed_user(&app, &name, false, None).await;
        if [0, 5, 6, 25].contains(&i) {
            app.app.core.users().delete_user(&domain, id, Actor::GlobalAdmin).await.unwrap();
        } else {
            kept.push(name);
        }
    }
    grant(&app, "public", &[&format!("{P}user.find"), &format!("{P}user.count")]).await;
    (app, kept)
}

fn usernames(list: &Value) -> Vec<String> {
    let list = list.as_array().unwrap_or_else(|| panic!("not a list: {list}"));
    list.iter().map(|u| u["username"].as_str().unwrap().to_string()).collect()
}

fn slice(all: &[String], start: usize, limit: usize) -> Vec<String> {
    all.iter().skip(start).take(limit).cloned().collect()
}

#[tokio::test]
async fn graphql_windows_in_id_order_are_slices_of_the_whole_listing() {
    let (app, kept) = seeded().await;
    let query = "query($p: PaginationArg) { usersPermissionsUsers(pagination: $p) { username } }";
    let list = |pagination: Value| {
        let call = app.user();
        async move { usernames(&call.query(query, json!({ "p": pagination })).await.data()["usersPermissionsUsers"]) }
    };
    assert_eq!(list(json!({ "limit": -1 })).await, kept, "creation order");
    for limit in [1, 3, 10] {
        for start in 0..=kept.len() + 1 {
            let got = list(json!({ "start": start, "limit": limit })).await;
            assert_eq!(got, slice(&kept, start, limit), "start {start}, limit {limit}");
        }
    }
    for (page, size) in [(1, 5), (2, 5), (3, 7), (4, 7), (5, 5), (6, 5), (12, 2)] {
        let got = list(json!({ "page": page, "pageSize": size })).await;
        assert_eq!(got, slice(&kept, (page - 1) * size, size), "page {page} of {size}");
    }
    assert_eq!(list(json!({ "start": 20, "limit": -1 })).await, slice(&kept, 20, 100));
    assert_eq!(list(json!({ "page": i32::MAX, "pageSize": 1 })).await, Vec::<String>::new(), "far past the end");

    // The total of a connection, with and without a filter.
    let connection = "query($f: UsersPermissionsUserFiltersInput) { usersPermissionsUsers_connection(filters: $f, pagination: {page: 3, pageSize: 5}) { nodes { username } pageInfo { total page pageSize pageCount } } }";
    let answer = app.user().query(connection, json!({})).await;
    let found = &answer.data()["usersPermissionsUsers_connection"];
    assert_eq!(usernames(&found["nodes"]), slice(&kept, 10, 5));
    assert_eq!(found["pageInfo"], json!({ "total": 22, "page": 3, "pageSize": 5, "pageCount": 5 }));
    let answer = app.user().query(connection, json!({ "f": { "username": { "lt": "user10" } } })).await;
    let found = &answer.data()["usersPermissionsUsers_connection"];
    let below: Vec<String> = kept.iter().filter(|n| n.as_str() < "user10").cloned().collect();
    assert_eq!(usernames(&found["nodes"]), slice(&below, 10, 5));
    assert_eq!(found["pageInfo"]["total"], below.len());
}

#[tokio::test]
async fn rest_windows_in_id_order_either_way_are_slices_of_the_whole_listing() {
    let (app, kept) = seeded().await;
    let get = |query: String| {
        let call = rest(&app);
        async move { usernames(call.get(&format!("/users?{query}")).await.ok(200)) }
    };
    let mut reversed = kept.clone();
    reversed.reverse();
    assert_eq!(get(String::new()).await, kept);
    assert_eq!(get("sort=id:desc".into()).await, reversed);
    for limit in [1, 4] {
        for start in 0..=kept.len() + 1 {
            let up = get(format!("start={start}&limit={limit}")).await;
            assert_eq!(up, slice(&kept, start, limit), "start {start}, limit {limit}");
            let down = get(format!("sort=id:desc&start={start}&limit={limit}")).await;
            assert_eq!(down, slice(&reversed, start, limit), "id:desc, start {start}, limit {limit}");
        }
    }
    assert_eq!(get("start=15".into()).await, slice(&kept, 15, 100), "no limit");
    assert_eq!(get("start=15&limit=-1".into()).await, slice(&kept, 15, 100), "limit -1");
    assert_eq!(get(format!("start={}&limit=2", i64::MAX)).await, Vec::<String>::new(), "far past the end");
    let count = rest(&app).get("/users/count").await;
    assert_eq!(count.ok(200), &json!(kept.len()));
}
