//! `me`, `login`, `register`, `changePassword`.

use std::sync::Arc;

use async_graphql::{Context, Object};

use super::caller::UserCaller;
use super::error::{ApiResult, OrStrapi};
use super::types::*;
use crate::core::auth::Registration;
use crate::core::{Core, CoreError, permissions};

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The authenticated user; anonymous callers get `Forbidden access`.
    async fn me(&self, ctx: &Context<'_>) -> ApiResult<Option<UsersPermissionsMe>> {
        let caller = ctx.data_unchecked::<UserCaller>();
        let user = caller.user.clone().ok_or(CoreError::Forbidden).or_strapi()?;
        Ok(Some(UsersPermissionsMe { user, role: None }))
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: UsersPermissionsLoginInput,
    ) -> ApiResult<UsersPermissionsLoginPayload> {
        let (core, caller) = (ctx.data_unchecked::<Arc<Core>>(), ctx.data_unchecked::<UserCaller>());
        if input.provider != "local" {
            return Err(CoreError::refused("This provider is disabled")).or_strapi();
        }
        let session = core.login(&caller.domain, &input.identifier, &input.password).await.or_strapi()?;
        Ok(UsersPermissionsLoginPayload { jwt: session.jwt, user: session.user.into() })
    }

    /// Register a user
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: UsersPermissionsRegisterInput,
    ) -> ApiResult<UsersPermissionsLoginPayload> {
        let (core, caller) = (ctx.data_unchecked::<Arc<Core>>(), ctx.data_unchecked::<UserCaller>());
        let registration = Registration { username: input.username, email: input.email, password: input.password };
        let session = core.register(&caller.domain, registration).await.or_strapi()?;
        Ok(UsersPermissionsLoginPayload { jwt: session.jwt, user: session.user.into() })
    }

    /// Change user password. Confirm with the current password.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        password: String,
        password_confirmation: String,
    ) -> ApiResult<Option<UsersPermissionsLoginPayload>> {
        let (core, caller) = (ctx.data_unchecked::<Arc<Core>>(), ctx.data_unchecked::<UserCaller>());
        let user = caller.require(core, permissions::AUTH_CHANGE_PASSWORD).await?;
        let session = core
            .change_password(&caller.domain, user, &current_password, &password, &password_confirmation)
            .await
            .or_strapi()?;
        Ok(Some(UsersPermissionsLoginPayload { jwt: session.jwt, user: session.user.into() }))
    }
}
