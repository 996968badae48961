//! Static documentation generated from the live schema: `<path>/docs` (HTML, no script) and
//! `<path>/schema.graphql` (the SDL). `gatehouse docs --out DIR` writes the same pages.
//!
//! The page is built from the schema's SDL, so it shows exactly what the server serves:
//! every category (a field of a root type returning a `...Query`, `...Mutation` or
//! `...Subscription` object), every operation with its arguments, every type, every
//! description, and for the admin API the protection of each operation, read from the
//! `@protected(type:, args:)` directive the schema carries.

use std::collections::BTreeMap;

use async_graphql::parser::types::{
    BaseType, FieldDefinition, ServiceDocument, Type, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Positioned, Schema};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tracing::instrument;

use super::graphql::{Endpoint, Shared};
use super::protection::{InvalidProtection, Protection};

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
#[instrument(skip_all, fields(endpoint = mounted.endpoint.name()))]
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
#[instrument(skip_all, fields(endpoint = mounted.endpoint.name()))]
pub async fn page<E: Endpoint>(State(mounted): State<Shared<E>>) -> Response {
    let sdl = mounted.endpoint.executor().sdl();
    let rest = mounted.endpoint.rest_docs();
    match render_with_rest(mounted.endpoint.name(), Some(&mounted.path), &sdl, rest.as_ref()) {
        Ok(html) => (StatusCode::OK, [(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot render the documentation");
            (StatusCode::INTERNAL_SERVER_ERROR, "cannot render the documentation").into_response()
        }
    }
}

/// The documentation page of one API. `path` is where it is served (links to GraphiQL and
/// the SDL), `None` for files written by `gatehouse docs`.
pub fn render(api: &str, path: Option<&str>, sdl: &str) -> Result<String, DocsError> {
    render_with_rest(api, path, sdl, None)
}

/// [`render`], with the REST API served beside the GraphQL one, when there is one.
pub fn render_with_rest(
    api: &str,
    path: Option<&str>,
    sdl: &str,
    rest: Option<&RestDocs>,
) -> Result<String, DocsError> {
    let document = async_graphql::parser::parse_schema(sdl)?;
    Ok(Docs::new(&document)?.page(api, path, rest))
}

/// Why an SDL cannot be documented.
#[derive(Debug)]
pub enum DocsError {
    Sdl(async_graphql::parser::Error),
    Protection(InvalidProtection),
}

impl std::fmt::Display for DocsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocsError::Sdl(e) => e.fmt(f),
            DocsError::Protection(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for DocsError {}

impl From<async_graphql::parser::Error> for DocsError {
    fn from(e: async_graphql::parser::Error) -> Self {
        DocsError::Sdl(e)
    }
}

impl From<InvalidProtection> for DocsError {
    fn from(e: InvalidProtection) -> Self {
        DocsError::Protection(e)
    }
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
    fn new(document: &'a ServiceDocument) -> Result<Self, InvalidProtection> {
        let mut types = BTreeMap::new();
        let mut roots = [Some("Query".to_string()), Some("Mutation".to_string()), Some("Subscription".to_string())];
        let mut protected = false;
        for definition in &document.definitions {
            match definition {
                TypeSystemDefinition::Type(ty) => {
                    if let TypeKind::Object(object) = &ty.node.kind {
                        // Read here so that a declaration the page cannot show fails the page.
                        for field in &object.fields {
                            Protection::from_directives(&field.node.directives)?;
                        }
                    }
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
        Ok(Docs { types, roots, protected })
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
        // Every declaration was read without error in `new`.
        let declared = |field: &FieldDefinition| Protection::from_directives(&field.directives).ok().flatten();
        declared(field).or_else(|| category.and_then(declared)).or(Some(Protection::Open))
    }
}

mod page;

#[cfg(test)]
mod tests;
