//! Managing users: create, update, delete, look up, list, revoke their tokens.

pub mod accounts;

use std::collections::HashMap;
use std::sync::Arc;

use super::auth::validate_email;
use super::error::{CoreError, CoreResult, Entity};
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::model::{Domain, NewUser, Role, User, UserWithRole, now_millis};
use super::password::PasswordHasher;
use super::query::{Filter, ListQuery};
use super::roles::Roles;
use super::sessions::{EndReason, Sessions};
use super::store::{SessionScope, Store, UserChanges};
use super::types::{Email, RoleId, UserId, Username};
use super::validation::{FieldError, FieldErrors};
use crate::auth::policy;
use tracing::instrument;

/// A user to create. Names and email are the text the client sent: the core parses each where
/// its rule is checked, so that a request breaking several rules is told of the same one
/// first, as in Strapi.
#[derive(Debug, Clone)]
pub struct UserDraft {
    pub username: String,
    pub email: String,
    pub password: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    /// `None`: the domain's default role.
    pub role_id: Option<RoleId>,
}

/// Changes to a user; `None` keeps a field. Text as the client sent it, as in `UserDraft`.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub confirmed: Option<bool>,
    pub blocked: Option<bool>,
    pub role_id: Option<RoleId>,
}

impl UserPatch {
    fn is_empty(&self) -> bool {
        self.username.is_none()
            && self.email.is_none()
            && self.password.is_none()
            && self.confirmed.is_none()
            && self.blocked.is_none()
            && self.role_id.is_none()
    }
}

/// Strapi's attribute rule, as a field error of the input: [`Username::parse`]'s rules.
pub(crate) fn validate_username(given: &str) -> CoreResult<()> {
    Username::parse(given).map(drop).map_err(|e| FieldError::given("username", e.to_string(), given).into())
}

fn user_not_found() -> CoreError {
    CoreError::not_found(Entity::User, "User not found")
}

/// `alice@example.com` for events.
pub(crate) fn user_actor(user: &User, domain: &Domain) -> Actor {
    Actor::User(format!("{}@{}", user.username, domain.name))
}

/// The users of each domain, as the admin APIs and the user API's CRUD manage them.
pub struct Users {
    store: Arc<dyn Store>,
    passwords: Arc<PasswordHasher>,
    audit: Arc<Audit>,
    sessions: Arc<Sessions>,
    roles: Arc<Roles>,
}

impl Users {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        passwords: Arc<PasswordHasher>,
        audit: Arc<Audit>,
        sessions: Arc<Sessions>,
        roles: Arc<Roles>,
    ) -> Self {
        Self { store, passwords, audit, sessions, roles }
    }

    /// Looks up a user of the domain, if any.
    pub async fn user(&self, domain: &Domain, id: UserId) -> CoreResult<Option<User>> {
        Ok(self.store.user_by_id(domain.id, id).await?)
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn create_user(&self, domain: &Domain, draft: UserDraft, actor: Actor) -> CoreResult<UserWithRole> {
        let mut errors = FieldErrors::default();
        errors.add(validate_email(&draft.email))?;
        errors.add(validate_username(&draft.username))?;
        if let Some(password) = &draft.password {
            errors.add(policy::validate_password(domain, password))?;
        }
        errors.finish()?;
        let email = Email::parse(&draft.email)?;
        let username = Username::parse(&draft.username)?;
        let role = match draft.role_id {
            Some(id) => self.existing_role(domain, id).await?,
            None => self
                .store
                .role_by_kind(domain.id, &domain.settings.default_role)
                .await?
                .ok_or_else(|| CoreError::refused("Impossible to find the default role"))?,
        };
        if self.store.username_taken(domain.id, &username, None).await? {
            return Err(CoreError::conflict(Entity::User, "Username already taken"));
        }
        if domain.settings.unique_email && self.store.email_taken(domain.id, &email, None).await? {
            return Err(CoreError::conflict(Entity::User, "Email already taken"));
        }
        let password_hash = match &draft.password {
            Some(password) => Some(self.passwords.hash(password).await?),
            None => None,
        };
        let new_user = NewUser {
            domain_id: domain.id,
            username,
            email,
            password_hash,
            confirmed: draft.confirmed,
            blocked: draft.blocked,
            role_id: Some(role.id),
        };
        // A username taken since the check above is a conflict like any other.
        let user = self.store.insert_user(&new_user).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::UserCreated, &domain.name, actor).user(&user.username, &domain.name).details(
                    serde_json::json!({
                        "email": user.email, "confirmed": user.confirmed, "blocked": user.blocked, "role": role.kind
                    }),
                ),
            )
            .await;
        Ok(UserWithRole { user, role: Some(role) })
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn update_user(
        &self,
        domain: &Domain,
        user_id: UserId,
        patch: UserPatch,
        actor: Actor,
    ) -> CoreResult<UserWithRole> {
        let before = self.store.user_by_id(domain.id, user_id).await?.ok_or_else(user_not_found)?;
        if patch.is_empty() {
            let role = self.roles.role_of(&before).await?;
            return Ok(UserWithRole { user: before, role });
        }
        let new_email = patch.email.as_deref().filter(|e| e.trim().to_lowercase() != before.email);
        let mut errors = FieldErrors::default();
        if let Some(username) = patch.username.as_deref().filter(|u| *u != before.username) {
            errors.add(validate_username(username))?;
        }
        if let Some(email) = new_email {
            errors.add(validate_email(email))?;
        }
        if let Some(password) = &patch.password {
            errors.add(policy::validate_password(domain, password))?;
        }
        errors.finish()?;
        let mut changes = UserChanges::default();
        let mut changed = Vec::new();
        if let Some(username) = patch.username.filter(|u| before.username != *u) {
            let username = Username::parse(&username)?;
            if self.store.username_taken(domain.id, &username, Some(user_id)).await? {
                return Err(CoreError::conflict(Entity::User, "Username already taken"));
            }
            changes.username = Some(username);
            changed.push("username");
        }
        if let Some(email) = new_email {
            let email = Email::parse(email)?;
            if domain.settings.unique_email && self.store.email_taken(domain.id, &email, Some(user_id)).await? {
                return Err(CoreError::conflict(Entity::User, "Email already taken"));
            }
            changes.email = Some(email);
            changed.push("email");
        }
        let role = match patch.role_id {
            Some(id) if Some(id) != before.role_id => {
                let role = self.existing_role(domain, id).await?;
                changes.role_id = Some(role.id);
                changed.push("role");
                Some(role)
            }
            _ => None,
        };
        if let Some(confirmed) = patch.confirmed.filter(|c| *c != before.confirmed) {
            changes.confirmed = Some(confirmed);
            changed.push("confirmed");
        }
        let blocked_now = patch.blocked.filter(|b| *b != before.blocked);
        if let Some(blocked) = blocked_now {
            changes.blocked = Some(blocked);
            changed.push("blocked");
            if blocked {
                // A blocked user keeps no session and no way back in through a reset link.
                changes.bump_token_version = true;
                changes.clear_reset_token = true;
            }
        }
        if let Some(password) = &patch.password {
            changes.password_hash = Some(self.passwords.hash(password).await?);
            changes.bump_token_version = true;
            changes.clear_reset_token = true;
            changed.push("password");
        }
        let user =
            self.store.update_user(domain.id, user_id, &changes, now_millis()).await?.ok_or_else(user_not_found)?;
        let role = match role {
            Some(role) => Some(role),
            None => self.roles.role_of(&user).await?,
        };
        if !changed.is_empty() {
            let event = |kind| NewEvent::new(kind, &domain.name, actor.clone()).user(&user.username, &domain.name);
            self.audit.record(event(EventKind::UserUpdated).details(serde_json::json!({ "changed": changed }))).await;
            match blocked_now {
                Some(true) => self.audit.record(event(EventKind::UserBlocked)).await,
                Some(false) => self.audit.record(event(EventKind::UserUnblocked)).await,
                None => {}
            }
            if patch.password.is_some() {
                self.audit.record(event(EventKind::PasswordChanged)).await;
            }
            // A blocked user's sessions, or every session after a new password, end (ASVS 7.4.2).
            let ending = match (blocked_now, patch.password.is_some()) {
                (Some(true), _) => Some(EndReason::UserBlocked),
                (_, true) => Some(EndReason::PasswordChanged),
                _ => None,
            };
            if let Some(reason) = ending {
                self.sessions
                    .end_sessions(domain, Some(&user), SessionScope::User(user.id), reason, actor.clone())
                    .await?;
            }
        }
        Ok(UserWithRole { user, role })
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn delete_user(&self, domain: &Domain, user_id: UserId, actor: Actor) -> CoreResult<UserWithRole> {
        let user = self.store.user_by_id(domain.id, user_id).await?.ok_or_else(user_not_found)?;
        let role = self.roles.role_of(&user).await?;
        self.sessions
            .end_sessions(domain, Some(&user), SessionScope::User(user.id), EndReason::UserDeleted, actor.clone())
            .await?;
        self.store.delete_user(domain.id, user.id).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::UserDeleted, &domain.name, actor)
                    .user(&user.username, &domain.name)
                    .details(serde_json::json!({ "email": user.email })),
            )
            .await;
        Ok(UserWithRole { user, role })
    }

    /// The user named `username`; text that cannot be a username names no one.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn user_by_username(&self, domain: &Domain, username: &str) -> CoreResult<Option<User>> {
        let Ok(username) = Username::parse(username) else { return Ok(None) };
        Ok(self.store.user_by_username(domain.id, &username).await?)
    }

    /// A user named by its numeric id or its documentId, as the user API's `id` arguments do.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn user_by_ref(&self, domain: &Domain, reference: &str) -> CoreResult<Option<User>> {
        if let Some(id) = UserId::parse(reference) {
            return Ok(self.store.user_by_id(domain.id, id).await?);
        }
        Ok(self.store.user_by_document_id(domain.id, reference).await?)
    }

    /// Invalidates every token issued to the user so far.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn revoke_tokens(&self, domain: &Domain, user_id: UserId, actor: Actor) -> CoreResult<()> {
        let user = self.store.user_by_id(domain.id, user_id).await?.ok_or_else(user_not_found)?;
        let changes = UserChanges { bump_token_version: true, ..Default::default() };
        self.store.update_user(domain.id, user.id, &changes, now_millis()).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::TokenRevoked, &domain.name, actor.clone()).user(&user.username, &domain.name),
            )
            .await;
        self.sessions
            .end_sessions(domain, Some(&user), SessionScope::User(user.id), EndReason::TokensRevoked, actor)
            .await?;
        Ok(())
    }

    /// One page of the domain's users, each with its role.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn list_users(&self, domain: &Domain, query: &ListQuery) -> CoreResult<Vec<UserWithRole>> {
        let users = self.store.list_users(domain.id, query).await?;
        // Roles are few: one read serves every user of the page.
        let roles: HashMap<RoleId, Role> =
            self.store.list_roles(domain.id).await?.into_iter().map(|r| (r.id, r)).collect();
        Ok(users
            .into_iter()
            .map(|user| {
                let role = user.role_id.and_then(|id| roles.get(&id).cloned());
                UserWithRole { user, role }
            })
            .collect())
    }

    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn count_users_matching(&self, domain: &Domain, filter: Option<&Filter>) -> CoreResult<i64> {
        Ok(self.store.count_users_matching(domain.id, filter).await?)
    }

    async fn existing_role(&self, domain: &Domain, role_id: RoleId) -> CoreResult<Role> {
        self.store
            .role_by_id(domain.id, role_id)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Role, "Role not found"))
    }
}
