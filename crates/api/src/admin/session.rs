//! `session`: the users' sessions of domains using refresh tokens, MongooseIM's category with
//! a session in the place of an XMPP resource (`username@domain/SESSION_ID`).

use std::collections::HashMap;

use async_graphql::{Context, Object, SimpleObject};

use super::caller::caller;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DateTime, DomainName, FullUserRef, UserRef};
use super::{core, find_domain};
use gatehouse_core::sessions::EndReason;
use gatehouse_core::store::{SessionScope, StoredSession};
use gatehouse_core::{Core, CoreError, Domain, UserId, Username};

/// The most sessions one listing answers, per domain.
const LIST_LIMIT: i64 = 1000;
const DEFAULT_REASON: &str = "Kicked by administrator";

/// A live session.
#[derive(SimpleObject)]
pub struct Session {
    /// `username@domain/SESSION_ID`.
    pub user: FullUserRef,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    /// The client's address when the session started.
    pub ip: Option<String>,
    /// The node that started it.
    pub node: String,
    pub created_at: DateTime,
    pub last_used_at: DateTime,
    /// When it ends unless refreshed (never past its absolute end).
    pub expires_at: DateTime,
    /// Seconds since it started.
    pub uptime: i64,
}

/// The outcome of ending one session.
#[derive(SimpleObject)]
pub struct KickUserResult {
    pub user: FullUserRef,
    pub kicked: bool,
    pub code: Option<String>,
    pub message: String,
}

fn session(session: &StoredSession, username: &Username, domain: &Domain) -> Session {
    let now = gatehouse_core::now_millis();
    Session {
        user: FullUserRef { user: UserRef::new(username, &domain.name), session: session.id.clone() },
        device_id: session.device_id.clone(),
        device_name: session.device_name.clone(),
        ip: session.client_address.clone(),
        node: session.node.clone(),
        created_at: DateTime(session.created_at),
        last_used_at: DateTime(session.last_used_at),
        expires_at: DateTime(session.expires_at),
        uptime: (now - session.created_at).max(0) / 1000,
    }
}

/// The sessions with their users' names (read once per user).
async fn named(core: &Core, domain: &Domain, sessions: Vec<StoredSession>) -> Result<Vec<Session>, CoreError> {
    let mut names: HashMap<UserId, Option<Username>> = HashMap::new();
    let mut listed = Vec::with_capacity(sessions.len());
    for stored in sessions {
        if let std::collections::hash_map::Entry::Vacant(entry) = names.entry(stored.user_id) {
            entry.insert(core.users().user(domain, stored.user_id).await?.map(|u| u.username));
        }
        if let Some(Some(username)) = names.get(&stored.user_id) {
            listed.push(session(&stored, username, domain));
        }
    }
    Ok(listed)
}

fn kicked(user: FullUserRef) -> KickUserResult {
    KickUserResult { user, kicked: true, code: None, message: "Session kicked".into() }
}

#[derive(Default)]
pub struct SessionAdminQuery;

/// Sessions.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl SessionAdminQuery {
    /// The live sessions of the domain, or of every domain, the most recently used first (at
    /// most 1000 per domain).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_sessions(&self, ctx: &Context<'_>, domain: Option<DomainName>) -> AdminResult<Vec<Session>> {
        let core = core(ctx);
        let domains = match domain {
            Some(name) => vec![find_domain(ctx, &name).await?],
            None => core.domains().all_domains().await.or_admin()?,
        };
        let mut listed = Vec::new();
        for domain in domains {
            let sessions = core.sessions().domain_sessions(&domain, LIST_LIMIT).await.or_admin()?;
            listed.extend(named(core, &domain, sessions).await.or_admin()?);
        }
        Ok(listed)
    }

    /// How many live sessions the domain, or every domain, has.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn count_sessions(&self, ctx: &Context<'_>, domain: Option<DomainName>) -> AdminResult<i64> {
        let found = match domain {
            Some(name) => Some(find_domain(ctx, &name).await?),
            None => None,
        };
        Ok(core(ctx).sessions().count_sessions(found.as_ref()).await.or_admin()?.sessions)
    }

    /// The user's live sessions, the most recently used first.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn list_user_sessions(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Vec<Session>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.users().account(&domain, &user.username).await.or_admin_about("user", &user)?;
        let sessions = core.sessions().user_sessions(&domain, found.id).await.or_admin()?;
        Ok(sessions.iter().map(|s| session(s, &found.username, &domain)).collect())
    }
}

#[derive(Default)]
pub struct SessionAdminMutation;

/// Sessions.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl SessionAdminMutation {
    /// Ends one session: its tokens are refused at once. `no_session` when it is not live.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn kick_user_session(
        &self,
        ctx: &Context<'_>,
        user: FullUserRef,
        reason: Option<String>,
    ) -> AdminResult<Option<KickUserResult>> {
        let domain = find_domain(ctx, &DomainName(user.user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.users().account(&domain, &user.user.username).await.or_admin_about("user", &user.user)?;
        let reason = EndReason::Kicked(reason.unwrap_or_else(|| DEFAULT_REASON.into()));
        let scope = SessionScope::OneOfUser(found.id, &user.session);
        let ended =
            core.sessions().end_sessions(&domain, Some(&found), scope, reason, caller(ctx).actor()).await.or_admin()?;
        if ended.is_empty() {
            let gone = CoreError::not_found(gatehouse_core::Entity::Session, "No active session");
            return Err(gone).or_admin_about("user", &user);
        }
        Ok(Some(kicked(user)))
    }

    /// Ends every session of the user; one result per session.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn kick_user(
        &self,
        ctx: &Context<'_>,
        user: UserRef,
        reason: Option<String>,
    ) -> AdminResult<Vec<KickUserResult>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.users().account(&domain, &user.username).await.or_admin_about("user", &user)?;
        let reason = EndReason::Kicked(reason.unwrap_or_else(|| DEFAULT_REASON.into()));
        let scope = SessionScope::User(found.id);
        let ended =
            core.sessions().end_sessions(&domain, Some(&found), scope, reason, caller(ctx).actor()).await.or_admin()?;
        Ok(ended.into_iter().map(|s| kicked(FullUserRef { user: user.clone(), session: s.id })).collect())
    }

    /// Ends every session of the domain; returns how many ended.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn kick_domain_sessions(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        reason: Option<String>,
    ) -> AdminResult<i64> {
        let found = find_domain(ctx, &domain).await?;
        let reason = EndReason::Kicked(reason.unwrap_or_else(|| DEFAULT_REASON.into()));
        let ended = core(ctx)
            .sessions()
            .end_sessions(&found, None, SessionScope::Domain, reason, caller(ctx).actor())
            .await
            .or_admin()?;
        Ok(ended.len() as i64)
    }
}
