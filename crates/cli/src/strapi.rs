//! `gatehouse import --from-strapi URL --domain D`: a Strapi database's users, roles,
//! permissions, settings and templates into a domain, with a progress bar on a terminal and
//! a summary. Running it twice creates nothing new; `--dry-run` writes nothing.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use gatehouse_core::Core;
use gatehouse_core::events::Actor;
pub use gatehouse_core::import::strapi::StrapiImportOptions;
use gatehouse_core::import::strapi::{StrapiImportSummary, StrapiSource};

use super::domain;
use super::progress::Progress;

/// How many refused records the summary lists before it only counts them.
const LISTED_REFUSED: usize = 100;

/// Runs the import; exit code 0 when every record was imported or already there, 1 when some
/// were refused (the others are imported all the same) or the import could not run.
pub async fn run(
    open_source: impl Future<Output = anyhow::Result<Box<dyn StrapiSource>>>,
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    options: StrapiImportOptions,
) -> u8 {
    match import(open_source, open_core, domain_name, options).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gatehouse: {e:#}");
            1
        }
    }
}

async fn import(
    open_source: impl Future<Output = anyhow::Result<Box<dyn StrapiSource>>>,
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    options: StrapiImportOptions,
) -> anyhow::Result<u8> {
    let started = Instant::now();
    // The Strapi database first: a wrong URL is refused before Gatehouse's database is opened.
    let source = open_source.await?;
    let core = open_core.await?;
    let domain = domain(&core, domain_name).await?;
    let progress: OnceLock<Progress> = OnceLock::new();
    let report =
        |done: usize, total: usize| progress.get_or_init(|| Progress::new(total as u64, "users")).set(done as u64);
    let summary =
        core.imports().import_from_strapi(&domain, source.as_ref(), options, Actor::GlobalAdmin, &report).await?;
    if let Some(progress) = progress.get() {
        progress.finish();
    }
    print_summary(&summary, domain.name.as_str(), started.elapsed().as_secs_f64());
    Ok(if summary.refused.is_empty() { 0 } else { 1 })
}

fn listed(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) }
}

fn print_summary(summary: &StrapiImportSummary, domain: &str, seconds: f64) {
    if summary.dry_run {
        println!("Dry run: nothing was written; this is what the import would do.");
    }
    println!(
        "Roles: {} created{}, {} updated{}, {} unchanged{}",
        summary.roles_created.len(),
        listed(&summary.roles_created),
        summary.roles_updated.len(),
        listed(&summary.roles_updated),
        summary.roles_unchanged.len(),
        listed(&summary.roles_unchanged),
    );
    match &summary.settings_changed {
        None => println!("Settings and templates: not imported"),
        Some(changed) if changed.is_empty() => println!("Settings: unchanged"),
        Some(changed) => println!("Settings: {} changed ({})", changed.len(), changed.join(", ")),
    }
    if summary.settings_changed.is_some() {
        match summary.templates_changed.as_slice() {
            [] => println!("Email templates: unchanged"),
            changed => println!("Email templates: {} changed ({})", changed.len(), changed.join(", ")),
        }
    }
    println!(
        "Users: {} kept their Strapi id, {} draft/published duplicates folded",
        summary.user_ids_kept, summary.duplicates_folded
    );
    for note in &summary.notes {
        println!("  note: {note}");
    }
    println!(
        "{} from {} into {domain}: {} created, {} existing, {} refused ({} users in {seconds:.1} s)",
        if summary.dry_run { "Would import" } else { "Imported" },
        summary.version,
        summary.users_created,
        summary.users_existing,
        summary.refused.len(),
        summary.users_read,
    );
    for (record, reason) in summary.refused.iter().take(LISTED_REFUSED) {
        println!("  {record}: {reason}");
    }
    if summary.refused.len() > LISTED_REFUSED {
        println!("  ... and {} more refused records", summary.refused.len() - LISTED_REFUSED);
    }
    let changed = summary.users_created
        + summary.roles_created.len()
        + summary.roles_updated.len()
        + summary.templates_changed.len()
        + summary.settings_changed.as_ref().map_or(0, Vec::len);
    if changed == 0 {
        println!("Nothing new: {domain} already has everything this Strapi database holds.");
    }
}
