//! Managing roles and their permission sets.

use std::sync::Arc;

use super::error::{CoreError, CoreResult, Entity, StoreError, UniqueKey};
use super::events::{Actor, Audit, EventKind, NewEvent};
use super::model::{Domain, Role, User};
use super::permissions;
use super::query::{Filter, ListQuery};
use super::store::Store;
use super::text;
use super::types::{Action, RoleId};
use tracing::instrument;

fn role_not_found() -> CoreError {
    CoreError::not_found(Entity::Role, "Role not found")
}

/// Strapi's rule for role names (at least 3 characters), within Strapi's column.
pub(crate) fn validate_name(name: &str) -> CoreResult<()> {
    if name.trim().is_empty() {
        return Err(CoreError::invalid("name is a required field"));
    }
    if name.trim().chars().count() < 3 {
        return Err(CoreError::invalid("name must be at least 3 characters"));
    }
    text::check_chars("name", name.trim(), text::NAME_MAX_CHARS)?;
    text::check_no_control("name", name)
}

pub(crate) fn validate_description(description: Option<&str>) -> CoreResult<()> {
    let Some(description) = description else { return Ok(()) };
    text::check_chars("description", description, text::NAME_MAX_CHARS)?;
    text::check_no_nul("description", description)
}

/// A role type as Strapi derives it from a name: lower-cased, accents removed, words joined
/// by `_` ("Senior Éditor" -> "senior_editor").
pub fn type_from_name(name: &str) -> String {
    let plain: String = name.to_lowercase().chars().map(deburr).collect();
    plain.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("_")
}

/// The unaccented letter of the common Latin accented letters (lower case).
fn deburr(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        c => c,
    }
}

pub(crate) fn validate_kind(kind: &str) -> CoreResult<()> {
    let valid = !kind.is_empty()
        && kind.len() <= 100
        && kind.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if valid { Ok(()) } else { Err(CoreError::invalid("type must be made of lower-case letters, digits, '_' and '-'")) }
}

/// Parses (each trimmed) and de-duplicates a permission set.
fn parse_actions(actions: Vec<String>) -> CoreResult<Vec<Action>> {
    let mut actions = actions.iter().map(|a| Action::parse(a.trim())).collect::<Result<Vec<_>, _>>()?;
    actions.sort();
    actions.dedup();
    Ok(actions)
}

/// Roles, their permission sets, and what a caller may do with them.
pub struct Roles {
    store: Arc<dyn Store>,
    audit: Arc<Audit>,
}

impl Roles {
    pub(crate) fn new(store: Arc<dyn Store>, audit: Arc<Audit>) -> Self {
        Self { store, audit }
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn create_role(
        &self,
        domain: &Domain,
        name: &str,
        description: Option<String>,
        kind: Option<String>,
        permissions: Option<Vec<String>>,
        actor: Actor,
    ) -> CoreResult<Role> {
        validate_name(name)?;
        validate_description(description.as_deref())?;
        let kind = match kind {
            Some(kind) => kind.trim().to_string(),
            None => type_from_name(name),
        };
        validate_kind(&kind)?;
        let actions = parse_actions(permissions.unwrap_or_default())?;
        let role = match self.store.insert_role(domain.id, name.trim(), description.as_deref(), &kind).await {
            Err(StoreError::Duplicate(UniqueKey::RoleType)) => {
                return Err(CoreError::conflict(Entity::Role, format!("A role of type {kind} already exists")));
            }
            other => other?,
        };
        if !actions.is_empty() {
            self.store.set_role_permissions(domain.id, role.id, &actions).await?;
        }
        self.audit
            .record(
                NewEvent::new(EventKind::RoleCreated, &domain.name, actor)
                    .details(serde_json::json!({ "role": role.kind, "name": role.name, "permissions": actions })),
            )
            .await;
        Ok(role)
    }

    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn update_role(
        &self,
        domain: &Domain,
        role_id: RoleId,
        name: Option<String>,
        description: Option<String>,
        permissions: Option<Vec<String>>,
        actor: Actor,
    ) -> CoreResult<Role> {
        let before = self.store.role_by_id(domain.id, role_id).await?.ok_or_else(role_not_found)?;
        if let Some(name) = &name {
            validate_name(name)?;
        }
        validate_description(description.as_deref())?;
        let actions = permissions.map(parse_actions).transpose()?;
        let name = name.map(|n| n.trim().to_string()).unwrap_or_else(|| before.name.clone());
        let description = description.or_else(|| before.description.clone());
        let mut role = self
            .store
            .update_role(domain.id, role_id, &name, description.as_deref())
            .await?
            .ok_or_else(role_not_found)?;
        if let Some(actions) = &actions {
            self.store.set_role_permissions(domain.id, role_id, actions).await?;
            role = self.store.role_by_id(domain.id, role_id).await?.ok_or_else(role_not_found)?;
        }
        let mut details = serde_json::json!({ "role": role.kind, "name": role.name });
        if let Some(actions) = actions {
            details["permissions"] = serde_json::json!(actions);
        }
        self.audit.record(NewEvent::new(EventKind::RoleUpdated, &domain.name, actor).details(details)).await;
        Ok(role)
    }

    /// Deletes a role; its users move to the Public role. The Public role cannot be deleted.
    #[instrument(skip_all, level = "info", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn delete_role(&self, domain: &Domain, role_id: RoleId, actor: Actor) -> CoreResult<()> {
        let role = self.store.role_by_id(domain.id, role_id).await?.ok_or_else(role_not_found)?;
        if role.kind == permissions::PUBLIC {
            return Err(CoreError::refused("Cannot delete public role"));
        }
        let public = self
            .store
            .role_by_kind(domain.id, permissions::PUBLIC)
            .await?
            .ok_or_else(|| CoreError::Internal(anyhow::anyhow!("domain {} has no public role", domain.name)))?;
        let moved = self.store.count_users_with_role(domain.id, role.id).await?;
        self.store.delete_role(domain.id, role.id, public.id).await?;
        self.audit
            .record(
                NewEvent::new(EventKind::RoleDeleted, &domain.name, actor)
                    .details(serde_json::json!({ "role": role.kind, "name": role.name, "usersMovedToPublic": moved })),
            )
            .await;
        Ok(())
    }

    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn role_by_type(&self, domain: &Domain, kind: &str) -> CoreResult<Option<Role>> {
        Ok(self.store.role_by_kind(domain.id, kind).await?)
    }

    /// A role named by its numeric id or its documentId.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn role_by_ref(&self, domain: &Domain, reference: &str) -> CoreResult<Option<Role>> {
        if let Some(id) = RoleId::parse(reference) {
            return Ok(self.store.role_by_id(domain.id, id).await?);
        }
        Ok(self.store.role_by_document_id(domain.id, reference).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain_id = role.domain_id.get()), err(level = "debug"))]
    pub async fn role_user_count(&self, role: &Role) -> CoreResult<i64> {
        Ok(self.store.count_users_with_role(role.domain_id, role.id).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn list_roles(&self, domain: &Domain, query: &ListQuery) -> CoreResult<Vec<Role>> {
        Ok(self.store.query_roles(domain.id, query).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain_id = role.domain_id.get()), err(level = "debug"))]
    pub async fn query_role_permissions(&self, role: &Role, query: &ListQuery) -> CoreResult<Vec<Action>> {
        Ok(self.store.query_role_permissions(role.domain_id, role.id, query).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain_id = role.domain_id.get()), err(level = "debug"))]
    pub async fn count_role_permissions_matching(&self, role: &Role, filter: Option<&Filter>) -> CoreResult<i64> {
        Ok(self.store.count_role_permissions_matching(role.domain_id, role.id, filter).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn count_roles_matching(&self, domain: &Domain, filter: Option<&Filter>) -> CoreResult<i64> {
        Ok(self.store.count_roles_matching(domain.id, filter).await?)
    }

    /// The domain's roles, in creation order.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn domain_roles(&self, domain: &Domain) -> CoreResult<Vec<Role>> {
        Ok(self.store.list_roles(domain.id).await?)
    }

    /// Looks up a role of the domain, if any.
    pub async fn role(&self, domain: &Domain, id: RoleId) -> CoreResult<Option<Role>> {
        Ok(self.store.role_by_id(domain.id, id).await?)
    }

    pub async fn role_permissions(&self, role: &Role) -> CoreResult<Vec<Action>> {
        Ok(self.store.role_permissions(role.domain_id, role.id).await?)
    }

    /// Whether `user` (or an anonymous caller, with the Public role) may perform `action`.
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn is_allowed(&self, domain: &Domain, user: Option<&User>, action: &str) -> CoreResult<bool> {
        Ok(self.permissions_of(domain, user).await?.iter().any(|a| a == action))
    }

    /// The actions `user` may perform: its role's permissions (the Public role's for an
    /// anonymous caller; an authenticated user does not inherit them, as in Strapi).
    #[instrument(skip_all, level = "debug", fields(domain = %domain.name), err(level = "debug"))]
    pub async fn permissions_of(&self, domain: &Domain, user: Option<&User>) -> CoreResult<Arc<[Action]>> {
        let role_id = match user {
            Some(user) => user.role_id,
            None => self.store.public_role(domain.id).await?,
        };
        let Some(role_id) = role_id else { return Ok(Arc::from([])) };
        Ok(self.store.role_actions(domain.id, role_id).await?)
    }

    #[instrument(skip_all, level = "debug", fields(domain_id = user.domain_id.get()), err(level = "debug"))]
    pub async fn role_of(&self, user: &User) -> CoreResult<Option<Role>> {
        let Some(id) = user.role_id else { return Ok(None) };
        Ok(self.store.user_role(user.domain_id, id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_derive_from_names_as_in_strapi() {
        assert_eq!(type_from_name("Senior Éditor"), "senior_editor");
        assert_eq!(type_from_name("  Content-Manager 2 "), "content_manager_2");
    }
}
