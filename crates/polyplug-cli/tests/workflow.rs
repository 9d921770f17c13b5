//! A plugin author's workflow through the `polyplug` binary, in every
//! language: `polyplug new` makes a project outside the repository, `polyplug
//! build` makes its component, `polyplug test` runs its own cases, and
//! `polyplug call` calls it; a broken project fails with the tool's message.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Projects live in a fresh temporary directory; Rust projects share one
/// cargo target directory so that the SDK's dependencies build once.
fn polyplug(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyplug"))
        .args(args)
        .current_dir(dir)
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .env("CARGO_TARGET_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("new-projects-target"))
        .env_remove("RUST_LOG")
        .output()
        .expect("polyplug runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `polyplug new` then `polyplug test` in a new directory: the project
/// passes its own test cases out of the box. Returns the project's directory.
fn new_project_passes_its_tests(language: &str, world: &str, parent: &Path) -> PathBuf {
    let name = format!("my-{world}-{language}");
    let out = polyplug(parent, &["new", &name, "--lang", language, "--world", world]);
    assert!(out.status.success(), "{}", text(&out));
    let dir = parent.join(&name);
    assert!(dir.join("polyplug.toml").exists(), "{}", text(&out));
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains(&format!("world:    polyplug:plugin/{world}@0.1.0")), "{shown}");
    assert!(shown.contains(" 0 failed"), "{shown}");
    assert!(!shown.contains('✗'), "{shown}");
    dir
}

fn the_whole_workflow(language: &str) {
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project_passes_its_tests(language, "transform", parent.path());
    let message = r#"{"payload": "polyglot", "content-type": "text/plain", "headers": []}"#;
    let out = polyplug(&dir, &["call", "plugin.wasm", "transformer/transform", message, "--allow-requested"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["val"]["payload"], "POLYGLOT", "{json}");
    new_project_passes_its_tests(language, "auth", parent.path());
}

#[test]
fn a_new_rust_plugin_builds_tests_and_answers() {
    the_whole_workflow("rust");
}

#[test]
fn a_new_go_plugin_builds_tests_and_answers() {
    the_whole_workflow("go");
}

#[test]
fn a_new_c_plugin_builds_tests_and_answers() {
    the_whole_workflow("c");
}

#[test]
fn a_failing_case_fails_the_test_command_and_says_what_differed() {
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project_passes_its_tests("rust", "transform", parent.path());
    let cases = dir.join("tests/transform.json");
    let edited = std::fs::read_to_string(&cases).unwrap().replace("HELLO, WORLD", "HELLO, MOON");
    std::fs::write(&cases, edited).unwrap();
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("✗ a message comes out upper-cased and tagged"), "{shown}");
    assert!(shown.contains("HELLO, MOON") && shown.contains("HELLO, WORLD"), "{shown}");
    assert!(shown.contains("1 passed, 1 failed"), "{shown}");
}

#[test]
fn a_compile_error_shows_the_compilers_message() {
    let parent = tempfile::tempdir().unwrap();
    let out = polyplug(parent.path(), &["new", "broken", "--lang", "rust", "--world", "transform"]);
    assert!(out.status.success(), "{}", text(&out));
    let dir = parent.path().join("broken");
    std::fs::write(dir.join("src/lib.rs"), "fn oops() -> u32 { \"not a number\" }\n").unwrap();
    let out = polyplug(&dir, &["build"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("cargo build failed for plugin `broken`"), "{shown}");
    assert!(shown.contains("mismatched types"), "{shown}");
}

#[test]
fn new_refuses_bad_names_unknown_worlds_and_languages_and_full_directories() {
    let parent = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["new", "x", "--lang", "python", "--world", "auth"], "no Python template for the world `auth`; Python templates exist for: none yet"),
        (&["new", "Bad_Name", "--lang", "rust", "--world", "auth"], "`Bad_Name` is not a plugin name"),
        (&["new", "x", "--lang", "rust", "--world", "nope"], "no Rust template for the world `nope`; Rust templates exist for: transform, auth"),
        (&["new", "x", "--lang", "cobol", "--world", "auth"], "unknown language `cobol`"),
        (&["new", "x", "--lang", "rust", "--world", "auth", "--dir", "."], "already exists and is not empty"),
    ];
    std::fs::write(parent.path().join("occupied"), "").unwrap();
    for (args, expected) in cases {
        let out = polyplug(parent.path(), args);
        assert!(!out.status.success(), "{args:?}");
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
}

#[test]
fn build_outside_a_project_says_what_a_project_needs() {
    let empty = tempfile::tempdir().unwrap();
    let out = polyplug(empty.path(), &["build"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("no polyplug.toml in"), "{}", text(&out));
    std::fs::write(empty.path().join("polyplug.toml"), "[plugin]\nname = \"x\"\nversion = \"0.1.0\"\nworld = \"polyplug:plugin/transform@0.1.0\"\n").unwrap();
    let out = polyplug(empty.path(), &["build"]);
    assert!(text(&out).contains("cannot tell the language of the project"), "{}", text(&out));
}
