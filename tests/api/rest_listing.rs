//! REST `GET /api/users` and `/api/users/count` with Strapi's query syntax, as Strapi 5.54
//! answers it on this controller (`strapi-rest.md` §2.D.2, §2.D.3): a bare array, no default
//! limit, `pagination[...]` ignored.

use serde_json::{Value, json};

use crate::rest_support::{USER_KEYS, keys, manager, rest};
use crate::user_support::seed_user;
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

/// alice (the caller, Authenticated, id 1), then bob, carol (blocked, Public), dave (Public),
/// erin, as in the transcripts' spirit.
async fn people(app: &TestApp) -> String {
    let jwt = manager(app, "alice").await;
    seed_user(app, "bob", false, None).await;
    seed_user(app, "carol", true, Some(gatehouse_core::RoleId::new(2))).await;
    seed_user(app, "dave", false, Some(gatehouse_core::RoleId::new(2))).await;
    let erin = seed_user(app, "erin", false, None).await;
    let domain = crate::user_support::domain(app).await;
    let patch = gatehouse_core::UserPatch { confirmed: Some(false), ..Default::default() };
    app.app.core.users().update_user(&domain, erin, patch, gatehouse_core::events::Actor::GlobalAdmin).await.unwrap();
    jwt
}

fn usernames(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn filters_sort_and_windows() {
    let app = spawn_app().await;
    let jwt = people(&app).await;
    let get = |query: &str| {
        let caller = rest(&app).bearer(&jwt);
        let path = format!("/users?{query}");
        async move { caller.get(&path).await }
    };
    let all = get("").await;
    assert_eq!(usernames(all.ok(200)), ["alice", "bob", "carol", "dave", "erin"]);
    assert_eq!(keys(&all.body[0]), USER_KEYS, "no role unless populated");
    let cases: &[(&str, &[&str])] = &[
        ("filters%5Busername%5D%5B%24eq%5D=bob", &["bob"]),
        ("filters[username]=bob", &["bob"]),
        ("filters[username][$startsWith]=a&filters[confirmed]=true", &["alice"]),
        ("filters[$or][0][username]=bob&filters[$or][1][email][$containsi]=CAROL", &["bob", "carol"]),
        ("filters[role][type]=public", &["carol", "dave"]),
        ("filters[id][$lte]=2", &["alice", "bob"]),
        ("filters[id][$in][0]=2&filters[id][$in][1]=4", &["bob", "dave"]),
        ("filters[username][$in]=erin", &["erin"]),
        ("filters[$not][blocked]=true&filters[confirmed][$ne]=false", &["alice", "bob", "dave"]),
        (
            "filters[username][$notIn][0]=alice&filters[username][$notIn][1]=bob&filters[email][$endsWith]=example.com",
            &["carol", "dave", "erin"],
        ),
        ("filters[$and][0][blocked]=false&filters[$and][1][role][type][$eqi]=PUBLIC", &["dave"]),
        (
            "filters[createdAt][$gt]=2000-01-01T00:00:00.000Z&filters[username][$null]=false",
            &["alice", "bob", "carol", "dave", "erin"],
        ),
        ("sort=username:desc", &["erin", "dave", "carol", "bob", "alice"]),
        ("sort[0]=confirmed:asc&sort[1]=id:desc", &["erin", "dave", "carol", "bob", "alice"]),
        ("sort[0]=blocked:desc&sort[1]=username", &["carol", "alice", "bob", "dave", "erin"]),
        ("pagination%5Bpage%5D=2&pagination%5BpageSize%5D=2", &["alice", "bob", "carol", "dave", "erin"]),
        ("pagination[start]=1&pagination[limit]=3", &["alice", "bob", "carol", "dave", "erin"]),
        ("start=1&limit=3", &["bob", "carol", "dave"]),
        ("page=2&pageSize=2", &["alice", "bob", "carol", "dave", "erin"]),
        ("limit=-1&filters[id][$lte]=3", &["alice", "bob", "carol"]),
        ("limit=0", &[]),
        ("_q=ali", &["alice"]),
        ("foo=bar", &["alice", "bob", "carol", "dave", "erin"]),
    ];
    for (query, expected) in cases {
        let reply = get(query).await;
        assert_eq!(&usernames(reply.ok(200)), expected, "{query}");
    }
    let only = get("filters[$or][0][username]=bob&fields[0]=username").await;
    assert_eq!(only.ok(200), &json!([{ "id": 2, "documentId": only.body[0]["documentId"], "username": "bob" }]));
    let two = get("filters[username]=carol&fields[0]=username&fields[1]=blocked").await;
    assert_eq!(keys(&two.ok(200)[0]), ["id", "documentId", "username", "blocked"]);
    assert_eq!(
        keys(&get("filters[username]=bob&fields=username,email").await.ok(200)[0]),
        ["id", "documentId", "username", "email"]
    );
}

#[tokio::test]
async fn populate_and_counts() {
    let app = spawn_app().await;
    let jwt = people(&app).await;
    let get = |path: &str| {
        let caller = rest(&app).bearer(&jwt);
        let path = path.to_string();
        async move { caller.get(&path).await }
    };
    for populate in ["populate=role", "populate=*", "populate[0]=role", "populate[role]=true"] {
        let reply = get(&format!("/users?{populate}&filters[username]=bob")).await;
        assert_eq!(reply.ok(200)[0]["role"]["type"], "authenticated", "{populate}");
    }
    let reply = get("/users?populate[role][fields][0]=name&fields=username&filters[username]=carol").await;
    let carol = &reply.ok(200)[0];
    assert_eq!(keys(carol), ["id", "documentId", "username", "role"]);
    assert_eq!(keys(&carol["role"]), ["id", "documentId", "name"]);
    assert_eq!(carol["role"]["name"], "Public");

    assert_eq!(get("/users/count").await.ok(200), &json!(5));
    assert_eq!(get("/users/count?filters[blocked]=true").await.ok(200), &json!(1));
    assert_eq!(get("/users/count?filters[role][type]=public&_q=a").await.ok(200), &json!(2));
    get("/users/count?filters[password]=x").await.error(400, "ValidationError", "Invalid key password");
}

#[tokio::test]
async fn refused_queries() {
    let app = spawn_app().await;
    let jwt = people(&app).await;
    let get = |query: &str| {
        let caller = rest(&app).bearer(&jwt);
        let path = format!("/users?{query}");
        async move { caller.get(&path).await }
    };
    let key =
        |key: &str, path: Value, param: &str| json!({ "key": key, "path": path, "source": "query", "param": param });
    let private = get("filters%5Bpassword%5D%5B%24eq%5D=x").await;
    assert_eq!(
        private.error(400, "ValidationError", "Invalid key password"),
        &key("password", json!("password"), "filters")
    );
    let unknown = get("filters%5Bnope%5D=x").await;
    assert_eq!(unknown.error(400, "ValidationError", "Invalid key nope"), &key("nope", Value::Null, "filters"));
    let nested = get("filters[role][nope]=x").await;
    assert_eq!(nested.error(400, "ValidationError", "Invalid key nope"), &key("nope", Value::Null, "filters"));
    let fields = get("fields=password").await;
    assert_eq!(
        fields.error(400, "ValidationError", "Invalid key password"),
        &key("password", json!("password"), "fields")
    );
    let sort = get("sort=password").await;
    assert_eq!(sort.error(400, "ValidationError", "Invalid key password"), &key("password", json!("password"), "sort"));
    let populate = get("populate=nope").await;
    assert_eq!(populate.error(400, "ValidationError", "Invalid key nope"), &key("nope", Value::Null, "populate"));
    get("sort=username:sideways").await.error(
        400,
        "ValidationError",
        "Invalid order. order can only be one of asc|desc|ASC|DESC",
    );
    get("page=1&limit=3").await.plain_error(
        400,
        "PaginationError",
        "Invalid pagination attributes. The page parameters are incorrect and must be in the pagination object",
    );
    get("limit=abc").await.plain_error(
        400,
        "ValidationError",
        "convertLimitQueryParams expected a positive integer got NaN",
    );
    get("start=-1").await.plain_error(
        400,
        "ValidationError",
        "convertStartQueryParams expected a positive integer got -1",
    );
    get("page=0").await.plain_error(
        400,
        "PaginationError",
        "Invalid 'page' parameter. Expected an integer > 0, received: 0",
    );
    get("filters[confirmed][$contains]=t").await.error(
        400,
        "ValidationError",
        "The operator $contains only applies to text attributes",
    );
    get("filters[id]=abc").await.error(
        400,
        "ValidationError",
        "id must be a `number` type, but the final value was: `\"abc\"`.",
    );
    get("filters[id][$between][0]=1").await.error(400, "ValidationError", "$between takes exactly two values");
    // The core's bounds hold here too.
    let many: Vec<String> = (0..101).map(|i| format!("filters[$or][{i}][username]=u{i}")).collect();
    get(&many.join("&")).await.error(400, "ValidationError", "The filters have more than 100 conditions");
    let deep = format!("filters{}=x", "[$not]".repeat(40));
    assert_eq!(get(&deep).await.status.as_u16(), 400, "deeper than qs reads: refused, not recursed into");
}

#[tokio::test]
async fn one_answer_carries_at_most_response_records_users() {
    let app = spawn_app_with(|config| config.limits.response_records = 4).await;
    let jwt = people(&app).await;
    let get = |query: &str| rest(&app).bearer(&jwt).get(&format!("/users?{query}"));
    let refused = get("").await;
    refused.plain_error(400, "PaginationError", "The response would carry more than 4 records; ask for smaller pages");
    assert_eq!(usernames(get("limit=4").await.ok(200)), ["alice", "bob", "carol", "dave"]);
    assert_eq!(usernames(get("start=4").await.ok(200)), ["erin"]);
    assert_eq!(get("filters[blocked]=false").await.ok(200).as_array().unwrap().len(), 4);
    assert_eq!(rest(&app).bearer(&jwt).get("/users/count").await.ok(200), &json!(5), "counting reads no records");
}
