//! `gatehouse import --domain D FILE`: users from CSV or JSON lines, with a progress bar on a
//! terminal (plain progress lines otherwise) and a summary. Running it twice creates nothing new.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use super::domain;
use super::progress::Progress;
use super::records::{self, Format};
use std::future::Future;
use std::sync::Arc;

use gatehouse_core::Core;
use gatehouse_core::events::Actor;

/// How many invalid lines the summary lists before it only counts them.
const LISTED_INVALID: usize = 100;

/// Runs the import; exit code 0 when every record was imported or already there, 1 when some
/// were invalid (the others are imported all the same) or the import could not run.
pub async fn run(
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    file: &Path,
    format: Option<Format>,
) -> u8 {
    match import(open_core, domain_name, file, format).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("gatehouse: {e:#}");
            1
        }
    }
}

async fn import(
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    file: &Path,
    format: Option<Format>,
) -> anyhow::Result<u8> {
    let started = Instant::now();
    let content = read(file)?;
    let format = format.unwrap_or_else(|| Format::detect(&file.to_string_lossy(), &content));
    let parsed = records::parse(format, &content).map_err(anyhow::Error::msg)?;
    drop(content);
    // The file is read first: a bad file is refused before the database is opened.
    let core = open_core.await?;
    let domain = domain(&core, domain_name).await?;

    let total = parsed.records.len() + parsed.unreadable.len();
    let progress = Progress::new(total as u64, "records");
    let read_errors = parsed.unreadable.len();
    let report = |done: usize| progress.set((done + read_errors) as u64);
    let summary =
        core.imports().import_users_with_progress(&domain, parsed.records, Actor::GlobalAdmin, &report).await?;
    progress.finish();

    let mut invalid = parsed.unreadable;
    invalid.extend(summary.invalid);
    invalid.sort_by_key(|(line, _)| *line);
    println!(
        "Imported into {}: {} created, {} existing, {} invalid ({} records in {:.1} s)",
        domain.name,
        summary.created.len(),
        summary.existing.len(),
        invalid.len(),
        total,
        started.elapsed().as_secs_f64()
    );
    for (line, reason) in invalid.iter().take(LISTED_INVALID) {
        println!("  line {line}: {reason}");
    }
    if invalid.len() > LISTED_INVALID {
        println!("  ... and {} more invalid lines", invalid.len() - LISTED_INVALID);
    }
    Ok(if invalid.is_empty() { 0 } else { 1 })
}

/// The whole input: a file, or standard input for `-`.
fn read(file: &Path) -> anyhow::Result<String> {
    let mut content = String::new();
    if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut content)?;
    } else {
        content = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    }
    Ok(content)
}
