//! The user API's authorization, generated from the schema: every field of every type resolves
//! under a declaration (a `Requires` guard on the field, or `Parent` on its type for the fields
//! that only show their object's data), and every declared requirement refuses, over HTTP, a
//! caller without it and admits one with it.

use std::collections::{BTreeSet, HashMap};

use gatehouse_api::user::UserEndpoint;
use gatehouse_api::user::authorization::{DeclarationLog, Requires};
use gatehouse_http::{Endpoint, RequestHead};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::user_authorization_support::{
    PASSWORD, Route, Schema, create_role, register, role_document_id, set_permissions,
};
use gatehouse_testkit::spawn_app;

/// Each field's declaration, by `(type, field)`.
type Declarations = HashMap<(String, String), Requires>;

/// Runs every root field, with everything below it, in process as a signed-in caller whose
/// role grants every action the declarations name, and reads which declaration each field of
/// the answers resolved under. Panics on a field that resolved without one, on a field that
/// reads more than its object (a root field, one with arguments, one returning an object)
/// declared only by its type, and on a field no answer reached.
async fn declarations(schema: &Schema) -> Declarations {
    let mut granted = BTreeSet::new();
    // The actions are learnt from the declarations met: each round reaches deeper.
    for _ in 0..8 {
        // Sessions in use, so that the session fields are reached too.
        let app = crate::rest_sessions::refresh_app(json!({})).await;
        let (jwt, member) = register(&app, "member").await;
        let login = format!(
            r#"mutation {{ login(input: {{identifier: "member", password: "{PASSWORD}"}}) {{ jwt refreshToken }} }}"#
        );
        let spare_login = app.user().query(&login, json!({})).await;
        let spare_login = &spare_login.data()["login"];
        let spare_refresh = spare_login["refreshToken"].as_str().unwrap().to_string();
        let spare_session = crate::rest_sessions::claims(spare_login["jwt"].as_str().unwrap())["sid"].clone();
        let (_, spare_user) = register(&app, "spare").await;
        let spare_role = create_role(&app, "Spare").await;
        let own_role = role_document_id(&app, "authenticated").await;
        set_permissions(&app, "authenticated", &granted).await;
        let hints = HashMap::from([
            ("usersPermissionsRole", format!("documentId: {own_role:?}")),
            ("usersPermissionsUser", format!("documentId: {member:?}")),
            ("createUsersPermissionsRole", r#"data: {name: "Probe"}"#.to_string()),
            ("updateUsersPermissionsRole", format!(r#"id: {spare_role:?}, data: {{description: "Probed"}}"#)),
            ("deleteUsersPermissionsRole", format!("id: {spare_role:?}")),
            (
                "createUsersPermissionsUser",
                format!(r#"data: {{username: "probe", email: "probe@example.com", password: "{PASSWORD}"}}"#),
            ),
            ("updateUsersPermissionsUser", format!("id: {spare_user:?}, data: {{confirmed: true}}")),
            ("deleteUsersPermissionsUser", format!("id: {spare_user:?}")),
            ("login", format!(r#"input: {{identifier: "member", password: "{PASSWORD}"}}"#)),
            (
                "register",
                format!(r#"input: {{username: "newcomer", email: "newcomer@example.com", password: "{PASSWORD}"}}"#),
            ),
            ("forgotPassword", r#"email: "member@example.com""#.to_string()),
            ("refreshToken", format!("refreshToken: {spare_refresh:?}")),
            ("endMySession", format!("id: {spare_session}")),
        ]);

        let core = app.app.core.clone();
        let endpoint = UserEndpoint {
            schema: gatehouse_api::user::build_schema(Some(core.clone()), &Default::default()),
            core,
            default_domain: "localhost".into(),
            rest_prefix: None,
        };
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("authorization", format!("Bearer {jwt}").parse().unwrap());
        let head = RequestHead { method: reqwest::Method::POST, headers, peer: "127.0.0.1:9".parse().unwrap() };
        let caller = endpoint.authenticate(&head).await.unwrap_or_else(|_| panic!("the member signs in"));

        let mut declared = Declarations::new();
        let mut needed = BTreeSet::new();
        for (kind, root) in [("query", &schema.query), ("mutation", &schema.mutation)] {
            for field in &schema.objects[root] {
                let document = format!("{kind} {{ {} }}", schema.select_all(field, &hints, &mut vec![root.clone()]));
                let log = DeclarationLog::default();
                let request = async_graphql::Request::new(&document).data(caller.clone()).data(log.clone());
                let answer = endpoint.schema.execute(request).await;
                let met: HashMap<Vec<String>, Requires> = log.entries().into_iter().collect();
                needed.extend(met.values().filter_map(Requires::action));
                let data = answer.data.into_json().unwrap();
                schema.walk(root, &data, &mut Vec::new(), &mut |ty, name, path| {
                    let requires = met.get(path).unwrap_or_else(|| {
                        panic!("{ty}.{name} resolved without a declaration (at {path:?} in {document})")
                    });
                    let field = schema.field(ty, name).unwrap();
                    let reads_more = ty == root || field.takes_arguments || schema.is_object(&field.returns);
                    assert!(
                        !(reads_more && *requires == Requires::Parent),
                        "{ty}.{name} reads more than its object holds: it declares its own requirement"
                    );
                    let previous = declared.insert((ty.to_string(), name.to_string()), *requires);
                    assert!(previous.is_none_or(|p| p == *requires), "{ty}.{name}: one declaration everywhere");
                });
            }
        }
        if needed.is_subset(&granted) {
            let mut unreached: Vec<String> = schema
                .objects
                .iter()
                .flat_map(|(ty, fields)| fields.iter().map(move |f| (ty.clone(), f.name.clone())))
                .filter(|key| !declared.contains_key(key))
                .map(|(ty, name)| format!("{ty}.{name}"))
                .collect();
            unreached.sort();
            assert_eq!(unreached, Vec::<String>::new(), "fields no answer reached (give their root field a hint)");
            return declared;
        }
        granted.extend(needed);
    }
    panic!("the declarations name more and more actions");
}

#[tokio::test]
async fn every_field_of_the_user_schema_resolves_under_a_declaration() {
    let schema = Schema::read();
    let declared = declarations(&schema).await;
    // Spot checks of what the generated run read: the relations are guarded, plain data is not.
    let of = |ty: &str, field: &str| declared[&(ty.to_string(), field.to_string())];
    assert_eq!(of("UsersPermissionsUser", "role"), Requires::Action("plugin::users-permissions.role.find"));
    assert_eq!(of("UsersPermissionsRole", "users"), Requires::Action("plugin::users-permissions.user.find"));
    assert_eq!(
        of("UsersPermissionsRole", "permissions"),
        Requires::Action("plugin::users-permissions.permission.find")
    );
    assert_eq!(of("Query", "me"), Requires::SignedIn);
    assert_eq!(of("Mutation", "login"), Requires::AuthAction("callback"));
    assert_eq!(of("UsersPermissionsUser", "email"), Requires::Parent);
    assert_eq!(of("UsersPermissionsUserEntityResponseCollection", "nodes"), Requires::Nothing);
    let fields: usize = schema.objects.values().map(Vec::len).sum();
    assert_eq!(declared.len(), fields);
    assert!(fields >= 70, "the generator reads the schema ({fields} fields)");
}

#[derive(Clone, Copy, Debug)]
enum Who {
    Anonymous,
    Member,
}

/// A caller and whether the Public and the Authenticated role grant the requirement's action;
/// whether the field must then be refused.
type Case = (Who, bool, bool, bool);

fn cases(requires: Requires) -> &'static [Case] {
    use Who::*;
    match requires {
        Requires::Parent | Requires::Nothing => &[],
        // Anonymous callers act with the Public role, members with theirs only.
        Requires::Action(_) => &[
            (Anonymous, false, false, true),
            (Anonymous, true, false, false),
            (Member, true, false, true),
            (Member, false, true, false),
        ],
        // Either role will do for a member.
        Requires::AuthAction(_) => &[
            (Anonymous, false, false, true),
            (Anonymous, true, false, false),
            (Member, false, false, true),
            (Member, true, false, false),
            (Member, false, true, false),
        ],
        Requires::SignedIn => &[(Anonymous, false, false, true), (Member, false, false, false)],
        Requires::SignedInWith(_) => {
            &[(Anonymous, true, true, true), (Member, false, false, true), (Member, false, true, false)]
        }
    }
}

/// Whether `answer` refuses the field at `names` (list indexes left out).
fn refused_at(answer: &Value, names: &[String]) -> bool {
    answer["errors"].as_array().into_iter().flatten().any(|error| {
        let path: Vec<&str> = error["path"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        error["extensions"]["code"] == "FORBIDDEN" && path == names
    })
}

fn is_forbidden(error: &Value) -> bool {
    error["extensions"]["code"] == "FORBIDDEN"
}

#[tokio::test]
async fn each_declared_requirement_refuses_a_caller_without_it_and_admits_one_with_it() {
    let schema = Schema::read();
    let declared = declarations(&schema).await;
    let app = spawn_app().await;
    let (jwt, member) = register(&app, "member").await;
    let role_ids = HashMap::from([
        ("public", role_document_id(&app, "public").await),
        ("authenticated", role_document_id(&app, "authenticated").await),
    ]);
    let mut targets: Vec<_> = declared.iter().filter(|(_, requires)| !cases(**requires).is_empty()).collect();
    targets.sort_by_key(|((ty, field), _)| (ty.clone(), field.clone()));
    let mut checked = 0;
    for ((ty, name), requires) in targets {
        let action = requires.action();
        let kind = if *ty == schema.mutation { "mutation" } else { "query" };
        let Route { steps, needs } = schema
            .route(ty, action.as_deref(), &declared)
            .unwrap_or_else(|| panic!("{ty}.{name}: no way to reach it without {action:?}"));
        let field = schema.field(ty, name).unwrap();
        let names: Vec<String> = steps.iter().map(|(_, step)| step.clone()).chain([name.clone()]).collect();
        for &(who, public_has, authenticated_has, refused) in cases(*requires) {
            let with = |has: bool| {
                let mut set = needs.clone();
                set.extend(action.clone().filter(|_| has));
                set
            };
            set_permissions(&app, "public", &with(public_has)).await;
            set_permissions(&app, "authenticated", &with(authenticated_has)).await;
            let own_role = match who {
                Who::Anonymous => &role_ids["public"],
                Who::Member => &role_ids["authenticated"],
            };
            let hints = HashMap::from([
                ("usersPermissionsRole", format!("documentId: {own_role:?}")),
                ("usersPermissionsUser", format!("documentId: {member:?}")),
            ]);
            let document = schema.document(kind, &steps, field, &hints);
            let call = match who {
                Who::Anonymous => app.user(),
                Who::Member => app.user().bearer(&jwt),
            };
            let answer = call.query(&document, json!({})).await;
            let case = format!(
                "{ty}.{name} ({requires:?}) as {who:?}, Public {public_has}, Authenticated {authenticated_has}: {document}"
            );
            assert_eq!(answer.status, StatusCode::OK, "{case}: {}", answer.body);
            if refused {
                assert!(refused_at(&answer.body, &names), "{case} must be refused: {}", answer.body);
            } else {
                let errors = answer.body["errors"].as_array().cloned().unwrap_or_default();
                assert!(!errors.iter().any(is_forbidden), "{case} must be admitted: {}", answer.body);
            }
            checked += 1;
        }
    }
    assert!(checked >= 90, "only {checked} cases checked");
}

#[tokio::test]
async fn a_refused_field_answers_as_a_failed_resolver_would() {
    let app = spawn_app().await;
    register(&app, "member").await;
    let actions = |list: &[&str]| list.iter().map(|a| format!("plugin::users-permissions.{a}")).collect();
    let forbidden = json!({
        "code": "FORBIDDEN",
        "error": { "name": "ForbiddenError", "message": "Forbidden access", "details": {} },
    });

    // A nullable field: null, next to what was allowed, with the error at its path.
    let answer = app.user().query(r#"{ me { username } checkPermission(action: "x") }"#, json!({})).await;
    assert_eq!(answer.body["data"], json!({ "me": null, "checkPermission": false }));
    assert_eq!(
        answer.body["errors"],
        json!([{
            "message": "Forbidden access",
            "locations": [{ "line": 1, "column": 3 }],
            "path": ["me"],
            "extensions": forbidden,
        }])
    );

    // In every item of a list.
    set_permissions(&app, "public", &actions(&["user.find"])).await;
    let answer = app.user().query("{ usersPermissionsUsers { username role { name } } }", json!({})).await;
    assert_eq!(answer.body["data"]["usersPermissionsUsers"], json!([{ "username": "member", "role": null }]));
    assert_eq!(answer.body["errors"][0]["path"], json!(["usersPermissionsUsers", 0, "role"]));
    assert_eq!(answer.body["errors"].as_array().unwrap().len(), 1);

    // A non-null field: one error per refusal, at its path, and nothing else.
    set_permissions(&app, "public", &actions(&["role.find"])).await;
    let answer = app.user().query("{ usersPermissionsRoles { name users { username } } }", json!({})).await;
    let errors = answer.body["errors"].as_array().unwrap();
    let paths: Vec<&Value> = errors.iter().map(|error| &error["path"]).collect();
    assert_eq!(paths, [&json!(["usersPermissionsRoles", 0, "users"]), &json!(["usersPermissionsRoles", 1, "users"])]);
    assert!(errors.iter().all(|error| error["extensions"] == forbidden), "{}", answer.body);
}
