//! A schema extension without per-request state, handed to every request as one shared
//! instance: async-graphql asks each extension's factory for an instance per request, which
//! for a stateless one is an allocation for nothing.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionFactory};

pub struct SharedExtension(Arc<dyn Extension>);

impl SharedExtension {
    pub fn new(extension: impl Extension) -> Self {
        Self(Arc::new(extension))
    }
}

impl ExtensionFactory for SharedExtension {
    fn create(&self) -> Arc<dyn Extension> {
        self.0.clone()
    }
}
