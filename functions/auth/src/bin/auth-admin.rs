//! `auth-admin`: the operator's command for what the API deliberately cannot do.
//!
//! ```text
//! auth-admin keygen --kid <key-id> --out <dir>
//!     Writes <dir>/<key-id>.pem (the private signing key, mode 0600) and <dir>/jwks.json
//!     (its public key as a JWKS document).
//! ```

use std::path::PathBuf;

use shared::token::{SigningKey, jwks};

const USAGE: &str = "usage: auth-admin keygen --kid <key-id> --out <dir>";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keygen") => keygen(&args[1..]),
        _ => anyhow::bail!("{USAGE}"),
    }
}

/// The value after `--name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> anyhow::Result<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .ok_or_else(|| anyhow::anyhow!("missing {name}\n{USAGE}"))
}

fn keygen(args: &[String]) -> anyhow::Result<()> {
    let kid = flag(args, "--kid")?;
    let dir = PathBuf::from(flag(args, "--out")?);
    std::fs::create_dir_all(&dir)?;
    let (key, pem) = SigningKey::generate(kid)?;
    let key_path = dir.join(format!("{kid}.pem"));
    write_private(&key_path, &pem)?;
    let jwks_path = dir.join("jwks.json");
    std::fs::write(
        &jwks_path,
        serde_json::to_string(&jwks([key.public_jwk()]))?,
    )?;
    eprintln!(
        "wrote the signing key to {} and its public key to {}",
        key_path.display(),
        jwks_path.display()
    );
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}
