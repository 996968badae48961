//! Strapi's `plugin_users-permissions_advanced` and `plugin_users-permissions_email` store
//! values as a domain's settings and email templates.

use serde_json::Value;

use crate::mail::{EmailTemplate, TemplateKind};
use crate::model::Settings;

/// The domain's settings with Strapi's advanced settings in place. Strapi reads a missing
/// boolean as false (its admin panel may store a partial object), so the import does too; a
/// default role the domain will not have keeps the current one, with a note.
pub(super) fn settings_from_advanced(
    current: &Settings,
    json: &str,
    has_role: impl Fn(&str) -> bool,
    notes: &mut Vec<String>,
) -> Result<Settings, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("advanced settings are not JSON: {e}"))?;
    let Value::Object(advanced) = value else { return Err("advanced settings are not a JSON object".into()) };
    let flag = |key: &str| advanced.get(key).is_some_and(|v| v.as_bool() == Some(true));
    let url = |key: &str| advanced.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let mut settings = Settings {
        allow_register: flag("allow_register"),
        email_confirmation: flag("email_confirmation"),
        unique_email: flag("unique_email"),
        email_reset_password: url("email_reset_password"),
        email_confirmation_redirection: url("email_confirmation_redirection"),
        ..current.clone()
    };
    match advanced.get("default_role").and_then(Value::as_str) {
        Some(kind) if has_role(kind) => settings.default_role = kind.to_string(),
        Some(kind) => notes.push(format!(
            "default_role {kind:?} is not a role of the domain: the default role stays {:?}",
            current.default_role
        )),
        None => {}
    }
    Ok(settings)
}

/// A template as Strapi keeps it, and its sender when one is set (Gatehouse sends every mail
/// from the configured address).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StrapiTemplate {
    pub template: EmailTemplate,
    pub sender: Option<String>,
}

/// The templates of `plugin_users-permissions_email`: `options.object` is the subject,
/// `options.message` the html; the text part is the html without its tags.
pub(super) fn templates_from_strapi(json: &str) -> Result<Vec<StrapiTemplate>, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("email templates are not JSON: {e}"))?;
    let mut templates = Vec::new();
    for kind in TemplateKind::ALL {
        let Some(options) = value.get(kind.as_str()).and_then(|t| t.get("options")) else { continue };
        let text = |key: &str| options.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let (subject, html) = (text("object"), text("message"));
        if subject.is_empty() && html.is_empty() {
            continue;
        }
        let from = options.get("from");
        let from_name = from.and_then(|f| f.get("name")).and_then(Value::as_str).unwrap_or_default();
        let from_email = from.and_then(|f| f.get("email")).and_then(Value::as_str).unwrap_or_default();
        let reply_to = text("response_email");
        let mut sender = Vec::new();
        // Strapi's own default sender is no choice of the application's: not worth a note.
        let strapi_default = from_email == "no-reply@strapi.io" && from_name == "Administration Panel";
        if !from_email.is_empty() && !strapi_default {
            sender.push(if from_name.is_empty() {
                format!("from {from_email}")
            } else {
                format!("from {from_name} <{from_email}>")
            });
        }
        if !reply_to.is_empty() {
            sender.push(format!("reply to {reply_to}"));
        }
        let sender = (!sender.is_empty()).then(|| sender.join(", "));
        let template = EmailTemplate { kind, subject, text: html_to_text(&html), html };
        templates.push(StrapiTemplate { template, sender });
    }
    Ok(templates)
}

/// Tags whose end starts a new line in the text part.
const BLOCKS: &[&str] = &["p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"];

/// The text part of an html template: tags dropped (a block's end is a line break), entities
/// decoded, at most one empty line in a row. `<%= … %>` placeholders are kept.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.starts_with("<%") {
            let end = rest.find("%>").map_or(rest.len(), |e| e + 2);
            text.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let is_tag = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
        let Some(end) = rest.find('>').filter(|_| is_tag) else {
            text.push('<');
            rest = &rest[1..];
            continue;
        };
        let name: String = rest[1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        let closing = rest[1..].starts_with('/') || rest[..end].ends_with('/');
        if BLOCKS.contains(&name.as_str()) && (closing || name == "br") {
            text.push('\n');
        }
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    let text = html_escape::decode_html_entities(&text);
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim_end) {
        if line.is_empty() && lines.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advanced_settings_replace_strapis_keys_and_keep_gatehouses_own() {
        let current = Settings { password_min_length: 8, ..Settings::default() };
        let json = r#"{"unique_email":true,"allow_register":true,"email_confirmation":true,"email_reset_password":"http://localhost:3000/reset-password","email_confirmation_redirection":"","default_role":"viewer"}"#;
        let mut notes = Vec::new();
        let settings = settings_from_advanced(&current, json, |kind| kind == "viewer", &mut notes).unwrap();
        assert!(settings.allow_register && settings.email_confirmation && settings.unique_email);
        assert_eq!(settings.email_reset_password.as_deref(), Some("http://localhost:3000/reset-password"));
        assert_eq!(settings.email_confirmation_redirection, None);
        assert_eq!(settings.default_role, "viewer");
        assert_eq!(settings.password_min_length, 8);
        assert!(notes.is_empty());
    }

    #[test]
    fn a_partial_object_reads_as_strapi_reads_it_and_an_unknown_default_role_is_kept() {
        let mut notes = Vec::new();
        let settings =
            settings_from_advanced(&Settings::default(), r#"{"default_role":"gone"}"#, |_| false, &mut notes).unwrap();
        assert!(!settings.allow_register && !settings.unique_email && !settings.email_confirmation);
        assert_eq!(settings.default_role, "authenticated");
        assert_eq!(
            notes,
            ["default_role \"gone\" is not a role of the domain: the default role stays \"authenticated\""]
        );
        assert!(settings_from_advanced(&Settings::default(), "[1]", |_| true, &mut notes).is_err());
    }

    #[test]
    fn templates_take_strapis_subject_and_message_and_name_their_sender() {
        let json = r#"{"reset_password":{"display":"Email.template.reset_password","icon":"sync","options":{"from":{"name":"Fixture App","email":"no-reply@fixture.test"},"response_email":"support@fixture.test","object":"Reset your password, <%= USER.username %>","message":"<p>Hello <%= USER.username %>,</p>\n<p>Follow this link:</p>\n<p><%= URL %>?code=<%= TOKEN %></p>"}}}"#;
        let templates = templates_from_strapi(json).unwrap();
        assert_eq!(templates.len(), 1);
        let reset = &templates[0];
        assert_eq!(reset.template.kind, TemplateKind::ResetPassword);
        assert_eq!(reset.template.subject, "Reset your password, <%= USER.username %>");
        assert!(reset.template.html.starts_with("<p>Hello <%= USER.username %>,</p>"));
        assert_eq!(
            reset.template.text,
            "Hello <%= USER.username %>,\n\nFollow this link:\n\n<%= URL %>?code=<%= TOKEN %>\n"
        );
        assert_eq!(
            reset.sender.as_deref(),
            Some("from Fixture App <no-reply@fixture.test>, reply to support@fixture.test")
        );
    }

    #[test]
    fn html_becomes_text_with_its_paragraphs_and_entities() {
        let html = "<p>Thank you for registering!</p>\n\n<p>Don&rsquo;t wait &amp; click:<br>a < b</p>\n\n\n<p><%= URL %>?confirmation=<%= CODE %></p>";
        assert_eq!(
            html_to_text(html),
            "Thank you for registering!\n\nDon\u{2019}t wait & click:\na < b\n\n<%= URL %>?confirmation=<%= CODE %>\n"
        );
    }
}
