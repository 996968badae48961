//! `account`: the users of a domain, named `username@domain`.

use async_graphql::{Context, Object, SimpleObject};

use super::caller::caller;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DomainName, NonNegInt, PosInt, UserRef};
use super::types::{User, UserPayload};
use super::{core, find_domain};
use crate::core::users::UserPatch;

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
    /// (all when both are omitted).
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
            .list_usernames(&found, limit.map(|l| l.0), index.map_or(0, |i| i.0))
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some(names.iter().map(|name| UserRef::new(name, &found.name)).collect()))
    }

    /// How many users the domain has.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn count_users(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<i64>> {
        let found = find_domain(ctx, &domain).await?;
        Ok(Some(core(ctx).count_users(&found).await.or_admin()?))
    }

    /// One user, with its role.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn get_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<User>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let found = core(ctx).account(&domain, &user.username).await.or_admin_about("user", &user)?;
        Ok(Some(User::new(found, &domain.name)))
    }

    /// Whether the user exists (a missing user is an answer, not an error).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn check_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<CheckUserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let exist = core(ctx).user_by_username(&domain, &user.username).await.or_admin()?.is_some();
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
            core(ctx).check_password(&domain, &user.username, &password).await.or_admin_about("user", &user)?;
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
            .register_account(&found, username, email, &password, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        let user = UserRef::new(&created.user.username, &found.name);
        Ok(Some(UserPayload { message: format!("User {user} successfully registered"), user }))
    }

    /// Removes the user.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn remove_user(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<UserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.account(&domain, &user.username).await.or_admin_about("user", &user)?;
        core.delete_user(&domain, found.id, caller(ctx).actor()).await.or_admin_about("user", &user)?;
        Ok(Some(UserPayload { message: format!("User {user} successfully unregistered"), user }))
    }

    /// Blocks the user and revokes every token issued to it; the reason goes to the audit log.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn ban_user(&self, ctx: &Context<'_>, user: UserRef, reason: String) -> AdminResult<Option<UserPayload>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        core(ctx)
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
            return Err(crate::core::CoreError::invalid("Empty password")).or_admin();
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
    core(ctx).update_account(&domain, &user.username, patch, caller(ctx).actor()).await.or_admin_about("user", user)?;
    Ok(())
}
