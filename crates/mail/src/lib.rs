//! Sending mail with lettre: over SMTP when a URL is configured (`smtp://host:port`,
//! `smtp://host?tls=required` or `?tls=opportunistic` for STARTTLS, `smtps://host` for TLS
//! from the first byte; `user:password@` for AUTH), else as `.eml` files in the outbox folder,
//! each logged with its path.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use gatehouse_core::mail::{Mail, MailTransport};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

/// The configured transport: SMTP, or the outbox folder.
pub struct Delivery {
    transport: Transport,
    from: Mailbox,
}

/// How long one SMTP exchange may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

impl Delivery {
    /// Checks the SMTP URL and the sender now, so that a bad config is refused at start.
    pub fn new(smtp_url: Option<&str>, outbox: PathBuf, from: &str) -> anyhow::Result<Self> {
        let from: Mailbox = from.parse().with_context(|| format!("smtp.from: {from:?} is not a valid mailbox"))?;
        let transport = match smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("smtp.url: {e}"))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build(),
            ),
            None => Transport::Outbox(outbox),
        };
        Ok(Self { transport, from })
    }
}

#[async_trait::async_trait]
impl MailTransport for Delivery {
    async fn deliver(&self, mail: &Mail) -> anyhow::Result<()> {
        let to: Mailbox = mail.to.parse().with_context(|| format!("invalid recipient {:?}", mail.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.as_str())
            .multipart(MultiPart::alternative_plain_html(mail.text.clone(), mail.html.clone()))
            .context("cannot build the message")?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery failed")?;
                tracing::info!(to = %mail.to, "email sent");
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .with_context(|| format!("cannot create the outbox {}", dir.display()))?;
                // Written aside, then renamed: a reader of the outbox never sees half a mail.
                let name = gatehouse_core::model::new_document_id();
                let (part, path) = (dir.join(format!("{name}.eml.part")), dir.join(format!("{name}.eml")));
                tokio::fs::write(&part, message.formatted())
                    .await
                    .with_context(|| format!("cannot write to the outbox {}", dir.display()))?;
                tokio::fs::rename(&part, &path)
                    .await
                    .with_context(|| format!("cannot write to the outbox {}", dir.display()))?;
                tracing::info!(to = %mail.to, path = %path.display(), "email written to the outbox");
            }
        }
        Ok(())
    }
}
