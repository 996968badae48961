//! Generated documents and variables against all three endpoints: deep nesting, long lists,
//! control characters, long strings, out-of-range numbers. Whatever arrives, the answer is
//! never a 5xx and the server keeps serving. Bounded: a fixed number of cases per run.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use gatehouse_testkit::{TestApp, spawn_app};

const CASES: u32 = 160;

/// An input value, rendered both as a GraphQL literal and as variables' JSON.
#[derive(Debug, Clone)]
enum Input {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Text(String),
    Enum(&'static str),
    List(Vec<Input>),
    Object(Vec<(&'static str, Input)>),
}

/// Names the real input types use, so that generated objects reach real coercion code.
const FIELDS: &[&str] = &[
    "not",
    "and",
    "or",
    "eq",
    "eqi",
    "in",
    "notIn",
    "between",
    "contains",
    "username",
    "email",
    "role",
    "users",
    "permissions",
    "name",
    "type",
    "action",
    "identifier",
    "password",
    "page",
    "pageSize",
    "start",
    "limit",
    "confirmed",
    "blocked",
    "documentId",
    "createdAt",
    "rateLimitMax",
    "allowRegister",
];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z@.]{0,12}",
        1 => prop::collection::vec(prop::char::range('\0', '\u{1f}'), 0..8).prop_map(|c| c.into_iter().collect()),
        1 => (0usize..3, any::<char>()).prop_map(|(k, c)| c.to_string().repeat([300, 5000, 70_000][k])),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    let leaf = prop_oneof![
        Just(Input::Null),
        any::<bool>().prop_map(Input::Bool),
        prop_oneof![any::<i32>().prop_map(i128::from), any::<i64>().prop_map(i128::from), Just(1i128 << 70)]
            .prop_map(Input::Int),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Input::Float),
        text().prop_map(Input::Text),
        prop::sample::select(&["ASC", "USER_REGISTERED", "GLOBAL", "x"][..]).prop_map(Input::Enum),
    ];
    leaf.prop_recursive(24, 400, 12, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..12).prop_map(Input::List),
            prop::collection::vec((prop::sample::select(FIELDS), inner), 0..6).prop_map(Input::Object),
        ]
    })
}

fn argument() -> impl Strategy<Value = Input> {
    prop_oneof![
        6 => input(),
        1 => (0usize..3000).prop_map(|n| Input::List((0..n).map(|i| Input::Int(i as i128)).collect())),
    ]
}

/// The nesting an attacker reaches for: the argument inside `levels` objects or lists. Kept as
/// text, so that the test's own stack never holds the recursion.
#[derive(Debug, Clone, Copy)]
struct Wrap {
    levels: usize,
    list: bool,
}

impl Wrap {
    fn around(&self, inner: &str, json: bool) -> String {
        let open = match (self.list, json) {
            (true, _) => "[",
            (false, true) => "{\"not\":",
            (false, false) => "{not:",
        };
        let close = if self.list { "]" } else { "}" };
        format!("{}{inner}{}", open.repeat(self.levels), close.repeat(self.levels))
    }
}

fn wrap() -> impl Strategy<Value = Wrap> {
    prop_oneof![
        2 => Just(Wrap { levels: 0, list: false }),
        1 => (0usize..3000, any::<bool>()).prop_map(|(levels, list)| Wrap { levels, list }),
        1 => (0usize..120, any::<bool>()).prop_map(|(levels, list)| Wrap { levels, list }),
    ]
}

impl Input {
    fn literal(&self, out: &mut String) {
        match self {
            Input::Null => out.push_str("null"),
            Input::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Input::Int(n) => out.push_str(&n.to_string()),
            Input::Float(f) => out.push_str(&format!("{f:e}")),
            Input::Text(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Input::Enum(name) => out.push_str(name),
            Input::List(items) => {
                out.push('[');
                for item in items {
                    item.literal(out);
                    out.push(' ');
                }
                out.push(']');
            }
            Input::Object(fields) => {
                out.push('{');
                for (name, value) in fields {
                    out.push_str(name);
                    out.push(':');
                    value.literal(out);
                    out.push(' ');
                }
                out.push('}');
            }
        }
    }

    fn json(&self) -> Value {
        match self {
            Input::Null => Value::Null,
            Input::Bool(b) => json!(b),
            Input::Int(n) => i64::try_from(*n).map(|n| json!(n)).unwrap_or_else(|_| json!(*n as f64)),
            Input::Float(f) => json!(f),
            Input::Text(s) => json!(s),
            Input::Enum(name) => json!(name),
            Input::List(items) => Value::Array(items.iter().map(Input::json).collect()),
            Input::Object(fields) => Value::Object(fields.iter().map(|(k, v)| (k.to_string(), v.json())).collect()),
        }
    }
}

/// Which listener, and a document with `{}` where the generated argument goes.
const TARGETS: &[(Listener, &str, &str)] = &[
    (Listener::User, "query($v: UsersPermissionsUserFiltersInput)", "usersPermissionsUsers(filters: {}) { username }"),
    (Listener::User, "query($v: UsersPermissionsRoleFiltersInput)", "usersPermissionsRoles(filters: {}) { name }"),
    (Listener::User, "query($v: [String])", "usersPermissionsUsers(sort: {}) { documentId }"),
    (
        Listener::User,
        "query($v: PaginationArg)",
        "usersPermissionsUsers_connection(pagination: {}) { pageInfo { total } }",
    ),
    (Listener::User, "mutation($v: UsersPermissionsLoginInput!)", "login(input: {}) { jwt }"),
    (Listener::User, "mutation($v: UsersPermissionsRegisterInput!)", "register(input: {}) { jwt }"),
    (Listener::User, "mutation($v: String!)", "forgotPassword(email: {}) { ok }"),
    (Listener::User, "query($v: String!)", "checkPermission(action: {})"),
    (Listener::Admin, "query($v: DomainName!)", "account { listUsers(domain: {}) }"),
    (Listener::Admin, "query($v: UserRef!)", "account { getUser(user: {}) { username } }"),
    (Listener::Admin, "query($v: Int)", "audit { listEvents(before: {}) { id } }"),
    (
        Listener::Admin,
        "mutation($v: DomainSettingsInput!)",
        "domain { updateDomainSettings(domain: \"localhost\", settings: {}) { rateLimitMax } }",
    ),
    (
        Listener::Admin,
        "mutation($v: [String!])",
        "role { createRole(domain: \"localhost\", name: \"Fuzzed\", permissions: {}) { type } }",
    ),
    (Listener::DomainAdmin, "query($v: [DomainName!])", "account { listUsers(domain: {}) }"),
];

#[derive(Debug, Clone, Copy)]
enum Listener {
    User,
    Admin,
    DomainAdmin,
}

/// One generated request: a target, how the argument is passed, and how the request travels.
#[derive(Debug, Clone)]
struct Case {
    target: usize,
    argument: Input,
    wrap: Wrap,
    as_variable: bool,
    get: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (0..TARGETS.len(), argument(), wrap(), any::<bool>(), any::<bool>(), prop::bool::weighted(0.2)).prop_map(
        |(target, argument, wrap, valid_core, as_variable, get)| {
            // A deep value whose innermost part is valid passes validation and reaches the
            // resolvers' own coercion: the path that once overflowed the stack.
            let argument = match (wrap.levels > 0 && valid_core, wrap.list) {
                (true, false) => Input::Object(Vec::new()),
                (true, true) => Input::Text("localhost".into()),
                (false, _) => argument,
            };
            Case { target, argument, wrap, as_variable, get }
        },
    )
}

async fn send(app: &TestApp, case: &Case) -> Result<(), String> {
    let (listener, head, body) = TARGETS[case.target];
    let (query, variables) = if case.as_variable {
        let value = case.wrap.around(&case.argument.json().to_string(), true);
        (format!("{head} {{ {} }}", body.replace("{}", "$v")), format!("{{\"v\": {value}}}"))
    } else {
        let mut literal = String::new();
        case.argument.literal(&mut literal);
        let operation = if head.starts_with("mutation") { "mutation" } else { "query" };
        (format!("{operation} {{ {} }}", body.replace("{}", &case.wrap.around(&literal, false))), "{}".to_string())
    };
    let call = match listener {
        Listener::User => app.user(),
        Listener::Admin => app.admin(),
        Listener::DomainAdmin => app.domain_admin().basic("admin@localhost", "s3cret"),
    };
    let answer = if case.get && query.len() + variables.len() < 6000 {
        call.get(&[("query", &query), ("variables", &variables)]).await
    } else {
        let body = format!("{{\"query\": {}, \"variables\": {variables}}}", Value::String(query.clone()));
        call.raw("application/json", body).await
    };
    if answer.status.is_server_error() {
        return Err(format!("{} for {query}: {}", answer.status, answer.body));
    }
    if !answer.body.is_object() {
        return Err(format!("not a JSON object for {query}: {}", answer.body));
    }
    Ok(())
}

#[test]
fn generated_inputs_never_get_a_5xx_nor_stop_the_server() {
    // The default worker stack (2 MiB), smaller than the binary's: the bounds must hold alone.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let app = runtime.block_on(async {
        let app = spawn_app().await;
        crate::admin_support::enable_domain_admin(&app, "localhost", "s3cret").await;
        app
    });
    let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| runtime.block_on(send(&app, &case)).map_err(TestCaseError::fail));
    if let Err(failure) = result {
        panic!("{failure}");
    }
    runtime.block_on(async {
        let answer =
            app.user().query("{ checkPermission(action: \"plugin::users-permissions.user.me\") }", json!({})).await;
        assert_eq!(answer.status, reqwest::StatusCode::OK, "{}", answer.body);
        let answer = app.admin().query("{ server { status { statusCode } } }", json!({})).await;
        assert_eq!(answer.data()["server"]["status"]["statusCode"], "RUNNING");
    });
}
