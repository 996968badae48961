//! The machine's raw Argon2id verification rate with Gatehouse's parameters, on every core:
//! the ceiling the login benchmark is compared with.
//!
//! `cargo run --release --example argon2_rate -- [SECONDS] [THREADS]`

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gatehouse_core::password::{Verdict, hash_now, verify_now};

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let threads: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let hash = hash_now("benchmark-password").expect("hash");
    let done = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !done.load(Ordering::Relaxed) {
                    assert_eq!(verify_now("benchmark-password", &hash), Verdict::Correct);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        done.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total = count.load(Ordering::Relaxed);
    println!("threads={threads} verifications={total} seconds={elapsed:.2} rate={:.1}/s", total as f64 / elapsed);
}
