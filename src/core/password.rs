//! Password hashing: Argon2id (OWASP parameters) on a bounded pool of low-priority threads,
//! so that a login storm uses the cores without starving the async runtime. Imported bcrypt
//! hashes verify and report that they need a rehash.

use std::sync::{Arc, Mutex, mpsc};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::oneshot;

/// OWASP: Argon2id, 19 MiB, 2 iterations, 1 lane.
pub fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(argon2().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Wrong,
    Correct,
    /// Correct, but stored in an older scheme or with other parameters: rehash it.
    CorrectNeedsRehash,
}

/// Verifies synchronously; unknown hash formats never match.
pub fn verify_now(password: &str, stored: &str) -> Verdict {
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return match bcrypt::verify(password, stored) {
            Ok(true) => Verdict::CorrectNeedsRehash,
            _ => Verdict::Wrong,
        };
    }
    let Ok(parsed) = PasswordHash::new(stored) else { return Verdict::Wrong };
    let hasher = argon2();
    if hasher.verify_password(password.as_bytes(), &parsed).is_err() {
        return Verdict::Wrong;
    }
    let current = Params::try_from(&parsed).ok();
    let same = parsed.algorithm.as_str() == "argon2id" && current.as_ref() == Some(hasher.params());
    if same { Verdict::Correct } else { Verdict::CorrectNeedsRehash }
}

/// True for the stored formats Gatehouse can verify (Argon2 PHC strings and bcrypt).
pub fn is_supported_hash(stored: &str) -> bool {
    if stored.starts_with("$2a$") || stored.starts_with("$2b$") || stored.starts_with("$2y$") {
        return stored.len() == 60;
    }
    PasswordHash::new(stored).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of hashing threads fed by a queue.
#[derive(Clone)]
pub struct PasswordHasher {
    queue: mpsc::Sender<Job>,
    /// Verified when the user is unknown, so that both cases cost the same time.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    /// `threads == 0` means one per core.
    pub fn new(threads: usize) -> Self {
        let threads =
            if threads == 0 { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) } else { threads };
        let (queue, jobs) = mpsc::channel::<Job>();
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..threads {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("gatehouse-hash-{i}"))
                .spawn(move || {
                    lower_thread_priority();
                    loop {
                        let job = match jobs.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawn hashing thread");
        }
        let dummy_hash = Arc::new(hash_now("gatehouse-dummy-password").expect("hash dummy password"));
        Self { queue, dummy_hash }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send(Box::new(move || {
                let _ = tx.send(f());
            }))
            .map_err(|_| anyhow::anyhow!("hashing pool stopped"))?;
        rx.await.map_err(|_| anyhow::anyhow!("hashing job dropped"))
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let password = password.to_owned();
        self.run(move || hash_now(&password)).await?
    }

    pub async fn verify(&self, password: &str, stored: &str) -> anyhow::Result<Verdict> {
        let (password, stored) = (password.to_owned(), stored.to_owned());
        self.run(move || verify_now(&password, &stored)).await
    }

    /// Spends the time of a real verification and always fails.
    pub async fn verify_dummy(&self, password: &str) -> anyhow::Result<Verdict> {
        let (password, stored) = (password.to_owned(), self.dummy_hash.clone());
        self.run(move || {
            let _ = verify_now(&password, &stored);
            Verdict::Wrong
        })
        .await
    }
}

/// Hashing threads run at a lower priority than the request threads: under a login storm the
/// other requests still get the CPU first.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority on the calling thread (who = 0) has no memory effects.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}
