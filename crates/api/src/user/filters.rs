//! Strapi's list arguments: the `...FiltersInput` types, `PaginationArg`, the `DateTime` scalar
//! and `PublicationStatus`, turned into the core's listing model.
//!
//! Resolvers take a filters input boxed (`Option<Box<...FiltersInput>>`). A user filter is
//! 3 KB, and async-graphql resolves every field of an object in one future type, as large as
//! its largest field's: held inline, the filters made the root query's future 14 KB, moved for
//! every field of every query, `me` included.

use async_graphql::{Enum, ID, InputObject, InputValueError, InputValueResult, Scalar, ScalarType, Value};

use super::error::{ApiResult, OrStrapi, pagination_error};
use gatehouse_core::query::{
    self, Column, Condition, Filter, ListQuery, Pagination, PaginationArgs, Relation, Subject, parse_sort,
};
use gatehouse_core::validation::{InvalidKey, QueryParam};
use gatehouse_core::{CoreError, CoreResult, Millis, format_millis};

/// Strapi's `DateTime`: an RFC 3339 timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub Millis);

#[Scalar(name = "DateTime")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(text) = &value else { return Err(InputValueError::expected_type(value)) };
        let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|e| InputValueError::custom(format!("invalid DateTime {text:?}: {e}")))?;
        Ok(DateTime((parsed.unix_timestamp_nanos() / 1_000_000) as Millis))
    }

    fn to_value(&self) -> Value {
        Value::String(format_millis(self.0))
    }
}

/// Strapi v5's publication state argument. Users and roles are never drafts, so it changes
/// nothing; it is accepted so that clients sending it keep working.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PublicationStatus {
    Draft,
    #[default]
    Published,
}

/// Strapi 5.54's `publicationFilter`: which documents to return by how their draft and
/// published versions relate. Users and roles have no drafts, so, as in Strapi for content
/// types without Draft & Publish, it changes nothing.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationFilter {
    NeverPublished,
    HasPublishedVersion,
    Modified,
    Unmodified,
    NeverPublishedDocument,
    HasPublishedVersionDocument,
    PublishedWithoutDraft,
    PublishedWithDraft,
}

#[derive(InputObject, Debug, Clone, Copy, Default)]
#[graphql(name = "PaginationArg")]
pub struct PaginationFields {
    pub page: Option<i32>,
    pub page_size: Option<i32>,
    pub start: Option<i32>,
    pub limit: Option<i32>,
}

/// `PaginationArg`, whose unset fields are left out when shown as a default value, so that
/// the schema reads `pagination: PaginationArg = {}` as Strapi's does.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaginationArg(pub PaginationFields);

impl async_graphql::InputType for PaginationArg {
    type RawValueType = PaginationFields;

    fn type_name() -> std::borrow::Cow<'static, str> {
        PaginationFields::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        PaginationFields::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        PaginationFields::parse(value).map(PaginationArg).map_err(InputValueError::propagate)
    }

    fn to_value(&self) -> Value {
        match self.0.to_value() {
            Value::Object(fields) => Value::Object(fields.into_iter().filter(|(_, v)| *v != Value::Null).collect()),
            other => other,
        }
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(&self.0)
    }
}

impl PaginationArg {
    pub fn resolve(self) -> ApiResult<Pagination> {
        let PaginationArg(fields) = self;
        PaginationArgs {
            page: fields.page.map(i64::from),
            page_size: fields.page_size.map(i64::from),
            start: fields.start.map(i64::from),
            limit: fields.limit.map(i64::from),
        }
        .resolve()
        .map_err(pagination_error)
    }
}

/// The value of a scalar filter operand, as the core compares it.
trait Operand {
    fn scalar(&self) -> query::Scalar;
    /// The operand of a text operator (`contains`, `eqi`, ...), for text attributes only.
    fn text(&self) -> Option<String>;
}

impl Operand for String {
    fn scalar(&self) -> query::Scalar {
        query::Scalar::Text(self.clone())
    }
    fn text(&self) -> Option<String> {
        Some(self.clone())
    }
}

impl Operand for ID {
    fn scalar(&self) -> query::Scalar {
        query::Scalar::Text(self.0.clone())
    }
    fn text(&self) -> Option<String> {
        Some(self.0.clone())
    }
}

impl Operand for bool {
    fn scalar(&self) -> query::Scalar {
        query::Scalar::Bool(*self)
    }
    fn text(&self) -> Option<String> {
        None
    }
}

impl Operand for DateTime {
    fn scalar(&self) -> query::Scalar {
        query::Scalar::Int(self.0)
    }
    fn text(&self) -> Option<String> {
        None
    }
}

/// The filter input of one scalar type, with every operator Strapi generates.
macro_rules! scalar_filter {
    ($name:ident, $gql:literal, $ty:ty) => {
        #[derive(InputObject, Debug, Clone, Default)]
        #[graphql(name = $gql)]
        pub struct $name {
            pub and: Option<Vec<Option<$ty>>>,
            pub or: Option<Vec<Option<$ty>>>,
            pub not: Option<Box<$name>>,
            pub eq: Option<$ty>,
            pub eqi: Option<$ty>,
            pub ne: Option<$ty>,
            pub nei: Option<$ty>,
            pub starts_with: Option<$ty>,
            pub ends_with: Option<$ty>,
            pub contains: Option<$ty>,
            pub not_contains: Option<$ty>,
            pub containsi: Option<$ty>,
            pub not_containsi: Option<$ty>,
            pub gt: Option<$ty>,
            pub gte: Option<$ty>,
            pub lt: Option<$ty>,
            pub lte: Option<$ty>,
            pub null: Option<bool>,
            pub not_null: Option<bool>,
            #[graphql(name = "in")]
            pub in_: Option<Vec<Option<$ty>>>,
            pub not_in: Option<Vec<Option<$ty>>>,
            pub between: Option<Vec<Option<$ty>>>,
        }

        impl $name {
            /// Every operator given, on `column`, all of which must hold.
            pub fn filter(&self, column: Column) -> CoreResult<Filter> {
                let field = |condition| Filter::Field(column, condition);
                let text = |value: &$ty, operator: &str| value.text().ok_or_else(|| query::text_only(operator));
                let values = |list: &Vec<Option<$ty>>| list.iter().flatten().map(|v| v.scalar()).collect::<Vec<_>>();
                let mut all = Vec::new();
                if let Some(list) = &self.and {
                    all.push(Filter::And(values(list).into_iter().map(|v| field(Condition::Eq(v))).collect()));
                }
                if let Some(list) = &self.or {
                    all.push(Filter::Or(values(list).into_iter().map(|v| field(Condition::Eq(v))).collect()));
                }
                if let Some(inner) = &self.not {
                    all.push(Filter::Not(Box::new(inner.filter(column)?)));
                }
                for (value, make) in [
                    (&self.eq, Condition::Eq as fn(query::Scalar) -> Condition),
                    (&self.ne, Condition::Ne),
                    (&self.gt, Condition::Gt),
                    (&self.gte, Condition::Gte),
                    (&self.lt, Condition::Lt),
                    (&self.lte, Condition::Lte),
                ] {
                    if let Some(value) = value {
                        all.push(field(make(value.scalar())));
                    }
                }
                for (value, operator, make) in [
                    (&self.eqi, "eqi", Condition::Eqi as fn(String) -> Condition),
                    (&self.nei, "nei", Condition::Nei),
                    (&self.starts_with, "startsWith", Condition::StartsWith),
                    (&self.ends_with, "endsWith", Condition::EndsWith),
                    (&self.contains, "contains", Condition::Contains),
                    (&self.not_contains, "notContains", Condition::NotContains),
                    (&self.containsi, "containsi", Condition::Containsi),
                    (&self.not_containsi, "notContainsi", Condition::NotContainsi),
                ] {
                    if let Some(value) = value {
                        all.push(field(make(text(value, operator)?)));
                    }
                }
                if let Some(null) = self.null {
                    all.push(field(Condition::IsNull(null)));
                }
                if let Some(not_null) = self.not_null {
                    all.push(field(Condition::IsNull(!not_null)));
                }
                if let Some(list) = &self.in_ {
                    all.push(field(Condition::In(values(list))));
                }
                if let Some(list) = &self.not_in {
                    all.push(field(Condition::NotIn(values(list))));
                }
                if let Some(list) = &self.between {
                    match values(list).as_slice() {
                        [low, high] => all.push(field(Condition::Between(low.clone(), high.clone()))),
                        _ => return Err(CoreError::invalid("between takes exactly two values")),
                    }
                }
                Ok(Filter::And(all))
            }
        }
    };
}

scalar_filter!(StringFilterInput, "StringFilterInput", String);
scalar_filter!(BooleanFilterInput, "BooleanFilterInput", bool);
scalar_filter!(IdFilterInput, "IDFilterInput", ID);
scalar_filter!(DateTimeFilterInput, "DateTimeFilterInput", DateTime);

/// A filter key that exists in the input type but cannot be filtered on.
fn refused_key(name: &str) -> CoreError {
    CoreError::from(InvalidKey { key: name.to_string(), path: Some(name.to_string()), param: QueryParam::Filters })
}

/// Collects the filters of the attributes and relations given, and the logical operators.
struct Conditions(Vec<Filter>);

impl Conditions {
    fn field<F>(
        &mut self,
        input: &Option<F>,
        column: Column,
        to_filter: impl Fn(&F, Column) -> CoreResult<Filter>,
    ) -> CoreResult<()> {
        if let Some(input) = input {
            self.0.push(to_filter(input, column)?);
        }
        Ok(())
    }

    fn related<F>(
        &mut self,
        input: &Option<Box<F>>,
        relation: Relation,
        to_filter: impl Fn(&F) -> CoreResult<Filter>,
    ) -> CoreResult<()> {
        if let Some(input) = input {
            self.0.push(Filter::Related(relation, Box::new(to_filter(input)?)));
        }
        Ok(())
    }

    fn logic<F>(
        &mut self,
        and: &Option<Vec<Option<F>>>,
        or: &Option<Vec<Option<F>>>,
        not: &Option<Box<F>>,
        to_filter: impl Fn(&F) -> CoreResult<Filter>,
    ) -> CoreResult<()> {
        let list = |items: &Vec<Option<F>>| items.iter().flatten().map(&to_filter).collect::<CoreResult<Vec<_>>>();
        if let Some(items) = and {
            self.0.push(Filter::And(list(items)?));
        }
        if let Some(items) = or {
            self.0.push(Filter::Or(list(items)?));
        }
        if let Some(inner) = not {
            self.0.push(Filter::Not(Box::new(to_filter(inner)?)));
        }
        Ok(())
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UsersPermissionsUserFiltersInput {
    pub document_id: Option<IdFilterInput>,
    pub username: Option<StringFilterInput>,
    pub email: Option<StringFilterInput>,
    pub provider: Option<StringFilterInput>,
    pub confirmed: Option<BooleanFilterInput>,
    pub blocked: Option<BooleanFilterInput>,
    pub role: Option<Box<UsersPermissionsRoleFiltersInput>>,
    pub created_at: Option<DateTimeFilterInput>,
    pub updated_at: Option<DateTimeFilterInput>,
    pub published_at: Option<DateTimeFilterInput>,
    pub and: Option<Vec<Option<UsersPermissionsUserFiltersInput>>>,
    pub or: Option<Vec<Option<UsersPermissionsUserFiltersInput>>>,
    pub not: Option<Box<UsersPermissionsUserFiltersInput>>,
}

impl UsersPermissionsUserFiltersInput {
    pub fn filter(&self) -> CoreResult<Filter> {
        let mut c = Conditions(Vec::new());
        c.field(&self.document_id, Column::DocumentId, IdFilterInput::filter)?;
        c.field(&self.username, Column::Username, StringFilterInput::filter)?;
        c.field(&self.email, Column::Email, StringFilterInput::filter)?;
        c.field(&self.provider, Column::Provider, StringFilterInput::filter)?;
        c.field(&self.confirmed, Column::Confirmed, BooleanFilterInput::filter)?;
        c.field(&self.blocked, Column::Blocked, BooleanFilterInput::filter)?;
        c.related(&self.role, Relation::UserRole, UsersPermissionsRoleFiltersInput::filter)?;
        c.field(&self.created_at, Column::CreatedAt, DateTimeFilterInput::filter)?;
        c.field(&self.updated_at, Column::UpdatedAt, DateTimeFilterInput::filter)?;
        c.field(&self.published_at, Column::PublishedAt, DateTimeFilterInput::filter)?;
        c.logic(&self.and, &self.or, &self.not, Self::filter)?;
        Ok(Filter::And(c.0))
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UsersPermissionsRoleFiltersInput {
    pub document_id: Option<IdFilterInput>,
    pub name: Option<StringFilterInput>,
    pub description: Option<StringFilterInput>,
    #[graphql(name = "type")]
    pub kind: Option<StringFilterInput>,
    pub permissions: Option<Box<UsersPermissionsPermissionFiltersInput>>,
    pub users: Option<Box<UsersPermissionsUserFiltersInput>>,
    pub created_at: Option<DateTimeFilterInput>,
    pub updated_at: Option<DateTimeFilterInput>,
    pub published_at: Option<DateTimeFilterInput>,
    pub and: Option<Vec<Option<UsersPermissionsRoleFiltersInput>>>,
    pub or: Option<Vec<Option<UsersPermissionsRoleFiltersInput>>>,
    pub not: Option<Box<UsersPermissionsRoleFiltersInput>>,
}

impl UsersPermissionsRoleFiltersInput {
    pub fn filter(&self) -> CoreResult<Filter> {
        let mut c = Conditions(Vec::new());
        c.field(&self.document_id, Column::DocumentId, IdFilterInput::filter)?;
        c.field(&self.name, Column::Name, StringFilterInput::filter)?;
        c.field(&self.description, Column::Description, StringFilterInput::filter)?;
        c.field(&self.kind, Column::Type, StringFilterInput::filter)?;
        c.related(&self.permissions, Relation::RolePermissions, UsersPermissionsPermissionFiltersInput::filter)?;
        c.related(&self.users, Relation::RoleUsers, UsersPermissionsUserFiltersInput::filter)?;
        c.field(&self.created_at, Column::CreatedAt, DateTimeFilterInput::filter)?;
        c.field(&self.updated_at, Column::UpdatedAt, DateTimeFilterInput::filter)?;
        c.field(&self.published_at, Column::PublishedAt, DateTimeFilterInput::filter)?;
        c.logic(&self.and, &self.or, &self.not, Self::filter)?;
        Ok(Filter::And(c.0))
    }
}

#[derive(InputObject, Debug, Clone, Default)]
pub struct UsersPermissionsPermissionFiltersInput {
    pub document_id: Option<IdFilterInput>,
    pub action: Option<StringFilterInput>,
    pub role: Option<Box<UsersPermissionsRoleFiltersInput>>,
    pub created_at: Option<DateTimeFilterInput>,
    pub updated_at: Option<DateTimeFilterInput>,
    pub published_at: Option<DateTimeFilterInput>,
    pub and: Option<Vec<Option<UsersPermissionsPermissionFiltersInput>>>,
    pub or: Option<Vec<Option<UsersPermissionsPermissionFiltersInput>>>,
    pub not: Option<Box<UsersPermissionsPermissionFiltersInput>>,
}

impl UsersPermissionsPermissionFiltersInput {
    pub fn filter(&self) -> CoreResult<Filter> {
        // Permissions are action strings of a role: only `action` and `role` can be filtered on.
        for (given, name) in [
            (self.document_id.is_some(), "documentId"),
            (self.created_at.is_some(), "createdAt"),
            (self.updated_at.is_some(), "updatedAt"),
            (self.published_at.is_some(), "publishedAt"),
        ] {
            if given {
                return Err(refused_key(name));
            }
        }
        let mut c = Conditions(Vec::new());
        c.field(&self.action, Column::Action, StringFilterInput::filter)?;
        c.related(&self.role, Relation::PermissionRole, UsersPermissionsRoleFiltersInput::filter)?;
        c.logic(&self.and, &self.or, &self.not, Self::filter)?;
        Ok(Filter::And(c.0))
    }
}

/// The arguments every list field takes, checked and turned into a listing.
pub struct ListArgs {
    pub query: ListQuery,
    pub pagination: Pagination,
}

impl ListArgs {
    pub fn new(
        subject: Subject,
        filter: Option<CoreResult<Filter>>,
        pagination: Option<PaginationArg>,
        sort: Option<Vec<Option<String>>>,
    ) -> ApiResult<Self> {
        let filter = filter.transpose().or_strapi()?;
        let pagination = pagination.unwrap_or_default().resolve()?;
        let sort: Vec<String> = sort.unwrap_or_default().into_iter().flatten().collect();
        let sort = parse_sort(subject, &sort).or_strapi()?;
        let query = ListQuery::new(filter, sort, pagination.window).or_strapi()?;
        Ok(Self { query, pagination })
    }
}
