//! Handing rendered mails to the configured transport, counting what was sent and what failed.

use std::sync::atomic::{AtomicU64, Ordering};

/// A rendered mail to one recipient.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where mails go.
#[async_trait::async_trait]
pub trait MailTransport: Send + Sync {
    async fn deliver(&self, mail: &Mail) -> anyhow::Result<()>;
}

pub struct Mailer {
    transport: Box<dyn MailTransport>,
    sent: AtomicU64,
    failed: AtomicU64,
}

impl Mailer {
    pub fn new(transport: impl MailTransport + 'static) -> Self {
        Self { transport: Box::new(transport), sent: AtomicU64::new(0), failed: AtomicU64::new(0) }
    }

    /// Mails delivered (or written to the outbox) since start.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Mails that could not be delivered since start.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Sends `mail`; failures are counted and logged (without the mail's content) before
    /// they are returned.
    pub async fn send(&self, mail: Mail) -> anyhow::Result<()> {
        let result = self.transport.deliver(&mail).await;
        match &result {
            Ok(()) => self.sent.fetch_add(1, Ordering::Relaxed),
            Err(e) => {
                tracing::warn!(error = format!("{e:#}"), to = %mail.to, "email not sent");
                self.failed.fetch_add(1, Ordering::Relaxed)
            }
        };
        result
    }
}
