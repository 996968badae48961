//! What a session is called in listings: Strapi's "<Browser> on <OS>" when the user agent is
//! recognised, else the user agent itself (shortened).

/// The longest device name kept, in characters.
const NAME_MAX_CHARS: usize = 128;

/// Browsers, most specific first: Edge and Opera also say Chrome, Chrome also says Safari.
const BROWSERS: &[(&str, &str)] = &[
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
];

/// Systems, most specific first: Android also says Linux, iOS also says Mac OS X.
const SYSTEMS: &[(&str, &str)] = &[
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("CrOS", "Chrome OS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
];

/// The device name for a user agent; none for an empty one.
pub fn device_name(user_agent: &str) -> Option<String> {
    let find = |table: &[(&str, &'static str)]| {
        table.iter().find(|(marker, _)| user_agent.contains(marker)).map(|(_, name)| *name)
    };
    match (find(BROWSERS), find(SYSTEMS)) {
        (Some(browser), Some(system)) => Some(format!("{browser} on {system}")),
        (Some(browser), None) => Some(browser.to_string()),
        _ => {
            let plain: String = user_agent.chars().filter(|c| !c.is_control()).take(NAME_MAX_CHARS).collect::<String>();
            let plain = plain.trim();
            (!plain.is_empty()).then(|| plain.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_systems_are_named_as_strapi_names_them() {
        let chrome_linux =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
        assert_eq!(device_name(chrome_linux).as_deref(), Some("Chrome on Linux"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(device_name(edge).as_deref(), Some("Edge on Windows"));
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(device_name(iphone).as_deref(), Some("Safari on iOS"));
        let android = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36";
        assert_eq!(device_name(android).as_deref(), Some("Chrome on Android"));
    }

    #[test]
    fn other_agents_are_kept_shortened_and_blank_ones_dropped() {
        assert_eq!(device_name("curl/8.5.0").as_deref(), Some("curl/8.5.0"));
        assert_eq!(device_name(&"x".repeat(500)).map(|n| n.len()), Some(NAME_MAX_CHARS));
        assert_eq!(device_name("  \n "), None);
    }
}
