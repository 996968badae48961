//! The audit log: every change and every auth outcome is recorded and published to live
//! subscribers. Never a password, a hash or a token in `details`.

mod relay;

pub use relay::EventRelay;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast;

use super::metrics::Metrics;
use super::model::{Millis, new_document_id, now_millis};
use super::paging::KeyPage;
use super::store::{EventFilter, Store};
use super::types::{DomainId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    UserRegistered,
    UserCreated,
    UserUpdated,
    UserDeleted,
    UserBlocked,
    UserUnblocked,
    LoginSucceeded,
    LoginFailed,
    PasswordChanged,
    PasswordResetRequested,
    PasswordReset,
    EmailConfirmed,
    TokenRevoked,
    RoleCreated,
    RoleUpdated,
    RoleDeleted,
    DomainAdded,
    DomainRemoved,
    DomainEnabled,
    DomainDisabled,
    DomainPasswordSet,
    DomainPasswordDeleted,
    SettingsChanged,
    /// An admin issued a token for a user (`token { requestToken }`).
    TokenIssued,
    /// A sign-in started a session (a domain using refresh tokens).
    SessionStarted,
    /// A session ended (`reason`): its access and refresh tokens are refused from now on.
    SessionEnded,
    /// A refresh token was presented again after its exchange: its session was ended.
    RefreshTokenReused,
}

impl EventKind {
    /// Whether the event may change what a token authenticates to (password, block, role,
    /// confirmation, deletion, revocation, the domain's state or settings).
    pub fn may_change_accounts(self) -> bool {
        !matches!(
            self,
            EventKind::LoginSucceeded
                | EventKind::LoginFailed
                | EventKind::PasswordResetRequested
                | EventKind::TokenIssued
                | EventKind::UserRegistered
                | EventKind::SessionStarted
                | EventKind::RefreshTokenReused
        )
    }

    pub fn as_str(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_string())).ok()
    }
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    GlobalAdmin,
    /// The admin of this domain.
    DomainAdmin(String),
    /// A user, as `username@domain`.
    User(String),
    Anonymous,
}

impl Actor {
    /// `global_admin`, `admin@example.com`, `alice@example.com` or `anonymous`.
    pub fn describe(&self) -> String {
        match self {
            Actor::GlobalAdmin => "global_admin".into(),
            Actor::DomainAdmin(domain) => format!("admin@{domain}"),
            Actor::User(user) => user.clone(),
            Actor::Anonymous => "anonymous".into(),
        }
    }
}

/// A recorded event.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub at: Millis,
    pub domain: Option<String>,
    /// The user concerned, as `username@domain`.
    pub user: Option<String>,
    pub actor: String,
    pub details: Value,
}

/// An event before it is stored.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: EventKind,
    pub domain: Option<String>,
    pub user: Option<String>,
    pub actor: Actor,
    pub details: Value,
}

impl NewEvent {
    pub fn new(kind: EventKind, domain: &str, actor: Actor) -> Self {
        Self { kind, domain: Some(domain.to_string()), user: None, actor, details: Value::Object(Default::default()) }
    }
    pub fn user(mut self, username: &str, domain: &str) -> Self {
        self.user = Some(format!("{username}@{domain}"));
        self
    }
    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }
}

/// In-process fan-out of recorded events to live subscribers. With PostgreSQL, events
/// recorded by other nodes are fed in too (see `Audit::start_relay`).
struct EventBus {
    sender: broadcast::Sender<Event>,
    /// This node, in the events it records: its relay skips them.
    node: String,
}

impl Default for EventBus {
    fn default() -> Self {
        Self { sender: broadcast::channel(4096).0, node: new_document_id() }
    }
}

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
    pub fn publish(&self, event: Event) {
        // No subscriber is not an error.
        let _ = self.sender.send(event);
    }
}

/// The audit log: recording events, listing them, and streaming them live.
pub struct Audit {
    store: Arc<dyn Store>,
    events: EventBus,
    /// Logins are counted from the events recorded.
    metrics: Arc<Metrics>,
}

impl Audit {
    pub(crate) fn new(store: Arc<dyn Store>, metrics: Arc<Metrics>) -> Self {
        Self { store, events: EventBus::default(), metrics }
    }

    /// This node, as the events and sessions it records name it.
    pub(crate) fn node(&self) -> &str {
        &self.events.node
    }

    /// Records an event in the audit log and publishes it. A failure to record is logged,
    /// never turned into a failure of the operation that caused it.
    pub async fn record(&self, event: NewEvent) {
        // The caching layer forgets what the event changed as it stores it.
        self.count(event.kind);
        let at = now_millis();
        match self.store.insert_event(&event, at, &self.events.node).await {
            Ok(id) => self.publish(id, at, event),
            Err(e) => tracing::error!(error = %e, kind = ?event.kind, "cannot record event"),
        }
    }

    /// Records a successful login: the user's login time and its `event`, written together.
    pub(crate) async fn record_login(
        &self,
        domain_id: DomainId,
        user_id: UserId,
        event: NewEvent,
    ) -> crate::error::StoreResult<()> {
        self.count(event.kind);
        let at = now_millis();
        let id = self.store.record_login(domain_id, user_id, &event, at, &self.events.node).await?;
        self.publish(id, at, event);
        Ok(())
    }

    fn count(&self, kind: EventKind) {
        match kind {
            EventKind::LoginSucceeded => self.metrics.login(true),
            EventKind::LoginFailed => self.metrics.login(false),
            _ => {}
        }
    }

    fn publish(&self, id: i64, at: Millis, event: NewEvent) {
        let event = Event {
            id,
            kind: event.kind,
            at,
            domain: event.domain,
            user: event.user,
            actor: event.actor.describe(),
            details: event.details,
        };
        self.events.publish(event);
    }

    /// The events recorded from now on, on this node and (with PostgreSQL) the others.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The audit log, newest first.
    pub async fn list_events(&self, filter: &EventFilter) -> crate::CoreResult<Vec<Event>> {
        Ok(self.store.list_events(filter).await?)
    }

    /// A page of events, newest first: at most `filter.limit`, and whether older ones match.
    pub async fn list_events_page(&self, filter: &EventFilter) -> crate::CoreResult<KeyPage<Event>> {
        let read = EventFilter { limit: filter.limit.saturating_add(1), ..filter.clone() };
        Ok(KeyPage::from_read(self.store.list_events(&read).await?, filter.limit))
    }
}
