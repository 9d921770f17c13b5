//! `cargo xtask bindgen`: every binding generated from `wit/`, in one place.
//!
//! Host side: `wasmtime`'s bindings generator (the code behind
//! `wasmtime::component::bindgen!`), one module per world, written to
//! `crates/polyplug-bindings/src/generated/`. The `base` world's imports (the
//! polyplug host interfaces) are generated once; the other worlds reuse them
//! through `with`, so a host implements `log` and `config` once for every world.
//!
//! Guest side: `wit-bindgen`'s Rust generator, one module per world, written
//! to `sdk/rust/src/generated/`; its Go and C generators (through
//! `polyplug-build`, which `polyplug build` shares) for `sdk/go` and `sdk/c`;
//! polyplug-build's own Python and JavaScript generators for `sdk/python` and
//! `sdk/js`,
//! whose generated files sit beside hand-written ones and say so in their
//! first line.
//!
//! `--check` generates everything in memory and fails, naming each stale
//! file, when anything differs from what is checked in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// The built-in worlds, in generation order (`base` first: the others reuse its imports).
/// Each is named by its catalog key: a later version of the package adds its
/// version (`auth-0.2` is `polyplug:plugin/auth@0.2.0`, from `wit/deps/`).
const WORLDS: &[&str] = &["base", "transform", "transform-0.2", "filter-0.2", "auth", "auth-0.2", "conformance", "template", "response", "response-modifier", "datasource"];

/// Host applications' own worlds in this repository (examples): WIT
/// directory, world, and the file `polyplug bindgen` makes for it.
const OWN_WORLDS: &[(&str, &str, &str)] = &[
    ("examples/greeter-host/wit", "greeter", "examples/greeter-host/src/generated/greeter.rs"),
    ("tests/peers/wit", "peer", "tests/peers/bench/src/generated/peer.rs"),
];

/// Interfaces every world imports that the host implements once, in `base`:
/// the shared types and every polyplug host interface of the capability table.
fn shared_imports() -> Vec<&'static str> {
    let host_interfaces = polyplug_manifest::HOST_INTERFACES.iter().filter_map(|row| row.import.strip_prefix("polyplug:plugin/"));
    std::iter::once("types").chain(host_interfaces).collect()
}

pub fn run(check: bool) -> Result<()> {
    let files = generate()?;
    if check {
        let stale: Vec<_> = files
            .iter()
            .filter(|(path, text)| std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()))
            .map(|(path, _)| relative(path))
            .collect();
        if !stale.is_empty() {
            bail!(
                "generated bindings are stale (wit/ changed since they were generated):\n  {}\nrun `cargo xtask bindgen` and commit the result",
                stale.join("\n  ")
            );
        }
        let orphans = orphans(&files)?;
        if !orphans.is_empty() {
            bail!(
                "generated files no world produces any more:\n  {}\nrun `cargo xtask bindgen` and commit the result",
                orphans.join("\n  ")
            );
        }
        println!("bindings are fresh ({} files)", files.len());
        return Ok(());
    }
    for path in orphans(&files)? {
        std::fs::remove_file(super::root().join(&path))?;
        println!("removed {path}");
    }
    for (path, text) in &files {
        std::fs::create_dir_all(path.parent().expect("generated files live in a directory"))?;
        if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", relative(path));
        }
    }
    Ok(())
}

fn relative(path: &Path) -> String {
    path.strip_prefix(super::root()).unwrap_or(path).display().to_string()
}

fn host_dir() -> PathBuf {
    super::root().join("crates/polyplug-bindings/src/generated")
}

fn facade_dir() -> PathBuf {
    super::root().join("crates/polyplug/src/generated")
}

fn guest_dir() -> PathBuf {
    super::root().join("sdk/rust/src/generated")
}

/// Files in the generated directories that no world produces, and generated
/// files of the Go and C SDKs (marked in their first line) that nothing produces.
fn orphans(files: &[(PathBuf, String)]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for sdk in ["sdk/go", "sdk/c", "sdk/python", "sdk/js", "sdk/remote-python", "sdk/remote-node"] {
        for path in files_under(&super::root().join(sdk))? {
            let first_line = std::fs::read_to_string(&path).ok().and_then(|text| text.lines().next().map(str::to_string));
            let generated = first_line.is_some_and(|line| line.contains("cargo xtask bindgen") && line.contains("DO NOT EDIT"));
            if generated && !files.iter().any(|(p, _)| *p == path) {
                out.push(relative(&path));
            }
        }
    }
    let own_dirs = OWN_WORLDS.iter().filter_map(|(_, _, file)| super::root().join(file).parent().map(Path::to_path_buf));
    for dir in [host_dir(), facade_dir(), guest_dir()].into_iter().chain(own_dirs) {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry?.path();
            if !files.iter().any(|(p, _)| *p == path) {
                out.push(relative(&path));
            }
        }
    }
    Ok(out)
}

/// Every file under `dir`, recursively (none when it does not exist).
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(out) };
    for entry in entries {
        let path = entry?.path();
        // What a package manager installed is no one's generated file.
        let installed = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| ["node_modules", "__pycache__", ".venv"].contains(&n));
        if path.is_dir() {
            if !installed {
                out.extend(files_under(&path)?);
            }
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// Every generated file: path and full text.
fn generate() -> Result<Vec<(PathBuf, String)>> {
    let wit = super::root().join("wit");
    let mut files = Vec::new();
    for world in WORLDS {
        let (bindings, facade) = host_world(&wit, world)?;
        files.push((host_dir().join(format!("{world}.rs")), bindings));
        if let Some(facade) = facade {
            files.push((facade_dir().join(format!("{world}.rs")), facade));
        }
        files.push((guest_dir().join(format!("{world}.rs")), guest_world(&wit, world)?));
    }
    let sdks = [
        ("sdk/go", polyplug_build::go_sdk_files(&wit)?),
        ("sdk/c", polyplug_build::c_sdk_files(&wit)?),
        ("sdk/python", polyplug_build::python_sdk_files(&wit)?),
        ("sdk/js", polyplug_build::js_sdk_files(&wit)?),
        ("sdk/remote-python", polyplug_build::remote_python_sdk_files(&wit)?),
        ("sdk/remote-node", polyplug_build::remote_node_sdk_files(&wit)?),
    ];
    for (sdk, generated) in sdks {
        for file in generated {
            files.push((super::root().join(sdk).join(file.path), file.contents));
        }
    }
    for (wit, world, file) in OWN_WORLDS {
        // Exactly what `polyplug bindgen --wit <dir> --world <world>` writes.
        let text = polyplug_bindgen::own_world_file(&super::root().join(wit), world, "`polyplug bindgen`")?;
        files.push((super::root().join(file), text));
    }
    Ok(files)
}

fn header(generator: &str, extra: &str) -> String {
    format!(
        "// @generated by `cargo xtask bindgen` from `wit/` with {generator}. DO NOT EDIT.\n\
         // Change the WIT and run `cargo xtask bindgen`; `cargo xtask bindgen --check` (part of the\n\
         // test suite) fails when this file is stale.\n{extra}\n"
    )
}

fn format_rust(source: &str, what: &str) -> Result<String> {
    let file = syn::parse_file(source).with_context(|| format!("generated {what} does not parse as Rust"))?;
    Ok(prettyplease::unparse(&file))
}

/// A world's host bindings (for `polyplug-bindings`) and, except for `base`
/// (which only holds what every world shares), its typed facade (for `polyplug`).
fn host_world(wit: &Path, world: &str) -> Result<(String, Option<String>)> {
    let mut resolve = wit_parser::Resolve::new();
    let package = if is_later_version(wit, world)? {
        resolve.push_dir(wit).with_context(|| format!("parsing {}", wit.display()))?.0
    } else {
        // Only the main package: with a later version beside it, the generators would name every module by its version.
        resolve.push_group(wit_parser::UnresolvedPackageGroup::parse_dir(wit).with_context(|| format!("parsing {}", wit.display()))?)?
    };
    let world_id = resolve.select_world(&[package], Some(&full_name(wit, world)?))?;
    let mut with: HashMap<String, String> = if world == "base" {
        HashMap::new()
    } else {
        shared_imports()
            .into_iter()
            .map(|iface| {
                (format!("polyplug:plugin/{iface}@0.1.0"), format!("crate::base::polyplug::plugin::{iface}"))
            })
            .collect()
    };
    // The envelope types of 0.2.0 are `transform-0.2`'s for every world that
    // uses them, so that one envelope value goes through converters and filters alike.
    let envelopes = "polyplug:plugin/envelopes@0.2.0";
    if world != "transform-0.2" && resolve.worlds[world_id].imports.keys().any(|key| resolve.name_world_key(key) == envelopes) {
        with.insert(envelopes.into(), "crate::transform_0_2::polyplug::plugin0_2_0::envelopes".into());
    }
    let paths = polyplug_bindgen::Paths {
        with,
        polyplug_bindings: "crate".into(),
        polyplug_value: "::polyplug_value".into(),
        polyplug_host: "::polyplug_host".into(),
    };
    let source = polyplug_bindgen::bindings(&resolve, world_id, &paths)?;
    let generator = "wasmtime's bindings generator 48.0.8 and polyplug-bindgen";
    let bindings = header(generator, "") + &format_rust(&source, &format!("host bindings for `{world}`"))?;
    if world == "base" {
        return Ok((bindings, None));
    }
    let facade = polyplug_bindgen::facade(&resolve, world_id, &source, &format!("::polyplug_bindings::{}", snake_case(world)), &paths)?;
    let facade = header("polyplug-bindgen", "") + &format_rust(&facade, &format!("the facade of `{world}`"))?;
    Ok((bindings, Some(facade)))
}

fn guest_world(wit: &Path, world: &str) -> Result<String> {
    use wit_bindgen_core::WorldGenerator;
    use wit_bindgen_core::wit_parser::{Resolve, UnresolvedPackageGroup};
    let mut resolve = Resolve::new();
    let package = if is_later_version(wit, world)? {
        resolve.push_dir(wit).with_context(|| format!("parsing {}", wit.display()))?.0
    } else {
        resolve.push_group(UnresolvedPackageGroup::parse_dir(wit).with_context(|| format!("parsing {}", wit.display()))?)?
    };
    let world_id = resolve.select_world(&[package], Some(&full_name(wit, world)?))?;
    let opts = wit_bindgen_rust::Opts {
        runtime_path: Some("polyplug_sdk::__private::wit_bindgen::rt".into()),
        default_bindings_module: Some(format!("polyplug_sdk::{}::bindings", snake_case(world))),
        pub_export_macro: true,
        format: false,
        // A later version's world imports the host interfaces of the main package: generate those too.
        generate_all: true,
        ..Default::default()
    };
    let mut files = wit_bindgen_core::Files::default();
    opts.build().generate(&mut resolve, world_id, &mut files)?;
    let (_, bytes) = files.iter().next().context("wit-bindgen produced no file")?;
    let mut source = scope_export_macros(std::str::from_utf8(bytes)?, world);
    // The world's own export macro is named after the world's short name: a later version's must not clash with the first's.
    let short = &resolve.worlds[world_id].name;
    if snake_case(short) != snake_case(world) {
        source = source.replace(&format!("__export_{}_impl", snake_case(short)), &format!("__export_{}_impl", snake_case(world)));
    }
    let body = format_rust(&source, &format!("guest bindings for `{world}`"))?;
    Ok(header("wit-bindgen-rust 0.61.1", "") + &body)
}

/// wit-bindgen names each exported interface's helper macro after the
/// interface alone (`__export_polyplug_plugin_plugin_0_1_0_cabi`), and a
/// public export macro is `#[macro_export]`ed to the crate root. The SDK holds
/// every world in one crate, so worlds that export the same interface (all
/// export `plugin`) would clash: prefix each helper with the world's name.
fn scope_export_macros(source: &str, world: &str) -> String {
    const PREFIX: &str = "__export_";
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find(PREFIX) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let ident_len = from.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(from.len());
        let ident = &from[..ident_len];
        if ident.ends_with("_cabi") {
            out.push_str(&format!("{PREFIX}{}__{}", snake_case(world), &ident[PREFIX.len()..]));
        } else {
            out.push_str(ident);
        }
        rest = &from[ident_len..];
    }
    out.push_str(rest);
    out
}

/// `auth-0.2` → `auth_0_2`: a world's key as a Rust module name.
fn snake_case(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

/// Whether the world with catalog key `key` is in a later version of the
/// package (`wit/deps/`), not in the main one.
fn is_later_version(wit: &Path, key: &str) -> Result<bool> {
    let spec = polyplug_wit::Catalog::from_dir(wit)?.world(key)?;
    Ok(spec.key != spec.short_name)
}

/// The full name of the world with catalog key `key` (`auth-0.2` →
/// `polyplug:plugin/auth@0.2.0`), as `select_world` takes it.
fn full_name(wit: &Path, key: &str) -> Result<String> {
    Ok(polyplug_wit::Catalog::from_dir(wit)?.world(key)?.name)
}

#[cfg(test)]
mod tests {
    /// The checked-in bindings are what `wit/` produces now.
    #[test]
    fn bindings_are_fresh() {
        if let Err(e) = super::run(true) {
            panic!("{e:#}");
        }
    }
}
