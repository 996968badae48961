//! Strapi's generated ("shadow CRUD") object types for users, roles and permissions, their
//! collections with `pageInfo`, and the guarded relation fields.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, SimpleObject};
use sha2::{Digest, Sha256};

use super::authorization::Requires;
use super::caller::UserCaller;
use super::cost::{RecordBudget, list_cost};
use super::error::{ApiResult, OrStrapi, or_null};
use super::filters::{
    DateTime, ListArgs, PaginationArg, UsersPermissionsPermissionFiltersInput, UsersPermissionsUserFiltersInput,
};
use gatehouse_core::query::{Column, Condition, Filter, ListQuery, PageInfo, Relation, Scalar, Subject};
use gatehouse_core::{Action, Core, Role, User, UserWithRole, permissions};

/// The core and the caller of the request.
pub fn parts<'a>(ctx: &Context<'a>) -> (&'a Arc<Core>, &'a UserCaller) {
    (ctx.data_unchecked::<Arc<Core>>(), ctx.data_unchecked::<UserCaller>())
}

/// Reads one page of a list within what the response may still carry, and spends it.
async fn within_budget<T, F>(
    ctx: &Context<'_>,
    query: &ListQuery,
    read: impl FnOnce(ListQuery) -> F,
) -> ApiResult<Vec<T>>
where
    F: std::future::Future<Output = ApiResult<Vec<T>>>,
{
    let Some(budget) = ctx.data_opt::<RecordBudget>() else { return read(query.clone()).await };
    let records = read(budget.cap(query)).await?;
    budget.spend(records.len())?;
    Ok(records)
}

fn to_i32(n: i64) -> i32 {
    n.clamp(0, i64::from(i32::MAX)) as i32
}

pub struct UsersPermissionsUser {
    pub user: User,
    pub role: Option<Role>,
}

impl From<UserWithRole> for UsersPermissionsUser {
    fn from(u: UserWithRole) -> Self {
        Self { user: u.user, role: u.role }
    }
}

#[Object(guard = "Requires::Parent")]
impl UsersPermissionsUser {
    async fn document_id(&self) -> ID {
        ID(self.user.document_id.clone())
    }
    async fn username(&self) -> &str {
        &self.user.username
    }
    async fn email(&self) -> &str {
        &self.user.email
    }
    async fn provider(&self) -> Option<&str> {
        Some(&self.user.provider)
    }
    async fn confirmed(&self) -> Option<bool> {
        Some(self.user.confirmed)
    }
    async fn blocked(&self) -> Option<bool> {
        Some(self.user.blocked)
    }
    /// Needs `plugin::users-permissions.role.find`, as in Strapi.
    #[graphql(guard = "Requires::Action(permissions::ROLE_FIND)")]
    async fn role(&self) -> Option<UsersPermissionsRole> {
        self.role.clone().map(UsersPermissionsRole)
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.user.created_at))
    }
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.user.updated_at))
    }
    /// Users are never drafts: published when created.
    async fn published_at(&self) -> Option<DateTime> {
        Some(DateTime(self.user.created_at))
    }
}

pub struct UsersPermissionsRole(pub Role);

/// The users of `role` matching `filter`.
fn users_of(
    role: &Role,
    filter: Option<&UsersPermissionsUserFiltersInput>,
) -> Option<gatehouse_core::CoreResult<Filter>> {
    let of_role = Filter::Related(
        Relation::UserRole,
        Box::new(Filter::Field(Column::DocumentId, Condition::Eq(Scalar::Text(role.document_id.clone())))),
    );
    Some(match filter.map(UsersPermissionsUserFiltersInput::filter) {
        Some(Ok(filter)) => Ok(Filter::And(vec![of_role, filter])),
        Some(Err(e)) => Err(e),
        None => Ok(of_role),
    })
}

#[Object(guard = "Requires::Parent")]
impl UsersPermissionsRole {
    async fn document_id(&self) -> ID {
        ID(self.0.document_id.clone())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    #[graphql(name = "type")]
    async fn kind(&self) -> Option<&str> {
        Some(&self.0.kind)
    }
    /// Needs `plugin::users-permissions.permission.find`, as in Strapi.
    #[graphql(complexity = "list_cost(&pagination, child_complexity)", guard = "Requires::Action(PERMISSION_FIND)")]
    async fn permissions(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsPermissionFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
    ) -> ApiResult<Vec<Option<UsersPermissionsPermission>>> {
        let args = ListArgs::new(Subject::Permission, filters.map(|f| f.filter()), pagination, sort)?;
        Ok(PermissionList { role: self.0.clone(), args }.nodes(ctx).await?.into_iter().map(Some).collect())
    }
    #[graphql(
        name = "permissions_connection",
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(PERMISSION_FIND)"
    )]
    async fn permissions_connection(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsPermissionFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
    ) -> Option<UsersPermissionsPermissionRelationResponseCollection> {
        or_null(ctx, async {
            let args = ListArgs::new(Subject::Permission, filters.map(|f| f.filter()), pagination, sort)?;
            Ok(Some(UsersPermissionsPermissionRelationResponseCollection(PermissionList {
                role: self.0.clone(),
                args,
            })))
        })
        .await
    }
    /// Needs `plugin::users-permissions.user.find`, as in Strapi.
    #[graphql(
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::USER_FIND)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsUserFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
    ) -> ApiResult<Vec<Option<UsersPermissionsUser>>> {
        let args = ListArgs::new(Subject::User, users_of(&self.0, filters.as_deref()), pagination, sort)?;
        Ok(UserList(args).nodes(ctx).await?.into_iter().map(Some).collect())
    }
    #[graphql(
        name = "users_connection",
        complexity = "list_cost(&pagination, child_complexity)",
        guard = "Requires::Action(permissions::USER_FIND)"
    )]
    async fn users_connection(
        &self,
        ctx: &Context<'_>,
        filters: Option<Box<UsersPermissionsUserFiltersInput>>,
        #[graphql(default_with = "Some(PaginationArg::default())")] pagination: Option<PaginationArg>,
        #[graphql(default_with = "Some(Vec::new())")] sort: Option<Vec<Option<String>>>,
    ) -> Option<UsersPermissionsUserRelationResponseCollection> {
        or_null(ctx, async {
            let args = ListArgs::new(Subject::User, users_of(&self.0, filters.as_deref()), pagination, sort)?;
            Ok(Some(UsersPermissionsUserRelationResponseCollection(UserList(args))))
        })
        .await
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at))
    }
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.updated_at))
    }
    async fn published_at(&self) -> Option<DateTime> {
        Some(DateTime(self.0.created_at))
    }
}

/// No content-API action grants it by default; an operator may grant it to a role.
const PERMISSION_FIND: &str = "plugin::users-permissions.permission.find";

/// A permission of a role: an action string.
pub struct UsersPermissionsPermission {
    pub role: Role,
    pub action: Action,
}

#[Object(guard = "Requires::Parent")]
impl UsersPermissionsPermission {
    /// Derived from the role and the action, so it is stable: 24 lower-case hex characters.
    async fn document_id(&self) -> ID {
        let digest = Sha256::digest(format!("{}\n{}", self.role.document_id, self.action).as_bytes());
        ID(hex::encode(digest)[..24].to_string())
    }
    async fn action(&self) -> &str {
        &self.action
    }
    #[graphql(guard = "Requires::Action(permissions::ROLE_FIND)")]
    async fn role(&self) -> Option<UsersPermissionsRole> {
        Some(UsersPermissionsRole(self.role.clone()))
    }
    async fn created_at(&self) -> Option<DateTime> {
        Some(DateTime(self.role.updated_at))
    }
    async fn updated_at(&self) -> Option<DateTime> {
        Some(DateTime(self.role.updated_at))
    }
    async fn published_at(&self) -> Option<DateTime> {
        Some(DateTime(self.role.updated_at))
    }
}

/// `UsersPermissionsUserEntityResponse`: what the user mutations return.
#[derive(SimpleObject)]
pub struct UsersPermissionsUserEntityResponse {
    #[graphql(guard = "Requires::Nothing")]
    pub data: Option<UsersPermissionsUser>,
}

/// A connection's `pageInfo`.
#[derive(SimpleObject)]
#[graphql(name = "Pagination", guard = "Requires::Parent")]
pub struct PaginationInfo {
    pub total: i32,
    pub page: i32,
    pub page_size: i32,
    pub page_count: i32,
}

impl From<PageInfo> for PaginationInfo {
    fn from(info: PageInfo) -> Self {
        Self {
            total: to_i32(info.total),
            page: to_i32(info.page),
            page_size: to_i32(info.page_size),
            page_count: to_i32(info.page_count),
        }
    }
}

/// A listing of users, read when its nodes or its page info are asked for.
pub struct UserList(pub ListArgs);

impl UserList {
    pub async fn nodes(&self, ctx: &Context<'_>) -> ApiResult<Vec<UsersPermissionsUser>> {
        let (core, caller) = parts(ctx);
        let users = within_budget(ctx, &self.0.query, |query| async move {
            core.users().list_users(&caller.domain, &query).await.or_strapi()
        })
        .await?;
        Ok(users.into_iter().map(UsersPermissionsUser::from).collect())
    }
    async fn page_info(&self, ctx: &Context<'_>) -> ApiResult<PaginationInfo> {
        let (core, caller) = parts(ctx);
        let total =
            core.users().count_users_matching(&caller.domain, self.0.query.filter.as_ref()).await.or_strapi()?;
        Ok(self.0.pagination.page_info(total).into())
    }
}

pub struct RoleList(pub ListArgs);

impl RoleList {
    pub async fn nodes(&self, ctx: &Context<'_>) -> ApiResult<Vec<UsersPermissionsRole>> {
        let (core, caller) = parts(ctx);
        let roles = within_budget(ctx, &self.0.query, |query| async move {
            core.roles().list_roles(&caller.domain, &query).await.or_strapi()
        })
        .await?;
        Ok(roles.into_iter().map(UsersPermissionsRole).collect())
    }
    async fn page_info(&self, ctx: &Context<'_>) -> ApiResult<PaginationInfo> {
        let (core, caller) = parts(ctx);
        let total =
            core.roles().count_roles_matching(&caller.domain, self.0.query.filter.as_ref()).await.or_strapi()?;
        Ok(self.0.pagination.page_info(total).into())
    }
}

pub struct PermissionList {
    role: Role,
    args: ListArgs,
}

impl PermissionList {
    async fn nodes(&self, ctx: &Context<'_>) -> ApiResult<Vec<UsersPermissionsPermission>> {
        let (core, _) = parts(ctx);
        let role = &self.role;
        let actions = within_budget(ctx, &self.args.query, |query| async move {
            core.roles().query_role_permissions(role, &query).await.or_strapi()
        })
        .await?;
        Ok(actions.into_iter().map(|action| UsersPermissionsPermission { role: self.role.clone(), action }).collect())
    }
    async fn page_info(&self, ctx: &Context<'_>) -> ApiResult<PaginationInfo> {
        let (core, _) = parts(ctx);
        let total = core
            .roles()
            .count_role_permissions_matching(&self.role, self.args.query.filter.as_ref())
            .await
            .or_strapi()?;
        Ok(self.args.pagination.page_info(total).into())
    }
}

/// The collection types: `nodes` and `pageInfo` over a listing.
macro_rules! collection {
    ($name:ident, $list:ty, $node:ty) => {
        pub struct $name(pub $list);

        #[Object]
        impl $name {
            #[graphql(guard = "Requires::Nothing")]
            async fn nodes(&self, ctx: &Context<'_>) -> ApiResult<Vec<$node>> {
                self.0.nodes(ctx).await
            }
            #[graphql(guard = "Requires::Nothing")]
            async fn page_info(&self, ctx: &Context<'_>) -> ApiResult<PaginationInfo> {
                self.0.page_info(ctx).await
            }
        }
    };
}

collection!(UsersPermissionsUserEntityResponseCollection, UserList, UsersPermissionsUser);
collection!(UsersPermissionsUserRelationResponseCollection, UserList, UsersPermissionsUser);
collection!(UsersPermissionsRoleEntityResponseCollection, RoleList, UsersPermissionsRole);
collection!(UsersPermissionsPermissionRelationResponseCollection, PermissionList, UsersPermissionsPermission);
