//! `/users-permissions/roles...` and `/users-permissions/permissions`: roles and their
//! permission sets, over the same core operations as the GraphQL role mutations. `:id` and
//! `:role` are numeric ids only, as in Strapi.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::body::Fields;
use super::call::{Call, Shared};
use super::error::RestError;
use super::permission_map;
use super::reply;
use super::views::{self, Fields as Shown};
use gatehouse_core::permissions;
use gatehouse_core::types::RoleId;

fn role_not_found() -> RestError {
    RestError::not_found("Role not found")
}

/// A role of the list, followed by its number of users.
#[derive(Serialize)]
struct CountedRole<'a> {
    #[serde(flatten)]
    role: views::RoleView<'a>,
    nb_users: i64,
}

#[derive(Serialize)]
struct Roles<'a> {
    roles: Vec<CountedRole<'a>>,
}

/// One role, followed by the map of every action.
#[derive(Serialize)]
struct RoleWithPermissions<'a> {
    #[serde(flatten)]
    role: views::RoleView<'a>,
    permissions: Value,
}

#[derive(Serialize)]
struct OneRole<'a> {
    role: RoleWithPermissions<'a>,
}

fn numeric(id: Result<Path<String>, PathRejection>) -> Result<RoleId, RestError> {
    id.ok().and_then(|Path(id)| RoleId::parse(&id)).ok_or_else(role_not_found)
}

/// `GET /users-permissions/roles`: `{roles}` in id order, each with its number of users.
pub async fn find(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::ROLE_FIND).await?;
    let mut roles = Vec::new();
    for role in core.roles().domain_roles(&call.caller.domain).await? {
        let nb_users = core.roles().role_user_count(&role).await?;
        roles.push((role, nb_users));
    }
    let roles = roles
        .iter()
        .map(|(role, nb_users)| CountedRole { role: views::role(role, &Shown::All), nb_users: *nb_users })
        .collect();
    Ok(reply::ok(Roles { roles }))
}

/// `GET /users-permissions/roles/:id`: `{role}` with the map of every action, those it holds
/// enabled.
pub async fn find_one(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::ROLE_FIND_ONE).await?;
    let role = core.roles().role(&call.caller.domain, numeric(id)?).await?.ok_or_else(role_not_found)?;
    let permissions = permission_map::of(&core.roles().role_permissions(&role).await?);
    let shown = RoleWithPermissions { role: views::role(&role, &Shown::All), permissions };
    Ok(reply::ok(OneRole { role: shown }))
}

/// `GET /users-permissions/permissions`: the map of every action, none enabled.
pub async fn permissions(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    call.require(&api.core, permissions::PERMISSIONS_GET).await?;
    Ok(reply::ok(json!({ "permissions": permission_map::of(&[]) })))
}

/// A role body: refused when empty, as Strapi refuses it.
fn role_fields(body: &Value) -> Result<Fields<'_>, RestError> {
    if body.as_object().is_some_and(Map::is_empty) {
        return Err(RestError::validation("Request body cannot be empty"));
    }
    Fields::of(body)
}

/// The enabled actions of a body's `permissions` map, when it has one.
fn actions(fields: &Fields) -> Result<Option<Vec<String>>, RestError> {
    fields.raw("permissions").filter(|v| !v.is_null()).map(permission_map::enabled).transpose()
}

/// `POST /users-permissions/roles`: `{ok: true}`. A missing `type` derives from the name.
pub async fn create(State(api): State<Shared>, call: Call) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::ROLE_CREATE).await?;
    let mut fields = role_fields(&call.body)?;
    let name = fields.required_text("name");
    let description = fields.text("description");
    let kind = fields.text("type");
    let actions = actions(&fields)?;
    let given = fields.finish()?;
    core.roles()
        .create_role(&call.caller.domain, &name, description, kind, actions, call.caller.actor())
        .await
        .map_err(|e| given.answer(e))?;
    Ok(reply::ok(json!({ "ok": true })))
}

/// `PUT /users-permissions/roles/:role`: `{ok: true}`. `type` is ignored; `permissions`,
/// given, replace the role's set, and omitted, keep it.
pub async fn update(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::ROLE_UPDATE).await?;
    let mut fields = role_fields(&call.body)?;
    let id = numeric(id)?;
    let name = fields.text("name");
    let description = fields.text("description");
    let actions = actions(&fields)?;
    fields.finish()?;
    core.roles().update_role(&call.caller.domain, id, name, description, actions, call.caller.actor()).await?;
    Ok(reply::ok(json!({ "ok": true })))
}

/// `DELETE /users-permissions/roles/:role`: `{ok: true}`; its users move to the Public role.
pub async fn destroy(
    State(api): State<Shared>,
    id: Result<Path<String>, PathRejection>,
    call: Call,
) -> Result<Response, RestError> {
    let core = &api.core;
    call.require(core, permissions::ROLE_DELETE).await?;
    core.roles().delete_role(&call.caller.domain, numeric(id)?, call.caller.actor()).await?;
    Ok(reply::ok(json!({ "ok": true })))
}
