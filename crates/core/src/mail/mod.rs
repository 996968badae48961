//! Email: per-domain templates for the reset-password and email-confirmation mails, rendered
//! with Strapi's `<%= VARIABLE %>` syntax, and handed to a [`MailTransport`] (SMTP, or `.eml`
//! files in the outbox when no SMTP server is configured: the `gatehouse-mail` crate).

mod mailer;
mod render;

pub use mailer::{Mail, MailTransport, Mailer};
pub use render::{Variables, render};

use std::sync::Arc;

use super::error::{CoreError, CoreResult};
use super::events::Audit;
use super::events::{Actor, EventKind, NewEvent};
use super::model::{Domain, User, now_millis};
use super::store::{Store, StoredTemplate};
use super::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    ResetPassword,
    EmailConfirmation,
}

impl TemplateKind {
    pub const ALL: [TemplateKind; 2] = [TemplateKind::ResetPassword, TemplateKind::EmailConfirmation];

    /// Strapi's names: `reset_password`, `email_confirmation`.
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateKind::ResetPassword => "reset_password",
            TemplateKind::EmailConfirmation => "email_confirmation",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTemplate {
    pub kind: TemplateKind,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl EmailTemplate {
    /// Strapi's default templates (its message is the html part; the text part is the same
    /// without tags).
    pub fn default_for(kind: TemplateKind) -> Self {
        let (subject, text, html) = match kind {
            TemplateKind::ResetPassword => (
                "Reset password",
                "We heard that you lost your password. Sorry about that!\n\n\
                 But don't worry! You can use the following link to reset your password:\n\n\
                 <%= URL %>?code=<%= TOKEN %>\n\nThanks.\n",
                "<p>We heard that you lost your password. Sorry about that!</p>\n\n\
                 <p>But don’t worry! You can use the following link to reset your password:</p>\n\
                 <p><%= URL %>?code=<%= TOKEN %></p>\n\n<p>Thanks.</p>",
            ),
            TemplateKind::EmailConfirmation => (
                "Account confirmation",
                "Thank you for registering!\n\n\
                 You have to confirm your email address. Please click on the link below.\n\n\
                 <%= URL %>?confirmation=<%= CODE %>\n\nThanks.\n",
                "<p>Thank you for registering!</p>\n\n\
                 <p>You have to confirm your email address. Please click on the link below.</p>\n\n\
                 <p><%= URL %>?confirmation=<%= CODE %></p>\n\n<p>Thanks.</p>",
            ),
        };
        Self { kind, subject: subject.into(), text: text.into(), html: html.into() }
    }

    fn from_stored(stored: StoredTemplate) -> Self {
        Self { kind: stored.kind, subject: stored.subject, text: stored.text, html: stored.html }
    }
}

/// Longest subject accepted (a header line, not a body).
const MAX_SUBJECT: usize = 998;
/// Longest text or html part accepted.
const MAX_BODY: usize = 256 * 1024;

/// The mails of the email flows: each domain's templates, and their sending.
pub struct Emails {
    store: Arc<dyn Store>,
    audit: Arc<Audit>,
    mailer: Arc<Mailer>,
    /// Where users reach Gatehouse: the links of its mails start here.
    public_url: String,
}

impl Emails {
    pub(crate) fn new(store: Arc<dyn Store>, audit: Arc<Audit>, mailer: Arc<Mailer>, public_url: String) -> Self {
        Self { store, audit, mailer, public_url }
    }

    pub(crate) fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Hands the mail to the transport; failures are logged and counted by the mailer.
    pub(crate) async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        self.mailer.send(mail).await
    }

    /// Both templates of the domain, Strapi's defaults where the domain has not set its own.
    pub async fn email_templates(&self, domain: &Domain) -> CoreResult<Vec<EmailTemplate>> {
        let stored: Vec<EmailTemplate> =
            self.store.email_templates(domain.id).await?.into_iter().map(EmailTemplate::from_stored).collect();
        Ok(TemplateKind::ALL
            .into_iter()
            .map(|kind| {
                stored.iter().find(|t| t.kind == kind).cloned().unwrap_or_else(|| EmailTemplate::default_for(kind))
            })
            .collect())
    }

    pub async fn email_template(&self, domain: &Domain, kind: TemplateKind) -> CoreResult<EmailTemplate> {
        let all = self.email_templates(domain).await?;
        Ok(all.into_iter().find(|t| t.kind == kind).unwrap_or_else(|| EmailTemplate::default_for(kind)))
    }

    /// Replaces one template of the domain.
    pub async fn set_email_template(
        &self,
        domain: &Domain,
        template: EmailTemplate,
        actor: Actor,
    ) -> CoreResult<EmailTemplate> {
        if template.subject.trim().is_empty() {
            return Err(CoreError::invalid("subject must not be empty"));
        }
        if template.subject.len() > MAX_SUBJECT || template.subject.contains(['\r', '\n']) {
            return Err(CoreError::invalid(format!("subject must be one line of at most {MAX_SUBJECT} bytes")));
        }
        for (field, value) in [("subject", &template.subject), ("text", &template.text), ("html", &template.html)] {
            text::check_no_nul(field, value)?;
        }
        if template.text.len() > MAX_BODY || template.html.len() > MAX_BODY {
            return Err(CoreError::invalid(format!("text and html must each be at most {MAX_BODY} bytes")));
        }
        let stored = StoredTemplate {
            kind: template.kind,
            subject: template.subject.clone(),
            text: template.text.clone(),
            html: template.html.clone(),
        };
        self.store.put_email_template(domain.id, &stored, now_millis()).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::SettingsChanged, &domain.name, actor)
                    .details(serde_json::json!({ "emailTemplate": template.kind.as_str() })),
            )
            .await;
        Ok(template)
    }

    /// The mail of `kind` for `user`, rendered with the link's base `url` and its `token`.
    pub(crate) async fn compose(
        &self,
        domain: &Domain,
        kind: TemplateKind,
        user: &User,
        url: &str,
        token: &str,
    ) -> CoreResult<Mail> {
        let template = self.email_template(domain, kind).await?;
        let user_vars: Vec<(&str, String)> = vec![
            ("USER.id", user.id.to_string()),
            ("USER.documentId", user.document_id.clone()),
            ("USER.username", user.username.to_string()),
            ("USER.email", user.email.to_string()),
        ];
        let mut vars = user_vars.clone();
        vars.extend([
            ("URL", url.to_string()),
            ("SERVER_URL", self.public_url.clone()),
            ("ADMIN_URL", String::new()),
            (if kind == TemplateKind::ResetPassword { "TOKEN" } else { "CODE" }, token.to_string()),
        ]);
        // As in Strapi, the subject sees only the user (and so never the token).
        Ok(Mail {
            to: user.email.to_string(),
            subject: render(&template.subject, &user_vars, false),
            text: render(&template.text, &vars, false),
            html: render(&template.html, &vars, true),
        })
    }
}
