//! Python services for tests, started as child processes of the test: the
//! remote Python SDK's venv (which `cargo xtask` makes in the target
//! directory) runs them in the repository root. Shared by the tests of
//! several crates through `#[path]`.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A child process killed when dropped, and the URL it printed.
pub struct Service(pub Child, pub String);

impl Service {
    /// Kills it now.
    #[allow(dead_code, reason = "not every test stops a service early")]
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `python args…` in `root` (the repository) and waits (at most
/// 60 s) for the line `<prefix><url>`.
pub fn python(root: &Path, args: &[&str], envs: &[(&str, &str)], prefix: &str) -> Service {
    let python = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../remote-python-venv/bin/python");
    assert!(python.exists(), "{} is missing: `cargo xtask test` (or `cargo xtask guests`) makes it", python.display());
    let mut child = Command::new(python)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (send, receive) = std::sync::mpsc::channel();
    let prefix = prefix.to_string();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let url = lines.by_ref().map_while(Result::ok).find_map(|l| l.strip_prefix(&prefix).map(str::to_string));
        let _ = send.send(url);
        for _ in lines {}
    });
    let url = receive.recv_timeout(std::time::Duration::from_secs(60)).ok().flatten();
    let url = url.unwrap_or_else(|| panic!("{args:?} did not say where it listens within 60 s"));
    Service(child, url)
}

/// The OAuth2 example (`examples/auth-python-oauth`) as a remote plugin on
/// 127.0.0.1, deciding against its introspection server with the example
/// tokens: `(introspection server, plugin)`; the plugin's URL is its `.1`.
pub fn oauth_plugin(root: &Path) -> (Service, Service) {
    let example = "examples/auth-python-oauth";
    let introspection = python(
        root,
        &[
            &format!("{example}/introspection_server.py"),
            "--tokens",
            &format!("{example}/tokens.example.json"),
            "--client-id",
            "polyplug",
            "--client-secret",
            "s3cr3t",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
        "introspection server listening on ",
    );
    let plugin = python(
        root,
        &[&format!("{example}/plugin.py")],
        &[
            ("OAUTH_INTROSPECTION_URL", introspection.1.as_str()),
            ("OAUTH_CLIENT_ID", "polyplug"),
            ("OAUTH_CLIENT_SECRET", "s3cr3t"),
            ("POLYPLUG_LISTEN", "127.0.0.1:0"),
        ],
        "polyplug-remote listening on ",
    );
    (introspection, plugin)
}
