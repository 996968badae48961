//! `domain`: the domains, their settings and their admins.

use async_graphql::{Context, Object};

use super::caller::caller;
use super::error::{AdminResult, OrAdmin};
use super::protection::{ProtectedType, protected};
use super::scalars::{DomainName, NonEmptyString};
use super::types::{Domain, DomainSettings, DomainSettingsInput, DomainState, EmailTemplate, EmailTemplateKind};
use super::{core, find_domain};
use gatehouse_core::DomainStatus;
use gatehouse_core::mail::EmailTemplate as CoreTemplate;

#[derive(Default)]
pub struct DomainAdminQuery;

/// Domains.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl DomainAdminQuery {
    /// Every domain, static and dynamic, by name.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn all_domains(&self, ctx: &Context<'_>) -> AdminResult<Option<Vec<Domain>>> {
        let domains = core(ctx).domains().all_domains().await.or_admin()?;
        Ok(Some(domains.into_iter().map(Domain::from).collect()))
    }

    /// One domain.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn domain_details(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Domain>> {
        let found = core(ctx).domains().domain_details(&domain.0).await.or_admin_about("domain", &domain.0)?;
        Ok(Some(found.into()))
    }

    /// The domain's settings.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn domain_settings(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<DomainSettings>> {
        let found = find_domain(ctx, &domain).await?;
        Ok(Some(found.settings.into()))
    }

    /// The domain's email templates, the defaults where it has not set its own.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn email_templates(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Vec<EmailTemplate>>> {
        let found = find_domain(ctx, &domain).await?;
        let templates = core(ctx).emails().email_templates(&found).await.or_admin()?;
        Ok(Some(templates.into_iter().map(EmailTemplate::from).collect()))
    }
}

#[derive(Default)]
pub struct DomainAdminMutation;

/// Domains.
#[Object(directive = protected::apply(ProtectedType::Default, vec![]))]
impl DomainAdminMutation {
    /// Adds a dynamic domain, with its Public and Authenticated roles.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn add_domain(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Domain>> {
        let added =
            core(ctx).domains().add_domain(&domain.0, caller(ctx).actor()).await.or_admin_about("domain", &domain.0)?;
        Ok(Some(added.into()))
    }

    /// Removes a dynamic domain with its users, roles, settings, templates and admin password.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn remove_domain(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Domain>> {
        let removed = core(ctx)
            .domains()
            .remove_domain(&domain.0, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some(Domain { status: DomainState::Deleted, ..removed.into() }))
    }

    /// Lets the domain's users log in again.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn enable_domain(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Domain>> {
        set_status(ctx, domain, DomainStatus::Enabled).await
    }

    /// Refuses every login and every token of the domain.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn disable_domain(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<Domain>> {
        set_status(ctx, domain, DomainStatus::Disabled).await
    }

    /// Enables the domain admin (`admin@DOMAIN`) with this password, or changes its password:
    /// the global admin sets the first one, the domain admin may then change its own. The old
    /// password stops working at once.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn set_domain_password(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        password: NonEmptyString,
    ) -> AdminResult<Option<String>> {
        core(ctx)
            .domains()
            .set_domain_password(&domain.0, &password.0, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some("Domain password set successfully".into()))
    }

    /// Disables the domain admin.
    #[graphql(directive = protected::apply(ProtectedType::Global, vec![]))]
    async fn delete_domain_password(&self, ctx: &Context<'_>, domain: DomainName) -> AdminResult<Option<String>> {
        core(ctx)
            .domains()
            .delete_domain_password(&domain.0, caller(ctx).actor())
            .await
            .or_admin_about("domain", &domain.0)?;
        Ok(Some("Domain password deleted successfully".into()))
    }

    /// Changes some of the domain's settings; the others keep their value.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn update_domain_settings(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        settings: DomainSettingsInput,
    ) -> AdminResult<Option<DomainSettings>> {
        let found = find_domain(ctx, &domain).await?;
        let settings = settings.apply(found.settings.clone());
        let updated = core(ctx).domains().update_settings(&found, settings, caller(ctx).actor()).await.or_admin()?;
        Ok(Some(updated.settings.into()))
    }

    /// Replaces one of the domain's email templates.
    #[graphql(directive = protected::apply(ProtectedType::Domain, vec!["domain".into()]))]
    async fn set_email_template(
        &self,
        ctx: &Context<'_>,
        domain: DomainName,
        kind: EmailTemplateKind,
        subject: String,
        text: String,
        html: String,
    ) -> AdminResult<Option<EmailTemplate>> {
        let found = find_domain(ctx, &domain).await?;
        let template = CoreTemplate { kind: kind.into(), subject, text, html };
        let saved = core(ctx).emails().set_email_template(&found, template, caller(ctx).actor()).await.or_admin()?;
        Ok(Some(saved.into()))
    }
}

async fn set_status(ctx: &Context<'_>, domain: DomainName, status: DomainStatus) -> AdminResult<Option<Domain>> {
    let changed = core(ctx)
        .domains()
        .set_domain_status(&domain.0, status, caller(ctx).actor())
        .await
        .or_admin_about("domain", &domain.0)?;
    Ok(Some(changed.into()))
}
