//! The user queries and mutations of Strapi's shadow CRUD, each behind its permission.

use async_graphql::{Context, ID, InputObject, Object};

use super::authorization::Requires;
use super::cost::list_cost;
use super::error::{ApiResult, OrStrapi, or_null};
use super::filters::{
    DateTime, ListArgs, PaginationArg, PublicationFilter, PublicationStatus, UsersPermissionsUserFiltersInput,
};
use super::objects::{
    UserList, UsersPermissionsUser, UsersPermissionsUserEntityResponse, UsersPermissionsUserEntityResponseCollection,
    parts,
};
use gatehouse_core::query::Subject;
use gatehouse_core::{CoreError, Entity, RoleId, UserDraft, UserId, UserPatch, permissions};

/// `UsersPermissionsUserInput`. `provider` is always `local`; the private token fields and
/// `publishedAt` are accepted and ignored (tokens are only ever issued by mail).
#[derive(InputObject, Default)]
pub struct UsersPermissionsUserInput {
    pub username: Option<String>,
    pub email: Option<String>,
    pub provider: Option<String>,
    pub password: Option<String>,
    pub reset_password_token: Option<String>,
    pub confirmation_token: Option<String>,
    pub confirmed: Option<bool>,
    pub blocked: Option<bool>,
    /// The role's numeric id or documentId.
    pub role: Option<ID>,
    pub published_at: Option<DateTime>,
}

/// The numeric id of the role named by `reference` (numeric id or documentId).
async fn role_id(ctx: &Context<'_>, reference: Option<ID>) -> ApiResult<Option<RoleId>> {
    let Some(reference) = reference else { return Ok(None) };
    let (core, caller) = parts(ctx);
    let role = core.roles().role_by_ref(&caller.domain, &reference).await.or_strapi()?;
    let role = role.ok_or_else(|| CoreError::not_found(Entity::Role, "Role not found")).or_strapi()?;
    Ok(Some(role.id))
}

/// The numeric id of the user named by `reference`, or `User not found`.
async fn user_id(ctx: &Context<'_>, reference: &ID) -> ApiResult<Option<UserId>> {
    let (core, caller) = parts(ctx);
    Ok(core.users().user_by_ref(&caller.domain, reference).await.or_strapi()?.map(|u| u.id))
}

#[derive(Default)]
pub struct UserQuery;

// Strapi's list queries take filters, pagination, sort and three publication arguments.
#[allow(clippy::too_many_arguments)]
#[Object]
impl UserQuery {
    /// A user by documentId (or numeric id); needs `user.findOne`.
    #[graphql(guard = "Requires::Action(permissions::USER_FIND_ONE)")]
    async fn users_permissions_user(
        &self,
        ctx: &Context<'_>,
        document_id: ID,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> Option<UsersPermissionsUser> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            let Some(user) = core.users().user_by_ref(&caller.domain, &document_id).await.or_strapi()? else {
                return Ok(None);
            };
            let role = core.roles().role_of(&user).await.or_strapi()?;
            Ok(Some(UsersPermissionsUser { user, role }))
        })
        .await
    }

    /// Users; needs `user.find`.
    #[graphql(
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::USER_FIND)"
    )]
    async fn users_permissions_users(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsUserFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> ApiResult<Vec<Option<UsersPermissionsUser>>> {
        let list = UserList(ListArgs::new(Subject::User, filters.map(|f| f.filter()), pagination, sort)?);
        Ok(list.nodes(ctx).await?.into_iter().map(Some).collect())
    }

    /// Users with `pageInfo`; needs `user.find`.
    #[graphql(
        name = "usersPermissionsUsers_connection",
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::USER_FIND)"
    )]
    async fn users_permissions_users_connection(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsUserFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
        #[graphql(name = "status", default_with = "Some(PublicationStatus::Published)")] _status: Option<
            PublicationStatus,
        >,
        // Strapi 5.54's other publication arguments; like `status`, they change nothing here.
        #[graphql(name = "hasPublishedVersion")] _has_published_version: Option<bool>,
        #[graphql(name = "publicationFilter")] _publication_filter: Option<PublicationFilter>,
    ) -> Option<UsersPermissionsUserEntityResponseCollection> {
        or_null(ctx, async {
            let args = ListArgs::new(Subject::User, filters.map(|f| f.filter()), pagination, sort)?;
            Ok(Some(UsersPermissionsUserEntityResponseCollection(UserList(args))))
        })
        .await
    }
}

#[derive(Default)]
pub struct UserMutation;

#[Object]
impl UserMutation {
    /// Create a new user
    #[graphql(guard = "Requires::Action(permissions::USER_CREATE)")]
    async fn create_users_permissions_user(
        &self,
        ctx: &Context<'_>,
        data: UsersPermissionsUserInput,
    ) -> ApiResult<UsersPermissionsUserEntityResponse> {
        let (core, caller) = parts(ctx);
        let draft = UserDraft {
            username: data.username.unwrap_or_default(),
            email: data.email.unwrap_or_default(),
            password: data.password,
            confirmed: data.confirmed.unwrap_or(false),
            blocked: data.blocked.unwrap_or(false),
            role_id: role_id(ctx, data.role).await?,
        };
        let user = core.users().create_user(&caller.domain, draft, caller.actor()).await.or_strapi()?;
        Ok(UsersPermissionsUserEntityResponse { data: Some(user.into()) })
    }

    /// Update an existing user
    #[graphql(guard = "Requires::Action(permissions::USER_UPDATE)")]
    async fn update_users_permissions_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
        data: UsersPermissionsUserInput,
    ) -> ApiResult<UsersPermissionsUserEntityResponse> {
        let (core, caller) = parts(ctx);
        let id =
            user_id(ctx, &id).await?.ok_or_else(|| CoreError::not_found(Entity::User, "User not found")).or_strapi()?;
        let patch = UserPatch {
            username: data.username,
            email: data.email,
            password: data.password,
            confirmed: data.confirmed,
            blocked: data.blocked,
            role_id: role_id(ctx, data.role).await?,
        };
        let user = core.users().update_user(&caller.domain, id, patch, caller.actor()).await.or_strapi()?;
        Ok(UsersPermissionsUserEntityResponse { data: Some(user.into()) })
    }

    /// Delete an existing user
    #[graphql(guard = "Requires::Action(permissions::USER_DESTROY)")]
    async fn delete_users_permissions_user(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> ApiResult<UsersPermissionsUserEntityResponse> {
        let (core, caller) = parts(ctx);
        // As in Strapi, deleting a user that does not exist answers `data: null`.
        let Some(id) = user_id(ctx, &id).await? else { return Ok(UsersPermissionsUserEntityResponse { data: None }) };
        let user = core.users().delete_user(&caller.domain, id, caller.actor()).await.or_strapi()?;
        Ok(UsersPermissionsUserEntityResponse { data: Some(user.into()) })
    }
}
