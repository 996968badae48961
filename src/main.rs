use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gatehouse_cli::admin::ConfiguredAdmin;
use gatehouse_cli::strapi::StrapiImportOptions;
use gatehouse_server::app::App;
use gatehouse_server::boot::{open_core, open_strapi};
use gatehouse_server::config::{Config, Handler};

/// jemalloc, not glibc's malloc: glibc keeps freed memory in per-thread arenas, so after bursts
/// of event streams the process stayed tens of MiB above its idle size with only 2–3 MiB in use.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options (the `_RJEM_MALLOC_CONF` environment variable overrides them): a background
/// thread returns pages unused for about a second to the system, at once rather than lazily
/// (`muzzy_decay_ms:0`), so memory freed after a burst leaves the resident set even when no
/// request follows.
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

/// Gatehouse: multi-tenant users & permissions with a GraphQL API.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// The configuration file (default: gatehouse.toml when present, else built-in defaults).
    #[arg(long, global = true, env = "GATEHOUSE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server with every configured listener.
    Serve,
    /// Runs admin API commands: `gatehouse admin` lists the categories, `gatehouse admin
    /// <category>` its commands, `gatehouse admin <category> <command> --help` the arguments.
    #[command(disable_help_flag = true)]
    Admin {
        /// The admin API's URL (default: the first admin listener of the configuration).
        #[arg(long)]
        url: Option<String>,
        /// Basic auth user (default: the admin listener's `username`).
        #[arg(long)]
        user: Option<String>,
        /// Basic auth password (default: the admin listener's `password`).
        #[arg(long)]
        password: Option<String>,
        /// <category> <command> [--arg value ...], or graphql '<document>' [--variables JSON].
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Imports users from CSV (with a header row) or JSON lines into a domain, straight into
    /// the configured database. Columns: username, email, password or password_hash (Argon2
    /// PHC or bcrypt), confirmed, blocked, role. Existing users are counted, not changed.
    /// With --from-strapi, imports a Strapi 4 or 5 database's users (with their passwords),
    /// roles, permissions, advanced settings and email templates instead.
    Import {
        #[arg(long)]
        domain: String,
        /// The file format (default: by the file's extension, else by its content).
        #[arg(long, value_enum, conflicts_with = "from_strapi")]
        format: Option<gatehouse_cli::records::Format>,
        /// A Strapi database, read-only: sqlite:///path/to/.tmp/data.db or postgres://...
        #[arg(long, value_name = "URL")]
        from_strapi: Option<String>,
        /// With --from-strapi: print what would be imported, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --from-strapi: leave the domain's settings and email templates as they are.
        #[arg(long)]
        no_settings: bool,
        /// The file to read (`-` for standard input).
        #[arg(required_unless_present = "from_strapi", conflicts_with = "from_strapi")]
        file: Option<PathBuf>,
    },
    /// Writes a domain's users as JSON lines (password hashes, never plain passwords) that
    /// `import` reads back.
    Export {
        #[arg(long)]
        domain: String,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Prints the SDL of an API (kept in schema/*.graphql).
    Schema {
        #[arg(value_enum)]
        api: Api,
    },
    /// Writes the documentation pages (one HTML file per API) and the SDL files into DIR.
    Docs {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Api {
    User,
    Admin,
}

impl Api {
    const ALL: [Api; 2] = [Api::User, Api::Admin];

    fn name(self) -> &'static str {
        match self {
            Api::User => "user",
            Api::Admin => "admin",
        }
    }

    /// The SDL, from a schema built without a core (nothing runs).
    fn sdl(self, limits: &gatehouse_http::LimitsConfig) -> String {
        match self {
            Api::User => gatehouse_api::user::build_schema(None, limits).sdl(),
            Api::Admin => gatehouse_api::admin::build_schema(None, limits).sdl(),
        }
    }
}

fn write_docs(out: &std::path::Path, config: &Config) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // The user page also lists the REST routes, under the first user listener's prefix.
    let rest = config.listen.iter().find_map(|l| l.rest_prefix()).map(|prefix| gatehouse_http::docs::RestDocs {
        prefix: prefix.to_string(),
        routes: gatehouse_api::rest::route_docs(),
    });
    for api in Api::ALL {
        let sdl = api.sdl(&config.limits);
        let rest = if api == Api::User { rest.as_ref() } else { None };
        let html = gatehouse_http::docs::render_with_rest(api.name(), None, &sdl, rest)?;
        for (file, text) in [(format!("{}.html", api.name()), html), (format!("{}.graphql", api.name()), sdl)] {
            let path = out.join(file);
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            println!("{}", path.display());
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("gatehouse: {e}");
            return ExitCode::from(2);
        }
    };
    // Input nesting is bounded before any recursive code runs (http::inputs); the larger stack is
    // headroom on top of that bound, not the guarantee.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_stack_size(8 << 20)
        .on_thread_start(gatehouse_server::limits::ask_for_short_turns)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match cli.command {
        Command::Serve => runtime.block_on(serve(config)),
        Command::Admin { url, user, password, args } => {
            let listener = config.listen.iter().find(|l| l.handler == Handler::Admin).map(|l| ConfiguredAdmin {
                address: l.address,
                path: l.path().to_string(),
                credentials: l.admin_credentials().map(|(u, p)| (u.to_string(), p.to_string())),
            });
            match gatehouse_cli::admin::target(listener, url, user, password) {
                Ok(target) => ExitCode::from(runtime.block_on(gatehouse_cli::admin::run(target, args))),
                Err(e) => {
                    eprintln!("gatehouse: {e}");
                    ExitCode::from(gatehouse_cli::admin::USAGE)
                }
            }
        }
        Command::Import { domain, format, from_strapi, dry_run, no_settings, file } => {
            let code = match (from_strapi, file) {
                (Some(url), _) => {
                    let options = StrapiImportOptions { dry_run, skip_settings: no_settings };
                    runtime.block_on(gatehouse_cli::strapi::run(
                        open_strapi(&url),
                        open_core(&config),
                        &domain,
                        options,
                    ))
                }
                (None, _) if dry_run || no_settings => {
                    eprintln!("gatehouse: --dry-run and --no-settings go with --from-strapi");
                    return ExitCode::from(2);
                }
                (None, Some(file)) => {
                    runtime.block_on(gatehouse_cli::import::run(open_core(&config), &domain, &file, format))
                }
                (None, None) => unreachable!("clap requires a file without --from-strapi"),
            };
            ExitCode::from(code)
        }
        Command::Export { domain, out } => {
            ExitCode::from(runtime.block_on(gatehouse_cli::export::run(open_core(&config), &domain, out.as_deref())))
        }
        Command::Schema { api } => {
            print!("{}", api.sdl(&config.limits));
            ExitCode::SUCCESS
        }
        Command::Docs { out } => match write_docs(&out, &config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("gatehouse: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn serve(config: Config) -> ExitCode {
    gatehouse_server::telemetry::init_with_format(&config.server.log_level, config.server.log_format);
    match gatehouse_server::limits::raise_file_limit() {
        Ok(files) => tracing::info!(files, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
    let app = match App::start(&config).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("gatehouse: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    for listener in &app.listeners {
        println!("{:<13} {}", listener.handler.name(), listener.url());
    }
    let signal = stop_signal().await;
    tracing::info!(signal, "shutting down");
    app.stop(std::time::Duration::from_secs(config.server.shutdown_delay_seconds)).await;
    tracing::info!("stopped");
    ExitCode::SUCCESS
}

/// SIGTERM (what systemd, Docker and Kubernetes send) or SIGINT (Ctrl-C).
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = terminate.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        },
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}
