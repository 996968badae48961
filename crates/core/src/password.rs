//! Password hashing: Argon2id (OWASP parameters) on a bounded pool of idle-priority threads,
//! so that a login storm uses the cores without starving the async runtime. Imported bcrypt
//! hashes verify and report that they need a rehash.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use argon2::password_hash::{Output, PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::oneshot;

/// OWASP: Argon2id, 19 MiB, 2 iterations, 1 lane.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;
const OUTPUT_BYTES: usize = 32;

pub fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, Some(OUTPUT_BYTES)).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

thread_local! {
    /// Argon2's working memory, kept by each hashing thread: allocating 19 MiB per hash
    /// leaves the allocator holding far more than the threads ever use at once.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs Argon2 into `out` with this thread's reusable working memory.
fn argon2_into(hasher: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    BLOCKS.with_borrow_mut(|blocks| {
        let count = hasher.params().block_count();
        if blocks.len() < count {
            *blocks = working_memory(count);
        }
        hasher.hash_password_into_with_memory(password, salt, out, &mut blocks[..count])
    })
}

/// `count` blocks on huge pages where the kernel allows them (Linux's `madvise` mode of
/// transparent huge pages): Argon2 reads its 19 MiB in an order no cache foresees, and with
/// 4 KiB pages most of those reads also miss the TLB. Verifications per second on two threads
/// went from 101 to 107 on the benchmark machine (`examples/argon2_rate`, three runs each).
fn working_memory(count: usize) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::with_capacity(count);
    #[cfg(target_os = "linux")]
    {
        // madvise wants a page-aligned start; the pages are not touched yet, so the advice
        // decides how they are faulted in by the resize below.
        const PAGE: usize = 4096;
        let start = blocks.as_mut_ptr() as usize;
        let aligned = start.next_multiple_of(PAGE);
        let length = (count * size_of::<Block>()).saturating_sub(aligned - start);
        // SAFETY: the range lies inside the allocation just made; the advice changes how its
        // pages are backed, never their contents.
        unsafe {
            libc::madvise(aligned as *mut libc::c_void, length, libc::MADV_HUGEPAGE);
        }
    }
    blocks.resize(count, Block::default());
    blocks
}

/// A new Argon2id PHC string for `password`.
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = [0u8; OUTPUT_BYTES];
    argon2_into(&argon2(), password.as_bytes(), salt_bytes, &mut out).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let output = Output::new(&out).map_err(|e| anyhow::anyhow!("argon2 output: {e}"))?;
    Ok(format!("$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={LANES}${}${output}", salt.as_str()))
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
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Verdict::Wrong };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else { return Verdict::Wrong };
    let Ok(params) = Params::try_from(&parsed) else { return Verdict::Wrong };
    let version = parsed.version.and_then(|v| Version::try_from(v).ok()).unwrap_or_default();
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return Verdict::Wrong };
    let mut out = vec![0u8; expected.len()];
    let hasher = Argon2::new(algorithm, version, params.clone());
    if argon2_into(&hasher, password.as_bytes(), salt_bytes, &mut out).is_err() {
        return Verdict::Wrong;
    }
    // `Output`'s equality is constant-time.
    if Output::new(&out).ok() != Some(expected) {
        return Verdict::Wrong;
    }
    let current = algorithm == Algorithm::Argon2id
        && version == Version::V0x13
        && (params.m_cost(), params.t_cost(), params.p_cost()) == (MEMORY_KIB, ITERATIONS, LANES);
    if current { Verdict::Correct } else { Verdict::CorrectNeedsRehash }
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
    /// Verified when the user is unknown, so that both cases cost the same time. Made on a
    /// hashing thread at first use (not at start, which stays fast and small).
    dummy_hash: Arc<OnceLock<String>>,
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
        Self { queue, dummy_hash: Arc::default() }
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
        let (password, dummy) = (password.to_owned(), self.dummy_hash.clone());
        self.run(move || {
            let stored = dummy.get_or_init(|| hash_now("gatehouse-dummy-password").unwrap_or_default());
            let _ = verify_now(&password, stored);
            Verdict::Wrong
        })
        .await
    }
}

/// Hashing threads only get the CPU when no request thread wants it (Linux `SCHED_IDLE`):
/// under a login storm every other request is still served first, and logins use whatever
/// is left, which on an otherwise idle server is every core.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: sched_setscheduler on the calling thread (pid 0) with a valid, zeroed parameter.
    unsafe {
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, 0, 19);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_hash_verifies_without_asking_for_a_rehash() {
        let hash = hash_now("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert_eq!(verify_now("correct horse", &hash), Verdict::Correct);
        assert_eq!(verify_now("wrong horse", &hash), Verdict::Wrong);
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_verify() {
        use argon2::PasswordHasher as _;
        let salt = SaltString::generate(&mut OsRng);
        let current = argon2().hash_password(b"pw", &salt).unwrap().to_string();
        assert_eq!(verify_now("pw", &current), Verdict::Correct);
        let weaker = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(4096, 1, 1, None).unwrap());
        let old = weaker.hash_password(b"pw", &salt).unwrap().to_string();
        assert_eq!(verify_now("pw", &old), Verdict::CorrectNeedsRehash);
        assert_eq!(verify_now("nope", &old), Verdict::Wrong);
    }

    #[test]
    fn bcrypt_hashes_verify_and_ask_for_a_rehash() {
        let hash = bcrypt::hash("pw", 4).unwrap();
        assert_eq!(verify_now("pw", &hash), Verdict::CorrectNeedsRehash);
        assert_eq!(verify_now("nope", &hash), Verdict::Wrong);
        assert_eq!(verify_now("pw", "garbage"), Verdict::Wrong);
    }
}
