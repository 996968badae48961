//! Registration: Strapi's conflict rule (a new username or email may be neither an existing
//! username nor an existing email), and the order in which its refusals come.

use gatehouse_core::auth::Registration;
use gatehouse_core::events::Actor;
use gatehouse_core::sessions::SessionClient;
use gatehouse_core::{CoreError, DomainStatus, UserDraft};

use crate::support::start;

fn registration(username: &str, email: &str) -> Registration {
    Registration {
        username: username.into(),
        email: email.into(),
        password: "secret123".into(),
        confirmed: None,
        other_fields: Vec::new(),
    }
}

const TAKEN: &str = "Email or Username are already taken";

#[tokio::test]
async fn a_new_username_or_email_may_be_neither_an_existing_username_nor_an_existing_email() {
    let h = start().await;
    let core = &h.core;
    core.auth()
        .register(&h.domain, registration("alice", "Alice@Example.com"), &SessionClient::default())
        .await
        .unwrap();
    // A username that itself looks like an address.
    let draft = UserDraft {
        username: "dave@example.com".into(),
        email: "dave.other@example.com".into(),
        password: None,
        confirmed: true,
        blocked: false,
        role_id: None,
    };
    core.users().create_user(&h.domain, draft, Actor::GlobalAdmin).await.unwrap();

    for (username, email, why) in [
        ("alice", "new@example.com", "the same username"),
        ("bob", " ALICE@example.com ", "the same email, written otherwise"),
        ("alice@example.com", "bob@example.com", "a username that is an existing email"),
        ("Alice@Example.COM", "bob@example.com", "the same, in other case"),
        ("bob", "dave@example.com", "an email that is an existing username"),
    ] {
        let refused = core
            .auth()
            .register(&h.domain, registration(username, email), &SessionClient::default())
            .await
            .unwrap_err();
        assert!(matches!(&refused, CoreError::Refused(m) if m == TAKEN), "{why}: {refused:?}");
    }
    // Case matters for usernames, as in Strapi.
    core.auth()
        .register(&h.domain, registration("ALICE", "alice2@example.com"), &SessionClient::default())
        .await
        .unwrap();
    // Another domain has its own users.
    core.auth()
        .register(&h.other, registration("alice", "alice@example.com"), &SessionClient::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn refusals_come_in_strapis_order_and_create_no_one() {
    let mut h = start().await;
    let core = h.core.clone();
    let message = |e: CoreError| e.to_string();
    let invalid = |u: &str, e: &str| registration(u, e);

    let bad_email =
        core.auth().register(&h.domain, invalid("bob", "not-an-address"), &SessionClient::default()).await.unwrap_err();
    assert_eq!(message(bad_email), "email must be a valid email");
    let both_bad =
        core.auth().register(&h.domain, invalid("b", "not-an-address"), &SessionClient::default()).await.unwrap_err();
    assert_eq!(message(both_bad), "email must be a valid email", "the email is checked first");
    let bad_username =
        core.auth().register(&h.domain, invalid("b", "bob@example.com"), &SessionClient::default()).await.unwrap_err();
    assert_eq!(message(bad_username), "username must be at least 3 characters");
    let short = Registration { password: "123".into(), ..registration("bob", "bob@example.com") };
    assert_eq!(
        message(core.auth().register(&h.domain, short, &SessionClient::default()).await.unwrap_err()),
        "password must be at least 6 characters"
    );
    let confirmed = Registration { confirmed: Some(true), ..registration("bob", "bob@example.com") };
    assert_eq!(
        message(core.auth().register(&h.domain, confirmed, &SessionClient::default()).await.unwrap_err()),
        "Invalid parameters: confirmed"
    );

    h.settings(|s| s.allow_register = false).await;
    let closed =
        core.auth().register(&h.domain, invalid("b", "not-an-address"), &SessionClient::default()).await.unwrap_err();
    assert_eq!(message(closed), "Register action is currently disabled", "before any field");

    let disabled =
        core.domains().set_domain_status(&h.domain.name, DomainStatus::Disabled, Actor::GlobalAdmin).await.unwrap();
    let refused =
        core.auth().register(&disabled, invalid("b", "not-an-address"), &SessionClient::default()).await.unwrap_err();
    assert!(matches!(refused, CoreError::DomainDisabled), "{refused:?}");

    assert_eq!(core.users().count_users(&h.domain).await.unwrap(), 0);
}

#[tokio::test]
async fn a_registration_is_stored_normalised_with_the_default_role() {
    let h = start().await;
    let session = h
        .core
        .auth()
        .register(&h.domain, registration("Bob", "  Bob@Example.COM "), &SessionClient::default())
        .await
        .unwrap();
    assert!(session.jwt.is_some(), "signed in: the domain does not ask for confirmation");
    let user = session.user.user;
    assert_eq!(user.username, "Bob");
    assert_eq!(user.email, "bob@example.com");
    assert!(user.confirmed);
    assert_eq!(session.user.role.map(|r| r.kind).as_deref(), Some("authenticated"));
    assert!(h.core.users().check_password(&h.domain, "Bob", "secret123").await.unwrap());
}
