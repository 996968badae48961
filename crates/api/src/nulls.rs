//! Null propagation as the GraphQL spec asks (§6.4.4, "Handling Execution Errors"): a field
//! that fails answers `null`; when its type is non-null, its parent answers `null` instead, up
//! to the nearest position that may be null, or `data` itself. async-graphql 7 leaves a failed
//! field out of its object and leaves the object standing; this extension does the rest.
//!
//! Every field passes through `resolve` once its subtree is done. A non-null field that failed
//! is recorded; the field above it, finding a failure recorded below, nulls the nearest
//! nullable position between them (an item of its list, or itself), or, being non-null all the
//! way, is recorded in turn. A root field recorded at the end nulls `data`. (Items of lists
//! pass through `resolve` too, but async-graphql reports their type without its nullability,
//! so the field holding the list decides for them, from its own type.)

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo};
use async_graphql::{QueryPathNode, QueryPathSegment, Response, ServerError, ServerResult, Value};

/// Installs null propagation on a schema.
pub struct NullPropagation;

impl ExtensionFactory for NullPropagation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Propagation::default())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

type Path = Vec<Segment>;

fn path_of(node: &QueryPathNode<'_>) -> Path {
    let mut path = Vec::new();
    let mut current = Some(node);
    while let Some(node) = current {
        path.push(match node.segment {
            QueryPathSegment::Name(name) => Segment::Key(name.to_string()),
            QueryPathSegment::Index(index) => Segment::Index(index),
        });
        current = node.parent;
    }
    path.reverse();
    path
}

/// The state of one request.
#[derive(Default)]
struct Propagation {
    /// Non-null positions that failed and whose parent has not answered yet.
    failed: Mutex<Vec<Path>>,
    /// Whether `failed` may hold anything: most requests never fail, and skip the lock.
    any_failed: AtomicBool,
    /// Errors of nullable fields, which answer `null`: reported with the response.
    errors: Mutex<Vec<ServerError>>,
}

impl Propagation {
    fn record(&self, path: Path) {
        if let Ok(mut failed) = self.failed.lock() {
            failed.push(path);
            self.any_failed.store(true, Ordering::Release);
        }
    }

    /// Takes the failures recorded below `path`, each as its path from there.
    fn take_below(&self, path: &[Segment]) -> Vec<Path> {
        if !self.any_failed.load(Ordering::Acquire) {
            return Vec::new();
        }
        let Ok(mut failed) = self.failed.lock() else { return Vec::new() };
        let (below, others): (Vec<Path>, Vec<Path>) =
            failed.drain(..).partition(|f| f.len() > path.len() && f.starts_with(path));
        *failed = others;
        below.into_iter().map(|f| f[path.len()..].to_vec()).collect()
    }

    /// Takes the failures of root fields; true when there was any.
    fn take_roots(&self) -> bool {
        let Ok(mut failed) = self.failed.lock() else { return false };
        let before = failed.len();
        failed.retain(|f| f.len() != 1);
        failed.len() < before
    }
}

/// Whether each position of a field of this GraphQL type may answer `null`: the field itself,
/// then an item of its list, an item of that, ... (`[Role]!` gives `[false, true]`).
fn nullable_levels(return_type: &str) -> Vec<bool> {
    let mut levels = Vec::new();
    let mut ty = return_type.trim();
    loop {
        let non_null = ty.ends_with('!');
        levels.push(!non_null);
        ty = ty.strip_suffix('!').unwrap_or(ty);
        match ty.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            Some(inner) => ty = inner,
            None => return levels,
        }
    }
}

/// Nulls, in the value of a field whose positions are `levels`, the nearest nullable position
/// holding the failure at `below` (list indices, then the failed field). False when none
/// may be null below the field itself.
fn null_nearest(value: &mut Value, levels: &[bool], below: &[Segment]) -> bool {
    let indices: Vec<usize> =
        below.iter().map_while(|s| if let Segment::Index(i) = s { Some(*i) } else { None }).collect();
    for depth in (1..=indices.len().min(levels.len().saturating_sub(1))).rev() {
        if levels[depth] {
            let mut position = &mut *value;
            for index in &indices[..depth] {
                match position {
                    Value::List(items) if *index < items.len() => position = &mut items[*index],
                    _ => return true,
                }
            }
            *position = Value::Null;
            return true;
        }
    }
    false
}

#[async_trait::async_trait]
impl Extension for Propagation {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        if let Ok(mut errors) = self.errors.lock() {
            response.errors.append(&mut errors);
        }
        if self.take_roots() {
            response.data = Value::Null;
        }
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let node = info.path_node;
        if matches!(node.segment, QueryPathSegment::Index(_)) {
            return next.run(ctx, info).await;
        }
        let return_type = info.return_type;
        let nullable = !return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(error) if nullable => {
                // Reported here rather than left to async-graphql, which would drop the field;
                // whatever failed below is answered by this `null` too.
                if let Some(path) = path_of_if(&self.any_failed, node) {
                    self.take_below(&path);
                }
                if let Ok(mut errors) = self.errors.lock() {
                    errors.push(error);
                }
                Ok(Some(Value::Null))
            }
            Err(error) => {
                self.record(path_of(node));
                Err(error)
            }
            Ok(Some(mut value)) => {
                let Some(path) = path_of_if(&self.any_failed, node) else { return Ok(Some(value)) };
                let levels = nullable_levels(return_type);
                for below in self.take_below(&path) {
                    if !null_nearest(&mut value, &levels, &below) {
                        // Nothing below may be null: this field answers null, or fails itself.
                        if !nullable {
                            self.record(path);
                        }
                        return Ok(Some(Value::Null));
                    }
                }
                Ok(Some(value))
            }
            Ok(None) => Ok(None),
        }
    }
}

/// The path of `node`, when a failure has been recorded at all (the common case builds none).
fn path_of_if(any_failed: &AtomicBool, node: &QueryPathNode<'_>) -> Option<Path> {
    any_failed.load(Ordering::Acquire).then(|| path_of(node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_the_nullability_of_each_list_depth() {
        assert_eq!(nullable_levels("[UsersPermissionsRole]!"), [false, true]);
        assert_eq!(nullable_levels("[[String!]]"), [true, true, false]);
        assert_eq!(nullable_levels("Boolean!"), [false]);
    }

    #[test]
    fn the_nearest_nullable_item_is_nulled() {
        let mut value = Value::List(vec![Value::from(1), Value::from(2)]);
        let below = [Segment::Index(1), Segment::Key("permissions".into())];
        assert!(null_nearest(&mut value, &[false, true], &below));
        assert_eq!(value, Value::List(vec![Value::from(1), Value::Null]));
        // Items that may not be null leave it to the field.
        assert!(!null_nearest(&mut value, &[true, false], &below));
        assert!(!null_nearest(&mut value, &[true], &[Segment::Key("name".into())]));
    }
}
