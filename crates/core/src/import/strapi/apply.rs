//! The import itself: roles first (matched by type, new ones with their Strapi id where it
//! is free), then the settings and templates, then the users in batches. A dry run reads
//! everything and writes nothing.

use std::collections::{HashMap, HashSet};

use serde_json::json;

use super::fold::{FoldedRole, FoldedUser, fold};
use super::settings::{StrapiTemplate, settings_from_advanced, templates_from_strapi};
use super::{StrapiSource, StrapiVersion};
use crate::error::{CoreError, CoreResult};
use crate::events::{Actor, EventKind, NewEvent};
use crate::import::Imports;
use crate::model::{Domain, Role, Settings, now_millis};
use crate::password::is_supported_hash;
use crate::roles::{type_from_name, validate_description, validate_kind, validate_name};
use crate::store::{BulkUser, ImportedRole, NumberedTable};
use crate::text;
use crate::types::{Action, Email, RoleId, UserId, Username};
use tracing::instrument;

/// Users per batch: one existence check and one transaction each.
const BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, Default)]
pub struct StrapiImportOptions {
    /// Reads and reports, writes nothing.
    pub dry_run: bool,
    /// Leaves the domain's settings and templates as they are.
    pub skip_settings: bool,
}

/// What an import did (or, dry, would do).
#[derive(Debug, Clone)]
pub struct StrapiImportSummary {
    pub version: StrapiVersion,
    pub dry_run: bool,
    /// Role types.
    pub roles_created: Vec<String>,
    pub roles_updated: Vec<String>,
    pub roles_unchanged: Vec<String>,
    /// Users read after folding.
    pub users_read: usize,
    pub users_created: usize,
    pub users_existing: usize,
    /// Created users that kept their Strapi id.
    pub user_ids_kept: usize,
    /// Draft/published rows folded into their document's record.
    pub duplicates_folded: usize,
    /// The settings that changed (none: unchanged); `None` when settings were not imported.
    pub settings_changed: Option<Vec<String>>,
    /// Template kinds that changed.
    pub templates_changed: Vec<String>,
    /// (the Strapi record, why it was refused).
    pub refused: Vec<(String, String)>,
    /// What was imported differently from Strapi, and why.
    pub notes: Vec<String>,
}

/// Where the Strapi roles landed: Strapi role id -> the domain's role (none on a dry run for
/// a role not created), and every role type the domain has (or would have).
struct RoleMapping {
    ids: HashMap<i64, Option<RoleId>>,
    kinds: HashSet<String>,
}

/// How a Strapi role lands in the domain.
struct RolePlan {
    strapi_id: i64,
    kind: String,
    name: String,
    description: Option<String>,
    actions: Vec<Action>,
    created_at: i64,
    updated_at: i64,
    document_id: Option<String>,
}

fn plan_role(role: &FoldedRole, refused: &mut Vec<(String, String)>) -> Result<RolePlan, String> {
    let row = &role.row;
    let name = row.name.as_deref().unwrap_or_default().trim().to_string();
    validate_name(&name).map_err(|e| e.to_string())?;
    let description = row.description.clone().filter(|d| !d.is_empty());
    validate_description(description.as_deref()).map_err(|e| e.to_string())?;
    let kind = row
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map_or_else(|| type_from_name(&name), str::to_string);
    validate_kind(&kind).map_err(|e| e.to_string())?;
    let mut actions = Vec::with_capacity(role.actions.len());
    for action in &role.actions {
        match Action::parse(action) {
            Ok(action) => actions.push(action),
            Err(e) => refused.push((format!("permission of role {}", row.id), e.to_string())),
        }
    }
    actions.sort();
    actions.dedup();
    let now = now_millis();
    let created_at = row.created_at.unwrap_or(now);
    Ok(RolePlan {
        strapi_id: row.id,
        kind,
        name,
        description,
        actions,
        created_at,
        updated_at: row.updated_at.unwrap_or(created_at),
        document_id: row.document_id.clone().filter(|d| !d.is_empty()),
    })
}

/// A user ready to write, with the id it had when that id is above `floor` (never issued
/// here), and whether it fell back to the default role.
fn plan_user(
    user: FoldedUser,
    roles: &RoleMapping,
    default_role: Option<RoleId>,
    floor: i64,
) -> Result<(BulkUser, bool), String> {
    let row = user.row;
    let username = Username::parse(row.username.as_deref().unwrap_or_default()).map_err(|e| e.to_string())?;
    let email = Email::parse(row.email.as_deref().unwrap_or_default()).map_err(|e| e.to_string())?;
    let provider = row.provider.filter(|p| !p.is_empty()).unwrap_or_else(|| "local".into());
    text::check_chars("provider", &provider, text::NAME_MAX_CHARS).map_err(|e| e.to_string())?;
    text::check_no_control("provider", &provider).map_err(|e| e.to_string())?;
    let password_hash = match row.password.filter(|p| !p.is_empty()) {
        None => None,
        Some(hash) if is_supported_hash(&hash) => Some(hash),
        // What it holds is not repeated: it may be a password kept in clear.
        Some(_) => return Err("password is not a bcrypt hash".into()),
    };
    let (role_id, fell_back) = match user.role {
        None => (None, false),
        Some(strapi_role) => match roles.ids.get(&strapi_role) {
            Some(id) => (*id, false),
            None => (default_role, true),
        },
    };
    let created_at = row.created_at;
    Ok((
        BulkUser {
            id: (row.id > floor).then(|| UserId::from(row.id)),
            document_id: row.document_id.filter(|d| !d.is_empty()),
            username,
            email,
            password_hash,
            confirmed: row.confirmed,
            blocked: row.blocked,
            role_id,
            provider: Some(provider),
            created_at,
            updated_at: row.updated_at.or(created_at),
        },
        fell_back,
    ))
}

/// Strapi's names of the settings that differ.
fn changed_settings(old: &Settings, new: &Settings) -> Vec<String> {
    let (Ok(serde_json::Value::Object(old)), Ok(serde_json::Value::Object(new))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    new.into_iter().filter(|(key, value)| old.get(key) != Some(value)).map(|(key, _)| key).collect()
}

impl Imports {
    /// Imports the users-permissions plugin of a Strapi database into the domain; `progress`
    /// hears how many of how many users have been handled. A role of a type the domain has
    /// takes Strapi's name, description and permissions; a user whose username (or email,
    /// with `unique_email`) the domain has is left as it is.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn import_from_strapi(
        &self,
        domain: &Domain,
        source: &dyn StrapiSource,
        options: StrapiImportOptions,
        actor: Actor,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> CoreResult<StrapiImportSummary> {
        let database = source.read().await.map_err(CoreError::Internal)?;
        let version = database.version;
        let advanced = database.advanced_settings.clone();
        let templates = database.email_templates.clone();
        let folded = fold(database);
        let mut summary = StrapiImportSummary {
            version,
            dry_run: options.dry_run,
            roles_created: Vec::new(),
            roles_updated: Vec::new(),
            roles_unchanged: Vec::new(),
            users_read: folded.users.len(),
            users_created: 0,
            users_existing: 0,
            user_ids_kept: 0,
            duplicates_folded: folded.duplicates,
            settings_changed: None,
            templates_changed: Vec::new(),
            refused: Vec::new(),
            notes: Vec::new(),
        };
        let dry_run = options.dry_run;
        let roles = self.import_strapi_roles(domain, &folded.roles, dry_run, &actor, &mut summary).await?;
        let mut settings = domain.settings.clone();
        if !options.skip_settings {
            settings =
                self.import_strapi_settings(domain, advanced.as_deref(), &roles, dry_run, &actor, &mut summary).await?;
            self.import_strapi_templates(domain, templates.as_deref(), dry_run, &actor, &mut summary).await?;
        }
        self.import_strapi_users(domain, folded.users, &roles, &settings, dry_run, &mut summary, progress).await?;
        if !dry_run {
            self.audit
                .record(NewEvent::new(EventKind::UserCreated, &domain.name, actor).details(json!({
                    "import": "strapi",
                    "created": summary.users_created,
                    "existing": summary.users_existing,
                    "refused": summary.refused.len(),
                })))
                .await;
        }
        Ok(summary)
    }

    async fn import_strapi_roles(
        &self,
        domain: &Domain,
        folded: &[FoldedRole],
        dry_run: bool,
        actor: &Actor,
        summary: &mut StrapiImportSummary,
    ) -> CoreResult<RoleMapping> {
        let existing: HashMap<String, Role> =
            self.store.list_roles(domain.id).await?.into_iter().map(|r| (r.kind.clone(), r)).collect();
        let mut mapping = RoleMapping { ids: HashMap::new(), kinds: existing.keys().cloned().collect() };
        let mut plans: Vec<RolePlan> = Vec::new();
        // Strapi lets two roles share a type; the domain cannot: the first one stands for both.
        let mut first_of_kind: HashMap<String, i64> = HashMap::new();
        let mut aliases = Vec::new();
        for role in folded {
            match plan_role(role, &mut summary.refused) {
                Err(reason) => summary.refused.push((format!("role {}", role.row.id), reason)),
                Ok(plan) => match first_of_kind.get(&plan.kind) {
                    Some(first) => {
                        summary.notes.push(format!(
                            "role {} has the type {} of role {first}: its users get role {first}",
                            plan.strapi_id, plan.kind
                        ));
                        aliases.push((plan.strapi_id, *first));
                    }
                    None => {
                        first_of_kind.insert(plan.kind.clone(), plan.strapi_id);
                        plans.push(plan);
                    }
                },
            }
        }

        let floor = self.store.highest_id_issued(NumberedTable::Roles).await?;
        let fresh: Vec<&RolePlan> = plans.iter().filter(|p| !existing.contains_key(&p.kind)).collect();
        let documents: Vec<String> = fresh.iter().filter_map(|p| p.document_id.clone()).collect();
        let documents_in_use: HashSet<String> = if documents.is_empty() {
            HashSet::new()
        } else {
            self.store.document_ids_in_use(NumberedTable::Roles, &documents).await?.into_iter().collect()
        };
        if !dry_run && let Some(through) = fresh.iter().map(|p| p.strapi_id).filter(|id| *id > floor).max() {
            self.store.reserve_ids(NumberedTable::Roles, through).await?;
        }

        for plan in plans {
            let id = match existing.get(&plan.kind) {
                Some(role) => {
                    self.update_imported_role(domain, role, &plan, dry_run, actor, summary).await?;
                    Some(role.id)
                }
                None => {
                    let imported = ImportedRole {
                        id: (plan.strapi_id > floor).then(|| RoleId::from(plan.strapi_id)),
                        document_id: plan.document_id.clone().filter(|d| !documents_in_use.contains(d)),
                        name: plan.name.clone(),
                        description: plan.description.clone(),
                        kind: plan.kind.clone(),
                        created_at: plan.created_at,
                        updated_at: plan.updated_at,
                    };
                    summary.roles_created.push(plan.kind.clone());
                    if imported.id.is_none() {
                        summary.notes.push(format!(
                            "role {} ({}) gets a new id: id {} is taken",
                            plan.strapi_id, plan.kind, plan.strapi_id
                        ));
                    }
                    if dry_run {
                        imported.id
                    } else {
                        let role = self.store.insert_imported_role(domain.id, &imported).await?;
                        self.store.set_role_permissions(domain.id, role.id, &plan.actions).await?;
                        self.audit.record(NewEvent::new(EventKind::RoleCreated, &domain.name, actor.clone()).details(
                            json!({ "role": role.kind, "name": role.name, "permissions": plan.actions, "import": "strapi" }),
                        ))
                        .await;
                        Some(role.id)
                    }
                }
            };
            mapping.ids.insert(plan.strapi_id, id);
            mapping.kinds.insert(plan.kind);
        }
        for (alias, first) in aliases {
            let id = mapping.ids.get(&first).copied().flatten();
            mapping.ids.insert(alias, id);
        }
        Ok(mapping)
    }

    /// Gives a role of the domain Strapi's name, description and permissions, when they differ.
    async fn update_imported_role(
        &self,
        domain: &Domain,
        role: &Role,
        plan: &RolePlan,
        dry_run: bool,
        actor: &Actor,
        summary: &mut StrapiImportSummary,
    ) -> CoreResult<()> {
        if role.id.get() != plan.strapi_id {
            summary.notes.push(format!(
                "role {} ({}) is the domain's role {} of that type",
                plan.strapi_id,
                plan.kind,
                role.id.get()
            ));
        }
        let mut current = self.store.role_permissions(domain.id, role.id).await?;
        current.sort();
        if role.name == plan.name && role.description == plan.description && current == plan.actions {
            summary.roles_unchanged.push(plan.kind.clone());
            return Ok(());
        }
        summary.roles_updated.push(plan.kind.clone());
        if dry_run {
            return Ok(());
        }
        self.store.update_role(domain.id, role.id, &plan.name, plan.description.as_deref()).await?;
        self.store.set_role_permissions(domain.id, role.id, &plan.actions).await?;
        self.audit
            .record(NewEvent::new(EventKind::RoleUpdated, &domain.name, actor.clone()).details(
                json!({ "role": plan.kind, "name": plan.name, "permissions": plan.actions, "import": "strapi" }),
            ))
            .await;
        Ok(())
    }

    /// The settings the users are imported under: the domain's with Strapi's advanced settings.
    async fn import_strapi_settings(
        &self,
        domain: &Domain,
        advanced: Option<&str>,
        roles: &RoleMapping,
        dry_run: bool,
        actor: &Actor,
        summary: &mut StrapiImportSummary,
    ) -> CoreResult<Settings> {
        let Some(json) = advanced else {
            summary.notes.push("the Strapi database has no advanced settings: the domain keeps its own".into());
            return Ok(domain.settings.clone());
        };
        let settings =
            match settings_from_advanced(&domain.settings, json, |k| roles.kinds.contains(k), &mut summary.notes) {
                Ok(settings) => settings,
                Err(reason) => {
                    summary.refused.push(("advanced settings".into(), reason));
                    return Ok(domain.settings.clone());
                }
            };
        let changed = changed_settings(&domain.settings, &settings);
        summary.settings_changed = Some(changed.clone());
        if dry_run || changed.is_empty() {
            return Ok(settings);
        }
        match self.domains.update_settings(domain, settings, actor.clone()).await {
            Ok(domain) => Ok(domain.settings),
            Err(CoreError::Invalid(invalid)) => {
                summary.refused.push(("advanced settings".into(), CoreError::Invalid(invalid).to_string()));
                summary.settings_changed = Some(Vec::new());
                Ok(domain.settings.clone())
            }
            Err(e) => Err(e),
        }
    }

    async fn import_strapi_templates(
        &self,
        domain: &Domain,
        json: Option<&str>,
        dry_run: bool,
        actor: &Actor,
        summary: &mut StrapiImportSummary,
    ) -> CoreResult<()> {
        let Some(json) = json else { return Ok(()) };
        let templates = match templates_from_strapi(json) {
            Ok(templates) => templates,
            Err(reason) => {
                summary.refused.push(("email templates".into(), reason));
                return Ok(());
            }
        };
        let current = self.emails.email_templates(domain).await?;
        for StrapiTemplate { template, sender } in templates {
            let kind = template.kind.as_str();
            if let Some(sender) = sender {
                summary.notes.push(format!(
                    "the {kind} template's sender ({sender}) is not imported: Gatehouse sends from [smtp] from"
                ));
            }
            // The text part is derived: the subject and the html say whether it changed.
            let same = current
                .iter()
                .any(|c| c.kind == template.kind && c.subject == template.subject && c.html == template.html);
            if same {
                continue;
            }
            if !dry_run {
                match self.emails.set_email_template(domain, template, actor.clone()).await {
                    Ok(_) => {}
                    Err(CoreError::Invalid(invalid)) => {
                        summary.refused.push((format!("{kind} template"), CoreError::Invalid(invalid).to_string()));
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            }
            summary.templates_changed.push(kind.to_string());
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn import_strapi_users(
        &self,
        domain: &Domain,
        users: Vec<FoldedUser>,
        roles: &RoleMapping,
        settings: &Settings,
        dry_run: bool,
        summary: &mut StrapiImportSummary,
        progress: &(dyn Fn(usize, usize) + Send + Sync),
    ) -> CoreResult<()> {
        let total = users.len();
        let default_role = self.store.role_by_kind(domain.id, &settings.default_role).await?.map(|r| r.id);
        let floor = self.store.highest_id_issued(NumberedTable::Users).await?;
        let mut usernames: HashMap<Username, i64> = HashMap::new();
        let mut emails: HashMap<Email, i64> = HashMap::new();
        let mut fell_back = 0;
        let mut candidates = Vec::with_capacity(total);
        for user in users {
            let id = user.row.id;
            let (candidate, default) = match plan_user(user, roles, default_role, floor) {
                Ok(planned) => planned,
                Err(reason) => {
                    summary.refused.push((format!("user {id}"), reason));
                    continue;
                }
            };
            if let Some(first) = usernames.get(&candidate.username) {
                summary
                    .refused
                    .push((format!("user {id}"), format!("username {} is also user {first}'s", candidate.username)));
                continue;
            }
            if settings.unique_email
                && let Some(first) = emails.get(&candidate.email)
            {
                summary
                    .refused
                    .push((format!("user {id}"), format!("email {} is also user {first}'s", candidate.email)));
                continue;
            }
            usernames.insert(candidate.username.clone(), id);
            emails.insert(candidate.email.clone(), id);
            fell_back += usize::from(default);
            candidates.push(candidate);
        }
        if fell_back > 0 {
            summary.notes.push(format!(
                "{fell_back} users whose role was refused get the default role {}",
                settings.default_role
            ));
        }
        let mut done = total - candidates.len();
        progress(done, total);

        if !dry_run && let Some(through) = candidates.iter().filter_map(|u| u.id).map(UserId::get).max() {
            self.store.reserve_ids(NumberedTable::Users, through).await?;
        }
        let mut new_documents = 0;
        for batch in candidates.chunks(BATCH) {
            let mut fresh = self.users_not_in_domain(domain, settings.unique_email, batch).await?;
            summary.users_existing += batch.len() - fresh.len();
            if dry_run {
                summary.users_created += fresh.len();
                summary.user_ids_kept += fresh.iter().filter(|u| u.id.is_some()).count();
            } else {
                let documents: Vec<String> = fresh.iter().filter_map(|u| u.document_id.clone()).collect();
                let in_use: HashSet<String> =
                    self.store.document_ids_in_use(NumberedTable::Users, &documents).await?.into_iter().collect();
                for user in &mut fresh {
                    if user.document_id.as_ref().is_some_and(|d| in_use.contains(d)) {
                        user.document_id = None;
                        new_documents += 1;
                    }
                }
                let created: HashSet<Username> =
                    self.store.insert_users_bulk(domain.id, &fresh).await?.into_iter().collect();
                summary.users_existing += fresh.len() - created.len();
                summary.users_created += created.len();
                summary.user_ids_kept +=
                    fresh.iter().filter(|u| u.id.is_some() && created.contains(&u.username)).count();
            }
            done += batch.len();
            progress(done, total);
        }
        let renumbered = summary.users_created - summary.user_ids_kept;
        if renumbered > 0 {
            summary.notes.push(format!("{renumbered} users get a new id: theirs is taken"));
        }
        if new_documents > 0 {
            summary.notes.push(format!("{new_documents} users get a new documentId: theirs is taken"));
        }
        Ok(())
    }

    /// The users of `batch` whose username (or email, with `unique_email`) no user of the
    /// domain has.
    async fn users_not_in_domain(
        &self,
        domain: &Domain,
        unique_email: bool,
        batch: &[BulkUser],
    ) -> CoreResult<Vec<BulkUser>> {
        let usernames: Vec<Username> = batch.iter().map(|u| u.username.clone()).collect();
        let taken_usernames: HashSet<Username> =
            self.store.existing_usernames(domain.id, &usernames).await?.into_iter().collect();
        let taken_emails: HashSet<Email> = if unique_email {
            let emails: Vec<Email> = batch.iter().map(|u| u.email.clone()).collect();
            self.store.existing_emails(domain.id, &emails).await?.into_iter().collect()
        } else {
            HashSet::new()
        };
        Ok(batch
            .iter()
            .filter(|u| !taken_usernames.contains(&u.username) && !taken_emails.contains(&u.email))
            .cloned()
            .collect())
    }
}
