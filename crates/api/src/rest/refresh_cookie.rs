//! The refresh token's cookie in a domain's httpOnly mode (Strapi's `sessions.httpOnly`, or a
//! request's `x-strapi-refresh-cookie: httpOnly`): the `Set-Cookie` lines written as Strapi
//! writes them, and the token read back from the request's `Cookie` header.

use axum::http::HeaderValue;
use axum::http::header::SET_COOKIE;
use axum::response::Response;

use gatehouse_core::Settings;

/// `name=value; path=...; [max-age=...; ]samesite=...; [secure; ]httponly`.
fn line(settings: &Settings, value: &str, clear: bool) -> String {
    let mut line = format!("{}={value}; path={}", settings.refresh_cookie_name, settings.refresh_cookie_path);
    if clear {
        line.push_str("; expires=Thu, 01 Jan 1970 00:00:00 GMT");
    } else if let Some(age) = settings.refresh_cookie_max_age {
        line.push_str(&format!("; max-age={age}"));
    }
    line.push_str("; samesite=");
    line.push_str(settings.refresh_cookie_same_site.attribute());
    if settings.refresh_cookie_secure {
        line.push_str("; secure");
    }
    line.push_str("; httponly");
    line
}

fn append(response: &mut Response, line: String) {
    // The name, path and token are checked to be cookie-safe, so the line is a valid header.
    if let Ok(value) = HeaderValue::from_str(&line) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// Sets the cookie to `token`.
pub fn set(response: &mut Response, settings: &Settings, token: &str) {
    append(response, line(settings, token, false));
}

/// Clears the cookie (logout).
pub fn clear(response: &mut Response, settings: &Settings) {
    append(response, line(settings, "", true));
}

/// The cookie's value in a `Cookie` header, when it is there and not empty.
pub fn read<'a>(cookies: Option<&'a str>, settings: &Settings) -> Option<&'a str> {
    cookies?
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == settings.refresh_cookie_name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_core::CookieSameSite;

    #[test]
    fn lines_are_written_as_strapi_writes_them() {
        let mut settings = Settings::default();
        assert_eq!(line(&settings, "t", false), "strapi_up_refresh=t; path=/; samesite=lax; httponly");
        assert_eq!(
            line(&settings, "", true),
            "strapi_up_refresh=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; httponly"
        );
        settings.refresh_cookie_secure = true;
        settings.refresh_cookie_max_age = Some(60);
        settings.refresh_cookie_same_site = CookieSameSite::Strict;
        assert_eq!(
            line(&settings, "t", false),
            "strapi_up_refresh=t; path=/; max-age=60; samesite=strict; secure; httponly"
        );
    }

    #[test]
    fn the_token_is_read_by_name_among_other_cookies() {
        let settings = Settings::default();
        let header = "a=1; strapi_up_refresh.sig=x; strapi_up_refresh=tok ; b=2";
        assert_eq!(read(Some(header), &settings), Some("tok"));
        assert_eq!(read(Some("strapi_up_refresh="), &settings), None);
        assert_eq!(read(None, &settings), None);
    }
}
