//! `audit`: the audit log, listed (`listEvents`) or followed live (`subscribeForEvents`).

use async_graphql::{Context, Object, SimpleObject, Subscription};
use futures_util::{Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;

use super::caller::caller;
use super::core;
use super::cursor::Cursor;
use super::error::{AdminResult, OrAdmin};
use super::protection::{Clearance, ProtectedType, protected};
use super::scalars::{self, DomainName, PosInt};
use super::types::{Event, EventType};
use gatehouse_core::events::{Event as CoreEvent, EventKind};
use gatehouse_core::store::EventFilter;

const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

/// A page of `listEventsPage`.
#[derive(SimpleObject)]
pub struct EventPage {
    pub events: Vec<Event>,
    /// Where this page ended: `after` for the next (older) one; null when no event follows.
    pub next_cursor: Option<Cursor>,
}

#[derive(Default)]
pub struct AuditAdminQuery;

/// The audit log.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AuditAdminQuery {
    /// Events, newest first: of one domain (required for a domain admin) or of all, of the
    /// given types or all, at most `limit` (default 100, at most 1000), with an id lower
    /// than `before` (to page back).
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_events(
        &self,
        ctx: &Context<'_>,
        domain: Option<DomainName>,
        types: Option<Vec<EventType>>,
        limit: Option<PosInt>,
        before: Option<i64>,
    ) -> AdminResult<Option<Vec<Event>>> {
        let filter = EventFilter {
            domain: domain.map(|d| d.0),
            kinds: types.unwrap_or_default().into_iter().map(EventKind::from).collect(),
            before,
            limit: limit.map_or(DEFAULT_LIMIT, |l| l.0.min(MAX_LIMIT)),
        };
        let events = core(ctx).audit().list_events(&filter).await.or_admin()?;
        Ok(Some(events.into_iter().map(Event::from).collect()))
    }

    /// Events, newest first, one page at a time: of one domain (required for a domain admin)
    /// or of all, of the given types or all, at most `limit` (default 100, at most 1000),
    /// older than the end of the previous page (`after`, its `nextCursor`; from the newest
    /// without it). `nextCursor` is null on the last page.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_events_page(
        &self,
        ctx: &Context<'_>,
        domain: Option<DomainName>,
        types: Option<Vec<EventType>>,
        limit: Option<PosInt>,
        after: Option<Cursor>,
    ) -> AdminResult<Option<EventPage>> {
        let domain = domain.map(|d| d.0);
        let before = after.as_ref().map(|cursor| cursor.event_id_in(domain.as_ref())).transpose().or_admin()?;
        let filter = EventFilter {
            domain: domain.clone(),
            kinds: types.unwrap_or_default().into_iter().map(EventKind::from).collect(),
            before,
            limit: limit.map_or(DEFAULT_LIMIT, |l| l.0.min(MAX_LIMIT)),
        };
        let page = core(ctx).audit().list_events_page(&filter).await.or_admin()?;
        let next_cursor = match page.items.last() {
            Some(last) if page.more => Some(Cursor::events(domain.as_ref(), last.id)),
            _ => None,
        };
        Ok(Some(EventPage { events: page.items.into_iter().map(Event::from).collect(), next_cursor }))
    }
}

/// What one `subscribeForEvents` selection asks for.
struct EventSubscription {
    domain: Option<String>,
    kinds: Option<Vec<EventKind>>,
    limit: Option<usize>,
}

impl EventSubscription {
    /// Reads the arguments of the `subscribeForEvents` selection under `audit` (the stream is
    /// made by `audit`, the root field, which sees them only by looking ahead).
    fn from_selection(ctx: &Context<'_>) -> async_graphql::Result<Self> {
        use async_graphql::Value;
        let selections = ctx.look_ahead().field("subscribeForEvents").selection_fields();
        // Without `subscribeForEvents` there would be a stream that no protection rule reads.
        let [selection] = selections.as_slice() else {
            return Err("Select subscribeForEvents once per subscription".into());
        };
        let mut subscription = Self { domain: None, kinds: None, limit: None };
        for (name, value) in selection.arguments()? {
            match (name.as_str(), value) {
                ("domain", Value::String(domain)) => {
                    let domain = scalars::domain_of(&domain).ok_or("Invalid domain")?;
                    subscription.domain = Some(domain);
                }
                ("types", Value::List(kinds)) => {
                    let kinds = kinds.iter().filter_map(|k| match k {
                        Value::Enum(name) => EventKind::parse(name.as_str()),
                        Value::String(name) => EventKind::parse(name),
                        _ => None,
                    });
                    subscription.kinds = Some(kinds.collect());
                }
                ("types", Value::Enum(kind)) => subscription.kinds = EventKind::parse(kind.as_str()).map(|k| vec![k]),
                ("limit", Value::Number(n)) => subscription.limit = n.as_u64().map(|n| n as usize),
                _ => {}
            }
        }
        // The protection check already refused another domain; a domain admin's stream is
        // scoped to its own domain whatever the selection says, so no shape of document can
        // widen it.
        match &caller(ctx).0 {
            Clearance::GlobalAdmin => {}
            Clearance::DomainAdmin(own) if subscription.domain.as_ref() == Some(own) => {}
            Clearance::DomainAdmin(_) | Clearance::Unauthenticated => {
                return Err("Cannot subscribe without permissions to the given domain".into());
            }
        }
        Ok(subscription)
    }

    fn wants(&self, event: &CoreEvent) -> bool {
        self.domain.as_ref().is_none_or(|d| event.domain.as_ref() == Some(d))
            && self.kinds.as_ref().is_none_or(|kinds| kinds.contains(&event.kind))
    }
}

/// One live event, as the `audit` subscription delivers it.
pub struct AuditAdminSubscription(CoreEvent);

/// The audit log, live.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl AuditAdminSubscription {
    /// Events as they are recorded (on any node): of one domain (required for a domain admin)
    /// or of all, of the given types or all. The stream ends after `limit` events when given.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn subscribe_for_events(
        &self,
        domain: Option<DomainName>,
        types: Option<Vec<EventType>>,
        limit: Option<PosInt>,
    ) -> Event {
        // Declared here for the schema and the protection check; `audit` applies them to its stream.
        let _ = (domain, types, limit);
        Event::from(self.0.clone())
    }
}

#[derive(Default)]
pub struct AdminSubscription;

#[Subscription]
impl AdminSubscription {
    /// The audit log, live.
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn audit(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = AuditAdminSubscription>> {
        let subscription = EventSubscription::from_selection(ctx)?;
        let limit = subscription.limit.unwrap_or(usize::MAX);
        let events = BroadcastStream::new(core(ctx).audit().subscribe_events()).filter_map(move |event| {
            let event = match event {
                Ok(event) if subscription.wants(&event) => Some(AuditAdminSubscription(event)),
                Ok(_) => None,
                Err(lagged) => {
                    tracing::warn!(error = %lagged, "a slow event subscriber missed events");
                    None
                }
            };
            async move { event }
        });
        Ok(events.take(limit))
    }
}
