//! The object and input types of Strapi's Users & Permissions GraphQL API.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};

use super::authorization::Requires;
use super::error::{OrStrapi, or_null};
use gatehouse_core::{Core, Role, User, UserWithRole};

/// `UsersPermissionsMe`: the caller (or the user a login/registration speaks for).
pub struct UsersPermissionsMe {
    pub user: User,
    /// Loaded lazily unless the flow that produced the user already had it.
    pub role: Option<Option<Role>>,
}

impl From<UserWithRole> for UsersPermissionsMe {
    fn from(u: UserWithRole) -> Self {
        Self { user: u.user, role: Some(u.role) }
    }
}

#[Object(guard = "Requires::Parent")]
impl UsersPermissionsMe {
    async fn id(&self) -> ID {
        ID(self.user.id.to_string())
    }
    async fn document_id(&self) -> ID {
        ID(self.user.document_id.clone())
    }
    async fn username(&self) -> &str {
        &self.user.username
    }
    async fn email(&self) -> Option<&str> {
        Some(&self.user.email)
    }
    async fn confirmed(&self) -> Option<bool> {
        Some(self.user.confirmed)
    }
    async fn blocked(&self) -> Option<bool> {
        Some(self.user.blocked)
    }
    // The caller's own role, which needs no `role.find`.
    #[graphql(guard = "Requires::Nothing")]
    async fn role(&self, ctx: &Context<'_>) -> Option<UsersPermissionsMeRole> {
        or_null(ctx, async {
            let role = match &self.role {
                Some(role) => role.clone(),
                None => ctx.data_unchecked::<std::sync::Arc<Core>>().roles().role_of(&self.user).await.or_strapi()?,
            };
            Ok(role.map(UsersPermissionsMeRole::from))
        })
        .await
    }
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsMeRole {
    pub id: ID,
    pub name: String,
    pub description: Option<String>,
    #[graphql(name = "type")]
    pub kind: Option<String>,
}

impl From<Role> for UsersPermissionsMeRole {
    fn from(role: Role) -> Self {
        Self { id: ID(role.id.to_string()), name: role.name, description: role.description, kind: Some(role.kind) }
    }
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsLoginPayload {
    pub jwt: Option<String>,
    /// Gatehouse extension: the new session's refresh token when the domain uses refresh
    /// tokens (REFRESH), else null.
    pub refresh_token: Option<String>,
    #[graphql(guard = "Requires::Nothing")]
    pub user: UsersPermissionsMe,
}

impl From<gatehouse_core::auth::Session> for UsersPermissionsLoginPayload {
    fn from(session: gatehouse_core::auth::Session) -> Self {
        Self { jwt: session.jwt, refresh_token: session.refresh_token, user: session.user.into() }
    }
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsPasswordPayload {
    pub ok: bool,
}

#[derive(InputObject)]
pub struct UsersPermissionsLoginInput {
    pub identifier: String,
    pub password: String,
    #[graphql(default_with = "String::from(\"local\")")]
    pub provider: String,
}

#[derive(InputObject)]
pub struct UsersPermissionsRegisterInput {
    pub username: String,
    pub email: String,
    pub password: String,
    /// Refused unless the domain's `registerAllowedFields` lists it.
    pub confirmed: Option<bool>,
}
