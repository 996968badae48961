use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;

use async_trait::async_trait;

use super::{CachedStore, Shared};
use crate::error::StoreResult;
use crate::expiring::Read;
use crate::model::{Domain, Millis, Role, User};
use crate::store::{RequestLookups, Store};
use crate::types::{Action, DomainId, DomainName, RoleId, SessionId, UserId};

/// Each lookup is answered from its cache when it holds a fresh entry of the domain asked
/// about, else by the store, whose answer is kept (a missing domain, a session not live and a
/// domain without a Public role too).
#[async_trait]
impl RequestLookups for CachedStore {
    async fn request_domain(&self, name: &DomainName) -> StoreResult<Option<Arc<Domain>>> {
        self.look_up(
            &self.domains,
            name,
            |_| true,
            |store, name| {
                let domain_ids = Arc::clone(&self.domain_ids);
                async move {
                    let domain = store.request_domain(&name).await?;
                    if let Some(domain) = &domain {
                        domain_ids.insert(domain.name.clone(), domain.id);
                    }
                    Ok(Some(domain))
                }
            },
        )
        .await
        .map(Option::flatten)
    }

    async fn token_owner(&self, domain_id: DomainId, user_id: UserId) -> StoreResult<Option<User>> {
        let user = self
            .look_up(
                &self.users,
                &user_id,
                |user| user.domain_id == domain_id,
                |store, user_id| async move { Ok(store.token_owner(domain_id, user_id).await?.map(Arc::new)) },
            )
            .await?;
        Ok(user.map(|user| User::clone(&user)))
    }

    async fn live_session_owner(
        &self,
        domain_id: DomainId,
        id: &SessionId,
        now: Millis,
    ) -> StoreResult<Option<UserId>> {
        let owner = self
            .look_up(
                &self.session_owners,
                id,
                |(domain, _)| *domain == domain_id,
                |store, id| async move { Ok(Some((domain_id, store.live_session_owner(domain_id, &id, now).await?))) },
            )
            .await?;
        Ok(owner.and_then(|(_, owner)| owner))
    }

    async fn user_role(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Option<Role>> {
        let role = self
            .look_up(
                &self.roles,
                &role_id,
                |role| role.domain_id == domain_id,
                |store, role_id| async move { Ok(store.user_role(domain_id, role_id).await?.map(Arc::new)) },
            )
            .await?;
        Ok(role.map(|role| Role::clone(&role)))
    }

    async fn role_actions(&self, domain_id: DomainId, role_id: RoleId) -> StoreResult<Arc<[Action]>> {
        let actions = self
            .look_up(
                &self.permissions,
                &role_id,
                |(domain, _)| *domain == domain_id,
                |store, role_id| async move { Ok(Some((domain_id, store.role_actions(domain_id, role_id).await?))) },
            )
            .await?;
        Ok(actions.map_or_else(|| Arc::from([]), |(_, actions)| actions))
    }

    async fn public_role(&self, domain_id: DomainId) -> StoreResult<Option<RoleId>> {
        let role = self
            .look_up(
                &self.public_roles,
                &domain_id,
                |_| true,
                |store, domain_id| async move { Ok(Some(store.public_role(domain_id).await?)) },
            )
            .await?;
        Ok(role.flatten())
    }
}

impl CachedStore {
    /// The value of `key`: from `cache` when it holds a fresh one that is `usable` (of the
    /// domain asked about), else from `load`, whose answer is kept (`None`: nothing to keep).
    /// A value past half its lifetime is renewed by a load in the background, while the
    /// requests go on reading it: a key in steady use is never waited for.
    async fn look_up<K, V, Load, Loading>(
        &self,
        cache: &Shared<K, V>,
        key: &K,
        usable: impl Fn(&V) -> bool,
        load: Load,
    ) -> StoreResult<Option<V>>
    where
        K: Eq + Hash + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
        Load: FnOnce(Arc<dyn Store>, K) -> Loading,
        Loading: Future<Output = StoreResult<Option<V>>> + Send + 'static,
    {
        match cache.read(key) {
            Read::Fresh(value) if usable(&value) => return Ok(Some(value)),
            Read::Renew(value) if usable(&value) => {
                let (cache, generation) = (Arc::clone(cache), cache.generation());
                let (loading, key) = (load(Arc::clone(&self.inner), key.clone()), key.clone());
                tokio::spawn(async move {
                    match loading.await {
                        Ok(Some(value)) => cache.insert_loaded(key.clone(), value, generation),
                        Ok(None) => cache.invalidate(&key),
                        // The entry expires as it would have; a request then meets the error.
                        Err(e) => tracing::warn!(error = %e, "cannot renew a cached lookup"),
                    }
                    cache.renewed(&key);
                });
                return Ok(Some(value));
            }
            Read::Renew(_) => cache.renewed(key),
            Read::Fresh(_) | Read::Missing => {}
        }
        let generation = cache.generation();
        let loaded = load(Arc::clone(&self.inner), key.clone()).await?;
        if let Some(value) = &loaded {
            cache.insert_loaded(key.clone(), value.clone(), generation);
        }
        Ok(loaded)
    }
}
