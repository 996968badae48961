//! Enum text read back from the database is one of the values Gatehouse writes; anything else
//! is an error, never taken for a default.

use std::sync::Arc;

use gatehouse_core::events::{Actor, EventKind, NewEvent};
use gatehouse_core::mail::TemplateKind;
use gatehouse_core::model::{Settings, now_millis};
use gatehouse_core::store::{DomainStore, EventFilter, EventStore, StoredTemplate, TemplateStore};
use gatehouse_core::{DomainName, DomainStatus};
use gatehouse_store_sql::SqlStore;

async fn store() -> (Arc<SqlStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = gatehouse_store_sql::testing::fresh_database_url(dir.path()).await;
    (gatehouse_store_sql::open(&url, 2).await.unwrap(), dir)
}

async fn overwrite(store: &SqlStore, statement: &'static str) {
    sqlx::query(statement).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn an_unknown_domain_status_is_an_error() {
    let (store, _dir) = store().await;
    let name = DomainName::parse("example.com").unwrap();
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap();
    store.set_domain_status(domain.id, DomainStatus::Disabled).await.unwrap();
    let read = store.domain_by_name(&name).await.unwrap().unwrap();
    assert_eq!(read.status, DomainStatus::Disabled);

    overwrite(&store, "UPDATE domains SET status = 'PAUSED'").await;
    let error = store.domain_by_name(&name).await.unwrap_err();
    assert!(format!("{error:#}").contains("unknown domain status \"PAUSED\""), "{error:#}");
    assert!(store.list_domains().await.is_err());
}

#[tokio::test]
async fn an_unknown_event_type_is_an_error() {
    let (store, _dir) = store().await;
    let event = NewEvent::new(EventKind::LoginFailed, "example.com", Actor::Anonymous);
    store.insert_event(&event, now_millis(), "node").await.unwrap();
    let filter = EventFilter { limit: 10, ..Default::default() };
    assert_eq!(store.list_events(&filter).await.unwrap()[0].kind, EventKind::LoginFailed);

    overwrite(&store, "UPDATE events SET type = 'LOGIN_PAUSED'").await;
    let error = store.list_events(&filter).await.unwrap_err();
    assert!(format!("{error:#}").contains("unknown event type \"LOGIN_PAUSED\""), "{error:#}");
}

#[tokio::test]
async fn an_unknown_email_template_kind_is_an_error() {
    let (store, _dir) = store().await;
    let name = DomainName::parse("example.com").unwrap();
    let domain = store.insert_domain(&name, false, &Settings::default(), &[]).await.unwrap();
    let template = StoredTemplate {
        kind: TemplateKind::ResetPassword,
        subject: "Reset".into(),
        text: "text".into(),
        html: "<p>html</p>".into(),
    };
    store.put_email_template(domain.id, &template, now_millis()).await.unwrap();
    assert_eq!(store.email_templates(domain.id).await.unwrap(), [template]);

    overwrite(&store, "UPDATE email_templates SET kind = 'welcome'").await;
    let error = store.email_templates(domain.id).await.unwrap_err();
    assert!(format!("{error:#}").contains("unknown email template kind \"welcome\""), "{error:#}");
}
