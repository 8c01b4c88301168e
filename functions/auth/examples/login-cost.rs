//! The cost of one login's password check (and of one registration's hash): Argon2id with the
//! parameters `auth` uses, through `auth`'s own hasher (on the blocking pool), timed on this
//! machine. The workspace builds `argon2` and `blake2` at opt-level 3 in every profile, so a
//! dev build measures the code Lambda runs.
//!
//! ```text
//! cargo run -p auth --example login-cost [iterations]
//! ```

use std::time::{Duration, Instant};

use auth::password::{LANES, MEMORY_KIB, PASSES, Password, PasswordHasher};

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    format!(
        "min {:.1} ms, median {:.1} ms, p90 {:.1} ms, max {:.1} ms ({} runs)",
        ms(samples[0]),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(samples[samples.len() - 1]),
        samples.len()
    )
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let iterations: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse())
        .transpose()?
        .unwrap_or(30);
    let hasher = PasswordHasher::new();
    let typed = "correct horse battery staple";
    let hash = hasher.hash(Password::new(typed)).await?;
    // Warm the blocking pool and the allocator.
    for _ in 0..3 {
        hasher
            .verify(Password::new(typed), Some(hash.clone()))
            .await?;
    }

    let mut hashing = Vec::with_capacity(iterations);
    let mut checking = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        hasher.hash(Password::new(typed)).await?;
        hashing.push(started.elapsed());
        let started = Instant::now();
        let matched = hasher
            .verify(Password::new(typed), Some(hash.clone()))
            .await?;
        checking.push(started.elapsed());
        anyhow::ensure!(matched, "the password must match its hash");
    }
    eprintln!("Argon2id m={MEMORY_KIB} KiB, t={PASSES}, p={LANES}");
    eprintln!("login (verify): {}", summary(checking));
    eprintln!("register (hash): {}", summary(hashing));
    // What this process held at its peak: the runtime and one hash's memory at a time.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|line| line.starts_with("VmHWM:")) {
        eprintln!(
            "peak RSS while hashing: {}",
            peak.trim_start_matches("VmHWM:").trim()
        );
    }
    Ok(())
}
