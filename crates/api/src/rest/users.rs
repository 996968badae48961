//! `/users...`: the current user, listing, counting, and the CRUD of users, each behind its
//! action, over the same core operations as the GraphQL queries and mutations. `:id` is the
//! numeric id only, as in Strapi (a documentId finds nothing).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::body::Fields;
use super::call::{Call, Shared};
use super::error::{FieldProblem, RestError};
use super::views::{self, Shape};
use super::{listing, reply};
use crate::user::cost::{RecordBudget, too_many_records};
use gatehouse_core::types::{RoleId, UserId};
use gatehouse_core::{Core, CoreError, Role, User, UserDraft, UserPatch, permissions};

/// The numeric id of a path, if it is one.
fn numeric(id: Result<Path<String>, PathRejection>) -> Option<UserId> {
    UserId::parse(&id.ok()?.0)
}

fn user_not_found() -> RestError {
    RestError::not_found("User not found")
}

/// The role to show with a user: when `populate` asks for it and the caller may read roles
/// (otherwise Strapi drops it without a word).
async fn shown_role<'a>(
    core: &Core,
    call: &Call,
    shape: &'a Shape,
    role: impl AsyncFnOnce() -> Result<Option<Role>, CoreError>,
) -> Result<Option<(Option<Role>, &'a views::Fields)>, RestError> {
    match &shape.role {
        Some(fields) if call.may_read_roles(core).await? => Ok(Some((role().await?, fields))),
        _ => Ok(None),
    }
}

fn user_view<'a>(
    user: &'a User,
    shape: &'a Shape,
    role: &'a Option<(Option<Role>, &views::Fields)>,
) -> views::UserView<'a> {
    views::user(user, &shape.fields, role.as_ref().map(|(role, fields)| (role.as_ref(), *fields)))
}

/// `GET /users/me`.
pub async fn me(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    let user = call.require_user(core, permissions::USER_ME).await?;
    let shape = listing::shape(&call.query)?;
    let role = shown_role(core, &call, &shape, async || core.roles().role_of(user).await).await?;
    Ok(reply::ok(user_view(user, &shape, &role)))
}

/// `GET /users`: a bare array.
pub async fn find(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_FIND).await?;
    let listing = listing::users(&call.query)?;
    // Read one more than an answer may carry, to tell a list that is too long without reading it whole.
    let most = api.response_records;
    let users = core.users().list_users(&call.caller.domain, &RecordBudget::new(most).cap(&listing.query)).await?;
    if users.len() > most {
        return Err(RestError::pagination(too_many_records(most).to_string()));
    }
    let shape = &listing.shape;
    let role_fields = match &shape.role {
        Some(fields) if call.may_read_roles(core).await? => Some(fields),
        _ => None,
    };
    let list = users
        .iter()
        .map(|found| views::user(&found.user, &shape.fields, role_fields.map(|fields| (found.role.as_ref(), fields))))
        .collect::<Vec<_>>();
    Ok(reply::ok(list))
}

/// `GET /users/count`: a bare number.
pub async fn count(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_COUNT).await?;
    let filter = listing::user_filter(&call.query)?;
    if let Some(filter) = &filter {
        filter.check_bounds()?;
    }
    let count = core.users().count_users_matching(&call.caller.domain, filter.as_ref()).await?;
    Ok(reply::ok(json!(count)))
}

/// `GET /users/:id`: `204` when there is no such user.
pub async fn find_one(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_FIND_ONE).await?;
    let shape = listing::shape(&call.query)?;
    let Some(id) = numeric(id) else { return Ok(reply::no_content()) };
    let Some(user) = core.users().user_by_ref(&call.caller.domain, &id.to_string()).await? else {
        return Ok(reply::no_content());
    };
    let role = shown_role(core, &call, &shape, async || core.roles().role_of(&user).await).await?;
    Ok(reply::ok(user_view(&user, &shape, &role)))
}

/// A role as a body names it: a numeric id (a number or a numeric string), a documentId, or
/// `{connect: [{id} | {documentId}]}`.
enum RoleChoice {
    Keep,
    Named(String),
}

fn role_choice(fields: &Fields, updating: bool) -> Result<RoleChoice, RestError> {
    let problem = |path: &[&str], message: &str, value: &Value| {
        RestError::fields(vec![FieldProblem {
            path: path.iter().map(|p| p.to_string()).collect(),
            message: message.into(),
            value: Some(value.clone()),
        }])
    };
    let Some(given) = fields.raw("role") else { return Ok(RoleChoice::Keep) };
    let named = |value: &Value| match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    };
    match given {
        Value::Null => Ok(RoleChoice::Keep),
        Value::Object(relation) => {
            let connect = relation.get("connect").or_else(|| relation.get("set"));
            match connect {
                Some(Value::Array(items)) if items.is_empty() => {
                    Err(problem(&["role", "connect"], "Users must have a role", &Value::Array(Vec::new())))
                }
                // A user has one role: the last one connected.
                Some(Value::Array(items)) => {
                    let last = items.last().unwrap_or(&Value::Null);
                    let reference = last.get("documentId").or_else(|| last.get("id")).and_then(named);
                    reference.map(RoleChoice::Named).ok_or_else(|| problem(&["role", "connect"], "Invalid role", last))
                }
                Some(other) => Err(problem(&["role", "connect"], "Invalid role", other)),
                None => match relation.get("disconnect") {
                    Some(removed) if updating => Err(problem(&["role", "disconnect"], "Cannot remove role", removed)),
                    _ => Ok(RoleChoice::Keep),
                },
            }
        }
        other => named(other).map(RoleChoice::Named).ok_or_else(|| problem(&["role"], "Invalid role", other)),
    }
}

/// The numeric id of the role a body names.
async fn role_id(core: &Core, call: &Call, choice: RoleChoice) -> Result<Option<RoleId>, RestError> {
    let RoleChoice::Named(reference) = choice else { return Ok(None) };
    match core.roles().role_by_ref(&call.caller.domain, &reference).await? {
        Some(role) => Ok(Some(role.id)),
        None => Err(RestError::application(format!("Document with id \"{reference}\", locale \"null\" not found"))),
    }
}

/// The whole user with its role when the caller may read roles: what create and update answer.
async fn written<'a>(
    core: &Core,
    call: &Call,
    user: &'a User,
    role: Option<&'a Role>,
) -> Result<views::UserView<'a>, RestError> {
    const ALL: &views::Fields = &views::Fields::All;
    let role = if call.may_read_roles(core).await? { Some((role, ALL)) } else { None };
    Ok(views::user(user, ALL, role))
}

/// `POST /users` (`201`). Attributes other than the user's are ignored, as Strapi ignores them.
pub async fn create(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_CREATE).await?;
    let mut fields = Fields::of(&call.body)?;
    let draft = UserDraft {
        email: fields.required_text("email"),
        username: fields.required_text("username"),
        password: fields.text("password"),
        confirmed: fields.flag("confirmed").unwrap_or(false),
        blocked: fields.flag("blocked").unwrap_or(false),
        role_id: None,
    };
    let choice = role_choice(&fields, false)?;
    let given = fields.finish()?;
    let draft = UserDraft { role_id: role_id(core, &call, choice).await?, ..draft };
    let created =
        core.users().create_user(&call.caller.domain, draft, call.caller.actor()).await.map_err(|e| given.answer(e))?;
    Ok(reply::created(written(core, &call, &created.user, created.role.as_ref()).await?))
}

/// `PUT /users/:id`: `404` when there is no such user.
pub async fn update(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_UPDATE).await?;
    let id = numeric(id).ok_or_else(user_not_found)?;
    let domain = &call.caller.domain;
    core.users().user_by_ref(domain, &id.to_string()).await?.ok_or_else(user_not_found)?;
    let mut fields = Fields::of(&call.body)?;
    let emptied = matches!(fields.raw("password"), Some(Value::Null)) || fields.raw("password") == Some(&json!(""));
    let patch = UserPatch {
        username: fields.text("username"),
        email: fields.text("email"),
        password: fields.text("password"),
        confirmed: fields.flag("confirmed"),
        blocked: fields.flag("blocked"),
        role_id: None,
    };
    let choice = role_choice(&fields, true)?;
    fields.finish()?;
    if emptied {
        return Err(RestError::validation("password.notNull"));
    }
    let patch = UserPatch { role_id: role_id(core, &call, choice).await?, ..patch };
    let updated = core.users().update_user(domain, id, patch, call.caller.actor()).await?;
    Ok(reply::ok(written(core, &call, &updated.user, updated.role.as_ref()).await?))
}

/// `DELETE /users/:id`: the deleted user, or `204` when there is no such user.
pub async fn destroy(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::USER_DESTROY).await?;
    let Some(id) = numeric(id) else { return Ok(reply::no_content()) };
    match core.users().delete_user(&call.caller.domain, id, call.caller.actor()).await {
        Ok(deleted) => Ok(reply::ok(views::plain_user(&deleted.user))),
        Err(CoreError::NotFound { .. }) => Ok(reply::no_content()),
        Err(other) => Err(other.into()),
    }
}
