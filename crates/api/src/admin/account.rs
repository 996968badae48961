//! `account`: the users of a domain, named `username@domain`.

use async_graphql::{Context, InputObject, Object, SimpleObject};

use super::caller::caller;
use super::cursor::Cursor;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DomainName, NonNegInt, PosInt, UserRef};
use super::types::{User, UserPayload};
use super::{core, find_domain};
use gatehouse_core::Username;
use gatehouse_core::import::ImportRecord;
use gatehouse_core::users::UserPatch;

/// Users per `listUsersPage` page: by default, and at most.
const DEFAULT_PAGE: i64 = 100;
const MAX_PAGE: i64 = 1000;

/// Users one `importUsers` call takes; `gatehouse import` is made for larger files.
const MAX_IMPORT: usize = 1000;

/// One user to import: a plain password or an Argon2/bcrypt hash (not both; neither leaves the
/// user without a password until it resets one).
#[derive(InputObject)]
pub struct ImportUserInput {
    pub username: String,
    /// Without one: `<username>@<domain>.invalid`, which is never delivered.
    pub email: Option<String>,
    pub password: Option<String>,
    pub password_hash: Option<String>,
    #[graphql(default = true)]
    pub confirmed: bool,
    #[graphql(default = false)]
    pub blocked: bool,
    /// A role type of the domain; the default role when omitted.
    pub role: Option<String>,
}

/// A record `importUsers` refused.
#[derive(SimpleObject)]
pub struct InvalidImport {
    /// The record's position in `users`, from 1.
    pub line: i64,
    pub reason: String,
}

/// What `importUsers` did. Existing users (same username, or same email when the domain wants
/// unique emails) are counted and left unchanged.
#[derive(SimpleObject)]
pub struct ImportPayload {
    pub created: i64,
    pub existing: i64,
    pub invalid: i64,
    pub created_users: Vec<UserRef>,
    pub existing_users: Vec<UserRef>,
    pub invalid_users: Vec<InvalidImport>,
}

/// A page of `listUsersPage`.
#[derive(SimpleObject)]
pub struct UserPage {
    pub users: Vec<UserRef>,
    /// Where this page ended: `after` for the next one; null when no user follows.
    pub next_cursor: Option<Cursor>,
}

#[derive(SimpleObject)]
pub struct CheckUserPayload {
    pub exist: bool,
    pub message: String,
}

#[derive(SimpleObject)]
pub struct CheckPasswordPayload {
    pub correct: bool,
    pub message: String,
}

#[derive(Default)]
pub struct AccountAdminQuery;

/// User accounts.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AccountAdminQuery {
    /// The domain's users as `username@domain`, sorted; `limit` and `index` page through them
    /// (all when both are omitted). A page far from both ends of a large domain costs more
    /// than one near them: `listUsersPage` pages at the same cost at any depth.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_users(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        limit: Option<PosInt>,
        index: Option<NonNegInt>,
    ) -> AdminResult<Option<Vec<UserRef>>> {
        let found = find_domain(ctx, &domain).await?;
        let names = core(ctx)
            .users()
            .list_usernames(&found, limit.map(|l| l.0), index.map_or(0, |i| i.0))
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some(names.iter().map(|name| UserRef::new(name, &found.name)).collect()))
    }

    /// The domain's users as `username@domain`, sorted, one page at a time: the first `limit`
    /// (default 100, at most 1000) after `after`, the `nextCursor` of the previous page (from
    /// the first user without it). Any page is as fast as the first, and users added or
    /// removed between pages do not shift the others. `nextCursor` is null on the last page.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_users_page(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        limit: Option<PosInt>,
        after: Option<Cursor>,
    ) -> AdminResult<Option<UserPage>> {
        let found = find_domain(ctx, &domain).await?;
        let after = after.as_ref().map(|cursor| cursor.username_in(&found.name)).transpose().or_admin()?;
        let limit = limit.map_or(DEFAULT_PAGE, |l| l.0.min(MAX_PAGE));
        let page =
            core(ctx).users().list_usernames_page(&found, after, limit).await.or_admin_about("domain", &domain.0)?;
        let next_cursor = match page.items.last() {
            Some(last) if page.more => Some(Cursor::users(&found.name, last)),
            _ => None,
        };
        let users = page.items.iter().map(|name| UserRef::new(name, &found.name)).collect();
        Ok(Some(UserPage { users, next_cursor }))
    }

    /// How many users the domain has.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn count_users(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<i64>> {
        let found = find_domain(ctx, &domain).await?;
        Ok(Some(core(ctx).users().count_users(&found).await.or_admin()?))
    }

    /// One user, with its role.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn get_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<User>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let found = core(ctx).users().account(&domain, &user.username).await.or_admin_about("user", &user)?;
        Ok(Some(User::new(found, &domain.name)))
    }

    /// Whether the user exists (a missing user is an answer, not an error).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn check_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<CheckUserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let exist = core(ctx).users().user_by_username(&domain, &user.username).await.or_admin()?.is_some();
        let message = if exist { format!("User {user} exists") } else { format!("User {user} does not exist") };
        Ok(Some(CheckUserPayload { exist, message }))
    }

    /// Whether `password` is the user's password (a wrong one is an answer, not an error).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn check_password(
        &self,
        ctx: &Context<'_>,
        user: UserRef,
        password: String,
    ) -> AdminResult<Option<CheckPasswordPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let correct =
            core(ctx).users().check_password(&domain, &user.username, &password).await.or_admin_about("user", &user)?;
        let message = if correct { "Password is correct" } else { "Password is not correct" };
        Ok(Some(CheckPasswordPayload { correct, message: message.into() }))
    }
}

#[derive(Default)]
pub struct AccountAdminMutation;

/// User accounts.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AccountAdminMutation {
    /// Registers a confirmed user with the domain's default role. Without `username` one is
    /// generated; without `email` the user gets `<username>@<domain>.invalid`, which is never
    /// delivered.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn register_user(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        username: Option<String>,
        email: Option<String>,
        password: String,
    ) -> AdminResult<Option<UserPayload>> {
        let found = find_domain(ctx, &domain).await?;
        let created = core(ctx)
            .users()
            .register_account(&found, username, email, &password, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        let user = UserRef::new(&created.user.username, &found.name);
        Ok(Some(UserPayload { message: format!("User {user} successfully registered"), user }))
    }

    /// Imports users (at most 1000 per call), with plain or hashed passwords.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn import_users(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        users: Vec<ImportUserInput>,
    ) -> AdminResult<Option<ImportPayload>> {
        if users.len() > MAX_IMPORT {
            let message = format!("At most {MAX_IMPORT} users per call; use `gatehouse import` for more");
            return Err(gatehouse_core::CoreError::invalid(message)).or_admin();
        }
        let found = find_domain(ctx, &domain).await?;
        let records = users
            .into_iter()
            .enumerate()
            .map(|(i, u)| ImportRecord {
                line: i + 1,
                email: u.email.unwrap_or_else(|| format!("{}@{}.invalid", u.username, found.name)),
                username: u.username,
                password: u.password,
                password_hash: u.password_hash,
                confirmed: u.confirmed,
                blocked: u.blocked,
                role: u.role,
            })
            .collect();
        let summary = core(ctx).imports().import_users(&found, records, caller(ctx).actor()).await.or_admin()?;
        let refs = |names: Vec<Username>| names.iter().map(|n| UserRef::new(n, &found.name)).collect::<Vec<_>>();
        Ok(Some(ImportPayload {
            created: summary.created.len() as i64,
            existing: summary.existing.len() as i64,
            invalid: summary.invalid.len() as i64,
            created_users: refs(summary.created),
            existing_users: refs(summary.existing),
            invalid_users: summary
                .invalid
                .into_iter()
                .map(|(line, reason)| InvalidImport { line: line as i64, reason })
                .collect(),
        }))
    }

    /// Removes the user.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn remove_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<UserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.users().account(&domain, &user.username).await.or_admin_about("user", &user)?;
        core.users().delete_user(&domain, found.id, caller(ctx).actor()).await.or_admin_about("user", &user)?;
        Ok(Some(UserPayload { message: format!("User {user} successfully unregistered"), user }))
    }

    /// Blocks the user and revokes every token issued to it; the reason goes to the audit log.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn ban_user(&self, ctx: &Context<'_>, user: UserRef, reason: String) -> AdminResult<Option<UserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        core(ctx)
            .users()
            .ban_account(&domain, &user.username, &reason, caller(ctx).actor())
            .await
            .or_admin_about("user", &user)?;
        Ok(Some(UserPayload { message: format!("User {user} successfully banned"), user }))
    }

    /// Lets a banned user log in again.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn unban_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<UserPayload>> {
        let patch = UserPatch { blocked: Some(false), ..Default::default() };
        update(ctx, &user, patch).await?;
        Ok(Some(UserPayload { message: format!("User {user} successfully unbanned"), user }))
    }

    /// Sets a new password (the domain's password policy applies) and revokes the user's tokens.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn change_user_password(
        &self,
        ctx: &Context<'_>,
        user: UserRef,
        new_password: String,
    ) -> AdminResult<Option<UserPayload>> {
        if new_password.is_empty() {
            return Err(gatehouse_core::CoreError::invalid("Empty password")).or_admin();
        }
        let patch = UserPatch { password: Some(new_password), ..Default::default() };
        update(ctx, &user, patch).await?;
        Ok(Some(UserPayload { message: "Password changed".into(), user }))
    }

    /// Gives the user the role of this type.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn set_user_role(&self, ctx: &Context<'_>, user: UserRef, role: String) -> AdminResult<Option<UserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        core(ctx)
            .users()
            .set_account_role(&domain, &user.username, &role, caller(ctx).actor())
            .await
            .or_admin_about("user", &user)?;
        Ok(Some(UserPayload { message: format!("User {user} now has the role {role}"), user }))
    }

    /// Marks the user's email as confirmed.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn confirm_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<UserPayload>> {
        let patch = UserPatch { confirmed: Some(true), ..Default::default() };
        update(ctx, &user, patch).await?;
        Ok(Some(UserPayload { message: format!("User {user} confirmed"), user }))
    }
}

async fn update(ctx: &Context<'_>, user: &UserRef, patch: UserPatch) -> AdminResult<()> {
    let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
    core(ctx)
        .users()
        .update_account(&domain, &user.username, patch, caller(ctx).actor())
        .await
        .or_admin_about("user", user)?;
    Ok(())
}
