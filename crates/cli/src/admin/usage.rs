//! What `gatehouse admin` prints to explain itself: categories, commands, arguments.

use std::fmt::Write;

use super::catalog::{Catalog, Category, Command, Operation};

const TOOL: &str = "gatehouse admin";

/// The first sentence of the first paragraph, on one line.
fn first_line(text: Option<&str>) -> String {
    let paragraph: Vec<&str> =
        text.unwrap_or("").lines().map(str::trim).skip_while(|l| l.is_empty()).take_while(|l| !l.is_empty()).collect();
    let paragraph = paragraph.join(" ");
    match paragraph.find(". ") {
        Some(end) => paragraph[..=end].to_string(),
        None => paragraph,
    }
}

fn table(rows: &[(String, String)]) -> String {
    let width = rows.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, text) in rows {
        let _ = writeln!(out, "  {name:<width$}  {text}");
    }
    out
}

pub fn categories(catalog: &Catalog) -> String {
    let mut out = format!(
        "Usage: {TOOL} <category> <command> [--arg value ...]\n       {TOOL} graphql '<document>' [--variables JSON]\n\nCategories:\n"
    );
    let rows: Vec<(String, String)> = catalog
        .categories
        .values()
        .map(|c| (c.name.clone(), first_line(c.description.as_deref())))
        .chain([("graphql".to_string(), "Runs a raw GraphQL document".to_string())])
        .collect();
    out.push_str(&table(&rows));
    let _ = write!(out, "\nRun '{TOOL} <category>' for its commands.\n");
    out
}

pub fn commands(category: &Category) -> String {
    let mut out = format!("Usage: {TOOL} {} <command> [--arg value ...]\n\n", category.name);
    match first_line(category.description.as_deref()).as_str() {
        "" => {
            let _ = writeln!(out, "Commands of {}:", category.name);
        }
        description => {
            let _ = writeln!(out, "Commands of {} ({description}):", category.name);
        }
    }
    let rows: Vec<(String, String)> = category
        .commands
        .values()
        .map(|c| {
            let description = first_line(c.description.as_deref());
            let text = match c.operation {
                Operation::Subscription => format!("{description} (subscription: streams events)"),
                _ => description.to_string(),
            };
            (c.name.clone(), text)
        })
        .collect();
    out.push_str(&table(&rows));
    let _ = write!(out, "\nRun '{TOOL} {} <command> --help' for its arguments.\n", category.name);
    out
}

/// Whether `--limit` is the CLI's own option for this command (a subscription without a
/// `limit` argument of its own).
fn own_limit(command: &Command) -> bool {
    command.operation == Operation::Subscription && command.arg("limit").is_none()
}

/// The one-line synopsis: required arguments first as `--name Type!`, the others in brackets.
pub fn synopsis(command: &Command) -> String {
    let mut out = format!("Usage: {TOOL} {} {}", command.category, command.name);
    for arg in command.args.iter().filter(|a| a.ty.is_required() && a.default_value.is_none()) {
        let _ = write!(out, " --{} {}", arg.name, arg.ty.display());
    }
    for arg in command.args.iter().filter(|a| !a.ty.is_required() || a.default_value.is_some()) {
        let _ = write!(out, " [--{} {}]", arg.name, arg.ty.display());
    }
    if own_limit(command) {
        out.push_str(" [--limit Int]");
    }
    out.push('\n');
    out
}

pub fn help(catalog: &Catalog, command: &Command) -> String {
    let mut out = synopsis(command);
    if let Some(description) = command.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        let _ = write!(out, "\n{description}\n");
    }
    let _ = write!(out, "\nA {} returning {}.\n", command.operation.keyword(), command.returns.display());
    let mut rows: Vec<(String, String)> = command
        .args
        .iter()
        .map(|arg| {
            let mut notes = Vec::new();
            if arg.ty.is_required() && arg.default_value.is_none() {
                notes.push("required".to_string());
            }
            if let Some(default) = &arg.default_value {
                notes.push(format!("default {default}"));
            }
            let kind = catalog.type_named(arg.ty.named()).map(|t| t.kind);
            if arg.ty.is_list() || kind == Some(super::introspection::Kind::InputObject) {
                notes.push("JSON".to_string());
            }
            if let Some(values) = catalog.type_named(arg.ty.named()).and_then(|t| t.enum_values.as_ref()) {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                notes.push(format!("one of {}", names.join(", ")));
            }
            let mut text = first_line(arg.description.as_deref());
            if !notes.is_empty() {
                text = format!("({}) {text}", notes.join("; ")).trim_end().to_string();
            }
            (format!("--{}  {}", arg.name, arg.ty.display()), text)
        })
        .collect();
    if own_limit(command) {
        rows.push(("--limit  Int".into(), "stop after this many events (default: until interrupted)".into()));
    }
    if rows.is_empty() {
        out.push_str("\nNo arguments.\n");
    } else {
        out.push_str("\nArguments:\n");
        out.push_str(&table(&rows));
    }
    out
}
