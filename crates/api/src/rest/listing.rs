//! The query string of Strapi's REST reads, turned into the core's listing model: `filters`
//! (every operator, `$and`/`$or`/`$not`, relations), `_q`, `sort`, the top-level `start` and
//! `limit` (and `page`/`pageSize`, checked then ignored, as this controller does; so is
//! `pagination[...]`), and what to show: `fields` and `populate` (`role`).

use gatehouse_core::query::{
    Column, Condition, Filter, Kind, ListQuery, Relation, Scalar, Sort, Subject, Window, parse_rest_sort, text_only,
};

use super::error::RestError;
use super::qs::Qs;
use super::views::{Fields, Shape};
use gatehouse_core::validation::QueryParam;

/// A listing of users and how to show them.
pub struct Listing {
    pub query: ListQuery,
    pub shape: Shape,
}

/// `GET /users`: every user unless the query says otherwise (no default limit, as Strapi).
pub fn users(qs: &Qs) -> Result<Listing, RestError> {
    let window = window(qs)?;
    let filter = user_filter(qs)?;
    let sort = sort(Subject::User, qs.get("sort"))?;
    let query = ListQuery::new(filter, sort, window)?;
    Ok(Listing { query, shape: shape(qs)? })
}

/// The users a query's `filters` and `_q` select (`GET /users`, `GET /users/count`).
pub fn user_filter(qs: &Qs) -> Result<Option<Filter>, RestError> {
    let mut all = Vec::new();
    if let Some(filters) = qs.get("filters") {
        all.push(filter(Subject::User, filters, "")?);
    }
    if let Some(search) = qs.get("_q").and_then(Qs::text).filter(|q| !q.is_empty()) {
        all.push(self::search(search));
    }
    Ok((!all.is_empty()).then_some(Filter::And(all)))
}

/// `fields` and `populate`.
pub fn shape(qs: &Qs) -> Result<Shape, RestError> {
    Ok(Shape { fields: fields(Subject::User, qs.get("fields"))?, role: populate(qs.get("populate"))? })
}

/// `_q`: the text anywhere in a user's searchable (non-private text) attributes.
fn search(text: &str) -> Filter {
    let containsi = |column| Filter::Field(column, Condition::Containsi(text.to_string()));
    Filter::Or(vec![containsi(Column::Username), containsi(Column::Email), containsi(Column::Provider)])
}

/// The relations a filter can follow from `subject`.
fn relation(subject: Subject, name: &str) -> Option<(Relation, Subject)> {
    match (subject, name) {
        (Subject::User, "role") => Some((Relation::UserRole, Subject::Role)),
        (Subject::Role, "users") => Some((Relation::RoleUsers, Subject::User)),
        (Subject::Role, "permissions") => Some((Relation::RolePermissions, Subject::Permission)),
        (Subject::Permission, "role") => Some((Relation::PermissionRole, Subject::Role)),
        _ => None,
    }
}

/// Strapi's refusal of a key: a private attribute is named with its path, an unknown one not.
fn refused_key(subject: Subject, key: &str, path: &str, param: QueryParam) -> RestError {
    subject.invalid_key(key, path, param).into()
}

fn joined(path: &str, name: &str) -> String {
    if path.is_empty() { name.to_string() } else { format!("{path}.{name}") }
}

/// A filter object on `subject`, found at `path` (the relations followed to get there).
fn filter(subject: Subject, node: &Qs, path: &str) -> Result<Filter, RestError> {
    let Qs::Map(entries) = node else {
        return Err(RestError::validation("The filters parameter must be an object or an array"));
    };
    let mut all = Vec::new();
    for (key, value) in entries {
        match key.as_str() {
            "$and" | "$or" => {
                let items = value.list().ok_or_else(|| RestError::validation(format!("{key} must be an array")))?;
                let filters = items.into_iter().map(|item| filter(subject, item, path)).collect::<Result<_, _>>()?;
                all.push(if key == "$and" { Filter::And(filters) } else { Filter::Or(filters) });
            }
            "$not" => all.push(Filter::Not(Box::new(filter(subject, value, path)?))),
            name => {
                let at = joined(path, name);
                if let Some(column) = subject.rest_column(name) {
                    all.push(attribute(column, name, value)?);
                } else if let Some((relation, target)) = relation(subject, name) {
                    all.push(Filter::Related(relation, Box::new(filter(target, value, &at)?)));
                } else {
                    return Err(refused_key(subject, name, &at, QueryParam::Filters));
                }
            }
        }
    }
    Ok(Filter::And(all))
}

/// The conditions on one attribute: a value (equality), a list of values (`$in`), or operators.
fn attribute(column: Column, key: &str, node: &Qs) -> Result<Filter, RestError> {
    let field = |condition| Filter::Field(column, condition);
    match node {
        Qs::Text(text) => Ok(field(Condition::Eq(scalar(column, key, text)?))),
        Qs::Map(entries) if !entries.is_empty() && node.list().is_some() => {
            Ok(field(Condition::In(values(column, key, node, "$in")?)))
        }
        Qs::Map(entries) => {
            let conditions =
                entries.iter().map(|(op, operand)| operator(column, key, op, operand)).collect::<Result<_, _>>()?;
            Ok(Filter::And(conditions))
        }
    }
}

fn operator(column: Column, key: &str, op: &str, operand: &Qs) -> Result<Filter, RestError> {
    let field = |condition| Ok(Filter::Field(column, condition));
    let one = || operand.text().ok_or_else(|| RestError::validation(format!("{op} on {key} takes one value")));
    let text = || {
        if column.kind() != Kind::Text {
            return Err(RestError::from(text_only(op)));
        }
        one().map(str::to_string)
    };
    let value = || scalar(column, key, one()?);
    match op {
        "$eq" => field(Condition::Eq(value()?)),
        "$ne" => field(Condition::Ne(value()?)),
        "$gt" => field(Condition::Gt(value()?)),
        "$gte" => field(Condition::Gte(value()?)),
        "$lt" => field(Condition::Lt(value()?)),
        "$lte" => field(Condition::Lte(value()?)),
        "$eqi" => field(Condition::Eqi(text()?)),
        "$nei" => field(Condition::Nei(text()?)),
        "$startsWith" => field(Condition::StartsWith(text()?)),
        "$endsWith" => field(Condition::EndsWith(text()?)),
        "$contains" => field(Condition::Contains(text()?)),
        "$notContains" => field(Condition::NotContains(text()?)),
        "$containsi" => field(Condition::Containsi(text()?)),
        "$notContainsi" => field(Condition::NotContainsi(text()?)),
        "$null" => field(Condition::IsNull(boolean(op, one()?)?)),
        "$notNull" => field(Condition::IsNull(!boolean(op, one()?)?)),
        "$in" => field(Condition::In(values(column, key, operand, op)?)),
        "$notIn" => field(Condition::NotIn(values(column, key, operand, op)?)),
        "$between" => match values(column, key, operand, op)?.as_slice() {
            [low, high] => field(Condition::Between(low.clone(), high.clone())),
            _ => Err(RestError::validation("$between takes exactly two values")),
        },
        "$not" => Ok(Filter::Not(Box::new(attribute(column, key, operand)?))),
        "$and" | "$or" => {
            let items = operand.list().ok_or_else(|| RestError::validation(format!("{op} must be an array")))?;
            let all = items.into_iter().map(|item| attribute(column, key, item)).collect::<Result<_, _>>()?;
            Ok(if op == "$and" { Filter::And(all) } else { Filter::Or(all) })
        }
        _ => Err(refused_key(Subject::User, op, op, QueryParam::Filters)),
    }
}

fn values(column: Column, key: &str, node: &Qs, op: &str) -> Result<Vec<Scalar>, RestError> {
    let items = node.list().ok_or_else(|| RestError::validation(format!("{op} on {key} takes a list of values")))?;
    items
        .into_iter()
        .map(|item| {
            let text =
                item.text().ok_or_else(|| RestError::validation(format!("{op} on {key} takes a list of values")))?;
            scalar(column, key, text)
        })
        .collect()
}

/// A query-string value as the attribute's type.
fn scalar(column: Column, key: &str, text: &str) -> Result<Scalar, RestError> {
    let wrong = |kind: &str| {
        RestError::validation(format!("{key} must be a `{kind}` type, but the final value was: `\"{text}\"`."))
    };
    match column.kind() {
        Kind::Text => Ok(Scalar::Text(text.to_string())),
        Kind::Bool => boolean(key, text).map(Scalar::Bool),
        Kind::Int => text.trim().parse().map(Scalar::Int).map_err(|_| wrong("number")),
        Kind::Time => time_millis(text).map(Scalar::Int).ok_or_else(|| wrong("date")),
    }
}

fn boolean(key: &str, text: &str) -> Result<bool, RestError> {
    match text {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(RestError::validation(format!(
            "{key} must be a `boolean` type, but the final value was: `\"{text}\"`."
        ))),
    }
}

/// An RFC 3339 timestamp, or a day (`2026-12-01`, midnight UTC), in Unix milliseconds.
fn time_millis(text: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let at = match time::OffsetDateTime::parse(text, &Rfc3339) {
        Ok(at) => at,
        Err(_) => {
            let day = time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
            day.midnight().assume_utc()
        }
    };
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `sort=username:desc`, `sort[0]=...`, `sort=a,b`, `sort=role.name`, or the object forms
/// `sort[username]=desc` and `sort[role][name]=desc`.
fn sort(subject: Subject, node: Option<&Qs>) -> Result<Vec<Sort>, RestError> {
    let Some(node) = node else { return Ok(Vec::new()) };
    let as_strings = |node: &Qs| -> Result<Vec<String>, RestError> {
        let mut items = Vec::new();
        for (name, order) in node.entries() {
            match order {
                Qs::Text(order) => items.push(format!("{name}:{order}")),
                Qs::Map(inner) => {
                    for (key, order) in inner {
                        let order = order.text().ok_or_else(|| refused_key(subject, name, name, QueryParam::Sort))?;
                        items.push(format!("{name}.{key}:{order}"));
                    }
                }
            }
        }
        if let Qs::Text(text) = node {
            items.push(text.clone());
        }
        Ok(items)
    };
    let items = match node.list() {
        Some(items) => items.into_iter().map(as_strings).collect::<Result<Vec<_>, _>>()?.concat(),
        None => as_strings(node)?,
    };
    Ok(parse_rest_sort(subject, &items)?)
}

/// The top-level `start` and `limit` (`limit=-1`: no limit); `page` and `pageSize` are checked
/// as Strapi checks them, then ignored as this controller ignores them.
fn window(qs: &Qs) -> Result<Window, RestError> {
    let given = |name| qs.get(name).map(|node| node.text().unwrap_or("NaN"));
    let (page, page_size, start, limit) = (given("page"), given("pageSize"), given("start"), given("limit"));
    for (name, value) in [("page", page), ("pageSize", page_size)] {
        if let Some(value) = value
            && !js_number(value).is_some_and(|n| n.fract() == 0.0 && n > 0.0)
        {
            return Err(RestError::pagination(format!(
                "Invalid '{name}' parameter. Expected an integer > 0, received: {value}"
            )));
        }
    }
    if (page.is_some() || page_size.is_some()) && (start.is_some() || limit.is_some()) {
        return Err(RestError::pagination(
            "Invalid pagination attributes. The page parameters are incorrect and must be in the pagination object",
        ));
    }
    let count = |name: &str, value: &str, no_limit: bool| -> Result<Option<i64>, RestError> {
        match js_number(value) {
            Some(n) if no_limit && n == -1.0 => Ok(None),
            Some(n) if n.fract() == 0.0 && n >= 0.0 => Ok(Some(n.min(i64::MAX as f64) as i64)),
            n => Err(RestError::validation(format!(
                "convert{name}QueryParams expected a positive integer got {}",
                js_print(n)
            ))),
        }
    };
    let start = match start {
        Some(value) => count("Start", value, false)?.unwrap_or(0),
        None => 0,
    };
    let limit = match limit {
        Some(value) => count("Limit", value, true)?,
        None => None,
    };
    Ok(Window { start, limit })
}

/// JavaScript's `Number(text)` for the texts a query string holds (`NaN` is `None`).
fn js_number(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(0.0);
    }
    let plain = text.trim_start_matches(['+', '-']);
    if plain.chars().any(|c| c.is_ascii_alphabetic() && c != 'e' && c != 'E') {
        return None;
    }
    text.parse().ok()
}

fn js_print(number: Option<f64>) -> String {
    match number {
        None => "NaN".into(),
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        Some(n) => n.to_string(),
    }
}

/// `fields`: `*`, a comma-separated list, or a list; only attributes that may be read.
fn fields(subject: Subject, node: Option<&Qs>) -> Result<Fields, RestError> {
    let Some(node) = node else { return Ok(Fields::All) };
    let mut names = Vec::new();
    for item in node.list().unwrap_or_default() {
        let text = item.text().ok_or_else(|| RestError::validation("Invalid fields parameter"))?;
        names.extend(text.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from));
    }
    if names.iter().any(|n| n == "*") {
        return Ok(Fields::All);
    }
    for name in &names {
        if subject.rest_column(name).is_none() {
            return Err(refused_key(subject, name, name, QueryParam::Fields));
        }
    }
    Ok(Fields::Only(names))
}

/// `populate`: `role`, `*`, a list of them, or `populate[role][fields]=...`; `None` when the
/// role is not asked for.
fn populate(node: Option<&Qs>) -> Result<Option<Fields>, RestError> {
    let Some(node) = node else { return Ok(None) };
    let named = |name: &str| match name {
        "role" | "*" => Ok(Some(Fields::All)),
        "" => Ok(None),
        other => Err(refused_key(Subject::User, other, other, QueryParam::Populate)),
    };
    if let Some(items) = node.list() {
        let mut role = None;
        for item in items {
            let text = item.text().ok_or_else(|| RestError::validation("Invalid populate parameter"))?;
            for name in text.split(',').map(str::trim) {
                role = role.or(named(name)?);
            }
        }
        return Ok(role);
    }
    let mut role = None;
    for (name, value) in node.entries() {
        if name != "role" && name != "*" {
            return Err(refused_key(Subject::User, name, name, QueryParam::Populate));
        }
        role = match value {
            Qs::Text(flag) if flag == "false" => None,
            Qs::Text(_) => Some(Fields::All),
            Qs::Map(_) => Some(fields(Subject::Role, value.get("fields"))?),
        };
    }
    Ok(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(query: &str) -> Result<Listing, RestError> {
        users(&Qs::parse(query))
    }

    #[test]
    fn filters_follow_strapi_operators_and_relations() {
        let query = "filters[$or][0][username]=bob&filters[$or][1][email][$containsi]=CAROL&filters[role][type]=public&filters[id][$lte]=3";
        let filter = listing(query).unwrap().query.filter.unwrap();
        let expected = Filter::And(vec![Filter::And(vec![
            Filter::Or(vec![
                Filter::And(vec![Filter::Field(Column::Username, Condition::Eq(Scalar::Text("bob".into())))]),
                Filter::And(vec![Filter::And(vec![Filter::Field(
                    Column::Email,
                    Condition::Containsi("CAROL".into()),
                )])]),
            ]),
            Filter::Related(
                Relation::UserRole,
                Box::new(Filter::And(vec![Filter::Field(Column::Type, Condition::Eq(Scalar::Text("public".into())))])),
            ),
            Filter::And(vec![Filter::Field(Column::Id, Condition::Lte(Scalar::Int(3)))]),
        ])]);
        assert_eq!(filter, expected);
    }

    #[test]
    fn refused_keys_name_private_attributes_only() {
        let private = listing("filters[password][$eq]=x").err().unwrap();
        assert_eq!(private.message, "Invalid key password");
        assert_eq!(private.details.unwrap()["path"], "password");
        let unknown = listing("filters[nope]=x").err().unwrap();
        assert_eq!(unknown.details.unwrap()["path"], serde_json::Value::Null);
        let fields = listing("fields=password").err().unwrap();
        assert_eq!(fields.details.unwrap()["param"], "fields");
        assert!(listing("filters[confirmed][$contains]=t").is_err(), "text operators on text only");
        assert!(listing("filters[confirmed]=maybe").is_err());
    }

    #[test]
    fn windows_as_this_controller_reads_them() {
        let window = |q: &str| listing(q).map(|l| l.query.window);
        assert_eq!(window("").unwrap(), Window { start: 0, limit: None });
        assert_eq!(window("start=1&limit=3").unwrap(), Window { start: 1, limit: Some(3) });
        assert_eq!(window("limit=-1").unwrap(), Window { start: 0, limit: None });
        assert_eq!(window("pagination[page]=2&pagination[pageSize]=2").unwrap(), Window { start: 0, limit: None });
        assert_eq!(window("page=2&pageSize=2").unwrap(), Window { start: 0, limit: None });
        let message = |q: &str| window(q).unwrap_err().message;
        assert_eq!(message("limit=abc"), "convertLimitQueryParams expected a positive integer got NaN");
        assert_eq!(message("start=-1"), "convertStartQueryParams expected a positive integer got -1");
        assert_eq!(message("page=0"), "Invalid 'page' parameter. Expected an integer > 0, received: 0");
        assert!(message("page=1&limit=3").starts_with("Invalid pagination attributes."));
    }

    #[test]
    fn shapes_and_sorts() {
        let shape = |q: &str| shape(&Qs::parse(q)).unwrap();
        assert_eq!(shape("populate=role").role, Some(Fields::All));
        assert_eq!(shape("populate=*").role, Some(Fields::All));
        assert_eq!(shape("populate[0]=role").role, Some(Fields::All));
        assert_eq!(shape("populate[role][fields][0]=name").role, Some(Fields::Only(vec!["name".into()])));
        assert_eq!(
            shape("fields[0]=username&fields[1]=blocked").fields,
            Fields::Only(vec!["username".into(), "blocked".into()])
        );
        assert!(super::shape(&Qs::parse("populate=nope")).is_err());
        let sorts = listing("sort[0]=confirmed:asc&sort[1]=id:desc").unwrap().query.sort;
        assert_eq!(
            sorts,
            vec![
                Sort { column: Column::Confirmed, descending: false, via: None },
                Sort { column: Column::Id, descending: true, via: None }
            ]
        );
        assert_eq!(
            listing("sort[username]=desc").unwrap().query.sort[0],
            Sort { column: Column::Username, descending: true, via: None }
        );
    }
}
