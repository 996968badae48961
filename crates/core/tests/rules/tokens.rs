//! Token revocation: a token speaks for its user only while the account is as it was when the
//! token was issued.

use gatehouse_core::auth::TokenRefusal;
use gatehouse_core::events::Actor;
use gatehouse_core::sessions::SessionClient;
use gatehouse_core::{DomainStatus, UserPatch};

use crate::support::start;

#[tokio::test]
async fn revocation_blocking_and_deletion_void_issued_tokens() {
    let h = start().await;
    let (core, domain) = (&h.core, &h.domain);
    let alice = h.user("alice").await;
    let token = core.sessions().issue_jwt(domain, &alice).unwrap();
    assert_eq!(core.auth().authenticate_token(domain, &token).await.unwrap().id, alice.id);

    core.users().revoke_tokens(domain, alice.id, Actor::GlobalAdmin).await.unwrap();
    assert_eq!(core.auth().authenticate_token(domain, &token).await.unwrap_err(), TokenRefusal::Invalid);
    let fresh = core.sessions().issue_jwt(domain, &h.reload(&alice).await).unwrap();
    assert!(core.auth().authenticate_token(domain, &fresh).await.is_ok(), "a token issued after is good");

    let block = UserPatch { blocked: Some(true), ..Default::default() };
    let blocked = core.users().update_user(domain, alice.id, block, Actor::GlobalAdmin).await.unwrap().user;
    // The owner is checked first: a blocked owner is refused as such (Strapi's answer).
    assert_eq!(core.auth().authenticate_token(domain, &fresh).await.unwrap_err(), TokenRefusal::OwnerNotAllowed);
    let while_blocked = core.sessions().issue_jwt(domain, &blocked).unwrap();
    assert_eq!(
        core.auth().authenticate_token(domain, &while_blocked).await.unwrap_err(),
        TokenRefusal::OwnerNotAllowed
    );

    core.users().delete_user(domain, alice.id, Actor::GlobalAdmin).await.unwrap();
    // A deleted owner too: Strapi answers "Invalid credentials".
    assert_eq!(
        core.auth().authenticate_token(domain, &while_blocked).await.unwrap_err(),
        TokenRefusal::OwnerNotAllowed
    );
}

#[tokio::test]
async fn a_password_change_revokes_every_other_token() {
    let h = start().await;
    let (core, domain) = (&h.core, &h.domain);
    let alice = h.user_in(domain, "alice", Some("secret123")).await;
    let old = core.sessions().issue_jwt(domain, &alice).unwrap();

    let wrong = core
        .auth()
        .change_password(domain, &alice, "wrong-one", "another1", "another1", &SessionClient::default())
        .await
        .unwrap_err();
    assert_eq!(wrong.to_string(), "The provided current password is invalid");
    assert!(core.auth().authenticate_token(domain, &old).await.is_ok(), "a refused change revokes nothing");

    let session = core
        .auth()
        .change_password(domain, &alice, "secret123", "another1", "another1", &SessionClient::default())
        .await
        .unwrap();
    assert_eq!(core.auth().authenticate_token(domain, &old).await.unwrap_err(), TokenRefusal::Invalid);
    let new = session.jwt.expect("signed in again");
    assert_eq!(core.auth().authenticate_token(domain, &new).await.unwrap().id, alice.id);
}

#[tokio::test]
async fn a_token_is_good_only_for_its_enabled_domain() {
    let h = start().await;
    let core = &h.core;
    let alice = h.user("alice").await;
    let token = core.sessions().issue_jwt(&h.domain, &alice).unwrap();
    assert_eq!(core.auth().authenticate_token(&h.other, &token).await.unwrap_err(), TokenRefusal::Invalid);
    assert_eq!(core.auth().authenticate_token(&h.domain, "not.a.token").await.unwrap_err(), TokenRefusal::Invalid);

    let disabled =
        core.domains().set_domain_status(&h.domain.name, DomainStatus::Disabled, Actor::GlobalAdmin).await.unwrap();
    assert_eq!(core.auth().authenticate_token(&disabled, &token).await.unwrap_err(), TokenRefusal::DomainDisabled);
}
