//! `polyplug new`, `polyplug build` and `polyplug test`: a plugin author's workflow.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use polyplug_build::new::Template;
use polyplug_build::remote::{RemoteLanguage, RemoteProject};
use polyplug_build::{Built, Language, Options, Project};
use serde_json::Value;

/// `polyplug new <name> --lang <language> --world <world> [--dir DIR]`.
pub fn new(name: &str, language: &str, world: &str, dir: Option<&Path>, sdk: Option<&Path>) -> Result<()> {
    let template = template_named(language)?;
    let dir = dir.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from(name));
    let sdk = sdk.map(Path::to_path_buf).unwrap_or_else(polyplug_build::sdk::checkout_sdk);
    let files = polyplug_build::new::create(&dir, name, template, world, &sdk)?;
    println!("created {template} plugin `{name}` for the world `{world}` in {}:", dir.display());
    for file in files {
        println!("  {}", file.display());
    }
    let (build, test) = match template {
        Template::Component(_) => ("makes plugin.wasm", "runs tests/*.json against it"),
        Template::Remote(RemoteLanguage::Python) => ("prepares .venv (pip install -r requirements.txt)", "starts the service and runs tests/*.json against it"),
        Template::Remote(RemoteLanguage::Node) => ("prepares node_modules (npm install)", "starts the service and runs tests/*.json against it"),
    };
    println!("next:\n  cd {}\n  polyplug build      # {build}\n  polyplug test       # {test}", dir.display());
    Ok(())
}

fn template_named(name: &str) -> Result<Template> {
    Template::from_name(name).with_context(|| {
        let known: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        let remote: Vec<&str> = RemoteLanguage::ALL.iter().map(|l| l.name()).collect();
        format!(
            "unknown language `{name}`; polyplug builds plugins in: {}; and remote plugins (services) in: {}",
            known.join(", "),
            remote.join(", ")
        )
    })
}

/// What `polyplug build` made of a project.
pub enum Made {
    /// A component.
    Component(Built),
    /// A remote plugin's environment, ready to run its service.
    Remote(Box<RemoteProject>),
}

/// `polyplug build [dir]`: builds the project and prints what it made. A
/// remote plugin project is not built but prepared (its venv, `npm install`).
pub fn build(dir: &Path, sdk: Option<&Path>, install_missing: bool) -> Result<Made> {
    let started = Instant::now();
    let options = Options {
        sdk: sdk.map(Path::to_path_buf),
        install_missing,
        progress: Some(Box::new(move |step| eprintln!("  [{:5.1} s] {step}", started.elapsed().as_secs_f64()))),
        ..Options::default()
    };
    if let Some(project) = RemoteProject::open(dir)? {
        return prepare(project, &options, started).map(|project| Made::Remote(Box::new(project)));
    }
    let project = Project::open(dir).map_err(|e| match e {
        e @ polyplug_build::BuildError::UnknownLanguage { .. } => anyhow::anyhow!(
            "{e}\n  (a remote plugin project has a plugin.py and a requirements.txt, or a package.json depending on @polyplug/remote)"
        ),
        e => e.into(),
    })?;
    eprintln!("building {} plugin `{}`…", project.language, project.name());
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
    Ok(Made::Component(built))
}

/// Prepares a remote plugin's environment and says how to run it.
fn prepare(project: RemoteProject, options: &Options, started: Instant) -> Result<RemoteProject> {
    eprintln!("preparing {} plugin `{}`…", project.language, project.name());
    let prepared = polyplug_build::remote::prepare(&project, options)?;
    let done = if prepared.steps.is_empty() { "up to date".to_string() } else { prepared.steps.join(", ") };
    println!(
        "prepared {} of {} plugin `{}` in {:.1} s ({done})",
        prepared.environment.display(),
        project.language,
        project.name(),
        started.elapsed().as_secs_f64()
    );
    println!("  plugin:   {} {} ({})", project.name(), project.manifest.plugin.version, project.language);
    println!("  world:    {}", project.manifest.plugin.world);
    // Shown with the configuration of the first case file, when there is one.
    let example = case_files(&project.dir).ok().and_then(|files| read_cases(files.first()?).ok());
    let (config, from) = match &example {
        Some(cases) => (config_json(&cases.config), format!("  (the configuration of {})", cases.path.display())),
        None => ("{}".to_string(), String::new()),
    };
    println!("no component is made: remote plugins are services; run it with");
    println!(
        "  POLYPLUG_LISTEN=127.0.0.1:8080 POLYPLUG_CONFIG='{}' {}{from}",
        config.replace('\'', "'\\''"),
        project.command_line().join(" ")
    );
    let short = &project.manifest.plugin.world.name;
    println!("and call it as a host would: polyplug call http://127.0.0.1:8080 --world {short} <interface>/<function> '<args>'");
    Ok(project)
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

/// The `tests/*.json` files of the project in `dir`, in name order.
fn case_files(dir: &Path) -> Result<Vec<PathBuf>> {
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
    Ok(files)
}

/// One file's plugin as the cases call it: a component loaded, or a remote
/// service started, afresh with the file's configuration. Dropping it ends it.
type Caller<'a> = Box<dyn Fn(&Case) -> Result<Value, String> + 'a>;

/// Runs the cases of every file in `files` against the plugin `open` gives
/// for each, printing one line per case and the tally; fails when a case does.
fn run_cases<'a>(files: &[PathBuf], mut open: impl FnMut(&CaseFile) -> Result<Caller<'a>>) -> Result<()> {
    let (mut passed, mut failed) = (0, 0);
    for file in files {
        let cases = read_cases(file)?;
        let call = open(&cases)?;
        for case in &cases.cases {
            let failure = match (&case.expected, call(case)) {
                (Expected::Value(want), Ok(got)) if *want == got => None,
                (Expected::Value(want), Ok(got)) => Some(format!("expected {want}\n      got {got}")),
                (Expected::Value(_), Err(e)) => Some(format!("failed: {e}")),
                (Expected::Error(text), Err(e)) if e.contains(text.as_str()) => None,
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

/// `polyplug test [dir]`: builds, loads the plugin under exactly what its
/// manifest requests, and runs every `tests/*.json` case against it. A
/// remote plugin is prepared, and its service started for each file.
pub fn test(dir: &Path, sdk: Option<&Path>, install_missing: bool, no_cache: bool) -> Result<()> {
    let built = match build(dir, sdk, install_missing)? {
        Made::Component(built) => built,
        Made::Remote(project) => return test_remote(&project),
    };
    let files = case_files(dir)?;
    let manifest = crate::read_manifest(&built.component)?.context("the built component carries no manifest")?;
    let policy = crate::policy_allowing(&manifest, &crate::file_digest(&built.component)?, &[])?;
    let host = crate::host(no_cache, None, policy, &crate::TrustArgs::default())?;
    run_cases(&files, |cases| {
        let plugin = host
            .loader(&built.component)
            .config(cases.config.clone())
            .load()
            .with_context(|| format!("loading the plugin with the configuration of {}", cases.path.display()))?;
        if let Some(info) = plugin.info() {
            println!("{}: {} {} ({}), world {}", cases.path.display(), info.name, info.version, info.description, plugin.world().name);
        }
        Ok(Box::new(move |case| plugin.call_json(&case.interface, &case.function, &case.args).map_err(|e| e.to_string())))
    })
}

/// How long a remote plugin's service may take to say where it listens.
const SERVICE_START: Duration = Duration::from_secs(60);

/// The line a service prints once it listens (the remote SDKs and `serve-remote` print it).
const LISTENING: &str = "polyplug-remote listening on ";

/// `polyplug test` of a remote plugin project: for each file, its service
/// started with the file's `config` as `POLYPLUG_CONFIG`, registered as a host
/// registers a remote plugin (its describe checked against the manifest's
/// world), and stopped after the file's cases.
fn test_remote(project: &RemoteProject) -> Result<()> {
    let files = case_files(&project.dir)?;
    let catalog = polyplug_wit::Catalog::builtin();
    let world = project.manifest.plugin.world.to_string();
    run_cases(&files, |cases| {
        let service = Service::start(project, &cases.config)
            .with_context(|| format!("starting the service with the configuration of {}", cases.path.display()))?;
        let config = polyplug_remote::RemoteConfig::new(world.clone(), [service.url.clone()]);
        let client = polyplug_remote::RemoteClient::connect_blocking(project.name(), config, &catalog)
            .with_context(|| format!("registering the service started with the configuration of {}", cases.path.display()))?;
        let plugin = &project.manifest.plugin;
        println!(
            "{}: {} {} ({}), world {}, served by `{}` at {}",
            cases.path.display(),
            plugin.name,
            plugin.version,
            plugin.description,
            plugin.world,
            project.command_line().join(" "),
            service.url
        );
        let remote = Remote { client, _service: service };
        Ok(Box::new(move |case| remote.call(case)))
    })
}

/// `config` as `POLYPLUG_CONFIG` carries it: a JSON object of strings.
fn config_json(config: &[(String, String)]) -> String {
    Value::Object(config.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()).to_string()
}

/// A registered remote plugin and its service. The fields drop in order:
/// the client (and its health checks) goes before the service is stopped.
struct Remote {
    client: polyplug_remote::RemoteClient,
    _service: Service,
}

impl Remote {
    fn call(&self, case: &Case) -> Result<Value, String> {
        polyplug_host::RemotePlugin::call_json(&self.client, &case.interface, &case.function, &case.args).map_err(|e| e.to_string())
    }
}

/// A remote plugin's service, running; killed when dropped.
struct Service {
    child: Child,
    url: String,
}

impl Service {
    /// Starts `project`'s service listening on a free port of 127.0.0.1 with
    /// `config`, and waits (at most [`SERVICE_START`]) for it to say its URL.
    fn start(project: &RemoteProject, config: &[(String, String)]) -> Result<Service> {
        let line = project.command_line().join(" ");
        let mut child = project
            .command()
            .env("POLYPLUG_LISTEN", "127.0.0.1:0")
            .env("POLYPLUG_CONFIG", config_json(config))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start `{line}` in {}", project.dir.display()))?;
        // What the service prints besides its URL, shown if it does not start (the last 16 KiB).
        let output = Arc::new(Mutex::new(String::new()));
        let (url_sender, url) = mpsc::channel();
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    match line.strip_prefix(LISTENING) {
                        Some(url) => drop(url_sender.send(url.trim().to_string())),
                        None => keep(&output, &line),
                    }
                }
            }));
        }
        if let Some(stderr) = child.stderr.take() {
            let output = output.clone();
            readers.push(std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    keep(&output, &line);
                }
            }));
        }
        let mut service = Service { child, url: String::new() };
        let deadline = Instant::now() + SERVICE_START;
        let why = loop {
            match url.recv_timeout(Duration::from_millis(100)) {
                Ok(url) => {
                    service.url = url;
                    return Ok(service);
                }
                Err(_) => {
                    if let Some(status) = service.child.try_wait()? {
                        break format!("`{line}` ended ({status}) before printing `{LISTENING}<url>`");
                    }
                    if Instant::now() > deadline {
                        break format!("`{line}` did not print `{LISTENING}<url>` within {} s", SERVICE_START.as_secs());
                    }
                }
            }
        };
        drop(service);
        // The readers end at the end of the output; give them a moment to read it all.
        let read_by = Instant::now() + Duration::from_secs(2);
        while readers.iter().any(|r| !r.is_finished()) && Instant::now() < read_by {
            std::thread::sleep(Duration::from_millis(20));
        }
        let output = output.lock().map(|o| o.clone()).unwrap_or_default();
        let output = if output.trim().is_empty() { "(it printed nothing)".to_string() } else { output };
        bail!("{why}; its output:\n{}", output.trim_end())
    }
}

/// Appends `line` to `output`, keeping the last 16 KiB.
fn keep(output: &Mutex<String>, line: &str) {
    const KEEP: usize = 16 << 10;
    let Ok(mut output) = output.lock() else { return };
    output.push_str(line);
    output.push('\n');
    if output.len() > KEEP {
        let mut cut = output.len() - KEEP;
        while !output.is_char_boundary(cut) {
            cut += 1;
        }
        output.drain(..cut);
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
