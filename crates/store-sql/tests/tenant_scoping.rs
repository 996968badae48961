//! Every storage method that takes the row id of a user or a role also takes the domain, and a
//! row of another domain is neither found nor changed through it. Runs on a real SQLite file,
//! and on PostgreSQL when `GATEHOUSE_TEST_DATABASE_URL` is set.

use std::sync::Arc;

use gatehouse_core::events::{Actor, EventKind, NewEvent};
use gatehouse_core::model::{Domain, NewUser, Role, Settings, User, now_millis};
use gatehouse_core::query::{Column, Condition, Filter, ListQuery, Scalar, Window};
use gatehouse_core::store::{DomainStore, RoleStore, Store, TokenPurpose, UserChanges, UserStore};
use gatehouse_core::{Action, DomainName};
use gatehouse_store_sql::SqlStore;

/// One domain's records: a role with a permission, an heir role, a user with that role.
struct Tenant {
    domain: Domain,
    role: Role,
    heir: Role,
    user: User,
}

struct Tenants {
    store: Arc<SqlStore>,
    /// The domain every call is made for.
    ours: Tenant,
    /// The domain whose row ids are passed.
    theirs: Tenant,
    _dir: tempfile::TempDir,
}

const TOKEN_HASH: &str = "a-token-hash-of-the-other-domain";

async fn tenant(store: &SqlStore, name: &str) -> Tenant {
    let name = DomainName::parse(name).unwrap();
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap();
    let role = store.insert_role(domain.id, "Editor", None, "editor").await.unwrap();
    let heir = store.insert_role(domain.id, "Public", None, "public").await.unwrap();
    let action = Action::parse(&format!("api::{}.article.find", name.replace('.', "-"))).unwrap();
    assert!(store.set_role_permissions(domain.id, role.id, &[action]).await.unwrap());
    let user = store
        .insert_user(&NewUser {
            domain_id: domain.id,
            username: format!("user-of-{name}").parse().unwrap(),
            email: format!("user@{name}").parse().unwrap(),
            password_hash: Some("original-hash".into()),
            confirmed: true,
            blocked: false,
            role_id: Some(role.id),
        })
        .await
        .unwrap();
    Tenant { domain, role, heir, user }
}

async fn tenants() -> Tenants {
    let dir = tempfile::tempdir().unwrap();
    let url = gatehouse_store_sql::testing::fresh_database_url(dir.path()).await;
    let store = gatehouse_store_sql::open(&url, 2).await.unwrap();
    let ours = tenant(&store, "ours.test").await;
    let theirs = tenant(&store, "theirs.test").await;
    let far = now_millis() + 3_600_000;
    store.set_user_token(theirs.domain.id, theirs.user.id, TokenPurpose::ResetPassword, TOKEN_HASH, far).await.unwrap();
    Tenants { store, ours, theirs, _dir: dir }
}

/// Everything stored of a tenant's user and roles, to compare before and after.
async fn snapshot(store: &dyn Store, tenant: &Tenant) -> String {
    let domain = tenant.domain.id;
    let user = store.user_by_id(domain, tenant.user.id).await.unwrap();
    let role = store.role_by_id(domain, tenant.role.id).await.unwrap();
    let heir = store.role_by_id(domain, tenant.heir.id).await.unwrap();
    let actions = store.role_permissions(domain, tenant.role.id).await.unwrap();
    let reset = store.user_by_token(domain, TokenPurpose::ResetPassword, TOKEN_HASH, now_millis()).await.unwrap();
    format!("{user:?}\n{role:?}\n{heir:?}\n{actions:?}\n{reset:?}")
}

fn every_permission() -> ListQuery {
    ListQuery::new(None, Vec::new(), Window { start: 0, limit: None }).unwrap()
}

#[tokio::test]
async fn users_of_another_domain_are_not_found() {
    let t = tenants().await;
    let (store, ours, theirs) = (t.store.as_ref(), t.ours.domain.id, &t.theirs);
    assert!(store.user_by_id(ours, theirs.user.id).await.unwrap().is_none());
    assert!(store.user_by_document_id(ours, &theirs.user.document_id).await.unwrap().is_none());
    assert!(store.user_by_token(ours, TokenPurpose::ResetPassword, TOKEN_HASH, now_millis()).await.unwrap().is_none());
    assert_eq!(store.count_users_with_role(ours, theirs.role.id).await.unwrap(), 0);
    // The same calls for the right domain find them.
    let domain = theirs.domain.id;
    assert!(store.user_by_id(domain, theirs.user.id).await.unwrap().is_some());
    assert!(store.user_by_document_id(domain, &theirs.user.document_id).await.unwrap().is_some());
    assert_eq!(store.count_users_with_role(domain, theirs.role.id).await.unwrap(), 1);
}

#[tokio::test]
async fn users_of_another_domain_are_not_changed() {
    let t = tenants().await;
    let (store, ours, theirs) = (t.store.as_ref(), t.ours.domain.id, &t.theirs);
    let before = snapshot(store, theirs).await;
    let (user, now) = (theirs.user.id, now_millis() + 1000);

    store.set_password_hash(ours, user, "stolen-hash", true, now).await.unwrap();
    let login = NewEvent::new(EventKind::LoginSucceeded, &t.ours.domain.name, Actor::Anonymous);
    store.record_login(ours, user, &login, now, "node").await.unwrap();
    let changes = UserChanges {
        username: Some("renamed".parse().unwrap()),
        email: Some("renamed@ours.test".parse().unwrap()),
        password_hash: Some("stolen-hash".into()),
        confirmed: Some(false),
        blocked: Some(true),
        role_id: Some(t.ours.role.id),
        bump_token_version: true,
        clear_reset_token: true,
    };
    assert!(store.update_user(ours, user, &changes, now).await.unwrap().is_none());
    store.set_user_token(ours, user, TokenPurpose::ResetPassword, "another-hash", now).await.unwrap();
    store.set_user_token(ours, user, TokenPurpose::EmailConfirmation, "another-hash", now).await.unwrap();
    let spent = store.consume_user_token(ours, TokenPurpose::ResetPassword, TOKEN_HASH, now_millis(), &changes);
    assert!(spent.await.unwrap().is_none());
    assert!(!store.delete_user(ours, user).await.unwrap());

    assert_eq!(snapshot(store, theirs).await, before);
    // The right domain changes them.
    let domain = theirs.domain.id;
    assert!(store.update_user(domain, user, &changes, now).await.unwrap().is_some());
    assert!(store.delete_user(domain, user).await.unwrap());
}

#[tokio::test]
async fn roles_of_another_domain_are_not_found() {
    let t = tenants().await;
    let (store, ours, theirs) = (t.store.as_ref(), t.ours.domain.id, &t.theirs);
    let role = theirs.role.id;
    assert!(store.role_by_id(ours, role).await.unwrap().is_none());
    assert!(store.role_by_document_id(ours, &theirs.role.document_id).await.unwrap().is_none());
    assert!(store.role_permissions(ours, role).await.unwrap().is_empty());
    assert!(store.query_role_permissions(ours, role, &every_permission()).await.unwrap().is_empty());
    let any_action = Filter::Field(Column::Action, Condition::StartsWith("api::".into()));
    assert_eq!(store.count_role_permissions_matching(ours, role, None).await.unwrap(), 0);
    assert_eq!(store.count_role_permissions_matching(ours, role, Some(&any_action)).await.unwrap(), 0);
    // The same calls for the right domain find them.
    let domain = theirs.domain.id;
    assert!(store.role_by_id(domain, role).await.unwrap().is_some());
    assert!(store.role_by_document_id(domain, &theirs.role.document_id).await.unwrap().is_some());
    assert_eq!(store.role_permissions(domain, role).await.unwrap().len(), 1);
    assert_eq!(store.query_role_permissions(domain, role, &every_permission()).await.unwrap().len(), 1);
    assert_eq!(store.count_role_permissions_matching(domain, role, Some(&any_action)).await.unwrap(), 1);
    let none = Filter::Field(Column::Action, Condition::Eq(Scalar::Text("api::none.none.none".into())));
    assert_eq!(store.count_role_permissions_matching(domain, role, Some(&none)).await.unwrap(), 0);
}

#[tokio::test]
async fn roles_of_another_domain_are_not_changed() {
    let t = tenants().await;
    let (store, ours, theirs) = (t.store.as_ref(), &t.ours, &t.theirs);
    let before = (snapshot(store, theirs).await, snapshot(store, ours).await);
    let domain = ours.domain.id;

    assert!(store.update_role(domain, theirs.role.id, "Renamed", Some("taken over")).await.unwrap().is_none());
    let action = Action::parse("api::stolen.stolen.find").unwrap();
    assert!(!store.set_role_permissions(domain, theirs.role.id, &[action]).await.unwrap());
    assert!(!store.set_role_permissions(domain, theirs.role.id, &[]).await.unwrap());
    // Neither their role with our heir, nor our role with their heir, nor their role with theirs.
    assert!(!store.delete_role(domain, theirs.role.id, ours.heir.id).await.unwrap());
    assert!(!store.delete_role(domain, ours.role.id, theirs.heir.id).await.unwrap());
    assert!(!store.delete_role(domain, theirs.role.id, theirs.heir.id).await.unwrap());

    assert_eq!((snapshot(store, theirs).await, snapshot(store, ours).await), before);
    // The right domain changes them.
    let domain = theirs.domain.id;
    assert!(store.update_role(domain, theirs.role.id, "Renamed", None).await.unwrap().is_some());
    assert!(store.set_role_permissions(domain, theirs.role.id, &[]).await.unwrap());
    assert!(store.delete_role(domain, theirs.role.id, theirs.heir.id).await.unwrap());
    let user = store.user_by_id(domain, theirs.user.id).await.unwrap().unwrap();
    assert_eq!(user.role_id, Some(theirs.heir.id), "moved to the heir");
}
