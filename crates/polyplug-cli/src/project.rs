//! `polyplug new`, `polyplug build` and `polyplug test`: a plugin author's workflow.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use polyplug_build::{Built, Language, Options, Project};
use serde_json::Value;

/// `polyplug new <name> --lang <language> --world <world> [--dir DIR]`.
pub fn new(name: &str, language: &str, world: &str, dir: Option<&Path>, sdk: Option<&Path>) -> Result<()> {
    let language = language_named(language)?;
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(name));
    let sdk = sdk.map(Path::to_path_buf).unwrap_or_else(polyplug_build::sdk::checkout_sdk);
    let files = polyplug_build::new::create(&dir, name, language, world, &sdk)?;
    println!("created {language} plugin `{name}` for the world `{world}` in {}:", dir.display());
    for file in files {
        println!("  {}", file.display());
    }
    println!("next:\n  cd {}\n  polyplug build      # makes plugin.wasm\n  polyplug test       # runs tests/*.json against it", dir.display());
    Ok(())
}

fn language_named(name: &str) -> Result<Language> {
    Language::from_name(name).with_context(|| {
        let known: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        format!("unknown language `{name}`; polyplug builds plugins in: {}", known.join(", "))
    })
}

/// `polyplug build [dir]`: builds the project and prints what it made.
pub fn build(dir: &Path, sdk: Option<&Path>, install_missing: bool) -> Result<Built> {
    let project = Project::open(dir)?;
    let started = Instant::now();
    eprintln!("building {} plugin `{}`…", project.language, project.name());
    let options = Options {
        sdk: sdk.map(Path::to_path_buf),
        install_missing,
        progress: Some(Box::new(move |step| eprintln!("  [{:5.1} s] {step}", started.elapsed().as_secs_f64()))),
        ..Options::default()
    };
    let built = polyplug_build::build(&project, &options)?;
    println!("built {} ({}) in {:.1} s", built.component.display(), size(built.size), started.elapsed().as_secs_f64());
    println!("  plugin:   {} {} ({})", project.name(), project.manifest.plugin.version, built.language);
    println!("  world:    {}", built.world);
    if built.requests.is_empty() {
        println!("  requests: nothing (no host interface, no WASI reach)");
    } else {
        for (i, request) in built.requests.iter().enumerate() {
            println!("  {} {request}", if i == 0 { "requests:" } else { "         " });
        }
    }
    Ok(built)
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

/// One file of test cases (`tests/*.json`, documented in `docs/plugin-tests.md`).
struct CaseFile {
    path: PathBuf,
    config: Vec<(String, String)>,
    cases: Vec<Case>,
}

struct Case {
    name: String,
    interface: String,
    function: String,
    args: Vec<Value>,
    expected: Expected,
}

enum Expected {
    Value(Value),
    /// The call fails with an error whose message contains this text.
    Error(String),
}

fn read_cases(path: &Path) -> Result<CaseFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
    let bad = |what: String| anyhow::anyhow!("{}: {what} (see docs/plugin-tests.md)", path.display());
    let config = match &json["config"] {
        Value::Null => Vec::new(),
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| match v {
                Value::String(v) => Ok((k.clone(), v.clone())),
                other => Err(bad(format!("config `{k}` must be a string, found {other}"))),
            })
            .collect::<Result<_>>()?,
        other => return Err(bad(format!("`config` must be an object of strings, found {other}"))),
    };
    let Some(list) = json["cases"].as_array() else { return Err(bad("no `cases` array".into())) };
    let mut cases = Vec::new();
    for (i, case) in list.iter().enumerate() {
        let name = case["name"].as_str().map(str::to_string).unwrap_or_else(|| format!("case {}", i + 1));
        let function = case["function"].as_str().ok_or_else(|| bad(format!("case `{name}` has no `function`")))?;
        let (interface, function) = function.rsplit_once('/').unwrap_or(("", function));
        let args = match &case["args"] {
            Value::Array(args) => args.clone(),
            Value::Null => Vec::new(),
            other => return Err(bad(format!("case `{name}`: `args` must be an array, found {other}"))),
        };
        let expected = match (case.get("expect"), case.get("expect-error")) {
            (Some(value), None) => Expected::Value(value.clone()),
            (None, Some(Value::String(text))) => Expected::Error(text.clone()),
            _ => return Err(bad(format!("case `{name}` needs exactly one of `expect` (a value) or `expect-error` (text)"))),
        };
        cases.push(Case { name, interface: interface.to_string(), function: function.to_string(), args, expected });
    }
    Ok(CaseFile { path: path.to_path_buf(), config, cases })
}

/// `polyplug test [dir]`: builds, loads the plugin under exactly what its
/// manifest requests, and runs every `tests/*.json` case against it.
pub fn test(dir: &Path, sdk: Option<&Path>, install_missing: bool, no_cache: bool) -> Result<()> {
    let built = build(dir, sdk, install_missing)?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("no test cases: put `tests/*.json` files beside polyplug.toml (see docs/plugin-tests.md)");
    }
    let manifest = crate::read_manifest(&built.component)?.context("the built component carries no manifest")?;
    let policy = crate::policy_allowing(&manifest, &crate::file_digest(&built.component)?, &[])?;
    let host = crate::host(no_cache, None, policy)?;
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let cases = read_cases(&file)?;
        let plugin = host
            .loader(&built.component)
            .config(cases.config.clone())
            .load()
            .with_context(|| format!("loading the plugin with the configuration of {}", cases.path.display()))?;
        if let Some(info) = plugin.info() {
            println!("{}: {} {} ({}), world {}", cases.path.display(), info.name, info.version, info.description, plugin.world().name);
        }
        for case in &cases.cases {
            let outcome = plugin.call_json(&case.interface, &case.function, &case.args);
            let failure = match (&case.expected, outcome) {
                (Expected::Value(want), Ok(got)) if *want == got => None,
                (Expected::Value(want), Ok(got)) => Some(format!("expected {want}\n      got {got}")),
                (Expected::Value(_), Err(e)) => Some(format!("failed: {e}")),
                (Expected::Error(text), Err(e)) if e.to_string().contains(text.as_str()) => None,
                (Expected::Error(text), Err(e)) => Some(format!("expected an error containing {text:?}\n      got the error: {e}")),
                (Expected::Error(text), Ok(got)) => Some(format!("expected an error containing {text:?}\n      got {got}")),
            };
            match failure {
                None => {
                    passed += 1;
                    println!("  ✓ {}", case.name);
                }
                Some(why) => {
                    failed += 1;
                    println!("  ✗ {}\n      {why}", case.name);
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} test case(s) failed");
    }
    Ok(())
}
