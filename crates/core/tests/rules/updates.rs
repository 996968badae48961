//! Updating users: what each change checks, what it revokes, and that another domain's users
//! and roles are out of reach.

use gatehouse_core::events::Actor;
use gatehouse_core::{CoreError, UserPatch};

use crate::support::start;

fn patch() -> UserPatch {
    UserPatch::default()
}

#[tokio::test]
async fn names_and_emails_are_checked_and_must_stay_unique() {
    let mut h = start().await;
    let (core, domain) = (h.core.clone(), h.domain.clone());
    let alice = h.user("alice").await;
    h.user("bob").await;
    let update = |p: UserPatch| core.users().update_user(&domain, alice.id, p, Actor::GlobalAdmin);

    let taken = update(UserPatch { username: Some("bob".into()), ..patch() }).await.unwrap_err();
    assert_eq!(taken.to_string(), "Username already taken");
    let taken = update(UserPatch { email: Some(" BOB@example.com".into()), ..patch() }).await.unwrap_err();
    assert_eq!(taken.to_string(), "Email already taken");
    let short = update(UserPatch { username: Some("al".into()), ..patch() }).await.unwrap_err();
    assert_eq!(short.to_string(), "username must be at least 3 characters");
    let bad = update(UserPatch { email: Some("alice@".into()), ..patch() }).await.unwrap_err();
    assert_eq!(bad.to_string(), "email must be a valid email");
    // Strapi's order: every field's own rules first, then what is taken.
    let both = UserPatch { username: Some("bob".into()), email: Some("alice@".into()), ..patch() };
    assert_eq!(update(both).await.unwrap_err().to_string(), "email must be a valid email");

    // Its own name and address, however written, are not taken by someone else.
    let same = UserPatch { username: Some("alice".into()), email: Some("ALICE@example.com ".into()), ..patch() };
    let unchanged = update(same).await.unwrap().user;
    assert_eq!((unchanged.username.as_str(), unchanged.email.as_str()), ("alice", "alice@example.com"));

    let renamed = update(UserPatch { email: Some(" Alice.New@Example.com".into()), ..patch() }).await.unwrap();
    assert_eq!(renamed.user.email, "alice.new@example.com");

    h.settings(|s| s.unique_email = false).await;
    let shared = h.core.users().update_user(
        &h.domain,
        alice.id,
        UserPatch { email: Some("bob@example.com".into()), ..patch() },
        Actor::GlobalAdmin,
    );
    assert_eq!(shared.await.unwrap().user.email, "bob@example.com", "allowed once emails need not be unique");
}

#[tokio::test]
async fn blocking_and_a_new_password_revoke_what_was_issued() {
    let h = start().await;
    let core = &h.core;
    let alice = h.user("alice").await;
    let update = |p: UserPatch| core.users().update_user(&h.domain, alice.id, p, Actor::GlobalAdmin);

    let confirmed = update(UserPatch { confirmed: Some(false), ..patch() }).await.unwrap().user;
    assert_eq!(confirmed.token_version, alice.token_version, "confirmation keeps the tokens");
    let blocked = update(UserPatch { blocked: Some(true), ..patch() }).await.unwrap().user;
    assert!(blocked.blocked);
    assert_eq!(blocked.token_version, alice.token_version + 1);
    let unblocked = update(UserPatch { blocked: Some(false), ..patch() }).await.unwrap().user;
    assert_eq!(unblocked.token_version, blocked.token_version, "unblocking revokes nothing");
    let short = update(UserPatch { password: Some("12345".into()), ..patch() }).await.unwrap_err();
    assert_eq!(short.to_string(), "password must be at least 6 characters");
    let new_password = update(UserPatch { password: Some("another1".into()), ..patch() }).await.unwrap().user;
    assert_eq!(new_password.token_version, blocked.token_version + 1);
    assert!(core.users().check_password(&h.domain, "alice", "another1").await.unwrap());
}

#[tokio::test]
async fn another_domains_users_and_roles_are_out_of_reach() {
    let h = start().await;
    let core = &h.core;
    let ours = h.user("alice").await;
    let theirs = h.user_in(&h.other, "mallory", None).await;
    let their_role = core.roles().role_by_type(&h.other, "authenticated").await.unwrap().unwrap();

    let rename = UserPatch { username: Some("renamed".into()), ..patch() };
    let missing = core.users().update_user(&h.domain, theirs.id, rename, Actor::GlobalAdmin).await.unwrap_err();
    assert!(matches!(&missing, CoreError::NotFound { message, .. } if message == "User not found"), "{missing:?}");
    let missing = core.users().delete_user(&h.domain, theirs.id, Actor::GlobalAdmin).await.unwrap_err();
    assert!(matches!(missing, CoreError::NotFound { .. }));
    let missing = core.users().revoke_tokens(&h.domain, theirs.id, Actor::GlobalAdmin).await.unwrap_err();
    assert!(matches!(missing, CoreError::NotFound { .. }));
    assert!(core.users().user_by_ref(&h.domain, &theirs.id.to_string()).await.unwrap().is_none());
    assert!(core.users().user_by_ref(&h.domain, &theirs.document_id).await.unwrap().is_none());

    let foreign_role = UserPatch { role_id: Some(their_role.id), ..patch() };
    let refused = core.users().update_user(&h.domain, ours.id, foreign_role, Actor::GlobalAdmin).await.unwrap_err();
    assert!(matches!(&refused, CoreError::NotFound { message, .. } if message == "Role not found"), "{refused:?}");
    assert!(core.roles().role(&h.domain, their_role.id).await.unwrap().is_none());

    assert_eq!(h.reload(&theirs).await.username, "mallory", "left as it was");
    assert_eq!(h.reload(&ours).await.role_id, ours.role_id);
}
