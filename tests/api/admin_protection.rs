//! The admin schema's protection (SPEC §4.1), generated from the schema itself: a field added
//! without a classification, or with a wrong one, fails here.

use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, OperationType, Type, TypeKind, TypeSystemDefinition};
use gatehouse_api::admin::protection::{Clearance, Protection, ProtectionTable, Refusal};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_support::{domain_admin, enable_domain_admin};
use gatehouse_testkit::{TestApp, spawn_app, spawn_app_with};

const OWN: &str = "localhost";
const FOREIGN: &str = "other.test";

fn sdl() -> String {
    gatehouse_api::admin::build_schema(None, &Default::default()).sdl()
}

fn table() -> ProtectionTable {
    ProtectionTable::from_sdl(&sdl()).expect("the admin SDL parses")
}

/// One operation of the schema, ready to be sent.
struct Operation {
    kind: OperationType,
    category: String,
    field: String,
    protection: Protection,
    /// The document with every domain-scoped argument in `domain`.
    document: String,
}

/// Enum values and input object fields, read from the SDL to build argument literals.
struct Types {
    enums: HashMap<String, String>,
    inputs: HashMap<String, Vec<(String, Type)>>,
}

impl Types {
    fn read() -> Types {
        let document = async_graphql::parser::parse_schema(sdl()).unwrap();
        let mut types = Types { enums: HashMap::new(), inputs: HashMap::new() };
        for definition in document.definitions {
            if let TypeSystemDefinition::Type(ty) = definition {
                let name = ty.node.name.node.to_string();
                match ty.node.kind {
                    TypeKind::Enum(e) => {
                        types.enums.insert(name, e.values[0].node.value.node.to_string());
                    }
                    TypeKind::InputObject(input) => {
                        let fields =
                            input.fields.into_iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node)).collect();
                        types.inputs.insert(name, fields);
                    }
                    _ => {}
                }
            }
        }
        types
    }

    /// A literal of type `ty` whose domain parts are `domain`.
    fn literal(&self, ty: &Type, domain: &str) -> String {
        match &ty.base {
            BaseType::List(inner) => format!("[{}]", self.literal(inner, domain)),
            BaseType::Named(name) => match name.as_str() {
                "DomainName" => format!("{domain:?}"),
                "UserRef" => format!("\"someone@{domain}\""),
                "FullUserRef" => format!("\"someone@{domain}/0123456789abcdef0123456789abcdef\""),
                "Int" | "PosInt" | "NonNegInt" => "1".into(),
                "Boolean" => "true".into(),
                "JSON" => "{}".into(),
                other if self.enums.contains_key(other) => self.enums[other].clone(),
                other if self.inputs.contains_key(other) => {
                    let fields: Vec<String> = self.inputs[other]
                        .iter()
                        .filter(|(_, ty)| !ty.nullable)
                        .map(|(name, ty)| format!("{name}: {}", self.literal(ty, domain)))
                        .collect();
                    format!("{{{}}}", fields.join(", "))
                }
                _ => "\"x\"".into(),
            },
        }
    }
}

/// Every field of every category, with a document that calls it with its required arguments
/// (and its domain-scoped ones) naming `domain`.
fn operations(domain: &str) -> Vec<Operation> {
    let table = table();
    let types = Types::read();
    let mut operations = Vec::new();
    for kind in [OperationType::Query, OperationType::Mutation, OperationType::Subscription] {
        let Some(root) = table.root(kind) else { continue };
        let root_info = table.object(root).unwrap();
        for (category, category_field) in &root_info.fields {
            if category_field.protection == Some(Protection::Open) {
                continue; // checkAuth: its answer is data, not a category.
            }
            let Some(category_info) = table.object(&category_field.returns) else { continue };
            for (field, info) in &category_info.fields {
                let scoped: Vec<String> = match &info.protection {
                    Some(Protection::Domain(args)) => args.clone(),
                    _ => Vec::new(),
                };
                let mut args: Vec<String> = info
                    .args
                    .iter()
                    .filter(|(name, ty)| !ty.nullable || scoped.contains(name))
                    .map(|(name, ty)| format!("{name}: {}", types.literal(ty, domain)))
                    .collect();
                args.sort();
                let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
                let selection = if table.object(&info.returns).is_some() { " { __typename }" } else { "" };
                let keyword = match kind {
                    OperationType::Query => "query",
                    OperationType::Mutation => "mutation",
                    OperationType::Subscription => "subscription",
                };
                operations.push(Operation {
                    kind,
                    category: category.clone(),
                    field: field.clone(),
                    protection: info.protection.clone().expect("classified (see the test below)"),
                    document: format!("{keyword} {{ {category} {{ {field}{args}{selection} }} }}"),
                });
            }
        }
    }
    operations.sort_by(|a, b| (&a.category, &a.field).cmp(&(&b.category, &b.field)));
    operations
}

/// The protection check of the library, as the endpoint runs it before execution.
fn check(clearance: &Clearance, document: &str) -> Result<(), Refusal> {
    let parsed = async_graphql::parser::parse_query(document).unwrap();
    let operation = gatehouse_http::graphql::select_operation(&parsed, None).unwrap();
    table().check(clearance, &parsed, operation, &Default::default())
}

#[test]
fn every_field_of_every_category_declares_its_protection() {
    let table = table();
    assert_eq!(table.unclassified(), Vec::<String>::new(), "fields without @protected");
    assert_eq!(
        table.nested_fields_with_arguments(),
        Vec::<String>::new(),
        "fields with arguments outside the categories would escape the check"
    );
    // The categories themselves need an authenticated admin; only checkAuth is open.
    for kind in [OperationType::Query, OperationType::Mutation, OperationType::Subscription] {
        let root = table.object(table.root(kind).unwrap()).unwrap();
        for (name, field) in &root.fields {
            let expected = if name == "checkAuth" { Protection::Open } else { Protection::Authenticated };
            assert_eq!(field.protection.as_ref(), Some(&expected), "{name}");
            if name != "checkAuth" {
                assert!(table.object(&field.returns).unwrap().protected, "{} is not @protected", field.returns);
            }
        }
    }
    let sdl = sdl();
    assert!(sdl.contains("directive @protected(type: ProtectedType!, args: [String!]!) on FIELD_DEFINITION | OBJECT"));
    assert!(sdl.contains(r#"listUsers(domain: DomainName!, limit: PosInt, index: NonNegInt): [UserRef!] @protected(type: DOMAIN, args: ["domain"])"#));
    assert!(operations(OWN).len() >= 15, "the generator finds the operations");
}

#[tokio::test]
async fn a_domain_admin_is_refused_every_global_field_and_every_field_of_another_domain() {
    let app = spawn_app().await;
    enable_domain_admin(&app, OWN, "s3cret-admin").await;
    let own = Clearance::DomainAdmin(OWN.into());
    let mut refused = 0;
    let foreign = operations(FOREIGN).into_iter().map(|op| (FOREIGN, op));
    for (domain, operation) in foreign.chain(operations(OWN).into_iter().map(|op| (OWN, op))) {
        let scoped = match &operation.protection {
            Protection::Global => None,
            Protection::Domain(args) => Some(args.clone()),
            Protection::Open | Protection::Authenticated => {
                // Fields that touch no domain are for any authenticated admin.
                assert_eq!(check(&own, &operation.document), Ok(()), "{}", operation.document);
                continue;
            }
        };
        if scoped.is_some() && domain == OWN {
            // Its own domain is fine (checked without running it: some of these change things).
            assert_eq!(check(&own, &operation.document), Ok(()), "{}", operation.document);
            continue;
        }
        if operation.kind == OperationType::Subscription {
            // Subscriptions are not served over POST; the same check guards their stream.
            assert!(matches!(check(&own, &operation.document), Err(Refusal::Denied { .. })), "{}", operation.document);
            refused += 1;
            continue;
        }
        let answer = domain_admin(&app, OWN, "s3cret-admin").query(&operation.document, json!({})).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}: {}", operation.document, answer.body);
        assert_eq!(answer.error_code(), "no_permissions", "{}", operation.document);
        assert_eq!(answer.body["errors"][0]["path"], json!(["ROOT", operation.category, operation.field]));
        match scoped {
            None => assert_eq!(answer.error_message(), "Cannot execute query ROOT without a global admin permissions"),
            Some(args) => assert_eq!(
                answer.error_message(),
                format!(
                    "Cannot execute query ROOT without permissions to the given domain. Args with invalid value: {}",
                    args.join(", ")
                )
            ),
        }
        refused += 1;
    }
    assert!(refused >= 15, "only {refused} refusals checked");
}

#[tokio::test]
async fn without_credentials_only_check_auth_and_introspection_run() {
    let app = spawn_app_with(|config| {
        let admin = config.listen.iter_mut().find(|l| l.handler == gatehouse_server::config::Handler::Admin).unwrap();
        admin.username = Some("root".into());
        admin.password = Some("rootpass".into());
    })
    .await;
    for operation in operations(OWN) {
        if operation.kind == OperationType::Subscription {
            assert!(matches!(check(&Clearance::Unauthenticated, &operation.document), Err(Refusal::Denied { .. })));
            continue;
        }
        for call in [app.admin(), app.domain_admin()] {
            let answer = call.query(&operation.document, json!({})).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}: {}", operation.document, answer.body);
            assert_eq!(answer.error_message(), "Cannot execute query ROOT without permissions");
            assert_eq!(answer.body["errors"][0]["path"], json!(["ROOT"]));
            assert!(answer.body.get("data").is_none());
        }
    }
    for call in [app.admin(), app.domain_admin()] {
        let answer =
            call.query("{ checkAuth { domain authStatus authType } __schema { queryType { name } } }", json!({})).await;
        let data = answer.data();
        assert_eq!(data["checkAuth"], json!({ "domain": null, "authStatus": "UNAUTHORIZED", "authType": null }));
        assert_eq!(data["__schema"]["queryType"]["name"], "AdminQuery");
    }
    // A named operation is named in the refusal.
    let answer = app.admin().query("query Listing { domain { allDomains { domain } } }", json!({})).await;
    assert_eq!(answer.error_message(), "Cannot execute query Listing without permissions");
    assert_eq!(answer.body["errors"][0]["path"], json!(["Listing"]));
}

#[tokio::test]
async fn refusals_carry_www_authenticate() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(&app.domain_admin_url)
        .json(&json!({ "query": "{ domain { allDomains { domain } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()["www-authenticate"], "Basic realm=\"gatehouse\"");
}

async fn listing(app: &TestApp, document: &str, variables: Value) -> gatehouse_testkit::Answer {
    domain_admin(app, OWN, "s3cret-admin").query(document, variables).await
}

#[tokio::test]
async fn the_check_sees_through_fragments_variables_aliases_and_case() {
    let app = spawn_app().await;
    enable_domain_admin(&app, OWN, "s3cret-admin").await;
    let denied = [
        // A fragment spread, an inline fragment, a nested fragment.
        (
            "query { account { ...Listing } } fragment Listing on AccountAdminQuery { listUsers(domain: \"other.test\") }",
            json!({}),
        ),
        ("query { account { ... on AccountAdminQuery { countUsers(domain: \"other.test\") } } }", json!({})),
        (
            "query { ...Outer } fragment Outer on AdminQuery { stat { ...Inner } } fragment Inner on StatsAdminQuery { domainStats(domain: \"other.test\") { registeredUsers } }",
            json!({}),
        ),
        // Variables, and their defaults.
        ("query($d: DomainName!) { account { countUsers(domain: $d) } }", json!({ "d": "OTHER.test" })),
        ("query($d: DomainName! = \"other.test\") { account { countUsers(domain: $d) } }", json!({})),
        // An alias, next to an allowed field.
        (
            "{ mine: account { countUsers(domain: \"localhost\") } theirs: account { countUsers(domain: \"other.test\") } }",
            json!({}),
        ),
        // A missing optional domain is denied.
        ("{ audit { listEvents { id } } }", json!({})),
        ("query($d: DomainName) { audit { listEvents(domain: $d) { id } } }", json!({ "d": null })),
    ];
    for (document, variables) in denied {
        let answer = listing(&app, document, variables).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{document}: {}", answer.body);
        assert_eq!(answer.error_code(), "no_permissions", "{document}");
    }
    // Its own domain, in any case, through the same forms.
    let allowed = [
        (
            "query { account { ...Listing } } fragment Listing on AccountAdminQuery { countUsers(domain: \"LocalHost\") }",
            json!({}),
        ),
        ("query($d: DomainName!) { account { countUsers(domain: $d) } }", json!({ "d": "LOCALHOST" })),
        ("{ audit { listEvents(domain: \"localhost\") { id } } }", json!({})),
    ];
    for (document, variables) in allowed {
        let answer = listing(&app, document, variables).await;
        assert_eq!(answer.status, StatusCode::OK, "{document}: {}", answer.body);
        assert!(answer.body.get("errors").is_none(), "{document}: {}", answer.body);
    }
}

#[tokio::test]
async fn bad_scalars_are_a_400_before_the_permission_check() {
    let app = spawn_app().await;
    let cases = [
        ("{ account { countUsers(domain: \"\") } }", json!({}), "empty_domain_name"),
        ("{ account { countUsers(domain: \"no spaces.test\") } }", json!({}), "failed_to_parse_domain_name"),
        (
            "query($d: DomainName!) { account { countUsers(domain: $d) } }",
            json!({ "d": "a".repeat(1024) }),
            "failed_to_parse_domain_name",
        ),
        ("{ account { listUsers(domain: \"localhost\", limit: 0) } }", json!({}), "Value is not a positive integer"),
        (
            "{ account { listUsers(domain: \"localhost\", index: -1) } }",
            json!({}),
            "Value is not a non-negative integer",
        ),
    ];
    for (document, variables, reason) in cases {
        // Unauthenticated too: the values are checked first, as MongooseIM does.
        let answer = app.domain_admin().query(document, variables).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{document}: {}", answer.body);
        assert_eq!(answer.error_code(), "input_coercion");
        assert!(answer.error_message().contains(reason), "{}", answer.error_message());
    }
}

#[tokio::test]
async fn cyclic_fragments_are_refused_without_bringing_the_server_down() {
    let app = spawn_app().await;
    let document =
        "query { ...A } fragment A on AdminQuery { checkAuth { authStatus } ...B } fragment B on AdminQuery { ...A }";
    for call in [app.admin(), app.domain_admin(), app.user()] {
        let answer = call.header("accept", "application/graphql-response+json").query(document, json!({})).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    }
    let answer = app.admin().query("{ checkAuth { authStatus } }", json!({})).await;
    assert_eq!(answer.data()["checkAuth"]["authStatus"], "AUTHORIZED");
}
