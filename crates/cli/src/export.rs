//! `gatehouse export --domain D [--out FILE]`: a domain's users as JSON lines, with their
//! password hashes (never plain passwords), in the format `import` reads back.

use std::io::{BufWriter, Write};
use std::path::Path;

use super::domain;
use super::records::UserLine;
use std::future::Future;
use std::sync::Arc;

use gatehouse_core::Core;

/// Users read per query.
const PAGE: i64 = 1000;

pub async fn run(
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    out: Option<&Path>,
) -> u8 {
    match export(open_core, domain_name, out).await {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("gatehouse: {e:#}");
            1
        }
    }
}

async fn export(
    open_core: impl Future<Output = anyhow::Result<Arc<Core>>>,
    domain_name: &str,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let core = open_core.await?;
    let domain = domain(&core, domain_name).await?;
    let mut writer: BufWriter<Box<dyn Write>> = BufWriter::new(match out {
        Some(path) => {
            Box::new(std::fs::File::create(path).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?)
        }
        None => Box::new(std::io::stdout().lock()),
    });
    let mut after = None;
    let mut count = 0u64;
    loop {
        let page = core.imports().export_users(&domain, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for user in page {
            let line = UserLine {
                username: user.username.into(),
                email: user.email.into(),
                password: None,
                password_hash: user.password_hash,
                confirmed: Some(user.confirmed),
                blocked: Some(user.blocked),
                role: user.role,
            };
            serde_json::to_writer(&mut writer, &line)?;
            writer.write_all(b"\n")?;
            count += 1;
        }
    }
    writer.flush()?;
    let target = out.map(|p| p.display().to_string()).unwrap_or_else(|| "standard output".into());
    eprintln!("Exported {count} users of {} to {target}", domain.name);
    Ok(())
}
