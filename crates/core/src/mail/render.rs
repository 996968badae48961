//! Strapi's template syntax, interpolation only: `<%= KEY %>` is replaced by the value of a
//! known variable (HTML-escaped in html parts); anything else is left as written. No code runs.

/// Variable names (`URL`, `USER.email`, ...) and their values.
pub type Variables<'a> = [(&'a str, String)];

pub fn render(template: &str, vars: &Variables<'_>, html: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("<%=") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 3..];
        let Some(close) = after.find("%>") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = after[..close].trim();
        match vars.iter().find(|(name, _)| *name == key) {
            Some((_, value)) if html => out.push_str(&escape_html(value)),
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..open + 3 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Text made safe inside HTML elements and quoted attributes.
fn escape_html(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_variables_are_replaced_and_escaped_in_html_only() {
        let vars = [("URL", "https://app.test/reset".to_string()), ("USER.username", "<b>al</b>".to_string())];
        assert_eq!(
            render("<%= URL %>?code=1 <%=USER.username%>", &vars, false),
            "https://app.test/reset?code=1 <b>al</b>"
        );
        assert_eq!(render("Hi <%= USER.username %>", &vars, true), "Hi &lt;b&gt;al&lt;/b&gt;");
        assert_eq!(render("<%= process.exit() %> <%= URL", &vars, false), "<%= process.exit() %> <%= URL");
    }
}
