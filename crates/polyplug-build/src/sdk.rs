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
    let dir = root.join(language.sdk_name());
    match dir.canonicalize() {
        Ok(dir) => Ok(dir),
        Err(_) => Err(BuildError::NoSdk { language, dir }),
    }
}

/// The interfaces world `world` of `catalog` exports, by WIT short name
/// (`all-types`), for the generators of the Python and JavaScript SDKs
/// (`sdk` names which, in the error for what it does not support).
pub(crate) fn exported_interfaces<'a>(
    catalog: &'a polyplug_wit::Catalog,
    world: &str,
    sdk: &str,
) -> Result<Vec<(String, &'a wit_parser::Interface)>, String> {
    let resolve = catalog.resolve();
    let id = catalog.world_id(world).map_err(|e| e.to_string())?;
    let mut exports = Vec::new();
    for (key, item) in &resolve.worlds[id].exports {
        match item {
            wit_parser::WorldItem::Interface { id, .. } => {
                let interface = &resolve.interfaces[*id];
                let name = match key {
                    wit_parser::WorldKey::Name(name) => name.clone(),
                    wit_parser::WorldKey::Interface(_) => interface.name.clone().unwrap_or_default(),
                };
                exports.push((name, interface));
            }
            wit_parser::WorldItem::Function(f) => {
                return Err(format!("exports the function `{}` outside an interface, which the {sdk} SDK does not support yet", f.name));
            }
            wit_parser::WorldItem::Type { .. } => {}
        }
    }
    Ok(exports)
}
