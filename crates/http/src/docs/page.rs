//! The documentation page's HTML (maud: every spliced text is escaped). What it shows is
//! read from the schema by [`Docs`]; this file only lays it out.

use std::collections::HashSet;

use async_graphql::Positioned;
use async_graphql::parser::types::{FieldDefinition, InputValueDefinition, Type, TypeDefinition, TypeKind};
use maud::{Markup, PreEscaped, html};

use super::{Docs, Protection, ROOT_KINDS, RestDocs, named};

const STYLE: &str = include_str!("style.css");

/// The legend of the protection badges, on pages of a schema that declares `@protected`.
const LEGEND: PreEscaped<&str> = PreEscaped(concat!(
    r#"<p class="legend">"#,
    r#"<span class="badge global">GLOBAL</span> global admin only · "#,
    r#"<span class="badge domain">DOMAIN(args)</span> also a domain admin, when every named argument "#,
    r#"belongs to its domain · <span class="badge default">DEFAULT</span> any authenticated admin · "#,
    r#"<span class="badge open">open</span> no authentication</p>"#
));

fn badge(protection: &Protection) -> Markup {
    match protection {
        Protection::Global => html! { span.badge.global title="global admin only" { "GLOBAL" } },
        Protection::Domain(args) => html! {
            span.badge.domain title="a domain admin may call it for its own domain, named by these arguments" {
                "DOMAIN(" (args.join(", ")) ")"
            }
        },
        Protection::Authenticated => html! { span.badge.default title="any authenticated admin" { "DEFAULT" } },
        Protection::Open => html! { span.badge.open title="no authentication needed" { "open" } },
    }
}

/// The REST API served beside the GraphQL one: what it is, then a row per route.
fn rest_section(rest: &RestDocs) -> Markup {
    let prefix = rest.prefix.as_str();
    html! {
        section id="rest" {
            h2 { "REST" }
            p.description {
                "Strapi's REST API of the Users & Permissions plugin, under " code { (prefix) }
                ": the same domains, callers (a bearer JWT, Basic " code { "user@domain:password" }
                ", or anonymous with the Public role), permission actions, rate limits and audit events as the \
                 GraphQL API. Errors come in Strapi's envelope "
                code { r#"{"data": null, "error": {"status", "name", "message", "details"}}"# }
                ". Lists take Strapi's query syntax: " code { "filters[username][$eq]=bob" } ", "
                code { "filters[$or][0][...]" } ", " code { "_q" } ", " code { "sort=username:desc" } ", "
                code { "start" } ", " code { "limit" } ", " code { "fields" } ", " code { "populate=role" } "."
            }
            table.fields {
                tr { th { "route" } th { "permission" } th { "description" } }
                @for route in &rest.routes {
                    tr {
                        td { code { (route.method) " " (prefix) (route.path) } }
                        td { code { (route.action) } }
                        td { (route.summary) }
                    }
                }
            }
        }
    }
}

fn description(description: &Option<Positioned<String>>) -> Markup {
    html! {
        @if let Some(description) = description {
            p.description { (description.node.trim()) }
        }
    }
}

impl Docs<'_> {
    pub(super) fn page(&self, api: &str, path: Option<&str>, rest: Option<&RestDocs>) -> String {
        let title = format!("Gatehouse {} API", api.replace('_', " "));
        let mut category_types = HashSet::new();
        let roots: Vec<(&str, &str)> =
            ROOT_KINDS.iter().zip(&self.roots).filter_map(|(kind, root)| Some((*kind, root.as_deref()?))).collect();
        for (_, root) in &roots {
            for field in self.object_fields(root).unwrap_or_default() {
                if let Some(category) = self.category_type(&field.node) {
                    category_types.insert(category.name.node.as_str());
                }
            }
        }
        let root_names: HashSet<&str> = roots.iter().map(|(_, root)| *root).collect();
        let types = self.types.iter().filter(|(name, _)| {
            !root_names.contains(*name) && !category_types.contains(*name) && !name.starts_with("__")
        });
        // The line breaks keep the page's source readable; the layout does not depend on them.
        html! {
            (PreEscaped("<!doctype html>\n"))
            html lang="en" {
                "\n"
                head {
                    "\n" meta charset="utf-8";
                    "\n" meta name="viewport" content="width=device-width, initial-scale=1";
                    "\n" title { (title) }
                    "\n" link rel="icon" href="data:,";
                    "\n" style { "\n" (PreEscaped(STYLE)) }
                    "\n"
                }
                "\n"
                body {
                    "\n"
                    header {
                        h1 { (title) }
                        @if let Some(path) = path {
                            p {
                                "Endpoint " code { (path) } " · " a href=(path) { "GraphiQL" }
                                " · " a href={ (path) "/schema.graphql" } { "schema.graphql" }
                                " · subscriptions at " code { (path) "/sse" }
                                @if let Some(rest) = rest {
                                    " · " a href="#rest" { "REST" } " under " code { (rest.prefix) }
                                }
                            }
                        }
                        @if self.protected { (LEGEND) }
                    }
                    "\n"
                    nav {
                        h2 { "Contents" }
                        ul {
                            @for (kind, root) in &roots {
                                li {
                                    a href={ "#" (kind) } { (kind) }
                                    ul {
                                        @for field in self.object_fields(root).unwrap_or_default() {
                                            li { a href={ "#" (kind) "-" (field.node.name.node) } { (field.node.name.node) } }
                                        }
                                    }
                                }
                            }
                            @if rest.is_some() { li { a href="#rest" { "REST" } } }
                            li { a href="#types" { "Types" } }
                        }
                    }
                    "\n"
                    main {
                        @for (kind, root) in &roots {
                            section id=(kind) {
                                h2 { (kind) }
                                @for field in self.object_fields(root).unwrap_or_default() {
                                    (self.root_field(kind, &field.node))
                                }
                            }
                            "\n"
                        }
                        @if let Some(rest) = rest { (rest_section(rest)) "\n" }
                        section id="types" {
                            h2 { "Types" }
                            @for (_, ty) in types { (self.type_section(ty)) }
                        }
                        "\n"
                    }
                    "\n"
                }
                "\n"
            }
            "\n"
        }
        .into_string()
    }

    /// A field of a root type: a category with its operations, or an operation.
    fn root_field(&self, kind: &str, field: &FieldDefinition) -> Markup {
        let name = field.name.node.as_str();
        let Some(category) = self.category_type(field) else {
            return self.operation(&format!("{kind}-{name}"), field, None);
        };
        let same =
            matches!((&field.description, &category.description), (Some(a), Some(b)) if a.node.trim() == b.node.trim());
        html! {
            div.category id={ (kind) "-" (name) } {
                h3 { (name) " " small { "(" (category.name.node) ")" } }
                (description(&field.description))
                @if !same { (description(&category.description)) }
                @for operation in self.object_fields(&category.name.node).unwrap_or_default() {
                    (self.operation(&format!("{kind}-{name}-{}", operation.node.name.node), &operation.node, Some(field)))
                }
            }
        }
    }

    fn operation(&self, id: &str, field: &FieldDefinition, category: Option<&FieldDefinition>) -> Markup {
        html! {
            div.operation id=(id) {
                h4 {
                    code { (field.name.node) (self.signature(&field.arguments)) ": " (self.type_link(&field.ty.node)) }
                    " "
                    @if let Some(protection) = self.protection(field, category) { (badge(&protection)) }
                }
                (description(&field.description))
                @if Self::has_documented(&field.arguments) { (self.arguments("argument", &field.arguments)) }
            }
        }
    }

    /// `(name: Type, ...)`, or nothing without arguments.
    fn signature(&self, arguments: &[Positioned<InputValueDefinition>]) -> Markup {
        html! {
            @if !arguments.is_empty() {
                "("
                @for (i, argument) in arguments.iter().enumerate() {
                    @if i > 0 { ", " }
                    (argument.node.name.node) ": " (self.type_link(&argument.node.ty.node))
                }
                ")"
            }
        }
    }

    /// A type as written in the SDL (`[Name!]!`), its name linking to the type's section.
    fn type_link(&self, ty: &Type) -> Markup {
        let text = ty.to_string();
        let name = named(ty);
        match text.find(name).filter(|_| self.types.contains_key(name)) {
            Some(at) => html! {
                (text[..at]) a href={ "#type-" (name) } { (name) } (text[at + name.len()..])
            },
            None => html! { (text) },
        }
    }

    /// Whether arguments say more than the signature does.
    fn has_documented(arguments: &[Positioned<InputValueDefinition>]) -> bool {
        arguments.iter().any(|a| a.node.description.is_some() || a.node.default_value.is_some())
    }

    /// The table of arguments or input fields; `label` heads their name column.
    fn arguments(&self, label: &str, arguments: &[Positioned<InputValueDefinition>]) -> Markup {
        html! {
            @if !arguments.is_empty() {
                table.args {
                    tr { th { (label) } th { "type" } th { "description" } }
                    @for argument in arguments {
                        @let argument = &argument.node;
                        tr {
                            td { code { (argument.name.node) } }
                            td { code {
                                (self.type_link(&argument.ty.node))
                                @if let Some(default) = &argument.default_value { " = " (default.node) }
                            } }
                            td { @if let Some(text) = &argument.description { (text.node.trim()) } }
                        }
                    }
                }
            }
        }
    }

    fn type_section(&self, ty: &TypeDefinition) -> Markup {
        let kind = match &ty.kind {
            TypeKind::Scalar => "scalar",
            TypeKind::Object(_) => "type",
            TypeKind::Interface(_) => "interface",
            TypeKind::Union(_) => "union",
            TypeKind::Enum(_) => "enum",
            TypeKind::InputObject(_) => "input",
        };
        html! {
            div class="type" id={ "type-" (ty.name.node) } {
                h3 { small { (kind) } " " (ty.name.node) }
                (description(&ty.description))
                @match &ty.kind {
                    TypeKind::Scalar => {}
                    TypeKind::Object(object) => (self.fields(&object.fields)),
                    TypeKind::Interface(interface) => (self.fields(&interface.fields)),
                    TypeKind::Union(union) => p {
                        "One of "
                        @for (i, member) in union.members.iter().enumerate() {
                            @if i > 0 { " | " }
                            a href={ "#type-" (member.node) } { (member.node) }
                        }
                    },
                    TypeKind::Enum(values) => table.fields {
                        tr { th { "value" } th { "description" } }
                        @for value in &values.values {
                            tr {
                                td { code { (value.node.value.node) } }
                                td { @if let Some(text) = &value.node.description { (text.node.trim()) } }
                            }
                        }
                    },
                    TypeKind::InputObject(input) => (self.arguments("field", &input.fields)),
                }
            }
        }
    }

    fn fields(&self, fields: &[Positioned<FieldDefinition>]) -> Markup {
        html! {
            table.fields {
                tr { th { "field" } th { "type" } th { "description" } }
                @for field in fields {
                    @let field = &field.node;
                    tr {
                        td { code { (field.name.node) (self.signature(&field.arguments)) } }
                        td { code { (self.type_link(&field.ty.node)) } }
                        td { @if let Some(text) = &field.description { (text.node.trim()) } }
                    }
                }
            }
        }
    }
}
