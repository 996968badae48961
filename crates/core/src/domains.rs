//! Managing domains: adding, removing, enabling and disabling them, their settings, and the
//! password of their admin. Static domains (from the config file) cannot be removed or
//! disabled.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::error::{CoreError, CoreResult, Entity};
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::model::{Domain, DomainStatus, Settings};
use super::password::PasswordHasher;
use super::sessions::{EndReason, Sessions};
use super::store::{SessionScope, Store};
use super::types::DomainName;
use super::{bootstrap, text};
use tracing::instrument;

fn domain_not_found() -> CoreError {
    CoreError::not_found(Entity::Domain, "Given domain does not exist")
}

/// Domains: their state, their settings and their admin's password.
pub struct Domains {
    store: Arc<dyn Store>,
    passwords: Arc<PasswordHasher>,
    audit: Arc<Audit>,
    sessions: Arc<Sessions>,
}

impl Domains {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        passwords: Arc<PasswordHasher>,
        audit: Arc<Audit>,
        sessions: Arc<Sessions>,
    ) -> Self {
        Self { store, passwords, audit, sessions }
    }

    /// The domain named `name`, with an error when it does not exist.
    pub async fn domain(&self, name: &DomainName) -> CoreResult<Domain> {
        self.store
            .domain_by_name(name)
            .await?
            .ok_or_else(|| CoreError::not_found(Entity::Domain, "Domain does not exist"))
    }

    /// The domain a request names (its `Host` header, its credentials), for request routing;
    /// a name that cannot be a domain names none.
    pub async fn cached_domain(&self, name: &str) -> CoreResult<Option<Arc<Domain>>> {
        let Ok(name) = DomainName::parse(name) else { return Ok(None) };
        Ok(self.store.request_domain(&name).await?)
    }

    /// The hash of the domain admin's password; none when the domain admin is disabled.
    pub(crate) async fn admin_hash(&self, domain: &Domain) -> CoreResult<Option<String>> {
        Ok(self.store.domain_admin_hash(domain.id).await?)
    }

    /// Every domain, static and dynamic, by name.
    #[instrument(skip_all, level = "debug", err(level = "debug"))]
    pub async fn all_domains(&self) -> CoreResult<Vec<Domain>> {
        Ok(self.store.list_domains().await?)
    }

    /// The domain named `name`, or "Given domain does not exist".
    #[instrument(skip_all, level = "debug", fields(domain = %name), err(level = "debug"))]
    pub async fn domain_details(&self, name: &DomainName) -> CoreResult<Domain> {
        self.store.domain_by_name(name).await?.ok_or_else(domain_not_found)
    }

    /// A new dynamic domain, with its Authenticated and Public roles.
    #[instrument(skip_all, level = "info", fields(domain = %name), err(level = "debug"))]
    pub async fn add_domain(&self, name: &DomainName, actor: Actor) -> CoreResult<Domain> {
        if let Some(existing) = self.store.domain_by_name(name).await? {
            return Err(if existing.is_static {
                CoreError::StaticDomain
            } else {
                CoreError::conflict(Entity::Domain, "Domain already exists")
            });
        }
        let domain = bootstrap::create_domain(self.store.as_ref(), name, false).await?;
        self.audit.record(NewEvent::new(EventKind::DomainAdded, name, actor)).await;
        Ok(domain)
    }

    /// Removes a dynamic domain with its users, roles, settings and admin password. Returns
    /// the domain as it was.
    #[instrument(skip_all, level = "info", fields(domain = %name), err(level = "debug"))]
    pub async fn remove_domain(&self, name: &DomainName, actor: Actor) -> CoreResult<Domain> {
        let domain = self.dynamic_domain(name).await?;
        self.sessions
            .end_sessions(&domain, None, SessionScope::Domain, EndReason::DomainRemoved, actor.clone())
            .await?;
        self.store.delete_domain(domain.id).await?;
        self.audit.record(NewEvent::new(EventKind::DomainRemoved, &domain.name, actor)).await;
        Ok(domain)
    }

    #[instrument(skip_all, level = "info", fields(domain = %name), err(level = "debug"))]
    pub async fn set_domain_status(&self, name: &DomainName, status: DomainStatus, actor: Actor) -> CoreResult<Domain> {
        let mut domain = self.dynamic_domain(name).await?;
        if domain.status != status {
            self.store.set_domain_status(domain.id, status).await?;
            let kind = match status {
                DomainStatus::Enabled => EventKind::DomainEnabled,
                DomainStatus::Disabled => EventKind::DomainDisabled,
            };
            self.audit.record(NewEvent::new(kind, &domain.name, actor.clone())).await;
            if status == DomainStatus::Disabled {
                self.sessions
                    .end_sessions(&domain, None, SessionScope::Domain, EndReason::DomainDisabled, actor)
                    .await?;
            }
            domain.status = status;
        }
        Ok(domain)
    }

    /// Replaces the domain's settings; the event names the keys that changed, with their values.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn update_settings(&self, domain: &Domain, settings: Settings, actor: Actor) -> CoreResult<Domain> {
        self.validate_settings(domain, &settings).await?;
        self.store.set_domain_settings(domain.id, &settings).await?;
        let changed = changed_settings(&domain.settings, &settings);
        if !changed.is_empty() {
            self.audit
                .record(
                    NewEvent::new(EventKind::SettingsChanged, &domain.name, actor)
                        .details(json!({ "changed": changed })),
                )
                .await;
        }
        Ok(Domain { settings, ..domain.clone() })
    }

    /// Stores the domain's settings as given, without the checks and the audit record of
    /// `update_settings`: for tests that need a state the APIs refuse (a missing default role,
    /// an expired lifetime). Not in a build without the `testing` feature.
    #[cfg(feature = "testing")]
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn force_settings(&self, domain: &Domain, settings: Settings) -> CoreResult<Domain> {
        self.store.set_domain_settings(domain.id, &settings).await?;
        Ok(Domain { settings, ..domain.clone() })
    }

    async fn validate_settings(&self, domain: &Domain, settings: &Settings) -> CoreResult<()> {
        for (field, url) in [
            ("emailResetPassword", &settings.email_reset_password),
            ("emailConfirmationRedirection", &settings.email_confirmation_redirection),
        ] {
            if let Some(url) = url {
                text::check_bytes(field, url, text::URL_MAX_BYTES)?;
                text::check_no_control(field, url)?;
            }
        }
        for field in &settings.register_allowed_fields {
            text::check_chars("registerAllowedFields", field, text::NAME_MAX_CHARS)?;
            text::check_no_control("registerAllowedFields", field)?;
        }
        if settings.password_min_length == 0 {
            return Err(CoreError::invalid("passwordMinLength must be at least 1"));
        }
        if settings.password_min_length > settings.password_max_bytes {
            return Err(CoreError::invalid("passwordMinLength must not exceed passwordMaxBytes"));
        }
        if settings.jwt_lifetime_seconds <= 0 || settings.reset_token_lifetime_seconds <= 0 {
            return Err(CoreError::invalid("Lifetimes must be positive"));
        }
        // A rate-limit maximum of 0 turns the limits off; a window still needs a length.
        if settings.rate_limit_interval_seconds == 0 {
            return Err(CoreError::invalid("rateLimitIntervalSeconds must be at least 1"));
        }
        crate::sessions::validate_settings(settings)?;
        if self.store.role_by_kind(domain.id, &settings.default_role).await?.is_none() {
            return Err(CoreError::invalid(format!(
                "defaultRole: the domain has no role of type {:?}",
                settings.default_role
            )));
        }
        Ok(())
    }

    /// Enables the domain's admin (`admin@DOMAIN`) with this password, or replaces its
    /// password: the old one stops working at once.
    #[instrument(skip_all, level = "info", fields(domain = %name), err(level = "debug"))]
    pub async fn set_domain_password(&self, name: &DomainName, password: &str, actor: Actor) -> CoreResult<()> {
        let domain = self
            .store
            .domain_by_name(name)
            .await?
            .filter(|d| d.status == DomainStatus::Enabled)
            .ok_or_else(|| CoreError::not_found(Entity::Domain, "Given domain does not exist or is disabled"))?;
        if password.is_empty() {
            return Err(CoreError::invalid("Empty password"));
        }
        let hash = self.passwords.hash(password).await?;
        self.store.set_domain_admin_hash(domain.id, Some(&hash)).await?;
        self.audit.record(NewEvent::new(EventKind::DomainPasswordSet, &domain.name, actor)).await;
        Ok(())
    }

    /// Disables the domain's admin.
    #[instrument(skip_all, level = "info", fields(domain = %name), err(level = "debug"))]
    pub async fn delete_domain_password(&self, name: &DomainName, actor: Actor) -> CoreResult<()> {
        let no_password = || CoreError::not_found(Entity::DomainPassword, "Domain password does not exist");
        let domain = self.store.domain_by_name(name).await?.ok_or_else(no_password)?;
        if self.store.domain_admin_hash(domain.id).await?.is_none() {
            return Err(no_password());
        }
        self.store.set_domain_admin_hash(domain.id, None).await?;
        self.audit.record(NewEvent::new(EventKind::DomainPasswordDeleted, &domain.name, actor)).await;
        Ok(())
    }

    /// A domain that exists and may be changed through the API (not static).
    async fn dynamic_domain(&self, name: &DomainName) -> CoreResult<Domain> {
        let domain = self.store.domain_by_name(name).await?.ok_or_else(domain_not_found)?;
        if domain.is_static {
            return Err(CoreError::StaticDomain);
        }
        Ok(domain)
    }
}

/// The settings keys (as the APIs name them, camelCase) whose values differ, with the new values.
fn changed_settings(old: &Settings, new: &Settings) -> Map<String, Value> {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) = (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Map::new();
    };
    new.into_iter()
        .filter(|(key, value)| old.get(key) != Some(value))
        .map(|(key, value)| (snake_to_camel(&key), value))
        .collect()
}

fn snake_to_camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
