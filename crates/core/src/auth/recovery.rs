//! The email flows: forgotten password, password reset, email confirmation.
//!
//! Their tokens are random, sent only by mail, and stored only as a SHA-256 hash. Each is
//! single use and expires; issuing a new one replaces (and so invalidates) the older one.

use std::sync::Arc;

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::Auth;
use super::{Session, ensure_enabled, policy, validate_email};
use crate::error::{CoreError, CoreResult};
use crate::events::{Actor, EventKind, NewEvent};
use crate::mail::TemplateKind;
use crate::model::{Domain, User, UserWithRole, now_millis};
use crate::sessions::{EndReason, SessionClient};
use crate::store::{SessionScope, TokenPurpose, UserChanges};
use crate::types::Email;
use crate::users::user_actor;
use crate::validation::FieldError;
use tracing::instrument;

/// Reset tokens: 64 random bytes as 128 lower-case hex characters (Strapi's format).
const RESET_TOKEN_BYTES: usize = 64;
/// Confirmation tokens: 20 random bytes as 40 hex characters (Strapi's format).
const CONFIRMATION_TOKEN_BYTES: usize = 20;
/// How long an email-confirmation link stays valid (Strapi's never expire).
pub const CONFIRMATION_LIFETIME_SECONDS: i64 = 7 * 24 * 3600;

fn new_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// What is stored of a token.
fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Auth {
    /// Sends a reset link to the user with this email. Unknown and blocked users get no mail,
    /// and the caller cannot tell: the answer is the same, and so is its time, since everything
    /// after the input checks (the lookup, the token, the mail) happens in the background. A
    /// failure there is logged and counted.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn forgot_password(self: &Arc<Self>, domain: &Domain, email: &str) -> CoreResult<()> {
        ensure_enabled(domain)?;
        validate_email(email)?;
        let email = Email::parse(email)?;
        let (auth, domain) = (Arc::clone(self), domain.clone());
        tokio::spawn(async move {
            if let Err(e) = auth.send_reset_link(&domain, &email).await {
                tracing::warn!(error = %e, domain = %domain.name, "reset link not sent");
            }
        });
        Ok(())
    }

    async fn send_reset_link(&self, domain: &Domain, email: &Email) -> CoreResult<()> {
        let Some(user) = self.store.user_by_email(domain.id, email).await? else { return Ok(()) };
        if user.blocked {
            return Ok(());
        }
        let token = new_token(RESET_TOKEN_BYTES);
        let expires_at = now_millis() + domain.settings.reset_token_lifetime_seconds * 1000;
        // Saved before sending, as in Strapi.
        self.store
            .set_user_token(domain.id, user.id, TokenPurpose::ResetPassword, &token_hash(&token), expires_at)
            .await?;
        let url = domain.settings.email_reset_password.clone().unwrap_or_default();
        let mail = self.emails.compose(domain, TemplateKind::ResetPassword, &user, &url, &token).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::PasswordResetRequested, &domain.name, Actor::Anonymous)
                    .user(&user.username, &domain.name),
            )
            .await;
        // Failures are logged and counted by the mailer.
        let _ = self.emails.send(mail).await;
        Ok(())
    }

    /// Sets a new password with the code of a reset mail, and signs the user in. The code
    /// works once; every token issued before is revoked. Receiving the mail proves the address,
    /// so the account is confirmed too.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn reset_password(
        &self,
        domain: &Domain,
        code: &str,
        password: &str,
        confirmation: &str,
        client: &SessionClient,
    ) -> CoreResult<Session> {
        ensure_enabled(domain)?;
        let mut errors = policy::check_new_password(domain, password, confirmation)?;
        if code.is_empty() {
            errors.push(FieldError::new("code", "code is a required field", code));
        }
        errors.finish()?;
        let incorrect = || CoreError::invalid("Incorrect code provided");
        let hash = token_hash(code);
        // Looked up first so that a wrong code costs no password hash.
        if self.store.user_by_token(domain.id, TokenPurpose::ResetPassword, &hash, now_millis()).await?.is_none() {
            return Err(incorrect());
        }
        // The user model's rule comes last, as in Strapi.
        policy::check_password_length(domain, "password", password)?;
        let changes = UserChanges {
            password_hash: Some(self.passwords.hash(password).await?),
            confirmed: Some(true),
            bump_token_version: true,
            ..Default::default()
        };
        let user = self
            .store
            .consume_user_token(domain.id, TokenPurpose::ResetPassword, &hash, now_millis(), &changes)
            .await?
            .ok_or_else(incorrect)?;
        self.audit
            .record(
                NewEvent::new(EventKind::PasswordReset, &domain.name, user_actor(&user, domain))
                    .user(&user.username, &domain.name),
            )
            .await;
        let scope = SessionScope::User(user.id);
        self.sessions
            .end_sessions(domain, Some(&user), scope, EndReason::PasswordReset, user_actor(&user, domain))
            .await?;
        self.signed_in(domain, user, client).await
    }

    /// Confirms the email of the user holding this confirmation token, and signs it in.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn confirm_email(&self, domain: &Domain, confirmation: &str) -> CoreResult<Session> {
        ensure_enabled(domain)?;
        if confirmation.is_empty() {
            return Err(FieldError::new("confirmation", "confirmation is a required field", confirmation).into());
        }
        let changes = UserChanges { confirmed: Some(true), ..Default::default() };
        let user = self
            .store
            .consume_user_token(
                domain.id,
                TokenPurpose::EmailConfirmation,
                &token_hash(confirmation),
                now_millis(),
                &changes,
            )
            .await?
            .ok_or_else(|| CoreError::invalid("Invalid token"))?;
        self.audit
            .record(
                NewEvent::new(EventKind::EmailConfirmed, &domain.name, user_actor(&user, domain))
                    .user(&user.username, &domain.name),
            )
            .await;
        self.signed_in(domain, user, &SessionClient::default()).await
    }

    /// Sends a new confirmation mail to the user with this email (Strapi's REST
    /// `send-email-confirmation`); the older link stops working. Unknown emails are ignored.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn resend_email_confirmation(&self, domain: &Domain, email: &str) -> CoreResult<()> {
        ensure_enabled(domain)?;
        validate_email(email)?;
        let email = Email::parse(email)?;
        let Some(user) = self.store.user_by_email(domain.id, &email).await? else { return Ok(()) };
        if user.blocked {
            return Err(CoreError::refused("User blocked"));
        }
        if user.confirmed {
            return Err(CoreError::refused("Already confirmed"));
        }
        self.send_confirmation(domain, &user).await
    }

    /// Issues a confirmation token and mails it, waiting for the delivery.
    pub(crate) async fn send_confirmation(&self, domain: &Domain, user: &User) -> CoreResult<()> {
        let token = new_token(CONFIRMATION_TOKEN_BYTES);
        let expires_at = now_millis() + CONFIRMATION_LIFETIME_SECONDS * 1000;
        self.store
            .set_user_token(domain.id, user.id, TokenPurpose::EmailConfirmation, &token_hash(&token), expires_at)
            .await?;
        // The link leads to the front end's confirmation page when the domain names one.
        let url = domain
            .settings
            .email_confirmation_redirection
            .clone()
            .unwrap_or_else(|| self.emails.public_url().to_string());
        let mail = self.emails.compose(domain, TemplateKind::EmailConfirmation, user, &url, &token).await?;
        self.emails.send(mail).await.map_err(|_| CoreError::refused("Error sending confirmation email"))
    }

    /// A new session (or legacy token) for a user the mail flows signed in; Strapi names the
    /// device itself.
    async fn signed_in(&self, domain: &Domain, user: User, client: &SessionClient) -> CoreResult<Session> {
        let signed_in = self.sessions.sign_in(domain, &user, client, false).await?;
        let role = self.roles.role_of(&user).await?;
        Ok(Session::signed_in(signed_in, UserWithRole { user, role }))
    }
}
