//! `token`: tokens of the user API, issued or revoked by an admin.

use async_graphql::{Context, Object};

use super::caller::caller;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DateTime, DomainName, UserRef};
use super::types::Token;
use super::{core, find_domain};

#[derive(Default)]
pub struct TokenAdminMutation;

/// Tokens of the user API.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl TokenAdminMutation {
    /// A JWT for the user, as a login would give it (recorded in the audit log).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn request_token(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<Token>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let token = core(ctx)
            .users()
            .issue_token(&domain, &user.username, caller(ctx).actor())
            .await
            .or_admin_about("user", &user)?;
        Ok(Some(Token { jwt: token.jwt, expires_at: DateTime(token.expires_at * 1000) }))
    }

    /// Revokes every token issued to the user so far.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["user".into()]))]
    async fn revoke_token(&self, ctx: &Context<'_>, user: UserRef) -> AdminResult<Option<String>> {
        let domain = find_domain(ctx, &DomainName(user.domain.clone())).await?;
        let core = core(ctx);
        let found = core.users().account(&domain, &user.username).await.or_admin_about("user", &user)?;
        core.users().revoke_tokens(&domain, found.id, caller(ctx).actor()).await.or_admin_about("user", &user)?;
        Ok(Some("Revoked".into()))
    }
}
