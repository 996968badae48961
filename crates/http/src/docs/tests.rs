use super::render;

const ADMIN_LIKE: &str = r#"
enum ProtectionType { GLOBAL DOMAIN DEFAULT }
directive @protected(type: ProtectionType = DEFAULT, args: [String!] = []) on FIELD_DEFINITION | OBJECT

"Users of a domain"
type AccountQuery {
  "Lists the users of a domain, sorted"
  listUsers("The domain" domain: String!, limit: Int = 50): [String!]! @protected(type: DOMAIN, args: ["domain"])
}

type ServerQuery {
  status: Status! @protected(type: GLOBAL)
}

type Status { "Always RUNNING" statusCode: String! }

type Query {
  "Who is calling"
  checkAuth: String!
  account: AccountQuery!
  server: ServerQuery!
}

schema { query: Query }
"#;

#[test]
fn categories_operations_arguments_and_protection_are_shown() {
    let html = render("admin", Some("/api/graphql"), ADMIN_LIKE).unwrap();
    assert!(html.contains(r#"id="Query-account""#), "a category section");
    assert!(html.contains(r#"id="Query-account-listUsers""#), "an operation of the category");
    assert!(html.contains("Lists the users of a domain, sorted"));
    assert!(html.contains("<code>limit</code>") && html.contains("= 50"), "arguments with defaults");
    assert!(html.contains(">DOMAIN(domain)</span>"));
    assert!(html.contains(">GLOBAL</span>"));
    assert!(html.contains(r#"<span class="badge open" title="no authentication needed">open</span>"#), "checkAuth");
    assert!(html.contains(r#"id="type-Status""#) && html.contains("Always RUNNING"), "types with descriptions");
    assert!(!html.contains(r#"id="type-AccountQuery""#), "category types are shown as categories only");
    assert!(html.contains(r#"href="/api/graphql/schema.graphql""#));
    assert!(!html.contains("<script"), "no script needed");
}

#[test]
fn a_schema_without_protection_has_no_badges_and_text_is_escaped() {
    let sdl = r#"
type Query { me(id: ID): User }
"A <b>bold</b> claim"
type User { "The name & more" name: String }
"#;
    let html = render("user", None, sdl).unwrap();
    assert!(!html.contains(r#"class="badge"#));
    assert!(html.contains("A &lt;b&gt;bold&lt;/b&gt; claim"));
    assert!(html.contains("The name &amp; more"));
    assert!(html.contains(r#"id="Query-me""#), "a root field with arguments is an operation, not a category");
    assert!(html.contains(r##"<a href="#type-User">User</a>"##), "types link to their section");
}
