//! The entities Gatehouse manages: domains, users, roles, settings.

use serde::{Deserialize, Serialize};

use crate::types::{DomainId, DomainName, Email, RoleId, UserId, Username};

/// Milliseconds since the Unix epoch; what storage keeps for every timestamp.
pub type Millis = i64;

pub fn now_millis() -> Millis {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// RFC 3339 with milliseconds, as Strapi prints `createdAt`.
pub fn format_millis(millis: Millis) -> String {
    let Ok(t) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000) else {
        return String::new();
    };
    // Every answer that shows a user or an event prints its timestamps: a listing of 50 users
    // prints 150. `time`'s formatter interprets a format description each time; years from 0
    // (`time` has none past 9999), all that storage ever holds, are written directly.
    let Ok(year) = u32::try_from(t.year()) else { return format_with_time(t) };
    let mut text = *b"0000-00-00T00:00:00.000Z";
    let fields = [
        (0, 4, year),
        (5, 2, u32::from(u8::from(t.month()))),
        (8, 2, u32::from(t.day())),
        (11, 2, u32::from(t.hour())),
        (14, 2, u32::from(t.minute())),
        (17, 2, u32::from(t.second())),
        (20, 3, u32::from(t.millisecond())),
    ];
    for (start, width, mut value) in fields {
        for digit in text[start..start + width].iter_mut().rev() {
            *digit = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    text.iter().map(|&b| char::from(b)).collect()
}

fn format_with_time(t: time::OffsetDateTime) -> String {
    t.format(&time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DomainStatus {
    Enabled,
    Disabled,
}

impl DomainStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DomainStatus::Enabled => "ENABLED",
            DomainStatus::Disabled => "DISABLED",
        }
    }
    /// `None` for any other text: a status nobody wrote is not taken for one.
    pub fn parse(s: &str) -> Option<Self> {
        [DomainStatus::Enabled, DomainStatus::Disabled].into_iter().find(|status| status.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339_with_milliseconds() {
        assert_eq!(format_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_millis(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_millis(1_796_194_565_509), "2026-12-02T06:56:05.509Z");
        assert_eq!(format_millis(951_782_400_007), "2000-02-29T00:00:00.007Z");
        assert_eq!(format_millis(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        // Before year 0, `time`'s own format; beyond ±9999, `time` has no date.
        assert_eq!(format_millis(-62_167_219_200_001), "-0001-12-31T23:59:59.999Z");
        assert_eq!(format_millis(253_402_300_800_000), "");
        assert_eq!(format_millis(i64::MIN), "");
    }

    #[test]
    fn the_direct_format_agrees_with_times_formatter() {
        let mut millis: i64 = -62_167_219_200_000; // 0000-01-01
        while millis < 253_402_300_800_000 {
            let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap();
            assert_eq!(format_millis(millis), format_with_time(t), "{millis}");
            millis += 7_777_777_777_777 / 1000 + 123; // about three months and a few milliseconds
        }
    }

    #[test]
    fn a_printed_user_never_shows_its_password_hash() {
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
        let user = User {
            id: UserId::new(7),
            document_id: "doc".into(),
            domain_id: DomainId::new(1),
            username: Username::from_stored("alice"),
            email: Email::from_stored("alice@example.com"),
            provider: "local".into(),
            password_hash: Some(hash.into()),
            confirmed: true,
            blocked: false,
            role_id: None,
            token_version: 0,
            created_at: 0,
            updated_at: 0,
            last_login_at: None,
        };
        let printed = format!("{user:?}");
        assert!(!printed.contains("argon2") && !printed.contains("aGFzaGhhc2hoYXNo"), "{printed}");
        assert!(printed.contains("password_hash: Some(\"<hidden>\")") && printed.contains("alice"), "{printed}");
        let printed = format!("{:?}", UserWithRole { user, role: None });
        assert!(!printed.contains("argon2"), "{printed}");
    }

    #[test]
    fn domain_statuses_parse_only_from_their_own_text() {
        assert_eq!(DomainStatus::parse("ENABLED"), Some(DomainStatus::Enabled));
        assert_eq!(DomainStatus::parse("DISABLED"), Some(DomainStatus::Disabled));
        for unknown in ["", "enabled", "PAUSED", "DISABLED "] {
            assert_eq!(DomainStatus::parse(unknown), None, "{unknown:?}");
        }
    }
}

#[derive(Debug, Clone)]
pub struct Domain {
    pub id: DomainId,
    pub name: DomainName,
    pub status: DomainStatus,
    /// Declared in the config file: cannot be removed or disabled through the API.
    pub is_static: bool,
    pub settings: Settings,
    pub has_admin_password: bool,
    pub created_at: Millis,
}

/// Per-domain settings (Strapi's "advanced" settings plus Gatehouse's policies).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub allow_register: bool,
    pub email_confirmation: bool,
    pub unique_email: bool,
    pub default_role: String,
    pub email_reset_password: Option<String>,
    pub email_confirmation_redirection: Option<String>,
    pub register_allowed_fields: Vec<String>,
    pub password_min_length: u32,
    pub password_max_bytes: u32,
    pub jwt_lifetime_seconds: i64,
    pub reset_token_lifetime_seconds: i64,
    pub rate_limit_max: u32,
    pub rate_limit_interval_seconds: u32,
    /// Strapi's `jwtManagement`: one long-lived token, or sessions with refresh tokens.
    pub jwt_management: JwtManagement,
    /// Lifetime of a session's access tokens (Strapi's `sessions.accessTokenLifespan`).
    pub access_token_lifespan: i64,
    /// A session ends this long after it started, refreshed or not (`maxRefreshTokenLifespan`).
    pub max_refresh_token_lifespan: i64,
    /// A session ends when not refreshed for this long (`idleRefreshTokenLifespan`).
    pub idle_refresh_token_lifespan: i64,
    /// A refresh token rotated less than this long ago is taken again (a client retrying the
    /// same refresh), instead of ending its session as reused.
    pub refresh_reuse_grace_seconds: i64,
    /// Strapi's `sessions.httpOnly`: the refresh token of a login or refresh goes out in a cookie.
    pub refresh_http_only: bool,
    pub refresh_cookie_name: String,
    pub refresh_cookie_same_site: CookieSameSite,
    pub refresh_cookie_path: String,
    pub refresh_cookie_secure: bool,
    /// The cookie's `Max-Age` in seconds; none: a browser-session cookie.
    pub refresh_cookie_max_age: Option<i64>,
}

/// How a domain's users keep signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JwtManagement {
    /// One token per sign-in, valid for `jwt_lifetime_seconds` (Strapi's `legacy-support`).
    #[default]
    Legacy,
    /// Short access tokens bound to a session, renewed with rotating refresh tokens.
    Refresh,
}

/// The `SameSite` attribute of the refresh cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CookieSameSite {
    Strict,
    #[default]
    Lax,
    None,
}

impl CookieSameSite {
    /// As the `Set-Cookie` line writes it (Strapi's lower case).
    pub fn attribute(self) -> &'static str {
        match self {
            CookieSameSite::Strict => "strict",
            CookieSameSite::Lax => "lax",
            CookieSameSite::None => "none",
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            allow_register: true,
            email_confirmation: false,
            unique_email: true,
            default_role: "authenticated".into(),
            email_reset_password: None,
            email_confirmation_redirection: None,
            register_allowed_fields: Vec::new(),
            password_min_length: 6,
            password_max_bytes: 1024,
            jwt_lifetime_seconds: 30 * 24 * 3600,
            reset_token_lifetime_seconds: 3600,
            rate_limit_max: 10,
            rate_limit_interval_seconds: 60,
            jwt_management: JwtManagement::Legacy,
            access_token_lifespan: 600,
            max_refresh_token_lifespan: 30 * 24 * 3600,
            idle_refresh_token_lifespan: 14 * 24 * 3600,
            refresh_reuse_grace_seconds: 0,
            refresh_http_only: false,
            refresh_cookie_name: "strapi_up_refresh".into(),
            refresh_cookie_same_site: CookieSameSite::Lax,
            refresh_cookie_path: "/".into(),
            refresh_cookie_secure: false,
            refresh_cookie_max_age: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Role {
    pub id: RoleId,
    pub document_id: String,
    pub domain_id: DomainId,
    pub name: String,
    pub description: Option<String>,
    /// Unique in its domain: `public`, `authenticated`, `editor`.
    pub kind: String,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Clone)]
pub struct User {
    pub id: UserId,
    pub document_id: String,
    pub domain_id: DomainId,
    pub username: Username,
    pub email: Email,
    pub provider: String,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub role_id: Option<RoleId>,
    /// Bumped by every change that must invalidate the tokens issued before it.
    pub token_version: i64,
    pub created_at: Millis,
    pub updated_at: Millis,
    pub last_login_at: Option<Millis>,
}

/// Every field but the password hash, which no log or error message should ever hold: a
/// user printed with `{:?}` shows only whether it has one.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("document_id", &self.document_id)
            .field("domain_id", &self.domain_id)
            .field("username", &self.username)
            .field("email", &self.email)
            .field("provider", &self.provider)
            .field("password_hash", &self.password_hash.as_ref().map(|_| "<hidden>"))
            .field("confirmed", &self.confirmed)
            .field("blocked", &self.blocked)
            .field("role_id", &self.role_id)
            .field("token_version", &self.token_version)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("last_login_at", &self.last_login_at)
            .finish()
    }
}

/// A user together with its role, as most answers need both.
#[derive(Debug, Clone)]
pub struct UserWithRole {
    pub user: User,
    pub role: Option<Role>,
}

/// What a new user is created with.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub domain_id: DomainId,
    pub username: Username,
    pub email: Email,
    pub password_hash: Option<String>,
    pub confirmed: bool,
    pub blocked: bool,
    pub role_id: Option<RoleId>,
}

/// Strapi's document ids: 24 lower-case alphanumerics.
pub fn new_document_id() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..24).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}
