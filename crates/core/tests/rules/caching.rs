//! The caching layer in front of the store: a change written through it is read back at once
//! by the request lookups, and a change another node reports (an event the relay reads) is
//! forgotten at once.

use std::sync::Arc;

use gatehouse_core::events::{Actor, EventKind, NewEvent};
use gatehouse_core::model::{NewUser, Settings, now_millis};
use gatehouse_core::store::{
    CachedStore, DomainStore, EventStore, NewSession, RequestLookups, RoleStore, SessionScope, SessionStore, Store,
    UserChanges, UserStore,
};
use gatehouse_core::types::{Action, DomainName, Email, SessionId, Username};

/// A node's view of one database: its own caching layer.
async fn node(url: &str) -> CachedStore {
    let store: Arc<dyn Store> = gatehouse_store_sql::open(url, 2).await.unwrap();
    CachedStore::new(store)
}

async fn database() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (gatehouse_store_sql::testing::fresh_database_url(dir.path()).await, dir)
}

fn alice(domain_id: gatehouse_core::DomainId) -> NewUser {
    NewUser {
        domain_id,
        username: Username::parse("alice").unwrap(),
        email: Email::parse("alice@example.com").unwrap(),
        password_hash: None,
        confirmed: true,
        blocked: false,
        role_id: None,
    }
}

#[tokio::test]
async fn a_change_through_the_layer_is_read_back_at_once() {
    let (url, _dir) = database().await;
    let store = node(&url).await;
    let name = DomainName::parse("example.com").unwrap();
    assert!(store.request_domain(&name).await.unwrap().is_none(), "no such domain yet");
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap();
    assert!(store.request_domain(&name).await.unwrap().is_some(), "an unknown name is forgotten once added");

    let settings = Settings { allow_register: false, ..Settings::default() };
    store.set_domain_settings(domain.id, &settings).await.unwrap();
    assert!(!store.request_domain(&name).await.unwrap().unwrap().settings.allow_register);

    let user = store.insert_user(&alice(domain.id)).await.unwrap();
    assert!(!store.token_owner(domain.id, user.id).await.unwrap().unwrap().blocked);
    let block = UserChanges { blocked: Some(true), ..Default::default() };
    store.update_user(domain.id, user.id, &block, now_millis()).await.unwrap();
    assert!(store.token_owner(domain.id, user.id).await.unwrap().unwrap().blocked);

    let role = store.insert_role(domain.id, "Editor", None, "editor").await.unwrap();
    assert!(store.role_actions(domain.id, role.id).await.unwrap().is_empty());
    let action = Action::parse("plugin::users-permissions.user.me").unwrap();
    store.set_role_permissions(domain.id, role.id, std::slice::from_ref(&action)).await.unwrap();
    assert_eq!(&*store.role_actions(domain.id, role.id).await.unwrap(), [action]);

    let session = SessionId::generate();
    let now = now_millis();
    store
        .insert_session(&NewSession {
            id: &session,
            domain_id: domain.id,
            user_id: user.id,
            device_id: None,
            device_name: None,
            client_address: None,
            node: "here",
            now,
            expires_at: now + 60_000,
            absolute_expires_at: now + 60_000,
            token_hash: "0000",
        })
        .await
        .unwrap();
    assert_eq!(store.live_session_owner(domain.id, &session, now).await.unwrap(), Some(user.id));
    store.end_sessions(domain.id, SessionScope::One(&session), now).await.unwrap();
    assert_eq!(store.live_session_owner(domain.id, &session, now).await.unwrap(), None);
}

#[tokio::test]
async fn an_event_of_another_node_forgets_what_it_changed() {
    let (url, _dir) = database().await;
    let (here, there) = (node(&url).await, node(&url).await);
    let name = DomainName::parse("example.com").unwrap();
    let domain = there.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap();
    let user = there.insert_user(&alice(domain.id)).await.unwrap();
    let seen = here.last_event_id().await.unwrap();
    // This node reads the domain (as every request does) and the account behind a token.
    let domain = here.request_domain(&name).await.unwrap().unwrap();
    assert!(!here.token_owner(domain.id, user.id).await.unwrap().unwrap().blocked);

    let block = UserChanges { blocked: Some(true), ..Default::default() };
    there.update_user(domain.id, user.id, &block, now_millis()).await.unwrap();
    let event = NewEvent::new(EventKind::UserBlocked, "example.com", Actor::GlobalAdmin).user("alice", "example.com");
    there.insert_event(&event, now_millis(), "there").await.unwrap();
    // Until the event reaches this node, its cache holds the account as it was.
    assert!(!here.token_owner(domain.id, user.id).await.unwrap().unwrap().blocked, "read from the cache");

    // What this node's relay reads.
    let relayed = here.events_after(seen, 100).await.unwrap();
    assert!(relayed.iter().any(|e| e.event.kind == EventKind::UserBlocked));
    assert!(here.token_owner(domain.id, user.id).await.unwrap().unwrap().blocked, "forgotten by the event");
}
