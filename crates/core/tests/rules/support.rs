//! A core started on a fresh store, with two domains.

use std::sync::Arc;

use gatehouse_core::events::Actor;
use gatehouse_core::mail::{Mail, MailTransport, Mailer};
use gatehouse_core::{Core, CoreOptions, Domain, DomainName, Settings, User, UserDraft};

/// These rules send no mail; any that is sent is dropped.
struct NoMail;

#[async_trait::async_trait]
impl MailTransport for NoMail {
    async fn deliver(&self, _mail: &Mail) -> anyhow::Result<()> {
        Ok(())
    }
}

pub struct Harness {
    pub core: Arc<Core>,
    /// `example.com`, where most tests act.
    pub domain: Domain,
    /// `other.test`, whose rows must stay out of reach from `example.com`.
    pub other: Domain,
    _dir: tempfile::TempDir,
}

pub async fn start() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let url = gatehouse_store_sql::testing::fresh_database_url(dir.path()).await;
    let store = gatehouse_store_sql::open(&url, 2).await.unwrap();
    let mailer = Mailer::new(NoMail);
    let options = CoreOptions {
        store,
        static_domains: Vec::new(),
        jwt_secret: Some("test-secret".into()),
        hash_threads: 1,
        public_url: "http://gatehouse.test".into(),
        mailer,
    };
    let core = Core::start(options).await.unwrap();
    let add = |name: &str| DomainName::parse(name).unwrap();
    let domain = core.domains().add_domain(&add("example.com"), Actor::GlobalAdmin).await.unwrap();
    let other = core.domains().add_domain(&add("other.test"), Actor::GlobalAdmin).await.unwrap();
    Harness { core, domain, other, _dir: dir }
}

impl Harness {
    /// Changes the settings of `example.com` through the core.
    pub async fn settings(&mut self, change: impl FnOnce(&mut Settings)) {
        let mut settings = self.domain.settings.clone();
        change(&mut settings);
        self.domain = self.core.domains().update_settings(&self.domain, settings, Actor::GlobalAdmin).await.unwrap();
    }

    /// A confirmed user of `domain` with the domain's default role, without a password
    /// (nothing to hash) unless one is given.
    pub async fn user_in(&self, domain: &Domain, username: &str, password: Option<&str>) -> User {
        let draft = UserDraft {
            username: username.into(),
            email: format!("{username}@example.com"),
            password: password.map(str::to_string),
            confirmed: true,
            blocked: false,
            role_id: None,
        };
        self.core.users().create_user(domain, draft, Actor::GlobalAdmin).await.unwrap().user
    }

    pub async fn user(&self, username: &str) -> User {
        self.user_in(&self.domain, username, None).await
    }

    /// The user as stored now.
    pub async fn reload(&self, user: &User) -> User {
        let domain = if user.domain_id == self.domain.id { &self.domain } else { &self.other };
        self.core.users().user_by_ref(domain, &user.id.to_string()).await.unwrap().expect("user exists")
    }
}
