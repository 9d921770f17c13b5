//! `polyplug keygen`, `sign` and `verify`: Ed25519 signatures in the format
//! `wasmsign2` reads and writes (`polyplug_registry::signing`), checked
//! against an operator's trust file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use polyplug_registry::signing::{self, TrustFile};

/// `<dir>/<name>.secret` and `<dir>/<name>.public` (wasmsign2's raw key
/// files), and the trust-file entry for the public key, printed.
pub fn keygen(name: &str, dir: &Path) -> Result<()> {
    let (secret, public, id) = signing::generate();
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let secret_path = dir.join(format!("{name}.secret"));
    let public_path = dir.join(format!("{name}.public"));
    for path in [&secret_path, &public_path] {
        if path.exists() {
            bail!("{} already exists; keys are not overwritten: choose another name or directory", path.display());
        }
    }
    std::fs::write(&secret_path, secret.to_bytes()).with_context(|| format!("writing {}", secret_path.display()))?;
    restrict(&secret_path)?;
    std::fs::write(&public_path, public.to_bytes()).with_context(|| format!("writing {}", public_path.display()))?;
    println!("secret key: {} (keep it private)", secret_path.display());
    println!("public key: {}", public_path.display());
    println!("key id:     {id}");
    println!("\nfor an operator's trust file (name the namespaces this key may sign for):\n");
    println!("[keys.{name}]\npublic-key = \"{}\"\nnamespaces = [\"your-namespace\"]", hex::encode(public.to_bytes()));
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).with_context(|| format!("restricting {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_: &Path) -> Result<()> {
    Ok(())
}

/// The plugin's name for messages: its manifest's, else the file's.
fn plugin_name(component: &[u8], path: &Path) -> String {
    polyplug_manifest::read_section(component)
        .ok()
        .flatten()
        .and_then(|text| polyplug_manifest::Manifest::from_toml(&text, "embedded").ok())
        .map(|m| m.plugin.name.as_str().to_string())
        .unwrap_or_else(|| path.display().to_string())
}

/// Adds a signature by `key` (a secret key file of `polyplug keygen` or
/// `wasmsign2 keygen`) to `component`, in place or at `out`.
pub fn sign(component_path: &Path, key: &Path, out: Option<&Path>) -> Result<()> {
    let component = std::fs::read(component_path).with_context(|| format!("reading {}", component_path.display()))?;
    let secret = wasmsign2::SecretKey::from_any_file(key)
        .map_err(|e| anyhow::anyhow!("{} is not an Ed25519 secret key ({e}); make one with `polyplug keygen`", key.display()))?;
    // wasmsign2's raw secret key is 0x81, the seed, then the public key.
    let public = wasmsign2::PublicKey::from_bytes(&[&[0x01][..], &secret.to_bytes()[33..]].concat())
        .map_err(|e| anyhow::anyhow!("the public half of {} could not be read: {e}", key.display()))?;
    let name = plugin_name(&component, component_path);
    let signed = signing::sign(&name, &component, &secret, &public)?;
    let target: PathBuf = out.map_or_else(|| component_path.to_path_buf(), Path::to_path_buf);
    std::fs::write(&target, &signed).with_context(|| format!("writing {}", target.display()))?;
    println!("signed {} by key {} ({} signature(s) now)", target.display(), signing::key_id(&public), signing::signers(&name, &signed)?.len());
    Ok(())
}

/// Checks that `component` is signed by a key `trust` holds for its
/// publisher (`namespace`, default: the manifest's `publisher`).
pub fn verify(component_path: &Path, trust: &Path, namespace: Option<&str>) -> Result<()> {
    let component = std::fs::read(component_path).with_context(|| format!("reading {}", component_path.display()))?;
    let name = plugin_name(&component, component_path);
    let claimed = polyplug_manifest::read_section(&component)
        .ok()
        .flatten()
        .and_then(|text| polyplug_manifest::Manifest::from_toml(&text, "embedded").ok())
        .and_then(|m| m.plugin.publisher);
    let Some(namespace) = namespace.map(str::to_string).or(claimed) else {
        bail!("plugin `{name}` claims no publisher (its manifest has no `publisher`); pass `--namespace` to say whose signature to check");
    };
    let verified = TrustFile::from_file(trust)?.verify(&name, &component, &namespace)?;
    println!("plugin `{name}`: signed for `{namespace}` by `{}` (key id {})", verified.key, verified.key_id);
    Ok(())
}
