use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder, Value};

use super::*;
use gatehouse_core::query::Window;

fn nested() -> Filter {
    Filter::And(vec![
        Filter::Field(Column::Username, Test::StartsWith("al".into())),
        Filter::Not(Box::new(Filter::Field(Column::Blocked, Test::Eq(Scalar::Bool(true))))),
        Filter::Related(
            Relation::UserRole,
            Box::new(Filter::Field(Column::Type, Test::In(vec![Scalar::Text("a".into())]))),
        ),
    ])
}

#[test]
fn each_backend_gets_its_own_placeholders_in_the_order_of_the_values() {
    let list = ListQuery {
        filter: Some(nested()),
        sort: vec![Sort { column: Column::Email, descending: true, via: None }],
        window: Window { start: 20, limit: Some(10) },
    };
    let statement = listing(Subject::User, "id, username", 7, &list).unwrap();
    let (postgres, values) = statement.build(PostgresQueryBuilder);
    assert_eq!(
        postgres,
        concat!(
            r#"SELECT id, username FROM "users" AS "u" WHERE "u"."domain_id" = $1"#,
            r#" AND SUBSTR("u"."username", 1, LENGTH($2)) = $3 AND (NOT "u"."blocked" = $4)"#,
            r#" AND EXISTS(SELECT 1 FROM "roles" AS "j1" WHERE "j1"."id" = "u"."role_id" AND "j1"."type" IN ($5))"#,
            r#" ORDER BY "u"."email" DESC, "u"."id" ASC LIMIT $6 OFFSET $7"#,
        )
    );
    let expected: Vec<Value> = vec![
        7i64.into(),
        "al".into(),
        "al".into(),
        1i64.into(),
        "a".into(),
        Value::BigUnsigned(Some(10)),
        Value::BigUnsigned(Some(20)),
    ];
    assert_eq!(values.0, expected);
    let (sqlite, sqlite_values) = statement.build(SqliteQueryBuilder);
    assert_eq!(sqlite.matches('?').count(), expected.len(), "{sqlite}");
    assert!(!sqlite.contains('$'), "{sqlite}");
    assert_eq!(sqlite_values.0, expected);
}

#[test]
fn a_count_selects_n_and_no_limit_is_the_largest_one() {
    let (text, values) = count(Subject::Permission, 3, None).unwrap().build(PostgresQueryBuilder);
    assert_eq!(text, r#"SELECT COUNT(*) AS "n" FROM "permissions" AS "p" WHERE "p"."role_id" = $1"#);
    assert_eq!(values.0, vec![Value::from(3i64)]);
    let all = ListQuery { filter: None, sort: Vec::new(), window: Window { start: 0, limit: None } };
    let (text, values) = listing(Subject::Permission, "p.action", 3, &all).unwrap().build(PostgresQueryBuilder);
    assert!(text.ends_with(r#"ORDER BY "p"."action" ASC LIMIT $2 OFFSET $3"#), "{text}");
    assert_eq!(values.0[1], Value::BigUnsigned(Some(i64::MAX as u64)));
}

#[test]
fn attributes_of_another_subject_are_refused() {
    let filter = Filter::Field(Column::Username, Test::Eq(Scalar::Text("x".into())));
    assert!(condition(Subject::Role, "r", &filter, &mut Aliases::default()).is_err());
    let sort = ListQuery {
        filter: None,
        sort: vec![Sort { column: Column::Username, descending: false, via: None }],
        window: Window { start: 0, limit: None },
    };
    assert!(listing(Subject::Role, "id", 1, &sort).is_err());
}

#[test]
fn an_or_stays_inside_the_owner_condition() {
    let eq = |column, text: &str| Filter::Field(column, Test::Eq(Scalar::Text(text.into())));
    let either = Filter::Or(vec![eq(Column::Username, "a"), eq(Column::Email, "b")]);
    let (text, _) = count(Subject::User, 1, Some(&either)).unwrap().build(SqliteQueryBuilder);
    assert!(text.ends_with(r#"WHERE "u"."domain_id" = ? AND ("u"."username" = ? OR "u"."email" = ?)"#), "{text}");
    let neither = Filter::Not(Box::new(either));
    let (text, _) = count(Subject::User, 1, Some(&neither)).unwrap().build(SqliteQueryBuilder);
    assert!(text.ends_with(r#"= ? AND (NOT ("u"."username" = ? OR "u"."email" = ?))"#), "{text}");
}

#[test]
fn a_relation_sort_reads_the_related_attribute() {
    let query = ListQuery {
        filter: None,
        sort: vec![Sort { column: Column::Name, descending: true, via: Some(Relation::UserRole) }],
        window: Window { start: 0, limit: Some(10) },
    };
    let (text, _) = listing(Subject::User, "u.id", 1, &query).unwrap().build(sea_query::SqliteQueryBuilder);
    assert!(
        text.contains(
            r#"ORDER BY (SELECT "o0"."name" FROM "roles" AS "o0" WHERE "o0"."id" = "u"."role_id") DESC, "u"."id" ASC"#
        ),
        "{text}"
    );
}
