//! `@protected(type:, args:)`: who may call a field, declared next to it in the schema
//! (MongooseIM's model, used by the admin API). The directive, the typed declaration, and the
//! one reader of it from the SDL, shared by the API that checks it and the docs that show it.

use std::fmt;

use async_graphql::parser::types::ConstDirective;
use async_graphql::{Enum, InputType, Pos, Positioned, TypeDirective};

/// The kinds of protection (MongooseIM's, plus `OPEN` so that open fields are declared too).
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum ProtectedType {
    /// Any authenticated admin: the field touches no domain.
    Default,
    /// A domain admin only when every argument named in `args` is in its own domain.
    Domain,
    /// The global admin only.
    Global,
    /// Anyone, authenticated or not (`checkAuth`).
    Open,
}

/// Who may call a field (or, on a type, that every field of it needs an authenticated admin).
/// `args` names the arguments a DOMAIN field is scoped by; a dot reaches into input objects.
#[TypeDirective(location = "FieldDefinition", location = "Object")]
pub fn protected(r#type: ProtectedType, #[graphql(name = "args")] scope: Vec<String>) {}

/// A declared protection, as read back from the SDL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protection {
    Open,
    /// `DEFAULT`: any authenticated admin.
    Authenticated,
    Global,
    /// The arguments a domain admin's own domain must name.
    Domain(Vec<String>),
}

impl Protection {
    /// The `@protected` declaration among a field's or a type's directives, `None` without one.
    /// `args` may be left out (an empty list).
    pub fn from_directives(directives: &[Positioned<ConstDirective>]) -> Result<Option<Self>, InvalidProtection> {
        let Some(directive) = directives.iter().find(|d| d.node.name.node == "protected") else { return Ok(None) };
        let invalid = |argument: &str, message: String| InvalidProtection {
            pos: directive.pos,
            message: format!("argument `{argument}`: {message}"),
        };
        let argument = |name: &str| directive.node.get_argument(name).map(|value| value.node.clone());
        let kind = ProtectedType::parse(argument("type"))
            .map_err(|e| invalid("type", e.into_server_error(directive.pos).message))?;
        let args = match argument("args") {
            None => Vec::new(),
            value => {
                Vec::<String>::parse(value).map_err(|e| invalid("args", e.into_server_error(directive.pos).message))?
            }
        };
        Ok(Some(match kind {
            ProtectedType::Open => Protection::Open,
            ProtectedType::Default => Protection::Authenticated,
            ProtectedType::Global => Protection::Global,
            ProtectedType::Domain => Protection::Domain(args),
        }))
    }
}

/// A `@protected` directive whose arguments do not fit its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidProtection {
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for InvalidProtection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@protected at {}: {}", self.pos, self.message)
    }
}

impl std::error::Error for InvalidProtection {}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(sdl_directive: &str) -> Result<Option<Protection>, InvalidProtection> {
        let sdl = format!("type Query {{ field: Int {sdl_directive} }}");
        let document = async_graphql::parser::parse_schema(sdl).unwrap();
        let async_graphql::parser::types::TypeSystemDefinition::Type(ty) = &document.definitions[0] else {
            panic!("a type")
        };
        let async_graphql::parser::types::TypeKind::Object(object) = &ty.node.kind else { panic!("an object") };
        Protection::from_directives(&object.fields[0].node.directives)
    }

    #[test]
    fn each_kind_is_read_with_its_arguments() {
        assert_eq!(read(""), Ok(None));
        assert_eq!(read("@deprecated"), Ok(None));
        assert_eq!(read("@protected(type: OPEN, args: [])"), Ok(Some(Protection::Open)));
        assert_eq!(read("@protected(type: DEFAULT, args: [])"), Ok(Some(Protection::Authenticated)));
        assert_eq!(read("@protected(type: GLOBAL)"), Ok(Some(Protection::Global)));
        assert_eq!(
            read(r#"@protected(type: DOMAIN, args: ["domain", "input.user"])"#),
            Ok(Some(Protection::Domain(vec!["domain".into(), "input.user".into()])))
        );
    }

    #[test]
    fn a_declaration_that_does_not_fit_the_directive_is_an_error() {
        for directive in [
            "@protected",
            "@protected(args: [])",
            "@protected(type: EVERYONE, args: [])",
            "@protected(type: DOMAIN, args: [1])",
        ] {
            let error = read(directive).expect_err(directive);
            assert!(error.to_string().starts_with("@protected at 1:"), "{error}");
        }
    }
}
