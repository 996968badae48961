//! A write refused by a unique rule says which rule, on either backend.

use gatehouse_core::error::{StoreError, UniqueKey};
use gatehouse_core::model::{NewUser, Settings, now_millis};
use gatehouse_core::store::{DomainStore, RoleStore, TokenPurpose, UserStore};
use gatehouse_core::{DomainId, DomainName, User};
use gatehouse_store_sql::SqlStore;

fn key<T: std::fmt::Debug>(result: Result<T, StoreError>) -> UniqueKey {
    match result {
        Err(StoreError::Duplicate(key)) => key,
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

async fn user(store: &SqlStore, domain: DomainId, username: &str) -> Result<User, StoreError> {
    let new_user = NewUser {
        domain_id: domain,
        username: username.parse().unwrap(),
        email: "same@example.com".parse().unwrap(),
        password_hash: None,
        confirmed: true,
        blocked: false,
        role_id: None,
    };
    store.insert_user(&new_user).await
}

#[tokio::test]
async fn each_duplicate_names_its_rule() {
    let dir = tempfile::tempdir().unwrap();
    let store = gatehouse_store_sql::open(&gatehouse_store_sql::testing::fresh_database_url(dir.path()).await, 2)
        .await
        .unwrap();
    let name = DomainName::parse("example.com").unwrap();
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap().id;
    assert_eq!(key(store.insert_domain(&name, true, &Settings::default(), &[]).await), UniqueKey::DomainName);

    store.insert_role(domain, "Editor", None, "editor").await.unwrap();
    assert_eq!(key(store.insert_role(domain, "Other name", None, "editor").await), UniqueKey::RoleType);

    let alice = user(&store, domain, "alice").await.unwrap();
    assert_eq!(key(user(&store, domain, "alice").await), UniqueKey::Username);
    // Emails are not unique in storage (a domain setting decides).
    let bob = user(&store, domain, "bob").await.unwrap();

    let later = now_millis() + 60_000;
    for (purpose, rule) in [
        (TokenPurpose::ResetPassword, UniqueKey::ResetTokenHash),
        (TokenPurpose::EmailConfirmation, UniqueKey::ConfirmationTokenHash),
    ] {
        store.set_user_token(domain, alice.id, purpose, "same-hash", later).await.unwrap();
        assert_eq!(key(store.set_user_token(domain, bob.id, purpose, "same-hash", later).await), rule);
    }
}
