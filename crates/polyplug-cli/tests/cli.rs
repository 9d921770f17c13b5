//! The `polyplug` binary as a user runs it: output and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn guest(dir: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join("plugin.wasm");
    assert!(path.exists(), "{} is not built; run `cargo xtask test`", path.display());
    path
}

fn polyplug(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyplug"))
        .args(args)
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .env_remove("RUST_LOG")
        .output()
        .expect("polyplug runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn inspect_shows_world_description_exports_and_imports() {
    let path = guest("examples/auth-rust");
    let out = polyplug(&["inspect", path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("auth-rust 0.1.0\n"), "{text}");
    assert!(text.contains("world    polyplug:plugin/auth@0.1.0"), "{text}");
    assert!(text.contains("authenticator/authenticate: func(context: record {"), "{text}");
    assert!(text.contains("polyplug:plugin/log@0.1.0"), "{text}");
    assert!(text.contains("requests\n    log: write to the host's logs"), "{text}");
    assert!(text.contains("size     "), "{text}");

    let out = polyplug(&["inspect", "--json", path.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["plugin"]["name"], "auth-rust");
    assert_eq!(json["world"], "polyplug:plugin/auth@0.1.0");
}

#[test]
fn call_prints_the_json_result() {
    let path = guest("examples/transform-rust");
    let message = r#"{"payload": "{\"old\": 1}", "content-type": "application/json", "headers": []}"#;
    let out = polyplug(&["call", path.to_str().unwrap(), "transformer/transform", message, "-c", "rename=old=new", "--allow-requested"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tag"], "ok");
    assert_eq!(json["val"]["payload"], r#"{"new":1}"#);
}

#[test]
fn every_error_is_a_message_and_a_failing_exit() {
    let auth = guest("examples/auth-rust");
    let auth = auth.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["inspect", "/nonexistent/plugin.wasm"], "cannot read plugin file"),
        (
            &["call", auth, "authenticator/authenticate"],
            "requests capabilities its grant does not allow:\n  - `log`: add `log = true` under `[plugins.auth-rust]` in a policy file (none given: pass `--policy <file>`)",
        ),
        (&["call", auth, "authenticator/authenticate"], "`--allow-requested` grants what the plugin requests"),
        (&["call", auth, "authenticator/authenticate", "--allow-requested"], "refused its configuration: config key `api-keys` is missing"),
        (&["call", auth, "nope/nothing", "-c", "api-keys=k=a", "--allow-requested"], "has no function `nope/nothing`"),
        (&["call", auth, "authenticator/authenticate", "{", "-c", "api-keys=k=a"], "argument 1 is not JSON"),
        (
            &["call", auth, "authenticator/authenticate", "1", "2", "-c", "api-keys=k=a", "--allow-requested"],
            "at $.context: expected record",
        ),
        (&["call", auth, "authenticator/authenticate", "-c", "novalue"], "--config `novalue` is not `key=value`"),
        (
            &["call", auth, "plugin/describe", "--world", "transform", "--allow-requested"],
            "does not implement world `polyplug:plugin/transform@0.1.0`",
        ),
        (&["grant", auth, "--policy", "/nonexistent-dir/policy.toml"], "no terminal to ask for consent on; pass --yes"),
    ];
    for (args, expected) in cases {
        let out = polyplug(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = stderr(&out);
        assert!(err.contains(expected), "{args:?}: expected `{expected}` in:\n{err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert_eq!(err.matches(expected).count(), 1, "{args:?}: said more than once:\n{err}");
    }
}

#[test]
fn recorded_consent_lets_the_plugin_run() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    let policy = policy.to_str().unwrap();
    let auth = guest("examples/auth-rust");
    let auth = auth.to_str().unwrap();
    let out = polyplug(&["grant", auth, "--policy", policy, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("log: write to the host's logs"), "{}", stderr(&out));
    let written = std::fs::read_to_string(policy).unwrap();
    let digest = sha256_of(Path::new(auth));
    assert!(stderr(&out).contains(&format!("(sha256 {digest}) requests:")), "{}", stderr(&out));
    assert!(stderr(&out).contains("limit: timeout-ms = 500\n"), "requested limits are shown at consent:\n{}", stderr(&out));
    assert!(written.contains(&format!("[plugins.auth-rust]\nlog = true\nlimits = {{ memory = \"16 MiB\", timeout-ms = 500 }}\nsha256 = [\"{digest}\"]\nconsent = {{")), "{written}");

    let context = r#"{"method": "GET", "path": "/", "headers": []}"#;
    let out = polyplug(&["call", auth, "authenticator/authenticate", context, r#"{"tag": "api-key", "val": "k"}"#, "-c", "api-keys=k=ada", "--policy", policy]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["val"]["val"]["id"], "ada");

    // The same name on another component: the consent is not its to use.
    let bytes = std::fs::read(auth).unwrap();
    let manifest = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/auth-rust/polyplug.toml")).unwrap();
    let impostor = dir.path().join("impostor.wasm");
    std::fs::write(&impostor, polyplug_manifest::embed(&bytes, &format!("{manifest}\n# rebuilt\n")).unwrap()).unwrap();
    let out = polyplug(&["call", impostor.to_str().unwrap(), "authenticator/authenticate", context, r#"{"tag": "api-key", "val": "k"}"#, "-c", "api-keys=k=ada", "--policy", policy]);
    assert!(!out.status.success());
    let expected = format!(
        "error: plugin `auth-rust` (sha256 {}) is not a component its grant in {policy} was given to (sha256 {digest})",
        sha256_of(&impostor)
    );
    assert!(stderr(&out).starts_with(&expected), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("`polyplug grant <component> --policy {policy}`")), "{}", stderr(&out));
}

#[test]
fn consent_keeps_the_operators_limits_and_inspect_shows_requests_above_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "# ops: keep auth tight\n[plugins.auth-rust]\nlimits = { timeout-ms = 100 }\n").unwrap();
    let bytes = std::fs::read(guest("examples/auth-rust")).unwrap();
    let manifest = "[plugin]\nname = \"auth-rust\"\nversion = \"0.2.0\"\nworld = \"polyplug:plugin/auth@0.1.0\"\n[capabilities]\nlog = true\n[limits]\ntimeout-ms = 9000\n";
    let greedy = dir.path().join("greedy.wasm");
    std::fs::write(&greedy, polyplug_manifest::embed(&bytes, manifest).unwrap()).unwrap();
    let greedy = greedy.to_str().unwrap();

    let out = polyplug(&["inspect", greedy]);
    assert!(stdout(&out).contains("limit: timeout-ms = 9000 (above the default 5000: the operator must allow it)"), "{}", stdout(&out));

    let out = polyplug(&["grant", greedy, "--policy", policy.to_str().unwrap(), "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("keeps your `timeout-ms = 100`"), "{}", stderr(&out));
    let written = std::fs::read_to_string(&policy).unwrap();
    assert!(written.starts_with("# ops: keep auth tight\n[plugins.auth-rust]\nlimits = { timeout-ms = 100 }\n"), "{written}");
    // And the plugin is refused until the operator raises it.
    let context = r#"{"method": "GET", "path": "/", "headers": []}"#;
    let out = polyplug(&["call", greedy, "authenticator/authenticate", context, r#"{"tag": "none"}"#, "--policy", policy.to_str().unwrap()]);
    assert!(
        stderr(&out).starts_with("error: plugin `auth-rust` asks for limits above what it is allowed: `timeout-ms = 9000` (allowed: 100, the operator's limit)"),
        "{}",
        stderr(&out)
    );
}

fn sha256_of(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// Runs `polyplug args…` on a pseudo-terminal (util-linux `script`), typing `input`.
fn polyplug_on_terminal(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_polyplug"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', r"'\''")))
        .collect();
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &quoted.join(" "), "/dev/null"])
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn on_a_terminal_a_refusal_becomes_a_consent_question() {
    let auth = guest("examples/auth-rust");
    let args = [
        "call",
        auth.to_str().unwrap(),
        "authenticator/authenticate",
        r#"{"method": "GET", "path": "/", "headers": []}"#,
        r#"{"tag": "api-key", "val": "k"}"#,
        "-c",
        "api-keys=k=ada",
    ];
    let out = polyplug_on_terminal(&args, "y\n");
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Grant plugin `auth-rust` these requests for this run? [y/N]"), "{text}");
    assert!(text.contains("\"id\": \"ada\""), "{text}");

    let out = polyplug_on_terminal(&args, "n\n");
    assert!(!out.status.success());
    assert!(stdout(&out).contains("not granted; nothing was run"), "{}", stdout(&out));
}

#[test]
fn inspect_works_without_any_grant_whatever_the_plugin_declares() {
    // hostile-rust declares log, stdio, files, env, sockets, kv and http.
    let path = guest("tests/guests/hostile-rust");
    let out = polyplug(&["inspect", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.starts_with("hostile-rust 0.1.0\n"), "{text}");
    for line in ["http: requests to http://127.0.0.1:*", "kv: a key-value store of 16 KiB", "files: read-only access to /data"] {
        assert!(text.contains(line), "missing `{line}` in:\n{text}");
    }
}

#[test]
fn what_a_plugin_supplies_is_shown_escaped_never_obeyed_by_the_terminal() {
    // A manifest whose description and author try to clear the screen and rewrite a line.
    let bytes = std::fs::read(guest("examples/auth-rust")).unwrap();
    let manifest = "[plugin]\nname = \"auth-rust\"\nversion = \"0.1.0\"\ndescription = \"fine\\u001b[2J\\rgranted: everything\"\nauthors = [\"Eve \\u202eliam\"]\nworld = \"polyplug:plugin/auth@0.1.0\"\n[capabilities]\nlog = true\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sneaky.wasm");
    std::fs::write(&path, polyplug_manifest::embed(&bytes, manifest).unwrap()).unwrap();
    let out = polyplug(&["inspect", path.to_str().unwrap()]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("  about     fine\\u{1b}[2J\\rgranted: everything\n"), "{text}");
    assert!(text.contains("  authors   Eve \\u{202e}liam\n"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'), "raw control characters in:\n{text:?}");
}

/// A component of a world polyplug has no WIT for (`add` and `ops/double`), and that world's WIT.
const CALC: &str = include_str!("../../../tests/components/calculator.wat");
const CALC_WIT: &str = include_str!("../../../tests/components/calculator.wit");

#[test]
fn any_component_can_be_called_and_inspected_even_of_an_unknown_world() {
    let dir = tempfile::tempdir().unwrap();
    let calc = dir.path().join("calc.wasm");
    std::fs::write(&calc, CALC).unwrap();
    let calc = calc.to_str().unwrap();

    let out = polyplug(&["call", calc, "add", "2", "40"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "42");
    let out = polyplug(&["call", calc, "ops/double", "-21"]);
    assert_eq!(stdout(&out).trim(), "-42", "{}", stderr(&out));

    let out = polyplug(&["inspect", calc]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("world    the own exports of `calc.wasm` (a world this host has no WIT for)\n"), "{text}");
    assert!(text.contains("  add: func(a: u32, b: u32) -> u32\n"), "{text}");
    assert!(text.contains("  ops/double: func(x: s64) -> s64\n"), "{text}");

    // With the host application's WIT, it is matched against its world.
    let wit = dir.path().join("wit");
    std::fs::create_dir(&wit).unwrap();
    std::fs::write(wit.join("calc.wit"), CALC_WIT).unwrap();
    let out = polyplug(&["inspect", calc, "--wit", wit.to_str().unwrap()]);
    assert!(stdout(&out).contains("world    acme:calc/calculator@1.0.0\n"), "{}{}", stdout(&out), stderr(&out));
    let out = polyplug(&["call", calc, "add", "1", "1", "--wit", wit.to_str().unwrap(), "--world", "calculator"]);
    assert_eq!(stdout(&out).trim(), "2", "{}", stderr(&out));
}

#[test]
fn bindgen_writes_exactly_the_checked_in_greeter_bindings_and_checks_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let wit = root.join("examples/greeter-host/wit");
    let checked_in = root.join("examples/greeter-host/src/generated/greeter.rs");
    let out = polyplug(&["bindgen", "--wit", wit.to_str().unwrap(), "--world", "greeter"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), std::fs::read_to_string(&checked_in).unwrap(), "what the example checks in is what the command writes");
    let check = polyplug(&["bindgen", "--wit", wit.to_str().unwrap(), "--world", "greeter", "--out", checked_in.to_str().unwrap(), "--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    // A stale file is named, with the command that refreshes it.
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("greeter.rs");
    std::fs::write(&stale, "// old\n").unwrap();
    let check = polyplug(&["bindgen", "--wit", wit.to_str().unwrap(), "--world", "greeter", "--out", stale.to_str().unwrap(), "--check"]);
    assert!(!check.status.success());
    assert!(stderr(&check).contains(&format!("`{}` is stale: run `polyplug bindgen", stale.display())), "{}", stderr(&check));
    // A world the WIT does not have.
    let missing = polyplug(&["bindgen", "--wit", wit.to_str().unwrap(), "--world", "nope"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("nope"), "{}", stderr(&missing));
}

/// `component` put at `dir/name` in one step (written beside it, renamed over it).
fn install(dir: &Path, name: &str, component: &Path) {
    let staging = dir.join(format!(".{name}.partial"));
    std::fs::copy(component, &staging).unwrap();
    std::fs::rename(&staging, dir.join(name)).unwrap();
}

#[test]
fn run_loads_a_directory_and_says_which_plugins_did_not_load() {
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "worker.wasm", &guest("examples/transform-rust"));
    std::fs::write(dir.path().join("broken.wasm"), b"\0asm nope").unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[default]\nlog = true\n").unwrap();
    let out = polyplug(&["run", dir.path().to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert!(!out.status.success());
    let text = stdout(&out);
    assert!(text.contains("loaded   worker: transform-rust 0.1.0\n"), "{text}");
    assert!(text.contains("refused  broken: "), "{text}");
    assert!(text.contains("2 plugins in "), "{text}");
    assert!(stderr(&out).contains("error: 1 of 2 plugins did not load"), "{}", stderr(&out));
}

#[test]
fn run_watch_prints_reloads_as_they_happen() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    install(dir.path(), "worker.wasm", &guest("examples/transform-rust"));
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "[default]\nlog = true\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyplug"))
        .args(["run", dir.path().to_str().unwrap(), "--policy", policy.to_str().unwrap(), "--watch"])
        .env("POLYPLUG_CACHE_DIR", Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-cache"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if lines.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    // A bound on "printed at all", not a timing.
    let next_line = || seen.recv_timeout(std::time::Duration::from_secs(60)).expect("polyplug run printed nothing more");
    while !next_line().starts_with("watching ") {}
    // The next build of the same plugin: a new version.
    let transform = guest("examples/transform-rust");
    let manifest = std::fs::read_to_string(transform.parent().unwrap().join("polyplug.toml")).unwrap().replace("version = \"0.1.0\"", "version = \"0.1.1\"");
    let next = dir.path().join("next.bin");
    std::fs::write(&next, polyplug_manifest::embed(&std::fs::read(&transform).unwrap(), &manifest).unwrap()).unwrap();
    install(dir.path(), "worker.wasm", &next);
    let reloaded = next_line();
    // A build that does not compile: refused, the version before keeps serving.
    std::fs::write(dir.path().join(".partial"), b"\0asm nope").unwrap();
    std::fs::rename(dir.path().join(".partial"), dir.path().join("worker.wasm")).unwrap();
    let refused = next_line();
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(reloaded, "reloaded worker: transform-rust 0.1.0 -> transform-rust 0.1.1");
    assert!(refused.starts_with("refused  worker: "), "{refused}");
}
