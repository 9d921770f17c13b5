//! The demo, run as a newcomer runs it (`cargo xtask demo`), with its output checked.

#[test]
fn the_demo_shows_every_plugin_working() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_host-demo")).output().expect("the demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for line in [
        r#"out: {"amount":42,"customer":"Ada","status":"active"}"#,
        "out: (filtered out: no `customer` field)",
        "out: (rejected by the plugin: payload is JSON but not an object (found an array))",
        "GET /orders with key k-alice     → allow as `alice` (roles: admin, reader)",
        "GET /orders with key k-mallory   → deny with 403: unknown API key",
        "GET /orders with no credentials  → deny with 401: an API key is required (x-api-key header)",
        "GET /orders with a valid token     → allow as `carol` (roles: reader)",
        "GET /orders with a forged token    → deny with 401: invalid token signature",
        "GET /orders with an expired token  → deny with 401: token expired at ",
        r#"out: [{"name":"Ada","amount":"42"},{"name":"Lovelace, A.","amount":"7"}] (application/json)"#,
        "out: (rejected by the plugin: line 2: 1 field, but the header (line 1) has 2)",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
}
