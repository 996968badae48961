//! The user API's schema: Strapi v5 Users & Permissions.

use std::sync::Arc;

use async_graphql::{EmptySubscription, MergedObject, Schema};

use super::auth::{AuthMutation, AuthQuery};
use super::cost::Bounds;
use super::refusal::RefusedFields;
use super::roles::{RoleMutation, RoleQuery};
use super::sessions::{SessionMutation, SessionQuery};
use super::users::{UserMutation, UserQuery};
use crate::nulls::NullPropagation;
use gatehouse_core::Core;
use gatehouse_http::LimitsConfig;
use gatehouse_http::shared_extension::SharedExtension;
use gatehouse_http::validated::ReuseValidation;

#[derive(MergedObject, Default)]
pub struct Query(RoleQuery, UserQuery, AuthQuery, SessionQuery);

// In Strapi's registration order.
#[derive(MergedObject, Default)]
pub struct Mutation(RoleMutation, UserMutation, AuthMutation, SessionMutation);

pub type UserSchema = Schema<Query, Mutation, EmptySubscription>;

pub fn build(core: Option<Arc<Core>>, limits: &LimitsConfig) -> UserSchema {
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(limits.depth)
        // First: a validation it keeps is one the bounds below passed.
        .extension(SharedExtension::new(ReuseValidation))
        .extension(SharedExtension::new(Bounds { complexity: limits.complexity, records: limits.response_records }))
        // Outside null propagation: a guard's refusal marker is dropped after it has nulled
        // what it must.
        .extension(SharedExtension::new(RefusedFields))
        .extension(NullPropagation);
    if let Some(core) = core {
        builder = builder.data(core);
    }
    builder.finish()
}
