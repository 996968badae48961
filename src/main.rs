use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use gatehouse::app::App;
use gatehouse::config::Config;

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
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match cli.command {
        Command::Serve => runtime.block_on(serve(config)),
    }
}

async fn serve(config: Config) -> ExitCode {
    gatehouse::telemetry::init(&config.server.log_level);
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
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
    app.stop().await;
    ExitCode::SUCCESS
}
