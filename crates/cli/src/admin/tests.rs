//! The CLI's view of a schema shaped like the admin API, introspected for real by
//! async-graphql; every generated document is run against that schema, which validates it.

use async_graphql::futures_util::Stream;
use async_graphql::{Enum, InputObject, Object, Schema, SimpleObject, Subscription, Union};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::args::{ArgError, Invocation};
use super::catalog::{Catalog, Operation};
use super::{ERROR, OK, Plan, USAGE, args, introspection, plan};

#[derive(Serialize, Deserialize)]
struct DomainName(String);
async_graphql::scalar!(DomainName);

#[derive(Serialize, Deserialize)]
struct UserRef(String);
async_graphql::scalar!(UserRef);

#[derive(SimpleObject)]
struct Role {
    id: i64,
    #[graphql(name = "type")]
    kind: String,
    permissions: Vec<String>,
}

#[derive(SimpleObject)]
struct User {
    username: String,
    confirmed: bool,
    role: Option<Role>,
}

/// A type that contains itself, to check that the selection stops.
#[derive(SimpleObject)]
struct Node {
    name: String,
    parent: Option<Box<Node>>,
}

#[derive(Union)]
enum Found {
    User(User),
    Role(Role),
}

#[derive(Enum, Copy, Clone, PartialEq, Eq)]
enum LogLevel {
    Info,
    Debug,
}

#[derive(InputObject)]
struct ImportUserInput {
    username: String,
    password: Option<String>,
}

#[derive(SimpleObject)]
struct ImportPayload {
    created: i32,
    invalid: i32,
}

struct AccountQuery;

#[Object]
impl AccountQuery {
    /// Lists the users of a domain, sorted.
    /// Second line of the description.
    async fn list_users(
        &self,
        domain: DomainName,
        limit: Option<i32>,
        #[graphql(default = 0)] index: i32,
    ) -> Vec<UserRef> {
        let _ = (domain, limit, index);
        vec![UserRef("alice@localhost".into())]
    }
    /// Counts the users of a domain.
    async fn count_users(&self, #[graphql(desc = "The domain")] domain: DomainName) -> i32 {
        let _ = domain;
        7
    }
    async fn get_user(&self, user: UserRef) -> Option<User> {
        let _ = user;
        Some(User { username: "alice".into(), confirmed: true, role: None })
    }
    async fn tree(&self) -> Node {
        Node { name: "leaf".into(), parent: None }
    }
    async fn search(&self, text: String) -> Vec<Found> {
        let _ = text;
        vec![Found::Role(Role { id: 1, kind: "public".into(), permissions: vec![] })]
    }
    async fn scaled(&self, factor: f64, on: bool, level: Option<LogLevel>) -> f64 {
        let _ = (on, level);
        factor
    }
}

struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Imports users.
    async fn import_users(&self, domain: DomainName, users: Vec<ImportUserInput>) -> ImportPayload {
        let _ = domain;
        ImportPayload { created: users.len() as i32, invalid: 0 }
    }
}

struct ServerMutation;

#[Object]
impl ServerMutation {
    async fn set_loglevel(&self, level: LogLevel) -> String {
        let _ = level;
        "ok".into()
    }
}

#[derive(SimpleObject)]
struct AuthInfo {
    auth_status: String,
}

struct Query;

#[Object]
impl Query {
    async fn check_auth(&self) -> AuthInfo {
        AuthInfo { auth_status: "AUTHORIZED".into() }
    }
    /// User accounts
    async fn account(&self) -> AccountQuery {
        AccountQuery
    }
}

struct Mutation;

#[Object]
impl Mutation {
    /// User accounts
    async fn account(&self) -> AccountMutation {
        AccountMutation
    }
    /// The server itself
    async fn server(&self) -> ServerMutation {
        ServerMutation
    }
}

struct AuditSubscription;

#[Object]
impl AuditSubscription {
    async fn subscribe_for_events(&self, domain: Option<DomainName>, limit: Option<i32>) -> Vec<String> {
        let _ = (domain, limit);
        vec!["USER_CREATED".into()]
    }
}

struct Subscription;

#[Subscription]
impl Subscription {
    /// Live audit events
    async fn audit(&self) -> impl Stream<Item = AuditSubscription> {
        async_graphql::futures_util::stream::iter([AuditSubscription])
    }
}

type TestSchema = Schema<Query, Mutation, Subscription>;

fn schema() -> TestSchema {
    Schema::new(Query, Mutation, Subscription)
}

async fn catalog() -> Catalog {
    let response = schema().execute(introspection::QUERY).await;
    let json = serde_json::to_value(&response).unwrap();
    Catalog::new(introspection::parse(&json).unwrap()).unwrap()
}

fn tokens(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn shown(plan: Plan<'_>) -> (String, u8) {
    match plan {
        Plan::Show { text, code } => (text, code),
        Plan::Run { command, .. } => panic!("expected text, planned {}", command.name),
    }
}

fn run_plan<'a>(catalog: &'a Catalog, list: &[&str]) -> (&'a super::catalog::Command, Invocation) {
    match plan(catalog, &tokens(list)) {
        Plan::Run { command, invocation } => (command, invocation),
        Plan::Show { text, .. } => panic!("expected a command, got:\n{text}"),
    }
}

/// Executes the command's generated document with its variables on the test schema.
async fn execute(catalog: &Catalog, list: &[&str]) -> Value {
    let (command, invocation) = run_plan(catalog, list);
    let given: Vec<&str> = invocation.variables.keys().map(String::as_str).collect();
    let document = catalog.document(command, &given);
    let request = async_graphql::Request::new(document.clone())
        .variables(async_graphql::Variables::from_json(Value::Object(invocation.variables)));
    let response = if command.operation == Operation::Subscription {
        use async_graphql::futures_util::StreamExt;
        schema().execute_stream(request).next().await.unwrap()
    } else {
        schema().execute(request).await
    };
    let json = serde_json::to_value(&response).unwrap();
    assert!(json.get("errors").is_none(), "{document}\n{json}");
    json["data"].clone()
}

#[tokio::test]
async fn categories_merge_query_mutation_and_subscription_fields_without_check_auth() {
    let catalog = catalog().await;
    let names: Vec<&str> = catalog.categories.keys().map(String::as_str).collect();
    assert_eq!(names, ["account", "audit", "server"]);
    let account = &catalog.categories["account"];
    assert_eq!(account.description.as_deref(), Some("User accounts"));
    assert_eq!(account.commands["countUsers"].operation, Operation::Query);
    assert_eq!(account.commands["importUsers"].operation, Operation::Mutation);
    assert_eq!(catalog.categories["audit"].commands["subscribeForEvents"].operation, Operation::Subscription);
}

#[tokio::test]
async fn no_arguments_is_a_usage_error_listing_the_categories() {
    let catalog = catalog().await;
    let (text, code) = shown(plan(&catalog, &[]));
    assert_eq!(code, USAGE);
    for name in ["account", "audit", "server", "graphql"] {
        assert!(text.lines().any(|l| l.trim_start().starts_with(name)), "{name} missing:\n{text}");
    }
    assert!(!text.contains("checkAuth"), "{text}");
}

#[tokio::test]
async fn a_category_lists_its_commands_with_one_line_descriptions() {
    let catalog = catalog().await;
    let (text, code) = shown(plan(&catalog, &tokens(&["account"])));
    assert_eq!(code, OK);
    assert!(text.contains("listUsers") && text.contains("Lists the users of a domain, sorted."), "{text}");
    assert!(!text.contains("Second line"), "{text}");
    assert!(text.contains("countUsers") && text.contains("importUsers"), "{text}");
}

#[tokio::test]
async fn unknown_category_and_command_are_errors_with_the_lists() {
    let catalog = catalog().await;
    let (text, code) = shown(plan(&catalog, &tokens(&["acount"])));
    assert_eq!(code, ERROR);
    assert!(text.starts_with("Unknown category 'acount'") && text.contains("account"), "{text}");
    let (text, code) = shown(plan(&catalog, &tokens(&["account", "nope", "--domain", "x"])));
    assert_eq!(code, ERROR);
    assert!(text.starts_with("Unknown command 'nope'") && text.contains("countUsers"), "{text}");
}

#[tokio::test]
async fn help_shows_arguments_with_their_types_and_which_are_required() {
    let catalog = catalog().await;
    let (text, code) = shown(plan(&catalog, &tokens(&["account", "listUsers", "--help"])));
    assert_eq!(code, OK);
    assert!(text.contains("--domain  DomainName!"), "{text}");
    let domain_line = text.lines().find(|l| l.contains("--domain  DomainName!")).unwrap();
    assert!(domain_line.contains("required"), "{text}");
    let limit_line = text.lines().find(|l| l.contains("--limit  Int")).unwrap();
    assert!(!limit_line.contains("required"), "{text}");
    assert!(text.contains("--index  Int!") && text.contains("default 0"), "{text}");
    assert!(text.contains("Second line of the description."), "{text}");

    let (text, _) = shown(plan(&catalog, &tokens(&["account", "importUsers", "--help"])));
    assert!(text.contains("--users  [ImportUserInput!]!") && text.contains("JSON"), "{text}");
    let (text, _) = shown(plan(&catalog, &tokens(&["server", "setLoglevel", "--help"])));
    assert!(text.contains("--level  LogLevel!") && text.contains("one of INFO, DEBUG"), "{text}");
}

#[tokio::test]
async fn argument_errors_name_the_argument_and_the_command() {
    let catalog = catalog().await;
    let error = |list: &[&str]| {
        let (text, code) = shown(plan(&catalog, &tokens(list)));
        assert_eq!(code, ERROR, "{text}");
        text.lines().next().unwrap().to_string()
    };
    assert_eq!(error(&["account", "countUsers"]), "Missing mandatory arguments for command 'countUsers': 'domain'");
    assert_eq!(error(&["account", "countUsers", "now"]), "Could not parse the command arguments");
    assert_eq!(error(&["account", "countUsers", "--domain"]), "Could not parse the command arguments");
    assert_eq!(error(&["account", "countUsers", "--x", "y"]), "Unknown argument 'x' for command 'countUsers'");
    assert_eq!(
        error(&["account", "listUsers", "--domain", "d", "--limit", "ten"]),
        "Invalid value 'ten' of argument 'limit' for command 'listUsers'"
    );
    assert_eq!(
        error(&["account", "importUsers", "--domain", "d", "--users", "x"]),
        "Invalid value 'x' of argument 'users' for command 'importUsers'"
    );
    assert_eq!(
        error(&["server", "setLoglevel", "--level", "LOUD"]),
        "Invalid value 'LOUD' of argument 'level' for command 'setLoglevel'"
    );
    // A required argument with a default may be left out.
    let (_, invocation) = run_plan(&catalog, &["account", "listUsers", "--domain", "d"]);
    assert_eq!(invocation.variables, json!({"domain": "d"}).as_object().unwrap().clone());
}

#[tokio::test]
async fn values_are_converted_by_type() {
    let catalog = catalog().await;
    let (_, invocation) =
        run_plan(&catalog, &["account", "scaled", "--factor", "2.5", "--on", "true", "--level=DEBUG"]);
    assert_eq!(Value::Object(invocation.variables), json!({"factor": 2.5, "on": true, "level": "DEBUG"}));
    let users = r#"[{"username":"bob","password":"secret1"}]"#;
    let (_, invocation) = run_plan(&catalog, &["account", "importUsers", "--domain", "d", "--users", users]);
    assert_eq!(invocation.variables["users"], json!([{"username": "bob", "password": "secret1"}]));
    assert!(matches!(
        args::parse(
            &catalog,
            catalog.command("account", "scaled").unwrap(),
            &tokens(&["--factor", "1", "--on", "yes"])
        ),
        Err(ArgError::Invalid { .. })
    ));
}

#[tokio::test]
async fn generated_documents_select_every_field_and_validate_against_the_schema() {
    let catalog = catalog().await;
    let data = execute(&catalog, &["account", "getUser", "--user", "alice@localhost"]).await;
    assert_eq!(data, json!({"account": {"getUser": {"username": "alice", "confirmed": true, "role": null}}}));
    let document = catalog.document(catalog.command("account", "getUser").unwrap(), &["user"]);
    assert!(document.contains("role { id type permissions }"), "{document}");

    let data = execute(&catalog, &["account", "listUsers", "--domain", "localhost", "--limit", "5"]).await;
    assert_eq!(data["account"]["listUsers"], json!(["alice@localhost"]));
    let data = execute(&catalog, &["account", "countUsers", "--domain", "localhost"]).await;
    assert_eq!(data["account"]["countUsers"], json!(7));
    let data =
        execute(&catalog, &["account", "importUsers", "--domain", "d", "--users", r#"[{"username":"bob"}]"#]).await;
    assert_eq!(data["account"]["importUsers"], json!({"created": 1, "invalid": 0}));
    let data = execute(&catalog, &["server", "setLoglevel", "--level", "DEBUG"]).await;
    assert_eq!(data["server"]["setLoglevel"], json!("ok"));
    let data = execute(&catalog, &["account", "search", "--text", "p"]).await;
    assert_eq!(data["account"]["search"][0]["__typename"], json!("Role"));
    let data = execute(&catalog, &["audit", "subscribeForEvents", "--limit", "1"]).await;
    assert_eq!(data["audit"]["subscribeForEvents"], json!(["USER_CREATED"]));
}

#[tokio::test]
async fn selection_of_a_type_that_contains_itself_stops_at_typename() {
    let catalog = catalog().await;
    let document = catalog.document(catalog.command("account", "tree").unwrap(), &[]);
    assert!(document.contains("tree { name parent { name parent { __typename } } }"), "{document}");
    execute(&catalog, &["account", "tree"]).await;
}

#[tokio::test]
async fn subscriptions_take_limit_as_the_number_of_events_to_print() {
    let catalog = catalog().await;
    let (_, invocation) = run_plan(&catalog, &["audit", "subscribeForEvents", "--limit", "3"]);
    assert_eq!(invocation.limit, Some(3));
    // The command's own `limit` argument is passed on too.
    assert_eq!(invocation.variables["limit"], json!(3));
}

#[test]
fn server_sent_events_are_split_into_their_data() {
    let mut parser = super::client::EventParser::default();
    assert!(parser.feed(b": keep-alive\n\nid: 1\ndata: {\"data\":").is_empty());
    assert_eq!(parser.feed(b"1}\r\n\r\nid: 2\ndata: {}\n\n"), vec!["{\"data\":1}".to_string(), "{}".to_string()]);
}
