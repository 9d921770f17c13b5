//! A host application's own WIT: a catalog built from its directory, a
//! component (written in the component-model text format) implementing its
//! world, loaded, matched and called dynamically like any plugin.

use std::path::{Path, PathBuf};

use polyplug_host::{Error, Host};
use polyplug_wit::{Catalog, WitError};
use serde_json::json;

/// The host application's WIT package: one world-level function and one interface.
const CALC_WIT: &str = include_str!("../../../tests/components/calculator.wit");

/// A component implementing `calculator`: a core module with the two
/// functions, lifted to the world's types; `double` inside the
/// `acme:calc/ops@1.0.0` instance.
const CALCULATOR: &str = include_str!("../../../tests/components/calculator.wat");

/// Like [`CALCULATOR`], but its `acme:calc/ops@1.0.0` instance lacks `double`.
const WITHOUT_DOUBLE: &str = r#"
(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
  (core instance $i (instantiate $m))
  (func $add (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (instance $ops)
  (export "add" (func $add))
  (export "acme:calc/ops@1.0.0" (instance $ops)))
"#;

/// A directory holding `calc.wit` with `text`.
fn wit_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("calc.wit"), text).unwrap();
    dir
}

/// A host matching plugins against `catalog` only.
fn host_with(catalog: Catalog) -> Host {
    Host::builder()
        .catalog(catalog)
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .build()
        .unwrap()
}

/// `wat` written to `dir/name` (the host compiles component text as it does binaries).
fn component(dir: &Path, name: &str, wat: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, wat).unwrap();
    path
}

#[test]
fn a_component_of_the_hosts_own_world_loads_and_is_called_by_name() {
    let wit = wit_dir(CALC_WIT);
    let catalog = Catalog::from_dir(wit.path()).unwrap();
    assert_eq!(catalog.package_name(), "acme:calc@1.0.0");
    let world = catalog.world("calculator").unwrap();
    assert_eq!(world.export_functions, ["add"]);
    let exports: Vec<_> = world.exports.iter().map(|i| (i.name.as_str(), i.functions.clone())).collect();
    assert_eq!(exports, [("acme:calc/ops@1.0.0", vec!["double".to_string()])]);

    let host = host_with(catalog);
    let plugin = host.load_file(component(wit.path(), "calculator.wasm", CALCULATOR)).unwrap();
    // Found without being told: the host's catalog has one world and the component implements it.
    assert_eq!(plugin.world().name, "acme:calc/calculator@1.0.0");
    assert_eq!(plugin.world().short_name, "calculator");
    assert_eq!(plugin.name(), "calculator.wasm");
    assert!(plugin.info().is_none(), "no polyplug base interface, no `describe`");

    // A world-level function: the empty interface.
    assert_eq!(plugin.call_json("", "add", &[json!(2), json!(40)]).unwrap(), json!(42));
    assert_eq!(plugin.call_json("", "add", &[json!(u32::MAX), json!(1)]).unwrap(), json!(0), "u32 wraps as the core code does");
    // An interface function, by short and by full name.
    assert_eq!(plugin.call_json("ops", "double", &[json!(-21)]).unwrap(), json!(-42));
    assert_eq!(plugin.call_json("acme:calc/ops@1.0.0", "double", &[json!(1_i64 << 40)]).unwrap(), json!(1_i64 << 41));

    let err = plugin.call_json("", "add", &[json!(2)]).unwrap_err();
    assert!(matches!(err, Error::Arguments { .. }), "{err:?}");
    assert_eq!(err.to_string(), "plugin `calculator.wasm`, function `add`: expects 2 argument(s) (a: u32, b: u32), got 1");
    let err = plugin.call_json("ops", "double", &[json!("two")]).unwrap_err();
    assert!(matches!(err, Error::Arguments { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "plugin `calculator.wasm`, function `ops/double`: at $.x: expected s64 (a whole number from -9223372036854775808 to 9223372036854775807, as a number or a string), found string \"two\""
    );

    let err = plugin.call_json("ops", "triple", &[json!(1)]).unwrap_err();
    assert!(matches!(err, Error::NoSuchFunction { .. }), "{err:?}");
    assert_eq!(err.to_string(), "plugin `calculator.wasm` has no function `ops/triple`; it exports: add, ops/double");
    // `add` is not in `ops`, nor `double` at the world level.
    let err = plugin.call_json("ops", "add", &[json!(1), json!(2)]).unwrap_err();
    assert!(matches!(err, Error::NoSuchFunction { .. }), "{err:?}");
    assert_eq!(err.to_string(), "plugin `calculator.wasm` has no function `ops/add`; it exports: add, ops/double");
    let err = plugin.call_json("", "double", &[json!(1)]).unwrap_err();
    assert!(matches!(err, Error::NoSuchFunction { .. }), "{err:?}");
    assert_eq!(err.to_string(), "plugin `calculator.wasm` has no function `double`; it exports: add, ops/double");
}

#[test]
fn a_component_missing_a_function_of_the_world_is_refused_naming_it() {
    let wit = wit_dir(CALC_WIT);
    let host = host_with(Catalog::from_dir(wit.path()).unwrap());
    let path = component(wit.path(), "no-double.wasm", WITHOUT_DOUBLE);
    let err = host.loader(&path).world("calculator").load().err().unwrap();
    match &err {
        Error::WorldMismatch { plugin, world, missing } => {
            assert_eq!(plugin, "no-double.wasm");
            assert_eq!(world, "acme:calc/calculator@1.0.0");
            assert_eq!(missing, &["missing function `double` in `acme:calc/ops@1.0.0`"]);
        }
        other => panic!("expected a world mismatch, got {other:?}"),
    }
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "plugin `no-double.wasm` does not implement world `acme:calc/calculator@1.0.0`: missing function `double` in `acme:calc/ops@1.0.0`"
    );
    // Without a world to match, it implements none of the host's.
    let err = host.load_file(&path).err().unwrap();
    assert!(matches!(err, Error::UnknownWorld { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "plugin `no-double.wasm` implements none of the known worlds (acme:calc/calculator@1.0.0); it exports [add, acme:calc/ops@1.0.0]\n\
         hint: build it against one of those worlds, or give the host the WIT it was built from"
    );
}

/// A directory whose `calc.wit` has a syntax error on line 6, column 12: no
/// `:` between the function's name and `func`.
fn wit_with_a_syntax_error() -> tempfile::TempDir {
    let text = CALC_WIT.replace("double: func", "double func");
    assert_eq!(text.lines().nth(5), Some("    double func(x: s64) -> s64;"));
    wit_dir(&text)
}

#[test]
fn a_syntax_error_in_the_hosts_wit_is_refused_with_the_parsers_reason() {
    let wit = wit_with_a_syntax_error();
    let err = Catalog::from_dir(wit.path()).unwrap_err();
    let dir = wit.path().display().to_string();
    match &err {
        WitError::Invalid { origin, .. } => assert_eq!(origin, &dir),
        other => panic!("expected invalid WIT, got {other:?}"),
    }
    let text = err.to_string();
    let first = text.lines().next().unwrap();
    assert_eq!(first, format!("invalid WIT in {dir}: failed to parse package: {dir}: expected ':', found keyword `func`"));
}

#[test]
fn a_syntax_error_in_the_hosts_wit_names_the_file_and_line() {
    let wit = wit_with_a_syntax_error();
    let text = Catalog::from_dir(wit.path()).unwrap_err().to_string();
    let file = wit.path().join("calc.wit");
    assert!(text.contains(&format!("{}:6:12", file.display())), "no file and line in: {text}");
    assert!(text.contains("double func(x: s64) -> s64;"), "no source line in: {text}");
}
