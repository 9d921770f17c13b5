//! A plugin author's workflow through the `polyplug` binary, in every
//! language: `polyplug new` makes a project outside the repository, `polyplug
//! build` makes its component, `polyplug test` runs its own cases, and
//! `polyplug call` calls it; a broken project fails with the tool's message.
//! The mock-server worlds' templates (template, response, response-modifier,
//! datasource, auth@0.2) pass the same cases in every component language.
//! Remote plugin projects (remote Python, remote Node) go the same way, their
//! environment prepared instead of a component built, and their service
//! started for the cases.

mod common;

use std::path::{Path, PathBuf};

use common::{polyplug, text};

/// `polyplug new` then `polyplug test` in a new directory: the project
/// passes its own test cases out of the box, every one of them. Returns the
/// project's directory.
fn new_project_passes_its_tests(language: &str, world: &str, parent: &Path) -> PathBuf {
    // A plugin name has no `@` or `.`: `auth@0.2` → `my-auth-0-2-rust`.
    let name = format!("my-{}-{language}", world.replace(['@', '.'], "-"));
    let out = polyplug(parent, &["new", &name, "--lang", language, "--world", world]);
    assert!(out.status.success(), "{}", text(&out));
    let dir = parent.join(&name);
    assert!(dir.join("polyplug.toml").exists(), "{}", text(&out));
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains(&format!("world:    {}", full_name(world))), "{shown}");
    assert!(shown.contains(&format!("\n{} passed, 0 failed", cases_in(&dir))), "{shown}");
    assert!(!shown.contains('✗'), "{shown}");
    dir
}

/// The full name of `world` as `polyplug new --world` spells it: a later
/// version with its version (`auth@0.2` is `polyplug:plugin/auth@0.2.0`),
/// any other in `polyplug:plugin@0.1.0`.
fn full_name(world: &str) -> String {
    match world.split_once('@') {
        Some((short, version)) => format!("polyplug:plugin/{short}@{version}.0"),
        None => format!("polyplug:plugin/{world}@0.1.0"),
    }
}

/// How many cases the `tests/*.json` files of the project in `dir` hold.
fn cases_in(dir: &Path) -> usize {
    let entries = std::fs::read_dir(dir.join("tests")).expect("the project has tests/");
    let files = entries.flatten().map(|entry| entry.path()).filter(|path| path.extension().is_some_and(|e| e == "json"));
    files
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a case file is readable");
            let json: serde_json::Value = serde_json::from_str(&text).expect("a case file is JSON");
            json["cases"].as_array().map_or(0, Vec::len)
        })
        .sum()
}

fn the_whole_workflow(language: &str) {
    let parent = tempfile::tempdir().unwrap();
    let dir = new_project_passes_its_tests(language, "transform", parent.path());
    let message = r#"{"payload": "polyglot", "content-type": "text/plain", "headers": []}"#;
    let out = polyplug(&dir, &["call", "plugin.wasm", "transformer/transform", message, "--allow-requested"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["val"]["payload"], "POLYGLOT", "{json}");
    std::fs::remove_dir_all(&dir).expect("a passed project is removed");
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
fn a_new_python_plugin_builds_tests_and_answers() {
    the_whole_workflow("python");
}

#[test]
fn a_new_typescript_plugin_builds_tests_and_answers() {
    the_whole_workflow("ts");
}

#[test]
fn a_new_javascript_plugin_builds_tests_and_answers() {
    the_whole_workflow("js");
}

/// The languages with templates for the mock-server worlds: every
/// component language.
const MOCK_SERVER_LANGUAGES: [&str; 6] = ["rust", "go", "c", "python", "js", "ts"];

/// A new project for `world` builds and passes the world's cases (the same
/// file for every language) in each of [`MOCK_SERVER_LANGUAGES`].
fn every_language_passes_the_cases_of(world: &str) {
    let parent = tempfile::tempdir().expect("a temporary directory");
    for language in MOCK_SERVER_LANGUAGES {
        let dir = new_project_passes_its_tests(language, world, parent.path());
        // A JavaScript project's node_modules alone is 400 MB: one project on disk at a time.
        std::fs::remove_dir_all(&dir).expect("a passed project is removed");
    }
}

#[test]
fn a_new_template_plugin_passes_its_tests_in_every_language() {
    every_language_passes_the_cases_of("template");
}

#[test]
fn a_new_response_plugin_passes_its_tests_in_every_language() {
    every_language_passes_the_cases_of("response");
}

#[test]
fn a_new_response_modifier_plugin_passes_its_tests_in_every_language() {
    every_language_passes_the_cases_of("response-modifier");
}

#[test]
fn a_new_datasource_plugin_passes_its_tests_in_every_language() {
    every_language_passes_the_cases_of("datasource");
}

#[test]
fn a_new_auth_0_2_plugin_passes_its_tests_in_every_language() {
    every_language_passes_the_cases_of("auth@0.2");
}

#[test]
fn a_javascript_plugin_missing_a_function_fails_its_build_naming_it() {
    let parent = tempfile::tempdir().unwrap();
    let out = polyplug(parent.path(), &["new", "misspelt", "--lang", "js", "--world", "transform"]);
    assert!(out.status.success(), "{}", text(&out));
    let dir = parent.path().join("misspelt");
    let source = std::fs::read_to_string(dir.join("plugin.js")).unwrap();
    std::fs::write(dir.join("plugin.js"), source.replace("  transform(input) {", "  transfrom(input) {")).unwrap();
    let out = polyplug(&dir, &["build"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("componentize-js failed for plugin `misspelt`"), "{shown}");
    assert!(shown.contains("the plugin object has no function `transform` (it implements `transformer/transform`); add it"), "{shown}");
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
    let cases: [(&[&str], &str); 8] = [
        (
            &["new", "x", "--lang", "ts", "--world", "conformance"],
            "no TypeScript template for the world `conformance`; TypeScript templates exist for: transform, auth, auth@0.2, template, response, response-modifier, datasource",
        ),
        (
            &["new", "x", "--lang", "remote-node", "--world", "nope"],
            "no remote Node template for the world `nope`; remote Node templates exist for: transform, auth",
        ),
        (
            &["new", "x", "--lang", "remote-python", "--world", "auth@0.2"],
            "no remote Python template for the world `auth@0.2`; remote Python templates exist for: transform, auth",
        ),
        (&["new", "x", "--lang", "node", "--world", "auth"], "remote plugins (services) in: remote-python, remote-node"),
        (&["new", "Bad_Name", "--lang", "rust", "--world", "auth"], "`Bad_Name` is not a plugin name"),
        (
            &["new", "x", "--lang", "rust", "--world", "nope"],
            "no Rust template for the world `nope`; Rust templates exist for: transform, auth, auth@0.2, template, response, response-modifier, datasource",
        ),
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

/// A remote plugin project passes its own cases for both worlds; `polyplug
/// build` prepares its environment once and makes no component. Returns the
/// parent directory (the projects are `my-<world>-<language>` in it).
fn a_remote_project_passes_its_tests(language: &str, environment: &str) -> tempfile::TempDir {
    let parent = tempfile::tempdir().expect("a temporary directory");
    for world in ["transform", "auth"] {
        let dir = new_project_passes_its_tests(language, world, parent.path());
        assert!(dir.join(environment).is_dir(), "{} has no {environment}", dir.display());
        assert!(!dir.join("plugin.wasm").exists(), "a remote plugin is no component");
        let out = polyplug(&dir, &["build"]);
        let shown = text(&out);
        assert!(out.status.success(), "{shown}");
        assert!(shown.contains(&format!("prepared {environment} of remote ")) && shown.contains("(up to date)"), "{shown}");
        assert!(shown.contains("no component is made: remote plugins are services; run it with"), "{shown}");
        assert!(shown.contains(&format!("polyplug call http://127.0.0.1:8080 --world {world} ")), "{shown}");
    }
    parent
}

#[test]
fn a_new_remote_python_plugin_prepares_its_venv_and_passes_its_tests() {
    let parent = a_remote_project_passes_its_tests("remote-python", ".venv");
    let dir = parent.path().join("my-transform-remote-python");

    // The cases are checked as a component's are: a wrong expectation fails.
    let cases = dir.join("tests/transform.json");
    let edited = std::fs::read_to_string(&cases).unwrap().replace("HELLO, WORLD", "HELLO, MOON");
    std::fs::write(&cases, edited).unwrap();
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("✗ a message comes out upper-cased and tagged"), "{shown}");
    assert!(shown.contains("HELLO, MOON") && shown.contains("HELLO, WORLD"), "{shown}");
    assert!(shown.contains("1 passed, 1 failed"), "{shown}");

    // A service that dies before it listens: what it printed is shown.
    std::fs::write(dir.join("plugin.py"), "import sys\nsys.exit('no such setting: colour')\n").unwrap();
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(!out.status.success(), "{shown}");
    assert!(shown.contains("`.venv/bin/python plugin.py` ended"), "{shown}");
    assert!(shown.contains("no such setting: colour"), "{shown}");
}

#[test]
fn a_new_remote_node_plugin_installs_its_packages_and_passes_its_tests() {
    let parent = a_remote_project_passes_its_tests("remote-node", "node_modules");
    // The auth cases ran with their file's `config` (the API key) in POLYPLUG_CONFIG.
    let dir = parent.path().join("my-auth-remote-node");
    let out = polyplug(&dir, &["test"]);
    let shown = text(&out);
    assert!(shown.contains("✓ the configured API key is let in"), "{shown}");
    assert!(shown.contains("served by `node plugin.mjs` at http://127.0.0.1:"), "{shown}");
}
