//! Components that claim a world with the wrong types, or hand back values
//! that are not what they say: each refused or failed with the error that
//! names what is wrong, never a silent skip and never a mislabelled trap.

use polyplug_host::{Error, Host};
use polyplug_wit::Catalog;

/// Writes `wat` as a component file in `dir`.
fn component(dir: &std::path::Path, name: &str, wat: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, wat).unwrap();
    path
}

/// A host whose catalog is the WIT package `wit` (a host application's own).
fn host_with_wit(dir: &std::path::Path, wit: &str) -> Host {
    std::fs::write(dir.join("world.wit"), wit).unwrap();
    Host::builder().catalog(Catalog::from_dir(dir).unwrap()).no_cache().build().unwrap()
}

#[test]
fn the_world_check_compares_function_types_not_just_names() {
    let dir = tempfile::tempdir().unwrap();
    // `transform` by the right name in the right interface, taking a u32.
    let path = component(
        dir.path(),
        "wrong-types",
        r#"(component
  (core module $m (func (export "transform") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func $transform (param "x" u32) (result u32) (canon lift (core func $i "transform")))
  (instance $transformer (export "transform" (func $transform)))
  (export "polyplug:plugin/transformer@0.1.0" (instance $transformer)))"#,
    );
    let host = Host::builder().no_cache().build().unwrap();
    let err = host.loader(&path).world("transform").load().err().unwrap();
    let Error::WorldMismatch { missing, .. } = &err else { panic!("{err:?}") };
    assert_eq!(
        missing[0],
        "function `transform` in `polyplug:plugin/transformer@0.1.0` has type `func(u32) -> u32`, but the world says \
         `func(record{payload: string, content-type: string, headers: list<tuple<string, string>>}) -> \
         result<option<record{payload: string, content-type: string, headers: list<tuple<string, string>>}>, string>`"
    );
    assert_eq!(missing[1], "missing export `polyplug:plugin/plugin@0.1.0`");
    // Without a world to match, it matches none.
    assert!(matches!(host.load_file(&path), Err(Error::UnknownWorld { .. })));
}

#[test]
fn a_base_interface_with_wrong_types_refuses_the_plugin_instead_of_skipping_init() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_with_wit(dir.path(), "package test:calc@1.0.0;\n\nworld calc {\n    export add: func(a: u32, b: u32) -> u32;\n}\n");
    let path = component(
        dir.path(),
        "odd-init",
        r#"(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "init") (result i32) i32.const 0))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func $init (result u32) (canon lift (core func $i "init")))
  (instance $plugin (export "init" (func $init)))
  (export "polyplug:plugin/plugin@0.1.0" (instance $plugin))
  (export "add" (func $add)))"#,
    );
    let err = host.load_file(&path).err().unwrap();
    assert!(matches!(err, Error::Link { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("plugin `odd-init.wasm` cannot be linked: it exports `polyplug:plugin/plugin` with types other than polyplug's: "),
        "{text}"
    );
    assert!(text.ends_with("hint: rebuild it against polyplug's WIT (`describe` and `init` as in wit/base.wit)"), "{text}");
}

#[test]
fn a_value_out_of_the_plugins_memory_is_a_call_failure_with_its_cause_not_a_trap() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_with_wit(dir.path(), "package test:text@1.0.0;\n\nworld text {\n    export get: func() -> string;\n}\n");
    // The result claims 1,000 bytes at 0xffffff00: far outside its 64 KiB memory.
    let path = component(
        dir.path(),
        "liar",
        r#"(component
  (core module $m
    (memory (export "memory") 1)
    (data (i32.const 8) "\00\ff\ff\ff\e8\03\00\00")
    (func (export "get") (result i32) i32.const 8))
  (core instance $i (instantiate $m))
  (func (export "get") (result string) (canon lift (core func $i "get") (memory (core memory $i "memory")))))"#,
    );
    let plugin = host.load_file(&path).unwrap();
    let err = plugin.call_json("", "get", &[]).unwrap_err();
    let Error::Call { plugin, function, source } = &err else { panic!("{err:?}") };
    assert_eq!((plugin.as_str(), function.as_str()), ("liar.wasm", "get"));
    assert!(source.to_string().contains("out of bounds"), "{source}");
    assert!(err.to_string().starts_with("plugin `liar.wasm` failed in `get`: "), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "the cause is kept as the error's source");
}
