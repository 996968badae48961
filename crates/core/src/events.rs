//! The audit log: every change and every auth outcome is recorded and published to live
//! subscribers. Never a password, a hash or a token in `details`.

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::{broadcast, watch};

use super::Core;
use super::model::{Millis, new_document_id, now_millis};
use super::store::EventFilter;

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
/// recorded by other nodes are fed in too (see `Core::relay_events`).
pub struct EventBus {
    sender: broadcast::Sender<Event>,
    /// Tells this node's announcements from the others'.
    node: String,
}

impl Default for EventBus {
    fn default() -> Self {
        Self { sender: broadcast::channel(4096).0, node: new_document_id() }
    }
}

/// What a node tells the others when it records an event. Large events are announced by id
/// only (a PostgreSQL notification carries at most 8000 bytes) and read back from the log.
#[derive(Debug, Serialize, Deserialize)]
struct Announcement {
    node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
}

const MAX_ANNOUNCEMENT_BYTES: usize = 7000;

impl EventBus {
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }
    pub fn publish(&self, event: Event) {
        // No subscriber is not an error.
        let _ = self.sender.send(event);
    }
}

impl Core {
    /// Records an event in the audit log and publishes it. A failure to record is logged,
    /// never turned into a failure of the operation that caused it.
    pub async fn record(&self, event: NewEvent) {
        // Before anything can fail: the change this event reports has already been written.
        if event.kind.may_change_accounts() {
            self.users.forget_domain(event.domain.as_deref());
            self.roles.clear();
        }
        match event.kind {
            EventKind::LoginSucceeded => self.metrics.login(true),
            EventKind::LoginFailed => self.metrics.login(false),
            _ => {}
        }
        let at = now_millis();
        let id = match self.store.insert_event(&event, at).await {
            Ok(id) => id,
            Err(e) => {
                tracing::error!(error = %e, kind = ?event.kind, "cannot record event");
                return;
            }
        };
        let event = Event {
            id,
            kind: event.kind,
            at,
            domain: event.domain,
            user: event.user,
            actor: event.actor.describe(),
            details: event.details,
        };
        let mut announcement = Announcement { node: self.events.node.clone(), event: Some(event.clone()), id: None };
        let mut payload = serde_json::to_string(&announcement).unwrap_or_default();
        if payload.len() > MAX_ANNOUNCEMENT_BYTES {
            announcement = Announcement { node: self.events.node.clone(), event: None, id: Some(id) };
            payload = serde_json::to_string(&announcement).unwrap_or_default();
        }
        self.events.publish(event);
        if let Err(e) = self.store.announce_event(&payload).await {
            tracing::warn!(error = %e, "cannot announce event to the other nodes");
        }
    }

    /// Publishes on this node the events other nodes record, until `stop` turns true. Returns
    /// at once when the storage has no announcements (SQLite: a single node).
    pub async fn relay_events(self: std::sync::Arc<Self>, mut stop: watch::Receiver<bool>) {
        let mut announcements = match self.store.event_announcements().await {
            Ok(Some(stream)) => stream,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for the events of other nodes");
                return;
            }
        };
        loop {
            let payload = tokio::select! {
                payload = announcements.next() => match payload {
                    Some(payload) => payload,
                    None => return,
                },
                _ = stop.wait_for(|stop| *stop) => return,
            };
            let Ok(announcement) = serde_json::from_str::<Announcement>(&payload) else {
                tracing::warn!("ignoring a malformed event announcement");
                continue;
            };
            if announcement.node == self.events.node {
                continue; // Published locally when it was recorded.
            }
            let event = match (announcement.event, announcement.id) {
                (Some(event), _) => Some(event),
                (None, Some(id)) => self.event_by_id(id).await,
                (None, None) => None,
            };
            if let Some(event) = event {
                if event.kind.may_change_accounts() {
                    self.users.forget_domain(event.domain.as_deref());
                    self.roles.clear();
                }
                self.events.publish(event);
            }
        }
    }

    /// The events recorded from now on, on this node and (with PostgreSQL) the others.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// The audit log, newest first.
    pub async fn list_events(&self, filter: &EventFilter) -> super::CoreResult<Vec<Event>> {
        Ok(self.store.list_events(filter).await?)
    }

    async fn event_by_id(&self, id: i64) -> Option<Event> {
        let filter = EventFilter { before: Some(id + 1), limit: 1, ..Default::default() };
        match self.store.list_events(&filter).await {
            Ok(events) => events.into_iter().find(|e| e.id == id),
            Err(e) => {
                tracing::warn!(error = %e, id, "cannot read an announced event");
                None
            }
        }
    }
}
