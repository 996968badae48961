//! Limits checked on the parsed document before execution: depth and aliases.
//! (Complexity is left to async-graphql's own limit.)

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

pub struct DocumentLimits {
    pub depth: usize,
    pub aliases: usize,
}

/// `Err(message)` when the selection set is deeper or has more aliases than allowed.
pub fn check(doc: &ExecutableDocument, selection: &SelectionSet, limits: &DocumentLimits) -> Result<(), String> {
    let mut walker = Walker { fragments: &doc.fragments, spreading: Vec::new(), aliases: 0, max_depth: 0, limits };
    walker.walk(selection, 1)?;
    Ok(())
}

struct Walker<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    /// The fragments being spread on the current path: a cycle (invalid, refused later by
    /// validation) must not recurse until the stack overflows.
    spreading: Vec<&'a Name>,
    aliases: usize,
    max_depth: usize,
    limits: &'a DocumentLimits,
}

impl Walker<'_> {
    fn walk(&mut self, set: &SelectionSet, depth: usize) -> Result<(), String> {
        if depth > self.limits.depth {
            return Err(format!("The query is nested deeper than {} levels", self.limits.depth));
        }
        self.max_depth = self.max_depth.max(depth);
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    if field.node.alias.is_some() {
                        self.aliases += 1;
                        if self.aliases > self.limits.aliases {
                            return Err(format!("The query has more than {} aliases", self.limits.aliases));
                        }
                    }
                    if !field.node.selection_set.node.items.is_empty() {
                        self.walk(&field.node.selection_set.node, depth + 1)?;
                    }
                }
                Selection::InlineFragment(fragment) => self.walk(&fragment.node.selection_set.node, depth)?,
                Selection::FragmentSpread(spread) => {
                    let Some((name, fragment)) = self.fragments.get_key_value(&spread.node.fragment_name.node) else {
                        continue;
                    };
                    if self.spreading.contains(&name) {
                        continue;
                    }
                    self.spreading.push(name);
                    self.walk(&fragment.node.selection_set.node, depth)?;
                    self.spreading.pop();
                }
            }
        }
        Ok(())
    }
}

/// The GraphQL spec's "single root field" rule for subscriptions, as graphql-js words it: one
/// root field (fragments followed), not an introspection field, and no `@skip`/`@include` on
/// the root selections (the rule is checked without variables).
pub fn check_subscription_root(
    doc: &ExecutableDocument,
    operation: &OperationDefinition,
    name: Option<&str>,
) -> Result<(), String> {
    let subject = match name {
        Some(name) => format!("Subscription \"{name}\""),
        None => "Anonymous Subscription".to_string(),
    };
    let mut fields = Vec::new();
    collect_root_fields(doc, &operation.selection_set.node, &mut Vec::new(), &mut fields)
        .map_err(|()| format!("{subject} must not use @skip or @include on its top level selection."))?;
    match fields.as_slice() {
        [field] if field.starts_with("__") => {
            Err(format!("{subject} must not select an introspection top level field."))
        }
        [_] => Ok(()),
        _ => Err(format!("{subject} must select only one top level field.")),
    }
}

fn collect_root_fields<'a>(
    doc: &'a ExecutableDocument,
    set: &'a SelectionSet,
    spreading: &mut Vec<&'a Name>,
    fields: &mut Vec<&'a str>,
) -> Result<(), ()> {
    for selection in &set.items {
        let conditional =
            selection.node.directives().iter().any(|d| matches!(d.node.name.node.as_str(), "skip" | "include"));
        if conditional {
            return Err(());
        }
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.as_str();
                if !fields.contains(&key) {
                    fields.push(key);
                }
            }
            Selection::InlineFragment(fragment) => {
                collect_root_fields(doc, &fragment.node.selection_set.node, spreading, fields)?
            }
            Selection::FragmentSpread(spread) => {
                let Some((name, fragment)) = doc.fragments.get_key_value(&spread.node.fragment_name.node) else {
                    continue;
                };
                if spreading.contains(&name) {
                    continue;
                }
                spreading.push(name);
                collect_root_fields(doc, &fragment.node.selection_set.node, spreading, fields)?;
                spreading.pop();
            }
        }
    }
    Ok(())
}
