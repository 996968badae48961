//! What the admin API tests share: enabling a domain admin and calling as one.

use serde_json::json;

use gatehouse_testkit::{Call, TestApp};

pub const SET_DOMAIN_PASSWORD: &str =
    "mutation($d: DomainName!, $p: NonEmptyString!) { domain { setDomainPassword(domain: $d, password: $p) } }";

/// Enables `admin@domain` with `password`, as the global admin.
pub async fn enable_domain_admin(app: &TestApp, domain: &str, password: &str) {
    let answer = app.admin().query(SET_DOMAIN_PASSWORD, json!({ "d": domain, "p": password })).await;
    assert_eq!(answer.data()["domain"]["setDomainPassword"], "Domain password set successfully");
}

/// A call to the domain-admin endpoint as `admin@domain`.
pub fn domain_admin<'a>(app: &'a TestApp, domain: &str, password: &str) -> Call<'a> {
    app.domain_admin().basic(&format!("admin@{domain}"), password)
}
