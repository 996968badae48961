//! Limits checked on the parsed document before execution: depth and aliases.
//! (Complexity is left to async-graphql's own limit.)

use std::collections::HashMap;

use async_graphql::Name;
use async_graphql::Positioned;
use async_graphql::parser::types::{ExecutableDocument, FragmentDefinition, Selection, SelectionSet};

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
