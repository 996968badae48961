//! Deep offsets of a large domain's users, sought from checkpoints (`positions.rs`): every page
//! is the page `LIMIT … OFFSET …` gives, in username and id order, either way, before and after
//! users are added, removed and renamed (in this process or beside it). Runs on a real SQLite
//! file, and on PostgreSQL when `GATEHOUSE_TEST_DATABASE_URL` is set.

use std::time::Duration;

use gatehouse_core::model::{NewUser, Settings, now_millis};
use gatehouse_core::query::{Column, ListQuery, Sort, Window};
use gatehouse_core::store::{AccountStore, DomainStore, UserChanges, UserStore};
use gatehouse_core::{DomainId, DomainName};
use gatehouse_store_sql::SqlStore;
use sqlx::Row;

/// Users of the domain (checkpoints every 1,024 positions: several of them).
const USERS: i64 = 5_000;

/// `count` more users of the domain, copied from its user `seed`, in one statement, as another
/// process would write them (nothing of this process sees it happen).
async fn add_users(store: &SqlStore, domain: DomainId, from: i64, count: i64) {
    let text = format!(
        "WITH RECURSIVE seq(n) AS (SELECT {from} UNION ALL SELECT n + 1 FROM seq WHERE n < {last}) \
         INSERT INTO users (document_id, domain_id, username, email, provider, password_hash, confirmed, blocked, \
         role_id, token_version, created_at, updated_at) \
         SELECT 'doc' || n, s.domain_id, 'u' || ((n * 7919) % 100000), 'u' || n || '@big.test', 'local', \
         s.password_hash, s.confirmed, 0, s.role_id, 0, {now}, {now} \
         FROM seq, users s WHERE s.domain_id = {domain} AND s.username = 'seed'",
        last = from + count - 1,
        now = now_millis(),
        domain = domain.get(),
    );
    sqlx::query(sqlx::AssertSqlSafe(text)).execute(store.pool()).await.unwrap();
}

/// The page the plain OFFSET gives: usernames in `order`.
async fn offset_page(store: &SqlStore, domain: DomainId, order: &str, start: i64) -> Vec<String> {
    let text = format!("SELECT username FROM users WHERE domain_id = $1 ORDER BY {order} LIMIT 3 OFFSET $2");
    let rows =
        sqlx::query(sqlx::AssertSqlSafe(text)).bind(domain.get()).bind(start).fetch_all(store.pool()).await.unwrap();
    rows.iter().map(|row| row.get::<String, _>("username")).collect()
}

async fn by_id(store: &SqlStore, domain: DomainId, start: i64, descending: bool) -> Vec<String> {
    let sort = vec![Sort { column: Column::Id, descending, via: None }];
    let list = ListQuery::new(None, sort, Window { start, limit: Some(3) }).unwrap();
    store.list_users(domain, &list).await.unwrap().into_iter().map(|u| u.username.to_string()).collect()
}

async fn all_pages_match(store: &SqlStore, domain: DomainId, moment: &str) {
    let count = store.count_users(domain).await.unwrap();
    let mut starts = vec![0, 1, 1023, 1024, 1025, 1500, 2047, 2048, 2500, 3071, 3333, count / 2];
    starts.extend([count - 1025, count - 1024, count - 2, count - 1, count, count + 5]);
    for start in starts {
        let names: Vec<String> =
            store.list_usernames(domain, Some(3), start).await.unwrap().iter().map(|u| u.to_string()).collect();
        assert_eq!(names, offset_page(store, domain, "username", start).await, "{moment}: usernames from {start}");
        assert_eq!(
            by_id(store, domain, start, false).await,
            offset_page(store, domain, "id", start).await,
            "{moment}: ids from {start}"
        );
        assert_eq!(
            by_id(store, domain, start, true).await,
            offset_page(store, domain, "id DESC", start).await,
            "{moment}: ids down from {start}"
        );
    }
}

#[tokio::test]
async fn deep_pages_are_the_pages_of_the_offset_before_and_after_changes() {
    let dir = tempfile::tempdir().unwrap();
    let url = gatehouse_store_sql::testing::fresh_database_url(dir.path()).await;
    let store = gatehouse_store_sql::open(&url, 2).await.unwrap();
    let name = DomainName::parse("big.test").unwrap();
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap().id;
    let seed = NewUser {
        domain_id: domain,
        username: "seed".parse().unwrap(),
        email: "seed@big.test".parse().unwrap(),
        password_hash: Some("hash".into()),
        confirmed: true,
        blocked: false,
        role_id: None,
    };
    store.insert_user(&seed).await.unwrap();
    add_users(&store, domain, 1, USERS - 1).await;
    all_pages_match(&store, domain, "as seeded").await;
    // The same again: now from the checkpoints found by the first pass.
    all_pages_match(&store, domain, "seeded, again").await;

    // Changes through the store: users removed from the front, a user renamed to the end.
    let window = |start, limit| ListQuery::new(None, Vec::new(), Window { start, limit: Some(limit) }).unwrap();
    for user in store.list_users(domain, &window(0, 20)).await.unwrap().iter().step_by(2) {
        assert!(store.delete_user(domain, user.id).await.unwrap());
    }
    let middle = store.list_users(domain, &window(2500, 1)).await.unwrap().remove(0);
    let rename = UserChanges { username: Some("zzz-renamed".parse().unwrap()), ..UserChanges::default() };
    store.update_user(domain, middle.id, &rename, now_millis()).await.unwrap();
    all_pages_match(&store, domain, "after removals and a rename").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    all_pages_match(&store, domain, "after removals and a rename, checkpoints found again").await;

    // Users added beside this process: its checkpoints are of an older state.
    add_users(&store, domain, USERS, 700).await;
    all_pages_match(&store, domain, "after another process's insert").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    all_pages_match(&store, domain, "after another process's insert, checkpoints found again").await;
}
