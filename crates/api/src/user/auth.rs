//! `me`, `checkPermission`, and the auth mutations: `login`, `register`, `forgotPassword`,
//! `resetPassword`, `changePassword`, `emailConfirmation`.

use async_graphql::{Context, Object};

use super::authorization::Requires;
use super::error::{ApiResult, OrStrapi, or_null};
use super::objects::parts;
use super::types::*;
use gatehouse_core::auth::Registration;
use gatehouse_core::ratelimit::Limited;
use gatehouse_core::{CoreError, permissions};

#[derive(Default)]
pub struct AuthQuery;

#[Object]
impl AuthQuery {
    /// The authenticated user; anonymous callers get `Forbidden access`.
    #[graphql(guard = "Requires::SignedIn")]
    async fn me(&self, ctx: &Context<'_>) -> Option<UsersPermissionsMe> {
        or_null(ctx, async {
            let (_, caller) = parts(ctx);
            let user = caller.signed_in()?.clone();
            Ok(Some(UsersPermissionsMe { user, role: None }))
        })
        .await
    }

    /// Whether the caller (an anonymous caller: the Public role) may perform `action`, such as
    /// `api::article.article.update`.
    #[graphql(guard = "Requires::Nothing")]
    async fn check_permission(&self, ctx: &Context<'_>, action: String) -> ApiResult<bool> {
        let (core, caller) = parts(ctx);
        caller.allows(core, &action).await
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    #[graphql(guard = "Requires::AuthAction(\"callback\")")]
    async fn login(
        &self,
        ctx: &Context<'_>,
        input: UsersPermissionsLoginInput,
    ) -> ApiResult<UsersPermissionsLoginPayload> {
        let (core, caller) = parts(ctx);
        let attempt = core.auth().login_attempt(&caller.domain, caller.ip, &input.identifier).await.or_strapi()?;
        if input.provider != "local" {
            return Err(CoreError::refused("This provider is disabled")).or_strapi();
        }
        let session =
            core.auth().login(&caller.domain, attempt, &input.password, &caller.client(None)).await.or_strapi()?;
        Ok(UsersPermissionsLoginPayload::from(session))
    }

    /// Register a user
    #[graphql(guard = "Requires::AuthAction(\"register\")")]
    async fn register(
        &self,
        ctx: &Context<'_>,
        input: UsersPermissionsRegisterInput,
    ) -> ApiResult<UsersPermissionsLoginPayload> {
        let (core, caller) = parts(ctx);
        core.rate_limits()
            .check_rate_limit(&caller.domain, Limited::Register, caller.ip, &input.email)
            .await
            .or_strapi()?;
        let registration = Registration {
            username: input.username,
            email: input.email,
            password: input.password,
            confirmed: input.confirmed,
            other_fields: Vec::new(),
        };
        let session = core.auth().register(&caller.domain, registration, &caller.client(None)).await.or_strapi()?;
        Ok(UsersPermissionsLoginPayload::from(session))
    }

    /// Request a reset password token
    #[graphql(guard = "Requires::AuthAction(\"forgotPassword\")")]
    async fn forgot_password(&self, ctx: &Context<'_>, email: String) -> Option<UsersPermissionsPasswordPayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            core.rate_limits()
                .check_rate_limit(&caller.domain, Limited::ForgotPassword, caller.ip, &email)
                .await
                .or_strapi()?;
            core.auth().forgot_password(&caller.domain, &email).await.or_strapi()?;
            Ok(Some(UsersPermissionsPasswordPayload { ok: true }))
        })
        .await
    }

    /// Reset user password. Confirm with a code (resetToken from forgotPassword)
    #[graphql(guard = "Requires::AuthAction(\"resetPassword\")")]
    async fn reset_password(
        &self,
        ctx: &Context<'_>,
        password: String,
        password_confirmation: String,
        code: String,
    ) -> Option<UsersPermissionsLoginPayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            // Per client only: the code is what is being guessed.
            core.rate_limits()
                .check_rate_limit(&caller.domain, Limited::ResetPassword, caller.ip, "")
                .await
                .or_strapi()?;
            let session = core
                .auth()
                .reset_password(&caller.domain, &code, &password, &password_confirmation, &caller.client(None))
                .await
                .or_strapi()?;
            Ok(Some(UsersPermissionsLoginPayload::from(session)))
        })
        .await
    }

    /// Change user password. Confirm with the current password.
    #[graphql(guard = "Requires::SignedInWith(permissions::AUTH_CHANGE_PASSWORD)")]
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        current_password: String,
        password: String,
        password_confirmation: String,
    ) -> Option<UsersPermissionsLoginPayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            let user = caller.signed_in()?;
            core.rate_limits()
                .check_rate_limit(&caller.domain, Limited::ChangePassword, caller.ip, &user.id.to_string())
                .await
                .or_strapi()?;
            let session = core
                .auth()
                .change_password(
                    &caller.domain,
                    user,
                    &current_password,
                    &password,
                    &password_confirmation,
                    &caller.client(None),
                )
                .await
                .or_strapi()?;
            Ok(Some(UsersPermissionsLoginPayload::from(session)))
        })
        .await
    }

    /// Confirm an email users email address
    #[graphql(guard = "Requires::AuthAction(\"emailConfirmation\")")]
    async fn email_confirmation(
        &self,
        ctx: &Context<'_>,
        confirmation: String,
    ) -> Option<UsersPermissionsLoginPayload> {
        or_null(ctx, async {
            let (core, caller) = parts(ctx);
            let session = core.auth().confirm_email(&caller.domain, &confirmation).await.or_strapi()?;
            Ok(Some(UsersPermissionsLoginPayload::from(session)))
        })
        .await
    }
}
