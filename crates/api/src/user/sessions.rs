//! Gatehouse extensions for domains using refresh tokens (Strapi's GraphQL plugin has none):
//! `refreshToken`, `logout`, `mySessions` and `endMySession`, over the same core operations
//! and permission actions as the REST routes. A Strapi client that does not call them sees
//! nothing new.

use async_graphql::{Context, ID, Object, SimpleObject};

use super::authorization::Requires;
use super::error::{ApiResult, OrStrapi};
use super::objects::parts;
use gatehouse_core::permissions::{AUTH_GET_SESSIONS, AUTH_LOGOUT, AUTH_REVOKE_SESSION};
use gatehouse_core::sessions::Logout;
use gatehouse_core::store::StoredSession;
use gatehouse_core::{SessionId, format_millis};

/// New tokens for a refresh token, which is used up.
#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsRefreshPayload {
    pub jwt: String,
    pub refresh_token: String,
}

#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsLogoutPayload {
    pub ok: bool,
}

/// One of the caller's live sessions.
#[derive(SimpleObject)]
#[graphql(guard = "Requires::Parent")]
pub struct UsersPermissionsSession {
    pub id: ID,
    /// The client's name for its device, or a random UUID the server gave.
    pub device_id: Option<String>,
    /// The browser and system of the user agent, or the user agent itself.
    pub device_name: Option<String>,
    /// The session of the access token of this request.
    pub current: bool,
    pub login_at: String,
    pub last_active_at: String,
}

impl UsersPermissionsSession {
    fn of(session: StoredSession, current: Option<&SessionId>) -> Self {
        Self {
            current: Some(&session.id) == current,
            id: ID(session.id.to_string()),
            device_id: session.device_id,
            device_name: session.device_name,
            login_at: format_millis(session.created_at),
            last_active_at: format_millis(session.last_used_at),
        }
    }
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Gatehouse extension: the caller's live sessions, the current one first, then the most
    /// recently used.
    #[graphql(guard = "Requires::SignedInWith(AUTH_GET_SESSIONS)")]
    async fn my_sessions(&self, ctx: &Context<'_>) -> ApiResult<Vec<UsersPermissionsSession>> {
        let (core, caller) = parts(ctx);
        let user = caller.signed_in()?;
        core.sessions().require_refresh_mode(&caller.domain).or_strapi()?;
        let current = caller.session.as_ref();
        let mut sessions = core.sessions().user_sessions(&caller.domain, user.id).await.or_strapi()?;
        sessions.sort_by_key(|s| Some(&s.id) != current);
        Ok(sessions.into_iter().map(|s| UsersPermissionsSession::of(s, current)).collect())
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Gatehouse extension: exchanges a refresh token for new tokens. A token used twice ends
    /// its session.
    #[graphql(guard = "Requires::AuthAction(\"refresh\")")]
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> ApiResult<UsersPermissionsRefreshPayload> {
        let (core, caller) = parts(ctx);
        core.sessions().require_refresh_mode(&caller.domain).or_strapi()?;
        let refreshed = core.sessions().refresh_session(&caller.domain, &refresh_token).await.or_strapi()?;
        Ok(UsersPermissionsRefreshPayload { jwt: refreshed.jwt, refresh_token: refreshed.refresh_token })
    }

    /// Gatehouse extension: ends every session of the caller (`scope: "all"`), those of a
    /// device (`deviceId`), or else the current one.
    #[graphql(guard = "Requires::SignedInWith(AUTH_LOGOUT)")]
    async fn logout(
        &self,
        ctx: &Context<'_>,
        scope: Option<String>,
        device_id: Option<String>,
    ) -> ApiResult<UsersPermissionsLogoutPayload> {
        let (core, caller) = parts(ctx);
        let user = caller.signed_in()?;
        core.sessions().require_refresh_mode(&caller.domain).or_strapi()?;
        let logout = Logout {
            all: scope.as_deref() == Some("all"),
            device_id: device_id.as_deref(),
            refresh_token: None,
            current: caller.session.as_ref(),
        };
        core.sessions().logout(&caller.domain, user, logout, caller.actor()).await.or_strapi()?;
        Ok(UsersPermissionsLogoutPayload { ok: true })
    }

    /// Gatehouse extension: ends one of the caller's sessions.
    #[graphql(guard = "Requires::SignedInWith(AUTH_REVOKE_SESSION)")]
    async fn end_my_session(&self, ctx: &Context<'_>, id: ID) -> ApiResult<UsersPermissionsLogoutPayload> {
        let (core, caller) = parts(ctx);
        let user = caller.signed_in()?;
        core.sessions().require_refresh_mode(&caller.domain).or_strapi()?;
        core.sessions().end_own_session(&caller.domain, user, &id, caller.actor()).await.or_strapi()?;
        Ok(UsersPermissionsLogoutPayload { ok: true })
    }
}
