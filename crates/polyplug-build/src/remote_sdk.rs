//! What the remote SDK generators (`remote_python.rs`, `remote_node.rs`)
//! share: the package's WIT text is written once per SDK, in one module.

/// The module (in the SDK's `worlds/`) holding the WIT text every world of
/// the package serves. No WIT world is named so (WIT names do not start
/// with `_`), so it never clashes with a world's module.
pub(crate) const PACKAGE_MODULE: &str = "_package";

/// The one text all of `texts` are, if they are all the same (and there is one).
pub(crate) fn shared_text<'t>(mut texts: impl Iterator<Item = &'t str>) -> Option<&'t str> {
    let first = texts.next()?;
    texts.all(|t| t == first).then_some(first)
}

/// Where a world module's `WIT` and `DIGEST` come from.
#[derive(Clone, Copy)]
pub(crate) enum WitSource<'t> {
    /// [`PACKAGE_MODULE`], shared by the package's worlds.
    Package,
    /// This text, embedded in the module itself.
    Own(&'t str),
}
