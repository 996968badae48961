//! What each field of the user API requires of its caller, declared on the field as an
//! async-graphql guard (`#[graphql(guard = "Requires::Action(permissions::USER_FIND)")]`), or
//! on a type (`Requires::Parent`) for its fields that only show the object's own data. No
//! resolver checks permissions itself: the guard runs before it, and the test suite, reading
//! the schema, fails on a field that resolves without a declaration.

use std::sync::{Arc, Mutex};

use async_graphql::{Context, Guard};

use super::caller::auth_action;
use super::error::{ApiResult, strapi_error};
use super::objects::parts;
use super::refusal;
use gatehouse_core::CoreError;

/// What a field requires of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requires {
    /// What reached the field's object: for the fields that show only the data their object
    /// holds, declared once on the type. A field that takes arguments or returns an object
    /// reads more, and declares its own (the test suite holds every field to this).
    Parent,
    /// Nothing: an answer about the caller itself (`checkPermission`, its own role), or what
    /// the field above has already allowed (a listing's nodes, a mutation's result).
    Nothing,
    /// The caller's role (the Public role when anonymous) grants the action.
    Action(&'static str),
    /// The caller's role or the Public role grants `auth.<name>`: the operations anyone may
    /// attempt (login, register, the email flows), which an operator can turn off per domain,
    /// and which a signed-in caller may do whenever an anonymous one may.
    AuthAction(&'static str),
    /// An authenticated caller.
    SignedIn,
    /// An authenticated caller whose role grants the action.
    SignedInWith(&'static str),
}

impl Requires {
    /// The action a caller needs, when there is one.
    pub fn action(&self) -> Option<String> {
        match *self {
            Requires::Action(action) | Requires::SignedInWith(action) => Some(action.to_string()),
            Requires::AuthAction(name) => Some(auth_action(name)),
            Requires::Parent | Requires::Nothing | Requires::SignedIn => None,
        }
    }

    async fn allows(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        let (core, caller) = parts(ctx);
        match *self {
            Requires::Parent | Requires::Nothing => Ok(true),
            Requires::Action(action) => caller.allows(core, action).await,
            Requires::AuthAction(name) => caller.allows_or_public(core, &auth_action(name)).await,
            Requires::SignedIn => Ok(caller.user.is_some()),
            Requires::SignedInWith(action) => Ok(caller.user.is_some() && caller.allows(core, action).await?),
        }
    }
}

impl Guard for Requires {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        if let Some(log) = ctx.data_opt::<DeclarationLog>() {
            log.record(ctx, *self);
        }
        match self.allows(ctx).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(refusal::report(ctx, strapi_error(CoreError::Forbidden))),
            Err(error) => Err(refusal::report(ctx, error)),
        }
    }
}

/// The declaration each field of a request was resolved under, by response path; kept only
/// when a request carries a log as data (the test that proves that no field resolves without
/// a declaration). Clones share one log.
#[derive(Debug, Clone, Default)]
pub struct DeclarationLog(Arc<Mutex<Vec<Declared>>>);

/// A field's response path, and the declaration it was resolved under.
pub type Declared = (Vec<String>, Requires);

impl DeclarationLog {
    fn record(&self, ctx: &Context<'_>, requires: Requires) {
        let path = ctx.path_node.map(|node| node.to_string_vec()).unwrap_or_default();
        if let Ok(mut entries) = self.0.lock() {
            entries.push((path, requires));
        }
    }

    pub fn entries(&self) -> Vec<Declared> {
        self.0.lock().map(|entries| entries.clone()).unwrap_or_default()
    }
}
