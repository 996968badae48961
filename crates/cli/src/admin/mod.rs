//! `gatehouse admin`: a client of the admin API whose categories, commands and arguments
//! come from the schema's introspection at run time (MongooseIM's mongooseimctl model).
//!
//! Exit codes: 0 success, 1 GraphQL error or bad argument, 2 usage, 3 server unreachable.

pub mod args;
pub mod catalog;
pub mod client;
pub mod introspection;
pub mod usage;

use std::io::Write;
use std::net::SocketAddr;

use serde_json::{Map, Value};

use catalog::{Catalog, Command, Operation};
use client::{Answer, Client, Target, Unreachable};

pub const OK: u8 = 0;
pub const ERROR: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;

/// The configuration's admin listener (the first one): where it listens, its path and its
/// credentials.
pub struct ConfiguredAdmin {
    pub address: SocketAddr,
    pub path: String,
    pub credentials: Option<(String, String)>,
}

/// The configured admin listener; the flags, when given, take precedence.
pub fn target(
    listener: Option<ConfiguredAdmin>,
    url: Option<String>,
    user: Option<String>,
    password: Option<String>,
) -> Result<Target, String> {
    let url = match (url, &listener) {
        (Some(url), _) => url.trim_end_matches('/').to_string(),
        (None, Some(listener)) => format!("http://{}{}", connectable(listener.address), listener.path),
        (None, None) => return Err("the configuration has no admin listener; give its URL with --url".into()),
    };
    let configured = listener.and_then(|l| l.credentials);
    let credentials = match (user, password, configured) {
        (Some(user), Some(password), _) => Some((user, password)),
        (Some(user), None, _) => Some((user, String::new())),
        (None, Some(password), Some((user, _))) => Some((user, password)),
        (None, _, configured) => configured,
    };
    Ok(Target { url, credentials })
}

/// A listener bound to every address is reached on loopback.
fn connectable(address: SocketAddr) -> SocketAddr {
    let mut address = address;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    address
}

/// What an invocation comes to once the catalog is known.
#[derive(Debug)]
pub enum Plan<'a> {
    /// Print `text` and exit with `code` (on stdout for 0, on stderr otherwise).
    Show {
        text: String,
        code: u8,
    },
    Run {
        command: &'a Command,
        invocation: args::Invocation,
    },
}

fn is_help(token: &str) -> bool {
    token == "--help" || token == "-h"
}

pub fn plan<'a>(catalog: &'a Catalog, tokens: &[String]) -> Plan<'a> {
    let show = |text: String, code| Plan::Show { text, code };
    let Some(category_name) = tokens.first() else { return show(usage::categories(catalog), USAGE) };
    if is_help(category_name) || category_name == "help" {
        return show(usage::categories(catalog), OK);
    }
    let Some(category) = catalog.categories.get(category_name) else {
        return show(format!("Unknown category '{category_name}'\n\n{}", usage::categories(catalog)), ERROR);
    };
    let Some(command_name) = tokens.get(1).filter(|t| !is_help(t)) else {
        return show(usage::commands(category), OK);
    };
    let Some(command) = category.commands.get(command_name) else {
        return show(
            format!("Unknown command '{command_name}' in category '{category_name}'\n\n{}", usage::commands(category)),
            ERROR,
        );
    };
    let rest = &tokens[2..];
    // `--help` where a flag may stand (not as the value of another flag).
    if rest.iter().step_by(2).any(|t| is_help(t)) {
        return show(usage::help(catalog, command), OK);
    }
    match args::parse(catalog, command, rest) {
        Ok(invocation) => Plan::Run { command, invocation },
        Err(e) => show(format!("{e}\n\n{}", usage::synopsis(command)), ERROR),
    }
}

/// Runs `gatehouse admin <tokens>` and returns the exit code.
pub async fn run(target: Target, tokens: Vec<String>) -> u8 {
    let client = Client::new(target);
    if tokens.first().map(String::as_str) == Some("graphql") {
        return raw(&client, &tokens[1..]).await;
    }
    let catalog = match load_catalog(&client).await {
        Ok(catalog) => catalog,
        Err(code) => return code,
    };
    match plan(&catalog, &tokens) {
        Plan::Show { text, code } => {
            if code == OK {
                print!("{text}");
            } else {
                eprint!("{text}");
            }
            code
        }
        Plan::Run { command, invocation } => {
            let given: Vec<&str> = invocation.variables.keys().map(String::as_str).collect();
            let document = catalog.document(command, &given);
            let variables = Value::Object(invocation.variables.clone());
            match command.operation {
                Operation::Subscription => stream(&client, &document, variables, invocation.limit).await,
                _ => answer(client.execute(&document, variables).await),
            }
        }
    }
}

async fn load_catalog(client: &Client) -> Result<Catalog, u8> {
    let answer = client.execute(introspection::QUERY, Value::Object(Map::new())).await.map_err(unreachable)?;
    let schema = introspection::parse(&answer.body).map_err(|e| {
        if answer.body.get("errors").is_some() {
            // Refused (wrong credentials, say): the answer itself says why.
            eprintln!(
                "gatehouse: the admin API at {} refused the schema request (HTTP {})",
                client.url(),
                answer.status
            );
            println!("{}", serde_json::to_string_pretty(&answer.body).unwrap_or_default());
        } else {
            eprintln!("gatehouse: cannot read the admin schema at {} (HTTP {}): {e}", client.url(), answer.status);
        }
        ERROR
    })?;
    Catalog::new(schema).map_err(|e| {
        eprintln!("gatehouse: {e}");
        ERROR
    })
}

fn unreachable(e: Unreachable) -> u8 {
    eprintln!("gatehouse: {}", e.0);
    UNREACHABLE
}

/// Prints a GraphQL answer as pretty JSON: 0 without errors, 1 with.
fn answer(result: Result<Answer, Unreachable>) -> u8 {
    let answer = match result {
        Ok(answer) => answer,
        Err(e) => return unreachable(e),
    };
    match &answer.body {
        Value::String(text) => eprintln!("gatehouse: HTTP {}: {text}", answer.status),
        body => println!("{}", serde_json::to_string_pretty(body).unwrap_or_default()),
    }
    if answer.ok() { OK } else { ERROR }
}

/// `gatehouse admin graphql '<document>' [--variables JSON]`.
async fn raw(client: &Client, tokens: &[String]) -> u8 {
    let (document, rest) = match tokens.split_first() {
        Some((document, rest)) if !document.starts_with("--") => (document, rest),
        _ => {
            eprintln!("This command requires one string type argument!");
            return ERROR;
        }
    };
    let mut variables = Value::Object(Map::new());
    for (name, value) in match args::pairs(rest) {
        Ok(pairs) => pairs,
        Err(_) => {
            eprintln!("This command requires one string type argument!");
            return ERROR;
        }
    } {
        match (name.as_str(), serde_json::from_str::<Value>(&value)) {
            ("variables", Ok(parsed @ Value::Object(_))) => variables = parsed,
            ("variables", _) => {
                eprintln!("Invalid value '{value}' of argument 'variables' for command 'graphql'");
                return ERROR;
            }
            _ => {
                eprintln!("Unknown argument '{name}' for command 'graphql'");
                return ERROR;
            }
        }
    }
    if document.trim_start().starts_with("subscription") {
        return stream(client, document, variables, None).await;
    }
    answer(client.execute(document, variables).await)
}

/// Prints each event of a subscription as one JSON line, until the server ends the stream,
/// `limit` events were printed, or the process is interrupted.
async fn stream(client: &Client, document: &str, variables: Value, limit: Option<u64>) -> u8 {
    if limit == Some(0) {
        return OK;
    }
    let mut printed = 0u64;
    let mut failed = false;
    let result = client
        .subscribe(document, variables, |event| {
            failed |= event.get("errors").is_some();
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{event}");
            let _ = out.flush();
            printed += 1;
            limit.is_none_or(|limit| printed < limit)
        })
        .await;
    match result {
        Err(e) => unreachable(e),
        Ok(Err(answer)) => self::answer(Ok(answer)).max(ERROR),
        Ok(Ok(())) if failed => ERROR,
        Ok(Ok(())) => OK,
    }
}

#[cfg(test)]
mod tests;
