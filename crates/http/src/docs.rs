//! Static documentation generated from the live schema: `<path>/docs` (HTML, no script) and
//! `<path>/schema.graphql` (the SDL). `gatehouse docs --out DIR` writes the same pages.
//!
//! The page is built from the schema's SDL, so it shows exactly what the server serves:
//! every category (a field of a root type returning a `...Query`, `...Mutation` or
//! `...Subscription` object), every operation with its arguments, every type, every
//! description, and for the admin API the protection of each operation, read from the
//! `@protected(type:, args:)` directive the schema carries.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use async_graphql::parser::types::{
    BaseType, ConstDirective, FieldDefinition, InputValueDefinition, ServiceDocument, Type, TypeDefinition, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Positioned, Schema};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::graphql::{Endpoint, Shared};

/// A schema that can print its SDL.
pub trait Sdl {
    fn sdl(&self) -> String;
}

impl<Q, M, S> Sdl for Schema<Q, M, S>
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
    S: async_graphql::SubscriptionType + 'static,
{
    fn sdl(&self) -> String {
        Schema::sdl(self)
    }
}

/// `GET <path>/schema.graphql`.
pub async fn schema_graphql<E: Endpoint>(State(mounted): State<Shared<E>>) -> Response {
    let sdl = mounted.endpoint.executor().sdl();
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], sdl).into_response()
}

/// A REST route served beside a GraphQL API, for the documentation page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestRoute {
    pub method: &'static str,
    /// Relative to the REST prefix, with `:param` placeholders.
    pub path: String,
    /// The permission action a caller's role needs.
    pub action: String,
    pub summary: &'static str,
}

/// The REST API a listener serves beside its GraphQL API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestDocs {
    pub prefix: String,
    pub routes: Vec<RestRoute>,
}

/// `GET <path>/docs`.
pub async fn page<E: Endpoint>(State(mounted): State<Shared<E>>) -> Response {
    let sdl = mounted.endpoint.executor().sdl();
    match render_with_rest(mounted.endpoint.name(), Some(&mounted.path), &sdl, mounted.endpoint.rest_docs().as_ref()) {
        Ok(html) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the documentation");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot render the documentation").into_response()
        }
    }
}

/// The documentation page of one API. `path` is where it is served (links to GraphiQL and
/// the SDL), `None` for files written by `gatehouse docs`.
pub fn render(api: &str, path: Option<&str>, sdl: &str) -> Result<String, async_graphql::parser::Error> {
    render_with_rest(api, path, sdl, None)
}

/// [`render`], with the REST API served beside the GraphQL one, when there is one.
pub fn render_with_rest(
    api: &str,
    path: Option<&str>,
    sdl: &str,
    rest: Option<&RestDocs>,
) -> Result<String, async_graphql::parser::Error> {
    let document = async_graphql::parser::parse_schema(sdl)?;
    Ok(Docs::new(&document).page(api, path, rest))
}

/// The REST section: what it is, then a row per route.
fn rest_section(out: &mut String, rest: &RestDocs) {
    let prefix = esc(&rest.prefix);
    let _ = write!(
        out,
        r#"<section id="rest"><h2>REST</h2><p class="description">Strapi's REST API of the Users &amp; Permissions plugin, under <code>{prefix}</code>: the same domains, callers (a bearer JWT, Basic <code>user@domain:password</code>, or anonymous with the Public role), permission actions, rate limits and audit events as the GraphQL API. Errors come in Strapi's envelope <code>{{"data": null, "error": {{"status", "name", "message", "details"}}}}</code>. Lists take Strapi's query syntax: <code>filters[username][$eq]=bob</code>, <code>filters[$or][0][...]</code>, <code>_q</code>, <code>sort=username:desc</code>, <code>start</code>, <code>limit</code>, <code>fields</code>, <code>populate=role</code>.</p>"#
    );
    out.push_str(r#"<table class="fields"><tr><th>route</th><th>permission</th><th>description</th></tr>"#);
    for route in &rest.routes {
        let _ = write!(
            out,
            r#"<tr><td><code>{} {prefix}{}</code></td><td><code>{}</code></td><td>{}</td></tr>"#,
            esc(route.method),
            esc(&route.path),
            esc(&route.action),
            esc(route.summary)
        );
    }
    out.push_str("</table></section>\n");
}

/// How an admin operation is protected, from `@protected(type:, args:)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    Global,
    Domain(Vec<String>),
    Default,
    Open,
}

impl Protection {
    fn from_directives(directives: &[Positioned<ConstDirective>]) -> Option<Protection> {
        let directive = directives.iter().find(|d| d.node.name.node.as_str() == "protected")?;
        let argument = |name: &str| {
            directive.node.arguments.iter().find(|(n, _)| n.node.as_str() == name).map(|(_, v)| v.node.clone())
        };
        let kind = match argument("type") {
            Some(async_graphql::Value::Enum(name)) => name.to_string(),
            Some(async_graphql::Value::String(name)) => name,
            _ => "DEFAULT".into(),
        };
        let args = match argument("args") {
            Some(async_graphql::Value::List(items)) => items.iter().filter_map(string_of).collect(),
            Some(async_graphql::Value::String(one)) => vec![one],
            _ => Vec::new(),
        };
        Some(match kind.as_str() {
            "GLOBAL" => Protection::Global,
            "DOMAIN" => Protection::Domain(args),
            "OPEN" => Protection::Open,
            _ => Protection::Default,
        })
    }

    fn badge(&self) -> String {
        match self {
            Protection::Global => r#"<span class="badge global" title="global admin only">GLOBAL</span>"#.into(),
            Protection::Domain(args) => format!(
                r#"<span class="badge domain" title="a domain admin may call it for its own domain, named by these arguments">DOMAIN({})</span>"#,
                esc(&args.join(", "))
            ),
            Protection::Default => {
                r#"<span class="badge default" title="any authenticated admin">DEFAULT</span>"#.into()
            }
            Protection::Open => r#"<span class="badge open" title="no authentication needed">open</span>"#.into(),
        }
    }
}

fn string_of(value: &async_graphql::Value) -> Option<String> {
    match value {
        async_graphql::Value::String(text) => Some(text.clone()),
        async_graphql::Value::Enum(name) => Some(name.to_string()),
        _ => None,
    }
}

/// Text made safe inside HTML elements and quoted attributes.
fn esc(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

const ROOT_KINDS: [&str; 3] = ["Query", "Mutation", "Subscription"];

struct Docs<'a> {
    types: BTreeMap<&'a str, &'a TypeDefinition>,
    /// Query, Mutation, Subscription type names, when the schema has them.
    roots: [Option<String>; 3],
    /// Whether the schema declares `@protected` (the admin API).
    protected: bool,
}

impl<'a> Docs<'a> {
    fn new(document: &'a ServiceDocument) -> Self {
        let mut types = BTreeMap::new();
        let mut roots = [Some("Query".to_string()), Some("Mutation".to_string()), Some("Subscription".to_string())];
        let mut protected = false;
        for definition in &document.definitions {
            match definition {
                TypeSystemDefinition::Type(ty) => {
                    types.insert(ty.node.name.node.as_str(), &ty.node);
                }
                TypeSystemDefinition::Schema(schema) => {
                    let name = |n: &Option<Positioned<async_graphql::Name>>| n.as_ref().map(|n| n.node.to_string());
                    roots = [name(&schema.node.query), name(&schema.node.mutation), name(&schema.node.subscription)];
                }
                TypeSystemDefinition::Directive(directive) => {
                    protected |= directive.node.name.node.as_str() == "protected";
                }
            }
        }
        // A default root name only counts when the type exists.
        for root in roots.iter_mut() {
            if root.as_deref().is_some_and(|name| !types.contains_key(name)) {
                *root = None;
            }
        }
        Docs { types, roots, protected }
    }

    fn object_fields(&self, name: &str) -> Option<&'a [Positioned<FieldDefinition>]> {
        match &self.types.get(name)?.kind {
            TypeKind::Object(object) => Some(&object.fields),
            _ => None,
        }
    }

    /// The category type of a root field, when the field is a category.
    fn category_type(&self, field: &FieldDefinition) -> Option<&'a TypeDefinition> {
        let name = named(&field.ty.node);
        let is_category = field.arguments.is_empty()
            && matches!(field.ty.node.base, BaseType::Named(_))
            && ROOT_KINDS.iter().any(|kind| name.ends_with(kind) && name != *kind);
        let ty = self.types.get(name)?;
        (is_category && matches!(ty.kind, TypeKind::Object(_))).then_some(*ty)
    }

    fn protection(&self, field: &FieldDefinition, category: Option<&FieldDefinition>) -> Option<Protection> {
        if !self.protected {
            return None;
        }
        Protection::from_directives(&field.directives)
            .or_else(|| category.and_then(|c| Protection::from_directives(&c.directives)))
            .or(Some(Protection::Open))
    }

    fn type_link(&self, ty: &Type) -> String {
        let name = named(ty);
        let text = esc(&ty.to_string());
        if self.types.contains_key(name) {
            let linked = format!(r##"<a href="#type-{0}">{0}</a>"##, esc(name));
            text.replacen(&esc(name), &linked, 1)
        } else {
            text
        }
    }

    fn description(out: &mut String, description: &Option<Positioned<String>>) {
        if let Some(description) = description {
            let _ = write!(out, r#"<p class="description">{}</p>"#, esc(description.node.trim()));
        }
    }

    /// A table of arguments (or input fields), when there is more to say than the signature.
    fn arguments(&self, out: &mut String, arguments: &[Positioned<InputValueDefinition>], always: bool) {
        let documented = arguments.iter().any(|a| a.node.description.is_some() || a.node.default_value.is_some());
        if arguments.is_empty() || !(documented || always) {
            return;
        }
        out.push_str(r#"<table class="args"><tr><th>argument</th><th>type</th><th>description</th></tr>"#);
        for argument in arguments {
            let argument = &argument.node;
            let default = argument.default_value.as_ref().map(|v| format!(" = {}", esc(&v.node.to_string())));
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}{}</code></td><td>{}</td></tr>",
                esc(&argument.name.node),
                self.type_link(&argument.ty.node),
                default.unwrap_or_default(),
                argument.description.as_ref().map(|d| esc(d.node.trim())).unwrap_or_default(),
            );
        }
        out.push_str("</table>");
    }

    fn operation(&self, out: &mut String, id: &str, field: &FieldDefinition, category: Option<&FieldDefinition>) {
        let signature = if field.arguments.is_empty() {
            String::new()
        } else {
            let args: Vec<String> = field
                .arguments
                .iter()
                .map(|a| format!("{}: {}", esc(&a.node.name.node), self.type_link(&a.node.ty.node)))
                .collect();
            format!("({})", args.join(", "))
        };
        let badge = self.protection(field, category).map(|p| p.badge()).unwrap_or_default();
        let _ = write!(
            out,
            r#"<div class="operation" id="{id}"><h4><code>{}{signature}: {}</code> {badge}</h4>"#,
            esc(&field.name.node),
            self.type_link(&field.ty.node),
        );
        Self::description(out, &field.description);
        self.arguments(out, &field.arguments, false);
        out.push_str("</div>");
    }

    fn page(&self, api: &str, path: Option<&str>, rest: Option<&RestDocs>) -> String {
        let mut out = String::new();
        let title = format!("Gatehouse {} API", api.replace('_', " "));
        let _ = write!(
            out,
            r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
<header><h1>{title}</h1>"#,
            title = esc(&title)
        );
        if let Some(path) = path {
            let _ = write!(
                out,
                r#"<p>Endpoint <code>{0}</code> · <a href="{0}">GraphiQL</a> · <a href="{0}/schema.graphql">schema.graphql</a> · subscriptions at <code>{0}/sse</code>{1}</p>"#,
                esc(path),
                rest.map(|rest| format!(r##" · <a href="#rest">REST</a> under <code>{}</code>"##, esc(&rest.prefix)))
                    .unwrap_or_default()
            );
        }
        if self.protected {
            out.push_str(concat!(
                r#"<p class="legend">"#,
                r#"<span class="badge global">GLOBAL</span> global admin only · "#,
                r#"<span class="badge domain">DOMAIN(args)</span> also a domain admin, when every named argument "#,
                r#"belongs to its domain · <span class="badge default">DEFAULT</span> any authenticated admin · "#,
                r#"<span class="badge open">open</span> no authentication</p>"#
            ));
        }
        out.push_str("</header>\n<nav><h2>Contents</h2><ul>");
        let mut category_types = HashSet::new();
        for (kind, root) in ROOT_KINDS.iter().zip(&self.roots) {
            let Some(root) = root else { continue };
            let _ = write!(out, r##"<li><a href="#{kind}">{kind}</a><ul>"##);
            for field in self.object_fields(root).unwrap_or_default() {
                let name = esc(&field.node.name.node);
                let _ = write!(out, r##"<li><a href="#{kind}-{name}">{name}</a></li>"##);
                if let Some(category) = self.category_type(&field.node) {
                    category_types.insert(category.name.node.as_str());
                }
            }
            out.push_str("</ul></li>");
        }
        if rest.is_some() {
            out.push_str("<li><a href=\"#rest\">REST</a></li>");
        }
        out.push_str("<li><a href=\"#types\">Types</a></li></ul></nav>\n<main>");

        for (kind, root) in ROOT_KINDS.iter().zip(&self.roots) {
            let Some(root) = root else { continue };
            let _ = write!(out, r#"<section id="{kind}"><h2>{kind}</h2>"#);
            for field in self.object_fields(root).unwrap_or_default() {
                let field = &field.node;
                let name = esc(&field.name.node);
                match self.category_type(field) {
                    Some(category) => {
                        let _ = write!(
                            out,
                            r#"<div class="category" id="{kind}-{name}"><h3>{name} <small>({})</small></h3>"#,
                            esc(&category.name.node)
                        );
                        Self::description(&mut out, &field.description);
                        let same = |a: &Positioned<String>, b: &Positioned<String>| a.node.trim() == b.node.trim();
                        if !matches!((&field.description, &category.description), (Some(a), Some(b)) if same(a, b)) {
                            Self::description(&mut out, &category.description);
                        }
                        for operation in self.object_fields(&category.name.node).unwrap_or_default() {
                            let id = format!("{kind}-{name}-{}", esc(&operation.node.name.node));
                            self.operation(&mut out, &id, &operation.node, Some(field));
                        }
                        out.push_str("</div>");
                    }
                    None => self.operation(&mut out, &format!("{kind}-{name}"), field, None),
                }
            }
            out.push_str("</section>\n");
        }

        if let Some(rest) = rest {
            rest_section(&mut out, rest);
        }
        out.push_str(r#"<section id="types"><h2>Types</h2>"#);
        let roots: HashSet<&str> = self.roots.iter().flatten().map(String::as_str).collect();
        for (name, ty) in &self.types {
            if roots.contains(name) || category_types.contains(name) || name.starts_with("__") {
                continue;
            }
            self.type_section(&mut out, ty);
        }
        out.push_str("</section>\n</main>\n</body>\n</html>\n");
        out
    }

    fn type_section(&self, out: &mut String, ty: &TypeDefinition) {
        let (kind, body) = match &ty.kind {
            TypeKind::Scalar => ("scalar", String::new()),
            TypeKind::Object(object) => ("type", self.fields(&object.fields)),
            TypeKind::Interface(interface) => ("interface", self.fields(&interface.fields)),
            TypeKind::Union(union) => {
                let members: Vec<String> =
                    union.members.iter().map(|m| format!(r##"<a href="#type-{0}">{0}</a>"##, esc(&m.node))).collect();
                ("union", format!("<p>One of {}</p>", members.join(" | ")))
            }
            TypeKind::Enum(values) => {
                let mut body = String::from(r#"<table class="fields"><tr><th>value</th><th>description</th></tr>"#);
                for value in &values.values {
                    let _ = write!(
                        body,
                        "<tr><td><code>{}</code></td><td>{}</td></tr>",
                        esc(&value.node.value.node),
                        value.node.description.as_ref().map(|d| esc(d.node.trim())).unwrap_or_default()
                    );
                }
                body.push_str("</table>");
                ("enum", body)
            }
            TypeKind::InputObject(input) => {
                let mut body = String::new();
                self.arguments(&mut body, &input.fields, true);
                ("input", body.replace("<th>argument</th>", "<th>field</th>"))
            }
        };
        let name = esc(&ty.name.node);
        let _ = write!(out, r#"<div class="type" id="type-{name}"><h3><small>{kind}</small> {name}</h3>"#);
        Self::description(out, &ty.description);
        out.push_str(&body);
        out.push_str("</div>");
    }

    fn fields(&self, fields: &[Positioned<FieldDefinition>]) -> String {
        let mut out = String::from(r#"<table class="fields"><tr><th>field</th><th>type</th><th>description</th></tr>"#);
        for field in fields {
            let field = &field.node;
            let args = if field.arguments.is_empty() {
                String::new()
            } else {
                let args: Vec<String> = field
                    .arguments
                    .iter()
                    .map(|a| format!("{}: {}", esc(&a.node.name.node), self.type_link(&a.node.ty.node)))
                    .collect();
                format!("({})", args.join(", "))
            };
            let _ = write!(
                out,
                "<tr><td><code>{}{args}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&field.name.node),
                self.type_link(&field.ty.node),
                field.description.as_ref().map(|d| esc(d.node.trim())).unwrap_or_default()
            );
        }
        out.push_str("</table>");
        out
    }
}

const STYLE: &str = "
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2330; background: #fafbfc; }
header { padding: 1.2em 2em; background: #1d2330; color: #fff; }
header a { color: #9cc3ff; } header code { color: #ffe9a8; }
nav { float: left; width: 16em; padding: 1em 1.5em; position: sticky; top: 0; max-height: 100vh; overflow: auto; box-sizing: border-box; }
nav ul { list-style: none; padding-left: 0.8em; margin: 0.2em 0; }
main { margin-left: 17em; padding: 1em 2em 4em; max-width: 70em; }
h2 { border-bottom: 2px solid #d6dbe3; padding-bottom: 0.2em; margin-top: 1.6em; }
.category { margin: 1.2em 0; padding: 0.4em 1em; border-left: 4px solid #3b6fd4; background: #fff; }
.operation, .type { margin: 0.8em 0; padding: 0.4em 0.8em; background: #fff; border: 1px solid #e3e7ee; border-radius: 4px; }
.operation h4, .type h3 { margin: 0.2em 0; font-weight: 600; }
small { color: #6a7385; font-weight: normal; }
.description { white-space: pre-line; margin: 0.3em 0; }
table { border-collapse: collapse; margin: 0.4em 0; width: 100%; }
th, td { text-align: left; padding: 0.2em 0.6em; border-bottom: 1px solid #edf0f4; vertical-align: top; }
th { font-size: 0.85em; color: #6a7385; font-weight: 600; }
code { font-family: ui-monospace, monospace; font-size: 0.92em; }
a { color: #2456b3; text-decoration: none; } a:hover { text-decoration: underline; }
.badge { display: inline-block; font: 600 0.75em/1.6 ui-monospace, monospace; padding: 0 0.5em; border-radius: 3px; vertical-align: middle; }
.global { background: #fde2e1; color: #9b1c1c; } .domain { background: #e1effe; color: #1e429f; }
.default { background: #e7f6ec; color: #1f6b3a; } .open { background: #eee; color: #555; }
.legend { font-size: 0.9em; }
";

#[cfg(test)]
mod tests;
