//! Where the guest SDKs are.
//!
//! The SDKs are not published to crates.io or a Go module proxy yet, so
//! plugins use them by path: the `sdk/` directory of the polyplug checkout
//! this build of polyplug came from, or the one `Options::sdk` names
//! (`polyplug build --sdk DIR`). Once published, projects will name a version.

use std::path::{Path, PathBuf};

use crate::{BuildError, Language};

/// The `sdk/` directory of the checkout polyplug was built from.
pub fn checkout_sdk() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk")
}

/// `<root>/<language>`, the root being `root` or [`checkout_sdk`].
pub(crate) fn dir(root: Option<&Path>, language: Language) -> Result<PathBuf, BuildError> {
    let root = root.map(Path::to_path_buf).unwrap_or_else(checkout_sdk);
    let dir = root.join(language.name());
    match dir.canonicalize() {
        Ok(dir) => Ok(dir),
        Err(_) => Err(BuildError::NoSdk { language, dir }),
    }
}
