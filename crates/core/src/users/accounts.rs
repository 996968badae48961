//! What the admin API does with accounts, named `username@domain`: look-ups, registration,
//! bans, passwords, roles, tokens, listings and statistics. Built on the user functions of
//! `users`; only what they do not cover (a ban with its reason, an admin-issued token) is
//! written here.

use rand::Rng;
use serde_json::json;

use super::Users;
use super::{UserDraft, UserPatch};
use crate::error::{CoreError, CoreResult, Entity};
use crate::events::{Actor, EventKind, NewEvent};
use crate::model::{Domain, DomainStatus, Millis, User, UserWithRole, now_millis};
use crate::paging::KeyPage;
use crate::password::Verdict;
use crate::sessions::EndReason;
use crate::store::{SessionScope, UserChanges, UserCounts};
use crate::text;
use crate::types::Username;
use tracing::instrument;

const DAY_MILLIS: Millis = 24 * 3600 * 1000;

/// Users by state and logins over the last 24 hours, of one domain or of all.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountStats {
    pub users: UserCounts,
    pub logins_last_day: i64,
    pub failed_logins_last_day: i64,
}

/// A token issued by an admin, with its expiry (Unix seconds).
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub jwt: String,
    pub expires_at: i64,
}

fn no_such_user() -> CoreError {
    CoreError::not_found(Entity::User, "User does not exist")
}

/// A username for `registerUser` without one: `user-` and 12 random characters.
fn generated_username() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let suffix: String = (0..12).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("user-{suffix}")
}

impl Users {
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn count_users(&self, domain: &Domain) -> CoreResult<i64> {
        Ok(self.store.count_users(domain.id).await?)
    }

    /// Usernames of the domain in byte order; `offset` skipped, at most `limit`.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn list_usernames(&self, domain: &Domain, limit: Option<i64>, offset: i64) -> CoreResult<Vec<Username>> {
        if limit.is_some_and(|l| l < 1) || offset < 0 {
            return Err(CoreError::invalid("limit must be positive and index not negative"));
        }
        Ok(self.store.list_usernames(domain.id, limit, offset).await?)
    }

    /// A page of the domain's usernames in byte order: the first `limit` after `after` (from
    /// the first username when `None`).
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn list_usernames_page(
        &self,
        domain: &Domain,
        after: Option<&Username>,
        limit: i64,
    ) -> CoreResult<KeyPage<Username>> {
        if limit < 1 {
            return Err(CoreError::invalid("limit must be positive"));
        }
        let read = self.store.list_usernames_after(domain.id, after, limit.saturating_add(1)).await?;
        Ok(KeyPage::from_read(read, limit))
    }

    /// Statistics of one domain, or of the whole installation when `domain` is `None`.
    #[instrument(skip_all, level = "debug", err(level = "debug"))]
    pub async fn account_stats(&self, domain: Option<&Domain>) -> CoreResult<AccountStats> {
        let users = self.store.user_counts(domain.map(|d| d.id)).await?;
        let kinds = [EventKind::LoginSucceeded, EventKind::LoginFailed];
        let since = now_millis() - DAY_MILLIS;
        let logins = self.store.count_events(domain.map(|d| &d.name), &kinds, since).await?;
        Ok(AccountStats {
            users,
            logins_last_day: logins.get(&EventKind::LoginSucceeded).copied().unwrap_or(0),
            failed_logins_last_day: logins.get(&EventKind::LoginFailed).copied().unwrap_or(0),
        })
    }

    /// The user named `username` (case-sensitive), or "User does not exist".
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn account(&self, domain: &Domain, username: &str) -> CoreResult<User> {
        self.user_by_username(domain, username).await?.ok_or_else(no_such_user)
    }

    /// Whether `password` is the user's password. Not a login: nothing is recorded.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn check_password(&self, domain: &Domain, username: &str, password: &str) -> CoreResult<bool> {
        let user = self.account(domain, username).await?;
        let Some(stored) = user.password_hash.as_deref() else { return Ok(false) };
        Ok(self.passwords.verify(password, stored).await? != Verdict::Wrong)
    }

    /// Registers a confirmed user. Without a username one is generated; without an email the
    /// user gets `<username>@<domain>.invalid`, an address that is never delivered (RFC 2606).
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn register_account(
        &self,
        domain: &Domain,
        username: Option<String>,
        email: Option<String>,
        password: &str,
        actor: Actor,
    ) -> CoreResult<UserWithRole> {
        let username = username.unwrap_or_else(generated_username);
        if self.user_by_username(domain, &username).await?.is_some() {
            return Err(CoreError::conflict(
                Entity::User,
                format!("User {username}@{} already registered", domain.name),
            ));
        }
        let email = email.unwrap_or_else(|| format!("{username}@{}.invalid", domain.name));
        let draft = UserDraft {
            username,
            email,
            password: Some(password.to_string()),
            confirmed: true,
            blocked: false,
            role_id: None,
        };
        self.create_user(domain, draft, actor).await
    }

    /// Blocks the user and revokes its tokens; the reason goes to the audit log.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn ban_account(&self, domain: &Domain, username: &str, reason: &str, actor: Actor) -> CoreResult<User> {
        text::check_chars("reason", reason, text::REASON_MAX_CHARS)?;
        text::check_no_nul("reason", reason)?;
        let user = self.account(domain, username).await?;
        let changes = UserChanges {
            blocked: Some(true),
            bump_token_version: true,
            clear_reset_token: true,
            ..Default::default()
        };
        let user =
            self.store.update_user(domain.id, user.id, &changes, now_millis()).await?.ok_or_else(no_such_user)?;
        let event = |kind| NewEvent::new(kind, &domain.name, actor.clone()).user(&user.username, &domain.name);
        self.audit.record(event(EventKind::UserUpdated).details(json!({ "changed": ["blocked"] }))).await;
        self.audit.record(event(EventKind::UserBlocked).details(json!({ "reason": reason }))).await;
        self.sessions
            .end_sessions(domain, Some(&user), SessionScope::User(user.id), EndReason::UserBlocked, actor)
            .await?;
        Ok(user)
    }

    /// Applies `patch` to the user named `username`.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn update_account(
        &self,
        domain: &Domain,
        username: &str,
        patch: UserPatch,
        actor: Actor,
    ) -> CoreResult<UserWithRole> {
        let user = self.account(domain, username).await?;
        self.update_user(domain, user.id, patch, actor).await
    }

    /// Gives the user the role of type `role`.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn set_account_role(
        &self,
        domain: &Domain,
        username: &str,
        role: &str,
        actor: Actor,
    ) -> CoreResult<UserWithRole> {
        let role = self
            .roles
            .role_by_type(domain, role)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Role, format!("Role {role} does not exist")))?;
        let patch = UserPatch { role_id: Some(role.id), ..Default::default() };
        self.update_account(domain, username, patch, actor).await
    }

    /// A token for the user, as a login would issue it (recorded as `TOKEN_ISSUED`).
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn issue_token(&self, domain: &Domain, username: &str, actor: Actor) -> CoreResult<IssuedToken> {
        if domain.status == DomainStatus::Disabled {
            return Err(CoreError::DomainDisabled);
        }
        let user = self.account(domain, username).await?;
        if user.blocked {
            return Err(CoreError::refused("The user is blocked"));
        }
        if domain.settings.email_confirmation && !user.confirmed {
            return Err(CoreError::refused("The user has not confirmed its email"));
        }
        let (jwt, expires_at) = self.sessions.issue_legacy_token(domain, &user)?;
        self.audit
            .record(NewEvent::new(EventKind::TokenIssued, &domain.name, actor).user(&user.username, &domain.name))
            .await;
        Ok(IssuedToken { jwt, expires_at })
    }
}
