//! `role`: a domain's roles, named by their type, and their permissions.

use async_graphql::{Context, Object};

use super::caller::caller;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::DomainName;
use super::types::Role;
use super::{core, find_domain};
use gatehouse_core::{CoreError, Domain, Entity, Role as CoreRole, permissions};

async fn role_of_type(ctx: &Context<'_>, domain: &Domain, kind: &str) -> AdminResult<CoreRole> {
    core(ctx)
        .roles()
        .role_by_type(domain, kind)
        .await
        .or_admin()?
        .ok_or_else(|| CoreError::not_found(Entity::Role, format!("Role {kind} does not exist")))
        .or_admin_about("role", kind)
}

#[derive(Default)]
pub struct RoleAdminQuery;

/// Roles and permissions.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl RoleAdminQuery {
    /// The domain's roles.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn list_roles(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Vec<Role>>> {
        let found = find_domain(ctx, &domain).await?;
        let roles = core(ctx).roles().domain_roles(&found).await.or_admin()?;
        Ok(Some(roles.into_iter().map(Role).collect()))
    }

    /// One role, by its type.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn get_role(&self, ctx: &Context<'_>, domain: DomainName, role: String) -> AdminResult<Option<Role>> {
        let found = find_domain(ctx, &domain).await?;
        Ok(Some(Role(role_of_type(ctx, &found, &role).await?)))
    }

    /// The actions Gatehouse knows. Roles may also grant an application's own actions
    /// (`api::article.article.find`).
    #[graphql(directive = protected::apply(ProtectedType::Default, vec![]))]
    async fn list_actions(&self) -> Vec<String> {
        permissions::known_actions().into_iter().map(String::from).collect()
    }
}

#[derive(Default)]
pub struct RoleAdminMutation;

/// Roles and permissions.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl RoleAdminMutation {
    /// A new role; its type defaults to the name in snake_case, its permissions to none.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn create_role(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        name: String,
        description: Option<String>,
        #[graphql(name = "type")] kind: Option<String>,
        permissions: Option<Vec<String>>,
    ) -> AdminResult<Option<Role>> {
        let found = find_domain(ctx, &domain).await?;
        let role = core(ctx)
            .roles()
            .create_role(&found, &name, description, kind, permissions, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some(Role(role)))
    }

    /// Changes a role; `permissions`, when given, replaces its permission set.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn update_role(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        role: String,
        name: Option<String>,
        description: Option<String>,
        permissions: Option<Vec<String>>,
    ) -> AdminResult<Option<Role>> {
        let found = find_domain(ctx, &domain).await?;
        let existing = role_of_type(ctx, &found, &role).await?;
        let updated = core(ctx)
            .roles()
            .update_role(&found, existing.id, name, description, permissions, caller(ctx).actor())
            .await
            .or_admin_about("role", &role)?;
        Ok(Some(Role(updated)))
    }

    /// Deletes a role; its users move to the Public role, which cannot be deleted.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn delete_role(&self, ctx: &Context<'_>, domain: DomainName, role: String) -> AdminResult<Option<String>> {
        let found = find_domain(ctx, &domain).await?;
        let existing = role_of_type(ctx, &found, &role).await?;
        core(ctx).roles().delete_role(&found, existing.id, caller(ctx).actor()).await.or_admin_about("role", &role)?;
        Ok(Some(format!("Role {role} deleted")))
    }

    /// Replaces the role's permission set.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn set_role_permissions(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        role: String,
        actions: Vec<String>,
    ) -> AdminResult<Option<Role>> {
        let found = find_domain(ctx, &domain).await?;
        let existing = role_of_type(ctx, &found, &role).await?;
        let updated = core(ctx)
            .roles()
            .update_role(&found, existing.id, None, None, Some(actions), caller(ctx).actor())
            .await
            .or_admin_about("role", &role)?;
        Ok(Some(Role(updated)))
    }
}
