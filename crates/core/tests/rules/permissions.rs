//! Permission evaluation: an anonymous caller acts with the Public role, a user with its own
//! role only, and a change of a role's set applies at once.

use gatehouse_core::events::Actor;
use gatehouse_core::permissions::{AUTH_CHANGE_PASSWORD, USER_FIND, USER_ME};

use crate::support::start;

const ARTICLE_FIND: &str = "api::article.article.find";
const REGISTER: &str = "plugin::users-permissions.auth.register";

#[tokio::test]
async fn callers_act_with_their_role_and_anonymous_ones_with_the_public_role() {
    let h = start().await;
    let (core, domain) = (&h.core, &h.domain);
    let alice = h.user("alice").await;

    assert!(core.roles().is_allowed(domain, None, REGISTER).await.unwrap());
    assert!(!core.roles().is_allowed(domain, None, USER_ME).await.unwrap());
    assert!(core.roles().is_allowed(domain, Some(&alice), USER_ME).await.unwrap());
    assert!(core.roles().is_allowed(domain, Some(&alice), AUTH_CHANGE_PASSWORD).await.unwrap());
    // A signed-in user does not inherit the Public role's permissions, as in Strapi.
    assert!(!core.roles().is_allowed(domain, Some(&alice), REGISTER).await.unwrap());
    assert!(!core.roles().is_allowed(domain, Some(&alice), USER_FIND).await.unwrap());
    // Text that is no action is simply not granted.
    assert!(!core.roles().is_allowed(domain, Some(&alice), "user.me").await.unwrap());
}

#[tokio::test]
async fn a_changed_permission_set_applies_at_once() {
    let h = start().await;
    let (core, domain) = (&h.core, &h.domain);
    let alice = h.user("alice").await;
    let role = core.roles().role_by_type(domain, "authenticated").await.unwrap().unwrap();
    assert!(!core.roles().is_allowed(domain, Some(&alice), ARTICLE_FIND).await.unwrap(), "read once, and cached");

    let mut set: Vec<String> =
        core.roles().role_permissions(&role).await.unwrap().into_iter().map(String::from).collect();
    set.push(format!("  {ARTICLE_FIND} "));
    set.push(ARTICLE_FIND.into());
    core.roles().update_role(domain, role.id, None, None, Some(set), Actor::GlobalAdmin).await.unwrap();
    assert!(core.roles().is_allowed(domain, Some(&alice), ARTICLE_FIND).await.unwrap());
    let stored = core.roles().role_permissions(&role).await.unwrap();
    assert_eq!(stored.iter().filter(|a| *a == ARTICLE_FIND).count(), 1, "trimmed and de-duplicated");

    let invalid = vec![ARTICLE_FIND.to_string(), "article.find".into()];
    let refused =
        core.roles().update_role(domain, role.id, None, None, Some(invalid), Actor::GlobalAdmin).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Invalid action \"article.find\": expected <plugin::name|api::name>.<controller>.<action>"
    );
    assert!(
        core.roles().is_allowed(domain, Some(&alice), ARTICLE_FIND).await.unwrap(),
        "a refused set changes nothing"
    );

    // The other domain's Authenticated role is another role.
    let bob = h.user_in(&h.other, "bob", None).await;
    assert!(!core.roles().is_allowed(&h.other, Some(&bob), ARTICLE_FIND).await.unwrap());
}

#[tokio::test]
async fn the_users_of_a_deleted_role_fall_back_to_the_public_role() {
    let h = start().await;
    let (core, domain) = (&h.core, &h.domain);
    let editor = core
        .roles()
        .create_role(domain, "Editor", None, None, Some(vec![ARTICLE_FIND.into()]), Actor::GlobalAdmin)
        .await
        .unwrap();
    assert_eq!(editor.kind, "editor");
    let alice = h.user("alice").await;
    let patch = gatehouse_core::UserPatch { role_id: Some(editor.id), ..Default::default() };
    let alice = core.users().update_user(domain, alice.id, patch, Actor::GlobalAdmin).await.unwrap().user;
    assert!(core.roles().is_allowed(domain, Some(&alice), ARTICLE_FIND).await.unwrap());
    assert_eq!(core.roles().role_user_count(&editor).await.unwrap(), 1);

    core.roles().delete_role(domain, editor.id, Actor::GlobalAdmin).await.unwrap();
    let alice = h.reload(&alice).await;
    let public = core.roles().role_by_type(domain, "public").await.unwrap().unwrap();
    assert_eq!(alice.role_id, Some(public.id));
    assert!(!core.roles().is_allowed(domain, Some(&alice), ARTICLE_FIND).await.unwrap());
    assert!(core.roles().is_allowed(domain, Some(&alice), REGISTER).await.unwrap(), "now with the Public role's set");

    let refused = core.roles().delete_role(domain, public.id, Actor::GlobalAdmin).await.unwrap_err();
    assert_eq!(refused.to_string(), "Cannot delete public role");
    let duplicate = core.roles().create_role(domain, "Editor", None, None, None, Actor::GlobalAdmin).await.unwrap();
    assert_eq!(duplicate.kind, "editor", "the type is free again");
    let again = core.roles().create_role(domain, "Editor", None, None, None, Actor::GlobalAdmin).await.unwrap_err();
    assert_eq!(again.to_string(), "A role of type editor already exists");
}
