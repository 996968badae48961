//! Listing users and roles the way Strapi's content API does: filters with scalar operators and
//! `and`/`or`/`not`, nested relation filters, `sort` strings and page- or offset-based
//! pagination. A model only: storage turns it into its own query language.

use super::error::{CoreError, CoreResult};
use super::validation::{InvalidKey, QueryParam};

/// An attribute that can be filtered or sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The numeric id of a user or a role (Strapi's REST API names records by it).
    Id,
    DocumentId,
    CreatedAt,
    UpdatedAt,
    /// Users and roles are never drafts: their `publishedAt` is their creation time.
    PublishedAt,
    // Users.
    Username,
    Email,
    Provider,
    Confirmed,
    Blocked,
    // Roles.
    Name,
    Description,
    Type,
    // Permissions.
    Action,
}

/// What values an attribute holds, and so which operands and operators apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    Int,
    /// Unix milliseconds.
    Time,
}

impl Column {
    pub fn kind(self) -> Kind {
        match self {
            Column::Id => Kind::Int,
            Column::Confirmed | Column::Blocked => Kind::Bool,
            Column::CreatedAt | Column::UpdatedAt | Column::PublishedAt => Kind::Time,
            Column::DocumentId
            | Column::Username
            | Column::Email
            | Column::Provider
            | Column::Name
            | Column::Description
            | Column::Type
            | Column::Action => Kind::Text,
        }
    }
}

/// The refusal of a text operator (`contains`, `eqi`, ...) on an attribute that is not text.
pub fn text_only(operator: &str) -> CoreError {
    CoreError::invalid(format!("The operator {operator} only applies to text attributes"))
}

/// What a filter or sort applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    User,
    Role,
    Permission,
}

impl Subject {
    /// The attribute of this subject named `name` (Strapi's camelCase names).
    pub fn column(self, name: &str) -> Option<Column> {
        // Permissions are action strings: they have no attribute of their own but `action`.
        if self == Subject::Permission {
            return (name == "action").then_some(Column::Action);
        }
        let column = match name {
            "documentId" => Column::DocumentId,
            "createdAt" => Column::CreatedAt,
            "updatedAt" => Column::UpdatedAt,
            "publishedAt" => Column::PublishedAt,
            _ => match (self, name) {
                (Subject::User, "username") => Column::Username,
                (Subject::User, "email") => Column::Email,
                (Subject::User, "provider") => Column::Provider,
                (Subject::User, "confirmed") => Column::Confirmed,
                (Subject::User, "blocked") => Column::Blocked,
                (Subject::Role, "name") => Column::Name,
                (Subject::Role, "description") => Column::Description,
                (Subject::Role, "type") => Column::Type,
                (Subject::Permission, "action") => Column::Action,
                _ => return None,
            },
        };
        Some(column)
    }

    /// The attribute named `name` in Strapi's REST API: those of [`Subject::column`] and the
    /// numeric `id` of users and roles, which REST filters and sorts on (GraphQL names records
    /// by documentId only).
    pub fn rest_column(self, name: &str) -> Option<Column> {
        match (self, name) {
            (Subject::User | Subject::Role, "id") => Some(Column::Id),
            _ => self.column(name),
        }
    }

    /// The to-one relation of this subject named `name`, and the subject it leads to: what a
    /// sort can follow (`role.name`).
    pub fn to_one(self, name: &str) -> Option<(Relation, Subject)> {
        match (self, name) {
            (Subject::User, "role") => Some((Relation::UserRole, Subject::Role)),
            (Subject::Permission, "role") => Some((Relation::PermissionRole, Subject::Role)),
            _ => None,
        }
    }

    /// Attributes that exist but are never queried (Strapi's private attributes).
    fn is_private(self, name: &str) -> bool {
        self == Subject::User && matches!(name, "password" | "resetPasswordToken" | "confirmationToken")
    }

    /// The refusal of `key` (found at `path`) in `param`: Strapi names the path of an attribute
    /// that exists but may not be queried, and none for an unknown one.
    pub fn invalid_key(self, key: &str, path: &str, param: QueryParam) -> CoreError {
        let path = self.is_private(key).then(|| path.to_string());
        InvalidKey { key: key.to_string(), path, param }.into()
    }
}

/// A relation between subjects that a filter can follow (matching when any related record does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    UserRole,
    RoleUsers,
    RolePermissions,
    PermissionRole,
}

/// A value compared with an attribute. Timestamps are Unix milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// One of Strapi's scalar operators, with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    Eq(Scalar),
    /// Case-insensitive equality.
    Eqi(String),
    Ne(Scalar),
    Nei(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    NotContains(String),
    Containsi(String),
    NotContainsi(String),
    Gt(Scalar),
    Gte(Scalar),
    Lt(Scalar),
    Lte(Scalar),
    /// `null: true` (is null) or `null: false` (is not null); `notNull` is the converse.
    IsNull(bool),
    In(Vec<Scalar>),
    NotIn(Vec<Scalar>),
    Between(Scalar, Scalar),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Field(Column, Condition),
    Related(Relation, Box<Filter>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
    /// The to-one relation whose attribute `column` is, for a sort such as `role.name`.
    pub via: Option<Relation>,
}

/// Which slice of the matching records to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    /// `None`: every record from `start` (Strapi's `limit: -1`).
    pub limit: Option<i64>,
}

/// A listing: filter, order (ties broken by creation order) and window.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort: Vec<Sort>,
    pub window: Window,
}

/// Bounds on one listing, so that no filter or sort reaches a database's own limits (SQLite's
/// bound variables and expression depth) or costs more than a page is worth: far above what a
/// front end writes by hand, far below where SQLite gives up (1,000 levels of expression).
pub const MAX_CONDITIONS: usize = 100;
/// Values compared in all (`in`, `notIn`, and the `and`/`or` lists of a scalar filter).
pub const MAX_VALUES: usize = 1000;
/// Sort keys: more than every sortable attribute twice over.
pub const MAX_SORT_KEYS: usize = 16;

impl ListQuery {
    /// A listing within the bounds above.
    pub fn new(filter: Option<Filter>, sort: Vec<Sort>, window: Window) -> CoreResult<Self> {
        if let Some(filter) = &filter {
            filter.check_bounds()?;
        }
        Ok(Self { filter, sort, window })
    }
}

impl Filter {
    /// `Err` past [`MAX_CONDITIONS`] conditions or [`MAX_VALUES`] values.
    pub fn check_bounds(&self) -> CoreResult<()> {
        let (mut conditions, mut values) = (0usize, 0usize);
        let mut pending = vec![self];
        while let Some(filter) = pending.pop() {
            match filter {
                Filter::And(items) | Filter::Or(items) => pending.extend(items),
                Filter::Not(inner) | Filter::Related(_, inner) => pending.push(inner),
                Filter::Field(_, condition) => {
                    conditions += 1;
                    values += match condition {
                        Condition::In(list) | Condition::NotIn(list) => list.len(),
                        Condition::Between(..) => 2,
                        _ => 1,
                    };
                }
            }
            if conditions > MAX_CONDITIONS {
                return Err(CoreError::invalid(format!("The filters have more than {MAX_CONDITIONS} conditions")));
            }
            if values > MAX_VALUES {
                return Err(CoreError::invalid(format!("The filters compare more than {MAX_VALUES} values")));
            }
        }
        Ok(())
    }
}

/// Strapi's default page size.
pub const DEFAULT_LIMIT: i64 = 10;

/// Pagination as the client asked for it: pages or offsets, not both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaginationArgs {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    pub start: Option<i64>,
    pub limit: Option<i64>,
}

/// A refused pagination (Strapi's PaginationError).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PaginationError(pub String);

/// Pagination as resolved: the window, and the page terms a connection's `pageInfo` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub window: Window,
    /// Whether the client asked in pages (`pageInfo` then echoes page and pageSize).
    pub by_page: bool,
    pub page: i64,
    pub page_size: i64,
}

impl PaginationArgs {
    /// Strapi's rules: page 1 and page size 10 (start 0, limit 10) by default; `limit: -1` is
    /// no limit; mixing both styles is an error.
    pub fn resolve(self) -> Result<Pagination, PaginationError> {
        let by_page = self.page.is_some() || self.page_size.is_some();
        let by_offset = self.start.is_some() || self.limit.is_some();
        if by_page && by_offset {
            return Err(PaginationError("Cannot use both page & offset pagination in the same query".into()));
        }
        if by_page {
            let page = self.page.unwrap_or(1).max(1);
            let page_size = self.page_size.unwrap_or(DEFAULT_LIMIT).max(1);
            let start = (page - 1).saturating_mul(page_size);
            return Ok(Pagination { window: Window { start, limit: Some(page_size) }, by_page, page, page_size });
        }
        let start = self.start.unwrap_or(0).max(0);
        let limit = match self.limit.unwrap_or(DEFAULT_LIMIT) {
            -1 => None,
            limit => Some(limit.max(1)),
        };
        let page_size = limit.unwrap_or(0);
        let page = if page_size > 0 { start / page_size + 1 } else { 1 };
        Ok(Pagination { window: Window { start, limit }, by_page, page, page_size })
    }
}

/// What a connection's `pageInfo` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    pub total: i64,
    pub page: i64,
    pub page_size: i64,
    pub page_count: i64,
}

impl Pagination {
    pub fn page_info(&self, total: i64) -> PageInfo {
        // Without a limit the one page holds everything after `start`.
        let page_size = if self.window.limit.is_none() { (total - self.window.start).max(0) } else { self.page_size };
        let page_count = if page_size > 0 { (total + page_size - 1) / page_size } else { 0 };
        PageInfo { total, page: self.page, page_size, page_count }
    }
}

/// Parses Strapi sort strings (`"username"`, `"createdAt:desc"`, `"name:ASC"`) for `subject`.
pub fn parse_sort(subject: Subject, items: &[String]) -> CoreResult<Vec<Sort>> {
    parse_sort_by(subject, items, Subject::column)
}

/// [`parse_sort`] with the attribute names of Strapi's REST API ([`Subject::rest_column`]).
pub fn parse_rest_sort(subject: Subject, items: &[String]) -> CoreResult<Vec<Sort>> {
    parse_sort_by(subject, items, Subject::rest_column)
}

/// How an API names attributes: [`Subject::column`] or [`Subject::rest_column`].
type Attributes = fn(Subject, &str) -> Option<Column>;

fn parse_sort_by(subject: Subject, items: &[String], column: Attributes) -> CoreResult<Vec<Sort>> {
    let mut sorts = Vec::new();
    for item in items {
        for part in item.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, order) = part.split_once(':').unwrap_or((part, "asc"));
            let descending = match order.trim().to_ascii_lowercase().as_str() {
                "asc" => false,
                "desc" => true,
                _ => return Err(CoreError::invalid("Invalid order. order can only be one of asc|desc|ASC|DESC")),
            };
            let (column, via) = sort_key(subject, name.trim(), column)?;
            sorts.push(Sort { column, descending, via });
            if sorts.len() > MAX_SORT_KEYS {
                return Err(CoreError::invalid(format!("sort takes at most {MAX_SORT_KEYS} keys")));
            }
        }
    }
    Ok(sorts)
}

/// The attribute a sort key names: one of `subject`'s own, or one of a to-one relation's.
fn sort_key(subject: Subject, path: &str, column: Attributes) -> CoreResult<(Column, Option<Relation>)> {
    let refuse = |on: Subject, key: &str| on.invalid_key(key, path, QueryParam::Sort);
    match path.split_once('.') {
        None => Ok((column(subject, path).ok_or_else(|| refuse(subject, path))?, None)),
        Some((relation, key)) => {
            let (relation, target) = subject.to_one(relation).ok_or_else(|| refuse(subject, relation))?;
            Ok((column(target, key).ok_or_else(|| refuse(target, key))?, Some(relation)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_defaults_pages_offsets_and_mixing() {
        let default = PaginationArgs::default().resolve().unwrap();
        assert_eq!(default.window, Window { start: 0, limit: Some(10) });
        let page = PaginationArgs { page: Some(3), page_size: Some(25), ..Default::default() }.resolve().unwrap();
        assert_eq!(page.window, Window { start: 50, limit: Some(25) });
        assert_eq!(page.page_info(201), PageInfo { total: 201, page: 3, page_size: 25, page_count: 9 });
        let offset = PaginationArgs { start: Some(20), limit: Some(10), ..Default::default() }.resolve().unwrap();
        assert_eq!(offset.page, 3);
        let all = PaginationArgs { limit: Some(-1), ..Default::default() }.resolve().unwrap();
        assert_eq!(all.window.limit, None);
        assert_eq!(all.page_info(7).page_count, 1);
        let mixed = PaginationArgs { page: Some(1), limit: Some(5), ..Default::default() }.resolve();
        assert!(mixed.is_err());
    }

    #[test]
    fn sort_strings() {
        let sorts = parse_sort(Subject::User, &["username:desc".into(), "createdAt".into()]).unwrap();
        assert_eq!(sorts[0], Sort { column: Column::Username, descending: true, via: None });
        assert_eq!(sorts[1], Sort { column: Column::CreatedAt, descending: false, via: None });
        assert!(parse_sort(Subject::User, &["password".into()]).is_err());
        assert!(parse_sort(Subject::User, &["id".into()]).is_err(), "GraphQL names records by documentId");
        let by_id = parse_rest_sort(Subject::User, &["id:desc".into()]).unwrap();
        assert_eq!(by_id, vec![Sort { column: Column::Id, descending: true, via: None }]);
        let by_role_id = parse_rest_sort(Subject::User, &["role.id".into()]).unwrap();
        assert_eq!(by_role_id[0], Sort { column: Column::Id, descending: false, via: Some(Relation::UserRole) });
        assert!(parse_rest_sort(Subject::Permission, &["id".into()]).is_err());
        assert!(parse_sort(Subject::Role, &["name:sideways".into()]).is_err());
        assert!(parse_sort(Subject::User, &vec!["username".to_string(); MAX_SORT_KEYS]).is_ok());
        let many = vec!["username,email".to_string(); MAX_SORT_KEYS];
        assert!(parse_sort(Subject::User, &many).is_err());
    }

    #[test]
    fn filter_bounds() {
        let eq = |n: usize| Filter::Field(Column::Username, Condition::Eq(Scalar::Text(n.to_string())));
        let or = |n: usize| Filter::Or((0..n).map(eq).collect());
        assert!(or(MAX_CONDITIONS).check_bounds().is_ok());
        assert!(Filter::Not(Box::new(or(MAX_CONDITIONS + 1))).check_bounds().is_err());
        let values = |n: usize| (0..n).map(|i| Scalar::Int(i as i64)).collect::<Vec<_>>();
        assert!(Filter::Field(Column::Username, Condition::In(values(MAX_VALUES))).check_bounds().is_ok());
        let many = Filter::Related(
            Relation::UserRole,
            Box::new(Filter::Field(Column::Name, Condition::NotIn(values(MAX_VALUES + 1)))),
        );
        assert!(many.check_bounds().is_err());
        let window = Window { start: 0, limit: None };
        assert!(ListQuery::new(Some(or(MAX_CONDITIONS + 1)), Vec::new(), window).is_err());
    }

    #[test]
    fn sorts_follow_to_one_relations_only() {
        let sorts = parse_sort(Subject::User, &["role.name:desc".into()]).unwrap();
        assert_eq!(sorts[0], Sort { column: Column::Name, descending: true, via: Some(Relation::UserRole) });
        let key = |items: &[&str], subject| match parse_sort(subject, &[items.join(",")]) {
            Err(CoreError::Invalid(invalid)) => invalid.details,
            other => panic!("not refused: {other:?}"),
        };
        use crate::validation::Details;
        let private = key(&["password"], Subject::User);
        assert_eq!(
            private,
            Details::Key(InvalidKey { key: "password".into(), path: Some("password".into()), param: QueryParam::Sort })
        );
        let unknown = key(&["role.nope"], Subject::User);
        assert_eq!(unknown, Details::Key(InvalidKey { key: "nope".into(), path: None, param: QueryParam::Sort }));
        // Roles have many users: no single value to sort by.
        assert!(matches!(key(&["users.username"], Subject::Role), Details::Key(k) if k.key == "users"));
    }
}
