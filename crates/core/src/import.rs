//! Bulk import of users: validated record by record, existing accounts counted and left as
//! they are, plain passwords hashed on every core, written in batched transactions.

use std::collections::HashMap;

use serde_json::json;

use std::sync::Arc;

use super::domains::Domains;
use super::error::{CoreError, CoreResult};
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::mail::Emails;
use super::model::Domain;
use super::password::{hash_now, is_supported_hash};
use super::store::{BulkUser, Store};
use super::types::{Email, RoleId, Username};
use crate::auth::policy;
use tracing::instrument;

mod export;
pub mod strapi;

/// One user to import; `line` is where it came from, for the report.
#[derive(Debug, Clone, Default)]
pub struct ImportRecord {
    pub line: usize,
    pub username: String,
    pub email: String,
    pub password: Option<String>,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    /// A role type of the domain (`authenticated`, `editor`); none = the domain's default role.
    pub role: Option<String>,
}

/// What an import did: usernames created, usernames that already existed, and the records
/// refused with their line and the reason.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub created: Vec<Username>,
    pub existing: Vec<Username>,
    pub invalid: Vec<(usize, String)>,
}

/// Records per batch: one existence check, one hashing round and one transaction each.
const BATCH: usize = 500;

/// How a valid record's password arrives.
enum Secret {
    Plain(String),
    Hash(String),
    None,
}

struct Candidate {
    username: Username,
    email: Email,
    secret: Secret,
    confirmed: bool,
    blocked: bool,
    role_id: Option<RoleId>,
}

/// Users in and out in bulk: imports of files, exports, and the import from Strapi.
pub struct Imports {
    store: Arc<dyn Store>,
    audit: Arc<Audit>,
    domains: Arc<Domains>,
    emails: Arc<Emails>,
}

impl Imports {
    pub(crate) fn new(store: Arc<dyn Store>, audit: Arc<Audit>, domains: Arc<Domains>, emails: Arc<Emails>) -> Self {
        Self { store, audit, domains, emails }
    }

    /// Batched writes; existing usernames/emails are counted, not changed; plain passwords are
    /// hashed on every core. Records one event for the whole import.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn import_users(
        &self,
        domain: &Domain,
        records: Vec<ImportRecord>,
        actor: Actor,
    ) -> CoreResult<ImportSummary> {
        self.import_users_with_progress(domain, records, actor, &|_| {}).await
    }

    /// `import_users`, calling `progress` with the number of records handled so far.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn import_users_with_progress(
        &self,
        domain: &Domain,
        records: Vec<ImportRecord>,
        actor: Actor,
        progress: &(dyn Fn(usize) + Send + Sync),
    ) -> CoreResult<ImportSummary> {
        let roles: HashMap<String, RoleId> =
            self.store.list_roles(domain.id).await?.into_iter().map(|r| (r.kind, r.id)).collect();
        let default_role = *roles
            .get(&domain.settings.default_role)
            .ok_or_else(|| CoreError::refused("Impossible to find the default role"))?;
        let mut summary = ImportSummary::default();
        let candidates = self.validate_records(domain, records, &roles, default_role, &mut summary.invalid);
        let mut done = summary.invalid.len();
        progress(done);

        for batch in candidates.chunks(BATCH) {
            let fresh = self.without_existing(domain, batch, &mut summary.existing).await?;
            let users = hash_on_every_core(fresh).await?;
            let created = self.store.insert_users_bulk(domain.id, &users).await?;
            if created.len() < users.len() {
                // Taken between the check and the insert.
                let created: std::collections::HashSet<&Username> = created.iter().collect();
                summary
                    .existing
                    .extend(users.iter().filter(|u| !created.contains(&u.username)).map(|u| u.username.clone()));
            }
            summary.created.extend(created);
            done += batch.len();
            progress(done);
        }

        summary.invalid.sort_by_key(|(line, _)| *line);
        self.audit
            .record(NewEvent::new(EventKind::UserCreated, &domain.name, actor).details(json!({
                "import": true,
                "created": summary.created.len(),
                "existing": summary.existing.len(),
                "invalid": summary.invalid.len(),
            })))
            .await;
        Ok(summary)
    }

    /// The valid records, in order; the others go to `invalid` with their reason. A username
    /// (or, with `unique_email`, an email) seen earlier in the same input is refused.
    fn validate_records(
        &self,
        domain: &Domain,
        records: Vec<ImportRecord>,
        roles: &HashMap<String, RoleId>,
        default_role: RoleId,
        invalid: &mut Vec<(usize, String)>,
    ) -> Vec<(usize, Candidate)> {
        let unique_email = domain.settings.unique_email;
        let mut usernames: HashMap<Username, usize> = HashMap::new();
        let mut emails: HashMap<Email, usize> = HashMap::new();
        let mut valid = Vec::with_capacity(records.len());
        for record in records {
            let line = record.line;
            match self.validate_record(domain, record, roles, default_role) {
                Err(reason) => invalid.push((line, reason)),
                Ok(candidate) => {
                    if let Some(first) = usernames.get(&candidate.username) {
                        invalid
                            .push((line, format!("username {} already appears on line {first}", candidate.username)));
                        continue;
                    }
                    if unique_email && let Some(first) = emails.get(&candidate.email) {
                        invalid.push((line, format!("email {} already appears on line {first}", candidate.email)));
                        continue;
                    }
                    usernames.insert(candidate.username.clone(), line);
                    emails.insert(candidate.email.clone(), line);
                    valid.push((line, candidate));
                }
            }
        }
        valid
    }

    fn validate_record(
        &self,
        domain: &Domain,
        record: ImportRecord,
        roles: &HashMap<String, RoleId>,
        default_role: RoleId,
    ) -> Result<Candidate, String> {
        let username = Username::parse(&record.username).map_err(|e| e.to_string())?;
        let email = Email::parse(&record.email).map_err(|e| e.to_string())?;
        let secret = match (record.password, record.password_hash) {
            (Some(_), Some(_)) => return Err("give password or password_hash, not both".into()),
            (Some(password), None) => {
                policy::validate_password(domain, &password).map_err(|e| e.to_string())?;
                Secret::Plain(password)
            }
            (None, Some(hash)) if is_supported_hash(&hash) => Secret::Hash(hash),
            (None, Some(_)) => return Err("password_hash is neither an Argon2 PHC string nor a bcrypt hash".into()),
            (None, None) => Secret::None,
        };
        let role_id = match record.role.as_deref() {
            None | Some("") => default_role,
            Some(kind) => *roles.get(kind).ok_or_else(|| format!("unknown role {kind}"))?,
        };
        Ok(Candidate {
            username,
            email,
            secret,
            confirmed: record.confirmed,
            blocked: record.blocked,
            role_id: Some(role_id),
        })
    }

    /// The batch less the records whose username (or email, with `unique_email`) a user of the
    /// domain already has; their usernames go to `existing`.
    async fn without_existing<'a>(
        &self,
        domain: &Domain,
        batch: &'a [(usize, Candidate)],
        existing: &mut Vec<Username>,
    ) -> CoreResult<Vec<&'a Candidate>> {
        let usernames: Vec<Username> = batch.iter().map(|(_, c)| c.username.clone()).collect();
        let taken_usernames: std::collections::HashSet<Username> =
            self.store.existing_usernames(domain.id, &usernames).await?.into_iter().collect();
        let taken_emails: std::collections::HashSet<Email> = if domain.settings.unique_email {
            let emails: Vec<Email> = batch.iter().map(|(_, c)| c.email.clone()).collect();
            self.store.existing_emails(domain.id, &emails).await?.into_iter().collect()
        } else {
            Default::default()
        };
        let mut fresh = Vec::with_capacity(batch.len());
        for (_, candidate) in batch {
            if taken_usernames.contains(&candidate.username) || taken_emails.contains(&candidate.email) {
                existing.push(candidate.username.clone());
            } else {
                fresh.push(candidate);
            }
        }
        Ok(fresh)
    }
}

/// The users ready to write, plain passwords hashed on one thread per core (at normal
/// priority: an import is an operator's explicit request and should finish fast).
async fn hash_on_every_core(candidates: Vec<&Candidate>) -> CoreResult<Vec<BulkUser>> {
    let mut users: Vec<BulkUser> = candidates
        .iter()
        .map(|c| BulkUser {
            id: None,
            document_id: None,
            username: c.username.clone(),
            email: c.email.clone(),
            password_hash: match &c.secret {
                Secret::Hash(hash) => Some(hash.clone()),
                Secret::Plain(_) | Secret::None => None,
            },
            confirmed: c.confirmed,
            blocked: c.blocked,
            role_id: c.role_id,
            provider: None,
            created_at: None,
            updated_at: None,
        })
        .collect();
    let plain: Vec<(usize, String)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match &c.secret {
            Secret::Plain(password) => Some((i, password.clone())),
            _ => None,
        })
        .collect();
    if plain.is_empty() {
        return Ok(users);
    }
    let hashed = tokio::task::spawn_blocking(move || hash_all(plain))
        .await
        .map_err(|e| CoreError::Internal(anyhow::anyhow!("hashing task failed: {e}")))??;
    for (i, hash) in hashed {
        users[i].password_hash = Some(hash);
    }
    Ok(users)
}

fn hash_all(plain: Vec<(usize, String)>) -> CoreResult<Vec<(usize, String)>> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let per_thread = plain.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = plain
            .chunks(per_thread)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk.iter().map(|(i, p)| Ok((*i, hash_now(p)?))).collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(plain.len());
        for worker in workers {
            let hashed = worker.join().map_err(|_| CoreError::Internal(anyhow::anyhow!("hashing thread panicked")))?;
            all.extend(hashed?);
        }
        Ok(all)
    })
}

#[cfg(test)]
mod tests {
    /// The admin API awaits `import_users` inside resolvers, whose futures must be `Send`.
    #[allow(dead_code, clippy::manual_async_fn)]
    fn import_users_is_send<'a>(
        imports: &'a super::Imports,
        domain: &'a super::Domain,
    ) -> impl std::future::Future<Output = super::CoreResult<super::ImportSummary>> + Send + 'a {
        async move { imports.import_users(domain, Vec::new(), super::Actor::GlobalAdmin).await }
    }
}
