//! The role queries and mutations, each behind its permission. Role `permissions` are action
//! strings: given, they replace the role's set; omitted, they leave it as it is.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::authorization::Requires;
use super::cost::list_cost;
use super::error::{ApiResult, OrStrapi, or_null};
use super::filters::{
    DateTime, ListArgs, PaginationArg, PublicationFilter, PublicationStatus, UsersPermissionsRoleFiltersInput,
};
use super::objects::{RoleList, UsersPermissionsRole, UsersPermissionsRoleEntityResponseCollection, parts};
use gatehouse_core::query::Subject;
use gatehouse_core::{CoreError, Entity, RoleId, permissions};

/// `UsersPermissionsRoleInput`. `users` and `publishedAt` are accepted and ignored, as Strapi
/// ignores them; `type` is only read when creating.
#[derive(InputObject, Default)]
pub struct UsersPermissionsRoleInput {
    pub name: Option<String>,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub kind: Option<String>,
    /// Action strings such as `plugin::users-permissions.user.find`.
    pub permissions: Option<Vec<Option<ID>>>,
    pub users: Option<Vec<Option<ID>>>,
    pub published_at: Option<DateTime>,
}

impl UsersPermissionsRoleInput {
    fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.description.is_none()
            && self.kind.is_none()
            && self.permissions.is_none()
            && self.users.is_none()
            && self.published_at.is_none()
    }

    fn actions(&mut self) -> Option<Vec<String>> {
        self.permissions.take().map(|list| list.into_iter().flatten().map(|id| id.0).collect())
    }
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsCreateRolePayload {
    pub ok: bool,
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsUpdateRolePayload {
    pub ok: bool,
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsDeleteRolePayload {
    pub ok: bool,
}

fn empty_body() -> async_graphql::Error {
    super::error::strapi_error(CoreError::invalid("Request body cannot be empty"))
}

/// The numeric id of the role named by `reference`, or `Role not found`.
async fn role_id(ctx: &Context<'_>, reference: &ID) -> ApiResult<RoleId> {
    let (core, caller) = parts(ctx);
    let role = core.roles().role_by_ref(&caller.domain, reference).await.or_strapi()?;
    Ok(role.ok_or_else(|| CoreError::not_found(Entity::Role, "Role not found")).or_strapi()?.id)
}

#[derive(Default)]
pub struct RoleQuery;

// Strapi's list queries take filters, pagination, sort and three publication arguments.
#[allow(clippy::too_many_arguments)]
#[Object]
impl RoleQuery {
    /// A role by documentId (or numeric id); needs `role.findOne`.
    #[graphql(guard = "Requires::Action(permissions::ROLE_FIND_ONE)")]
    async fn users_permissions_role(
        &self,
        ctx: &Context<'_>,
        document_id: ID,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> Option<UsersPermissionsRole> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            Ok(core.roles().role_by_ref(&caller.domain, &document_id).await.or_strapi()?.map(UsersPermissionsRole))
        })
        .await
    }

    /// Roles; needs `role.find`.
    #[graphql(
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::ROLE_FIND)"
    )]
    async fn users_permissions_roles(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsRoleFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> ApiResult<Vec<Option<UsersPermissionsRole>>> {
        let list = RoleList(ListArgs::new(Subject::Role, filters.map(|f| f.filter()), pagination, sort)?);
        Ok(list.nodes(ctx).await?.into_iter().map(Some).collect())
    }

    /// Roles with `pageInfo`; needs `role.find`.
    #[graphql(
        name = "usersPermissionsRoles_connection",
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::ROLE_FIND)"
    )]
    async fn users_permissions_roles_connection(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsRoleFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> Option<UsersPermissionsRoleEntityResponseCollection> {
        or_null(ctx, async {
            let args = ListArgs::new(Subject::Role, filters.map(|f| f.filter()), pagination, sort)?;
            Ok(Some(UsersPermissionsRoleEntityResponseCollection(RoleList(args))))
        })
        .await
    }
}

#[derive(Default)]
pub struct RoleMutation;

#[Object]
impl RoleMutation {
    /// Create a new role
    #[graphql(guard = "Requires::Action(permissions::ROLE_CREATE)")]
    async fn create_users_permissions_role(
        &self,
        ctx: &Context<'_>,
        mut data: UsersPermissionsRoleInput,
    ) -> Option<UsersPermissionsCreateRolePayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            if data.is_empty() {
                return Err(empty_body());
            }
            let actions = data.actions();
            let name = data.name.unwrap_or_default();
            core.roles()
                .create_role(&caller.domain, &name, data.description, data.kind, actions, caller.actor())
                .await
                .or_strapi()?;
            Ok(Some(UsersPermissionsCreateRolePayload { ok: true }))
        })
        .await
    }

    /// Update an existing role
    #[graphql(guard = "Requires::Action(permissions::ROLE_UPDATE)")]
    async fn update_users_permissions_role(
        &self,
        ctx: &Context<'_>,
        id: ID,
        mut data: UsersPermissionsRoleInput,
    ) -> Option<UsersPermissionsUpdateRolePayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            if data.is_empty() {
                return Err(empty_body());
            }
            let id = role_id(ctx, &id).await?;
            let actions = data.actions();
            core.roles()
                .update_role(&caller.domain, id, data.name, data.description, actions, caller.actor())
                .await
                .or_strapi()?;
            Ok(Some(UsersPermissionsUpdateRolePayload { ok: true }))
        })
        .await
    }

    /// Delete an existing role
    #[graphql(guard = "Requires::Action(permissions::ROLE_DELETE)")]
    async fn delete_users_permissions_role(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Option<UsersPermissionsDeleteRolePayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            let id = role_id(ctx, &id).await?;
            core.roles().delete_role(&caller.domain, id, caller.actor()).await.or_strapi()?;
            Ok(Some(UsersPermissionsDeleteRolePayload { ok: true }))
        })
        .await
    }
}
