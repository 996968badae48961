//! A field its guard refuses answers as if its resolver had failed: the error at the field's
//! path, in the order the fields resolve, and `null` when the field is nullable (what `or_null`
//! does for resolver errors). async-graphql alone would leave a refused field out of its object
//! whatever its type.
//!
//! The guard reports the error itself, where a resolver's error would be reported, and fails
//! with the [`Reported`] marker: this extension turns the marker into `null` for a nullable
//! field, and drops it from the answer for a non-null one (which is left out, as before).

use std::fmt;

use async_graphql::extensions::{Extension, ExtensionContext, NextExecute, NextResolve, ResolveInfo};
use async_graphql::{Context, Response, ServerResult, Value};

/// Reports `error` at the field of `ctx`; returns the marker its guard fails with.
pub fn report(ctx: &Context<'_>, error: async_graphql::Error) -> async_graphql::Error {
    ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
    async_graphql::Error::new_with_source(Reported)
}

/// A refusal already in the answer's errors.
#[derive(Debug)]
pub struct Reported;

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused (reported at the field)")
    }
}

fn is_reported(error: &async_graphql::ServerError) -> bool {
    error.source::<Reported>().is_some()
}

/// The schema extension that shapes refused fields (stateless: installed as a
/// `SharedExtension`).
pub struct RefusedFields;

#[async_trait::async_trait]
impl Extension for RefusedFields {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        response.errors.retain(|error| !is_reported(error));
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(error) if nullable && is_reported(&error) => Ok(Some(Value::Null)),
            other => other,
        }
    }
}
