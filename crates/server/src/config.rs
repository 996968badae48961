//! The configuration file (`gatehouse.toml`), its built-in defaults and its
//! `GATEHOUSE_...` environment overrides.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use gatehouse_http::LimitsConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub jwt: JwtConfig,
    #[serde(default)]
    pub smtp: SmtpConfig,
    #[serde(default)]
    pub server: ServerConfig,
    #[serde(default)]
    pub limits: LimitsConfig,
    #[serde(default = "default_domains")]
    pub domains: Vec<StaticDomain>,
    #[serde(default = "default_listeners")]
    pub listen: Vec<Listener>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    pub url: String,
    /// Connections in the pool.
    pub pool_size: u32,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { url: "sqlite://gatehouse.db".into(), pool_size: 8 }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtConfig {
    /// HS256 secret; generated and kept in the database when absent.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    /// `smtp://`, `smtps://` or `smtp://...?tls=required` URL; without it mail goes to the outbox.
    pub url: Option<String>,
    pub outbox: PathBuf,
    /// The `From:` of every mail.
    pub from: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self { url: None, outbox: "outbox".into(), from: "Gatehouse <no-reply@localhost>".into() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Public URL of the user API, used as `SERVER_URL` in email templates.
    pub public_url: String,
    /// Threads of the password-hashing pool (0 = one per core).
    pub hash_threads: usize,
    /// Seconds between SSE keep-alive comments.
    pub sse_keepalive_seconds: u64,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log_level: String,
    /// Seconds between SIGTERM (or Ctrl-C) and closing the listeners, while `/ready` answers
    /// 503: behind a load balancer, at least its health-check interval times its fall count.
    pub shutdown_delay_seconds: u64,
    /// Seconds open requests may run on after SIGTERM or Ctrl-C, once listeners stop accepting.
    pub drain_seconds: u64,
    /// How log lines are written to stderr.
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:5561".into(),
            hash_threads: 0,
            sse_keepalive_seconds: 15,
            log_level: "info".into(),
            shutdown_delay_seconds: 0,
            drain_seconds: 30,
            log_format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticDomain {
    pub name: String,
    /// The domain's session settings (Strapi's `jwtManagement` and `sessions`), applied at
    /// every start: what is given here wins over a change made through the admin API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<StaticSessions>,
}

impl StaticDomain {
    pub fn named(name: &str) -> Self {
        Self { name: name.into(), sessions: None }
    }
}

/// `[domains.sessions]`: each key given replaces the domain's setting of the same name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticSessions {
    /// `LEGACY` or `REFRESH`.
    pub jwt_management: Option<gatehouse_core::JwtManagement>,
    pub access_token_lifespan: Option<i64>,
    pub max_refresh_token_lifespan: Option<i64>,
    pub idle_refresh_token_lifespan: Option<i64>,
    pub refresh_reuse_grace_seconds: Option<i64>,
    pub http_only: Option<bool>,
    pub cookie_name: Option<String>,
    /// `STRICT`, `LAX` or `NONE`.
    pub cookie_same_site: Option<gatehouse_core::CookieSameSite>,
    pub cookie_path: Option<String>,
    pub cookie_secure: Option<bool>,
    pub cookie_max_age: Option<i64>,
}

impl StaticSessions {
    /// `settings` with the keys given here.
    pub fn apply(&self, mut s: gatehouse_core::Settings) -> gatehouse_core::Settings {
        fn set<T: Clone>(target: &mut T, value: &Option<T>) {
            if let Some(value) = value {
                *target = value.clone();
            }
        }
        set(&mut s.jwt_management, &self.jwt_management);
        set(&mut s.access_token_lifespan, &self.access_token_lifespan);
        set(&mut s.max_refresh_token_lifespan, &self.max_refresh_token_lifespan);
        set(&mut s.idle_refresh_token_lifespan, &self.idle_refresh_token_lifespan);
        set(&mut s.refresh_reuse_grace_seconds, &self.refresh_reuse_grace_seconds);
        set(&mut s.refresh_http_only, &self.http_only);
        set(&mut s.refresh_cookie_name, &self.cookie_name);
        set(&mut s.refresh_cookie_same_site, &self.cookie_same_site);
        set(&mut s.refresh_cookie_path, &self.cookie_path);
        set(&mut s.refresh_cookie_secure, &self.cookie_secure);
        if self.cookie_max_age.is_some() {
            s.refresh_cookie_max_age = self.cookie_max_age;
        }
        s
    }
}

fn default_domains() -> Vec<StaticDomain> {
    vec![StaticDomain::named("localhost")]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handler {
    User,
    Admin,
    DomainAdmin,
}

impl Handler {
    pub fn name(self) -> &'static str {
        match self {
            Handler::User => "user",
            Handler::Admin => "admin",
            Handler::DomainAdmin => "domain_admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    pub handler: Handler,
    pub address: SocketAddr,
    #[serde(default)]
    pub path: Option<String>,
    /// User handler: the domain served when the `Host` header names no known domain.
    #[serde(default)]
    pub default_domain: Option<String>,
    /// User handler: where Strapi's REST API is served (Strapi's `api.rest.prefix`).
    #[serde(default)]
    pub rest_prefix: Option<String>,
    /// Admin handler: Basic credentials, both or neither.
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Origins whose browser pages may call this listener (CORS): `["*"]` for every origin,
    /// `[]` for none. Default: every origin on a user listener (as Strapi), none on the admin
    /// listeners.
    #[serde(default)]
    pub cors_origins: Option<Vec<String>>,
    /// Whether CORS answers allow credentials (cookies) to be sent along.
    #[serde(default)]
    pub cors_credentials: bool,
}

impl Listener {
    /// A listener with the defaults of its handler.
    pub fn new(handler: Handler, address: SocketAddr) -> Self {
        Self {
            handler,
            address,
            path: None,
            default_domain: None,
            rest_prefix: None,
            username: None,
            password: None,
            cors_origins: None,
            cors_credentials: false,
        }
    }

    pub fn path(&self) -> &str {
        match &self.path {
            Some(p) => p.as_str(),
            None if self.handler == Handler::User => "/graphql",
            None => "/api/graphql",
        }
    }

    /// Where a user listener serves the REST API (`/api` unless configured); other handlers serve none.
    pub fn rest_prefix(&self) -> Option<&str> {
        (self.handler == Handler::User).then(|| self.rest_prefix.as_deref().unwrap_or("/api"))
    }

    pub fn default_domain(&self) -> String {
        self.default_domain.clone().unwrap_or_else(|| "localhost".into()).to_lowercase()
    }

    /// The origins CORS allows on this listener; empty when CORS is off.
    pub fn cors_origins(&self) -> Vec<String> {
        match (&self.cors_origins, self.handler) {
            (Some(origins), _) => origins.clone(),
            (None, Handler::User) => vec!["*".into()],
            (None, _) => Vec::new(),
        }
    }

    /// The global admin's Basic credentials, if this listener requires them.
    pub fn admin_credentials(&self) -> Option<(&str, &str)> {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Some((u, p)),
            _ => None,
        }
    }
}

fn default_listeners() -> Vec<Listener> {
    let listener = |handler, address: &str| Listener::new(handler, address.parse().expect("valid default address"));
    vec![
        listener(Handler::User, "127.0.0.1:5561"),
        listener(Handler::Admin, "127.0.0.1:5551"),
        listener(Handler::DomainAdmin, "127.0.0.1:5541"),
    ]
}

impl Default for Config {
    fn default() -> Self {
        Self {
            storage: StorageConfig::default(),
            jwt: JwtConfig::default(),
            smtp: SmtpConfig::default(),
            server: ServerConfig::default(),
            limits: LimitsConfig::default(),
            domains: default_domains(),
            listen: default_listeners(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads `file` (or `gatehouse.toml` when present) over the built-in defaults, then the
    /// `GATEHOUSE_...` environment (`__` separates nested keys: `GATEHOUSE_STORAGE__URL`).
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError(format!("config file {} does not exist", path.display())));
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("gatehouse.toml").exists() => figment = figment.merge(Toml::file_exact("gatehouse.toml")),
            None => {}
        }
        // A variable that names no setting (a CI's GATEHOUSE_VERSION, say) is not the operator's
        // configuration: it is named in a warning and left out, where a key in the file is refused.
        let known = known_keys();
        let env = Env::prefixed("GATEHOUSE_").split("__").ignore(&["CONFIG"]);
        for (key, _) in env.iter() {
            if !is_known(&known, key.as_str()) {
                eprintln!(
                    "gatehouse: warning: GATEHOUSE_{} names no setting; ignored",
                    key.as_str().to_uppercase().replace('.', "__")
                );
            }
        }
        figment = figment.merge(env.filter(move |key| is_known(&known, key.as_str())));
        let config: Config = figment.extract().map_err(|e| ConfigError(describe(e)))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what serde cannot: cross-field rules, with the key that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.storage.url;
        if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError(format!(
                "storage.url: unsupported scheme in {url:?} (expected sqlite:// or postgres://)"
            )));
        }
        if self.listen.is_empty() {
            return Err(ConfigError("listen: at least one [[listen]] section is required".into()));
        }
        for (i, l) in self.listen.iter().enumerate() {
            let key = format!("listen[{i}] ({} on {})", l.handler.name(), l.address);
            if !l.path().starts_with('/') || l.path().len() < 2 || l.path().ends_with('/') {
                return Err(ConfigError(format!("{key}.path: must start with '/' and not end with '/'")));
            }
            if let Some(prefix) = l.rest_prefix() {
                if !prefix.starts_with('/') || prefix.len() < 2 || prefix.ends_with('/') {
                    return Err(ConfigError(format!("{key}.rest_prefix: must start with '/' and not end with '/'")));
                }
                if prefix == l.path() {
                    return Err(ConfigError(format!("{key}.rest_prefix: must differ from the GraphQL path")));
                }
            }
            if l.handler != Handler::User && l.rest_prefix.is_some() {
                return Err(ConfigError(format!("{key}: rest_prefix only applies to the user handler")));
            }
            if l.username.is_some() != l.password.is_some() {
                return Err(ConfigError(format!("{key}: username and password must be set together")));
            }
            if l.handler != Handler::Admin && l.username.is_some() {
                return Err(ConfigError(format!("{key}: username/password only apply to the admin handler")));
            }
            check_cors_origins(&l.cors_origins()).map_err(|e| ConfigError(format!("{key}.cors_origins: {e}")))?;
            if l.handler == Handler::Admin && l.username.is_none() && !l.address.ip().is_loopback() {
                return Err(ConfigError(format!(
                    "{key}: an admin listener without credentials must listen on a loopback address"
                )));
            }
        }
        for (i, d) in self.domains.iter().enumerate() {
            gatehouse_core::DomainName::parse(&d.name).map_err(|e| ConfigError(format!("domains[{i}].name: {e}")))?;
            if let Some(sessions) = &d.sessions {
                let settings = sessions.apply(gatehouse_core::Settings::default());
                gatehouse_core::sessions::validate_settings(&settings)
                    .map_err(|e| ConfigError(format!("domains[{i}].sessions: {e}")))?;
            }
        }
        if self.smtp.url.as_deref().is_some_and(|u| !(u.starts_with("smtp://") || u.starts_with("smtps://"))) {
            return Err(ConfigError("smtp.url: must start with smtp:// or smtps://".into()));
        }
        Ok(())
    }
}

/// The settings' dotted paths (`storage.url`, `limits.depth`), from the defaults; tables of
/// lists (`listen`, `domains`) are known as a whole.
fn known_keys() -> Vec<String> {
    let mut keys = Vec::new();
    if let Ok(serde_json::Value::Object(top)) = serde_json::to_value(Config::default()) {
        for (name, value) in top {
            match value {
                serde_json::Value::Object(fields) => keys.extend(fields.keys().map(|field| format!("{name}.{field}"))),
                _ => keys.push(name),
            }
        }
    }
    keys
}

fn is_known(known: &[String], key: &str) -> bool {
    let key = key.to_lowercase();
    known.iter().any(|k| key == *k || key.starts_with(&format!("{k}.")) && !k.contains('.'))
}

/// `["*"]`, or origins such as `https://app.example.com` (scheme, host, optional port).
fn check_cors_origins(origins: &[String]) -> Result<(), String> {
    if origins.iter().any(|o| o == "*") {
        return if origins.len() == 1 { Ok(()) } else { Err("\"*\" allows every origin and stands alone".into()) };
    }
    for origin in origins {
        let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
        let valid = rest
            .is_some_and(|host| !host.is_empty() && !host.contains('/') && host.chars().all(|c| c.is_ascii_graphic()));
        if !valid {
            return Err(format!("{origin:?} is not an origin such as https://app.example.com"));
        }
    }
    Ok(())
}

fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e.metadata.as_ref().map(|m| m.name.to_string()).unwrap_or_default();
            let key = if key.is_empty() { String::new() } else { format!("{key}: ") };
            format!("{key}{} ({source})", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
