//! C plugins built with the C SDK (`sdk/c`), loaded by the real host: the
//! CSV → JSON example (`examples/transform-c-csv`) and the conformance world
//! in C (`tests/conformance/c`), which must answer every function exactly as
//! the Rust one (`tests/conformance/rust`) does, and must free what it is
//! given (many calls under a small memory limit).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use polyplug_bindings::conformance::Conformance;
use polyplug_host::{Host, Plugin};
use polyplug_policy::Policy;
use serde_json::{Value, json};

/// The component `cargo xtask guests` built in `dir` (relative to the repository).
fn component(dir: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir).join("plugin.wasm");
    assert!(
        path.exists(),
        "{} is not built; run `cargo xtask guests` (it needs clang, lld and wasi-libc)",
        path.display()
    );
    path
}

fn csv_plugin() -> PathBuf {
    component("examples/transform-c-csv")
}

fn conformance_c() -> PathBuf {
    component("tests/conformance/c")
}

fn conformance_rust() -> PathBuf {
    component("tests/conformance/rust")
}

fn digest(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// One host granting the C plugins (and the Rust conformance plugin, to
/// compare with) what they request; the C conformance plugin gets 16 MiB of
/// memory at most.
fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let text = format!(
            r#"
[plugins.transform-c-csv]
sha256 = ["{csv}"]
log = true

[plugins.conformance-c]
sha256 = ["{c}"]
log = true
config = true
kv = {{ quota = "64 KiB" }}
secrets = ["conformance-token", "conformance-unset"]
limits = {{ memory = "16 MiB" }}

[plugins.conformance-rust]
sha256 = ["{rust}"]
log = true
config = true
kv = {{ quota = "64 KiB" }}
secrets = ["conformance-token", "conformance-unset"]
"#,
            csv = digest(&csv_plugin()),
            c = digest(&conformance_c()),
            rust = digest(&conformance_rust()),
        );
        Host::builder()
            .policy(Policy::from_toml(&text, "the C guests' test policy").unwrap())
            .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
            .build()
            .expect("the host starts")
    })
}

// ---------------------------------------------------------------------------
// transform-c-csv

fn message(payload: &str, content_type: &str) -> Value {
    json!({"payload": payload, "content-type": content_type, "headers": [["x-trace", "1"]]})
}

/// The JSON payload the plugin made of `csv` (the call must pass it on).
fn converted(plugin: &Plugin, csv: &str) -> String {
    let out = plugin.call_json("transformer", "transform", &[message(csv, "text/csv")]).unwrap();
    assert_eq!(out["tag"], "ok", "{csv:?} → {out}");
    let message = &out["val"];
    assert_eq!(message["content-type"], "application/json", "{out}");
    assert_eq!(message["headers"], json!([["x-trace", "1"], ["x-transformed-by", "transform-c-csv"]]), "{out}");
    let payload = message["payload"].as_str().unwrap().to_string();
    // Whatever it made must be JSON.
    serde_json::from_str::<Value>(&payload).unwrap_or_else(|e| panic!("{csv:?} → {payload}: not JSON: {e}"));
    payload
}

/// The reason the plugin rejected `csv` with.
fn rejected(plugin: &Plugin, csv: &str) -> String {
    let out = plugin.call_json("transformer", "transform", &[message(csv, "text/csv")]).unwrap();
    assert_eq!(out["tag"], "err", "{csv:?} → {out}");
    out["val"].as_str().unwrap().to_string()
}

#[test]
fn csv_becomes_a_json_array_of_objects() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    assert_eq!(plugin.world().short_name, "transform");
    assert_eq!(plugin.info().unwrap().name, "transform-c-csv");
    assert_eq!(
        converted(&plugin, "id,name\n1,Ada\n2,Grace\n"),
        r#"[{"id":"1","name":"Ada"},{"id":"2","name":"Grace"}]"#
    );
    // No final line end, CRLF line ends, a byte order mark.
    assert_eq!(converted(&plugin, "\u{feff}a,b\r\n1,2\r\n3,4"), r#"[{"a":"1","b":"2"},{"a":"3","b":"4"}]"#);
    // Empty fields, and blank lines (skipped).
    assert_eq!(converted(&plugin, "a,b,c\n\n,,\n\n"), r#"[{"a":"","b":"","c":""}]"#);
}

#[test]
fn quoted_fields_keep_commas_quotes_and_line_breaks() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    let csv = "name,quote,notes\n\"Smith, J\",\"He said \"\"hi\"\"\",\"two\nlines\"\n\"\",\"\"\"\",plain\n";
    assert_eq!(
        converted(&plugin, csv),
        r#"[{"name":"Smith, J","quote":"He said \"hi\"","notes":"two\nlines"},{"name":"","quote":"\"","notes":"plain"}]"#
    );
    // A quoted header, and a quoted field holding a CRLF.
    assert_eq!(converted(&plugin, "\"a,b\"\n\"x\r\ny\"\n"), r#"[{"a,b":"x\r\ny"}]"#);
}

#[test]
fn output_strings_are_json_escaped() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    let csv = "k\\ey,v\nback\\slash,tab\there\n\"ctl\u{1}\u{1f}\",\"ü ✓ 𝄞 /\"\n";
    let json = converted(&plugin, csv);
    assert_eq!(
        json,
        "[{\"k\\\\ey\":\"back\\\\slash\",\"v\":\"tab\\there\"},{\"k\\\\ey\":\"ctl\\u0001\\u001f\",\"v\":\"ü ✓ 𝄞 /\"}]"
    );
    let parsed: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        parsed,
        json!([{"k\\ey": "back\\slash", "v": "tab\there"}, {"k\\ey": "ctl\u{1}\u{1f}", "v": "ü ✓ 𝄞 /"}])
    );
}

#[test]
fn empty_input_is_an_empty_array() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    assert_eq!(converted(&plugin, ""), "[]");
    assert_eq!(converted(&plugin, "\n\r\n"), "[]");
    assert_eq!(converted(&plugin, "a,b\n"), "[]", "a header without records");
}

#[test]
fn malformed_csv_is_rejected_naming_the_line() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    assert_eq!(
        rejected(&plugin, "a,b\n1,2\n\"3,4\n5,6\n"),
        "line 3: unterminated quoted field (the quote opened here is never closed)"
    );
    assert_eq!(rejected(&plugin, "a,b\n1,2\n3\n"), "line 3: 1 field, but the header (line 1) has 2");
    assert_eq!(rejected(&plugin, "a,b\n1,2,3\n"), "line 2: 3 fields, but the header (line 1) has 2");
    // Lines count the line breaks inside quoted fields.
    assert_eq!(rejected(&plugin, "a,b\n\"x\ny\",2\n1\n"), "line 4: 1 field, but the header (line 1) has 2");
    assert_eq!(
        rejected(&plugin, "a,b\n\"x\"y,2\n"),
        "line 2: `y` after the closing quote of field 1 (a quote inside a quoted field is written twice: \"\")"
    );
    assert_eq!(
        rejected(&plugin, "a,b\nx,y\"z\n"),
        "line 2: a quote inside unquoted field 2 (quote the whole field and write the quote twice: \"a \"\"b\"\"\")"
    );
    assert_eq!(rejected(&plugin, "a,,c\n"), "line 1: header column 2 has no name");
    assert_eq!(rejected(&plugin, "a,b,a\n1,2,3\n"), "line 1: header columns 1 and 3 have the same name `a`");
    // The instance still works after rejecting messages.
    assert_eq!(converted(&plugin, "a\n1\n"), r#"[{"a":"1"}]"#);
}

#[test]
fn other_content_types_pass_unchanged() {
    let plugin = host().load_file(csv_plugin()).unwrap();
    let input = message("{\"not\": \"csv\"}", "application/json");
    let out = plugin.call_json("transformer", "transform", std::slice::from_ref(&input)).unwrap();
    assert_eq!(out, json!({"tag": "ok", "val": input}));
    // `text/csv` with parameters, in any case, is CSV.
    let out = plugin.call_json("transformer", "transform", &[message("a\n1", "Text/CSV; charset=utf-8")]).unwrap();
    assert_eq!(out["val"]["payload"], r#"[{"a":"1"}]"#, "{out}");
}

#[test]
fn the_delimiter_is_configurable_and_checked() {
    let semicolon = host().loader(csv_plugin()).config([("delimiter", ";")]).load().unwrap();
    assert_eq!(converted(&semicolon, "a;b\n\"x;y\";1,5\n"), r#"[{"a":"x;y","b":"1,5"}]"#);
    let tab = host().loader(csv_plugin()).config([("delimiter", "tab")]).load().unwrap();
    assert_eq!(converted(&tab, "a\tb\n1,2\t3\n"), r#"[{"a":"1,2","b":"3"}]"#);
    let err = host()
        .loader(csv_plugin())
        .config([("delimiter", ";;")])
        .load()
        .err()
        .expect("the configuration is refused")
        .to_string();
    assert!(
        err.contains("config `delimiter`: expected one ASCII character other than `\"`, or `tab`; got `;;`"),
        "{err}"
    );
    let err = host()
        .loader(csv_plugin())
        .config([("separator", ";")])
        .load()
        .err()
        .expect("the configuration is refused")
        .to_string();
    assert!(err.contains("unknown config key `separator`; known keys: delimiter"), "{err}");
}

// ---------------------------------------------------------------------------
// conformance-c

/// Calls to make of both conformance plugins, with the result the WIT
/// documents (`null` where only the agreement of both is checked).
fn cases() -> Vec<(&'static str, Vec<Value>, Value)> {
    vec![
        ("inc-u8", vec![json!(255)], json!(0)),
        ("inc-u16", vec![json!(65535)], json!(0)),
        ("inc-u32", vec![json!(4294967295u32)], json!(0)),
        ("inc-u64", vec![json!("18446744073709551615")], json!(0)),
        ("neg-s8", vec![json!(-128)], json!(-128)),
        ("neg-s16", vec![json!(-32768)], json!(-32768)),
        ("neg-s32", vec![json!(-2147483648i64)], json!(-2147483648i64)),
        ("neg-s64", vec![json!("-9223372036854775808")], json!("-9223372036854775808")),
        ("neg-s64", vec![json!(5)], json!(-5)),
        ("double-f32", vec![json!(1.25)], json!(2.5)),
        ("double-f32", vec![json!("NaN")], json!("NaN")),
        ("double-f64", vec![json!("-Infinity")], json!("-Infinity")),
        ("double-f64", vec![json!(-0.5)], json!(-1.0)),
        ("next-char", vec![json!("a")], json!("b")),
        ("next-char", vec![json!("\u{D7FF}")], json!("\u{D7FF}")),
        ("next-char", vec![json!("\u{E000}")], json!("\u{E001}")),
        ("next-char", vec![json!("\u{FFFF}")], json!("\u{10000}")),
        ("next-char", vec![json!("\u{10FFFF}")], json!("\u{10FFFF}")),
        ("not-bool", vec![json!(true)], json!(false)),
        ("reverse-string", vec![json!("héllo ✓")], json!("✓ olléh")),
        ("reverse-string", vec![json!("")], json!("")),
        ("reverse-string", vec![json!("a𝄞b\u{0301}€")], json!("€\u{0301}b𝄞a")),
        ("reverse-bytes", vec![json!([1, 2, 255])], json!("/wIB")),
        ("reverse-bytes", vec![json!([])], json!("")),
        ("sum-list", vec![json!([1, -2, 3])], json!(2)),
        ("sum-list", vec![json!(["9223372036854775807", 1])], json!("-9223372036854775808")),
        ("sum-list", vec![json!([])], json!(0)),
        ("upper-all", vec![json!(["abc", "ß", "xYz-é", ""])], json!(["ABC", "ß", "XYZ-é", ""])),
        ("upper-all", vec![json!([])], json!([])),
        (
            "move-point",
            vec![json!({"x": 2147483647, "y": -2147483648i64, "label": ""}), json!(1), json!(-1)],
            json!({"x": -2147483648i64, "y": 2147483647, "label": " moved"}),
        ),
        (
            "move-point",
            vec![json!({"x": 1, "y": 2, "label": "ü"}), json!(10), json!(-20)],
            json!({"x": 11, "y": -18, "label": "ü moved"}),
        ),
        ("area", vec![json!({"tag": "circle", "val": 2.0})], json!(std::f64::consts::PI * 2.0 * 2.0)),
        ("area", vec![json!({"tag": "rectangle", "val": [2.0, 3.5]})], json!(7.0)),
        (
            "area",
            vec![
                json!({"tag": "polygon", "val": [{"x": 0, "y": 0, "label": "a"}, {"x": 4, "y": 0, "label": "b"}, {"x": 4, "y": 3, "label": "c"}]}),
            ],
            json!(6.0),
        ),
        // Clockwise: the absolute value.
        (
            "area",
            vec![
                json!({"tag": "polygon", "val": [{"x": 0, "y": 0, "label": ""}, {"x": 0, "y": 2, "label": ""}, {"x": 2, "y": 2, "label": ""}, {"x": 2, "y": 0, "label": ""}]}),
            ],
            json!(4.0),
        ),
        // Far corners: 64-bit products, wrapping sums; both languages must agree.
        (
            "area",
            vec![json!({"tag": "polygon", "val": [
                {"x": -2147483648i64, "y": -2147483648i64, "label": ""},
                {"x": 2147483647, "y": -2147483648i64, "label": ""},
                {"x": 2147483647, "y": 2147483647, "label": ""},
                {"x": -2147483648i64, "y": 2147483647, "label": ""}]})],
            Value::Null,
        ),
        ("area", vec![json!({"tag": "polygon", "val": []})], json!(0.0)),
        ("area", vec![json!("empty")], json!(0.0)),
        ("next-color", vec![json!("red")], json!("green")),
        ("next-color", vec![json!("green")], json!("blue")),
        ("next-color", vec![json!("blue")], json!("red")),
        ("toggle-permissions", vec![json!(["read"])], json!(["write", "execute"])),
        ("toggle-permissions", vec![json!([])], json!(["read", "write", "execute"])),
        ("option-len", vec![json!("four")], json!(4)),
        ("option-len", vec![json!("")], json!(0)),
        ("option-len", vec![json!(null)], json!(null)),
        ("nested-option", vec![json!({"some": 21})], json!({"some": 42})),
        ("nested-option", vec![json!({"some": 4294967295u32})], json!({"some": 4294967294u32})),
        ("nested-option", vec![json!({"some": null})], json!({"some": null})),
        ("nested-option", vec![json!(null)], json!(null)),
        ("parse-number", vec![json!("123")], json!({"tag": "ok", "val": 123})),
        ("parse-number", vec![json!("+7")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("0000000042")], json!({"tag": "ok", "val": 42})),
        ("parse-number", vec![json!("4294967295")], json!({"tag": "ok", "val": 4294967295u32})),
        ("parse-number", vec![json!("")], json!({"tag": "err", "val": "empty-input"})),
        ("parse-number", vec![json!("4294967296")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("12345678901")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("+")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("-1")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!(" 1")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("1a")], json!({"tag": "err", "val": "too-long"})),
        ("parse-number", vec![json!("١")], json!({"tag": "err", "val": "too-long"})),
        ("rotate-tuple", vec![json!([7, "x", 0.25])], json!([0.25, 7, "x"])),
        ("rotate-tuple", vec![json!([0, "", "NaN"])], json!(["NaN", 0, ""])),
        ("live-counters", vec![], json!(0)),
        ("host-round-trip", vec![json!("greeting"), json!("hello from the test")], json!("héllo")),
        ("host-round-trip", vec![json!("absent"), json!("no such key")], json!(null)),
    ]
}

fn everything() -> Value {
    json!({
        "points": [{"x": -1, "y": 1, "label": "ü"}, {"x": 2147483647, "y": 0, "label": ""}],
        "shape": {"tag": "polygon", "val": [{"x": 0, "y": 0, "label": "o"}]},
        "color": "green",
        "permissions": ["read", "execute"],
        "nickname": "nick",
        "nested": {"some": 3},
        "outcome": {"tag": "err", "val": "bad"},
        "triple": [255, "t", "-Infinity"],
        "bytes": "AAEC/w=="
    })
}

fn load_with_config(path: PathBuf) -> Plugin {
    host().loader(path).config([("greeting", "héllo")]).load().unwrap()
}

#[test]
fn conformance_c_answers_what_the_wit_documents() {
    let plugin = load_with_config(conformance_c());
    assert_eq!(plugin.world().short_name, "conformance");
    let info = plugin.info().unwrap();
    assert_eq!((info.name.as_str(), info.version.as_str()), ("conformance-c", "0.1.0"));
    for (function, args, expected) in cases() {
        if expected.is_null() {
            continue;
        }
        let got = plugin.call_json("all-types", function, &args).unwrap_or_else(|e| panic!("{function}: {e}"));
        assert_eq!(got, expected, "{function}({args:?})");
    }
    for e in [
        everything(),
        json!({
            "points": [], "shape": {"tag": "empty"}, "color": "blue", "permissions": [], "nickname": null,
            "nested": null, "outcome": {"tag": "ok", "val": "18446744073709551615"}, "triple": [0, "", 0.5], "bytes": ""
        }),
    ] {
        assert_eq!(plugin.call_json("all-types", "echo-everything", std::slice::from_ref(&e)).unwrap(), e);
    }
    let shape = everything()["shape"].clone();
    assert_eq!(plugin.call_json("all-types", "area", &[shape]).unwrap(), json!(0.0), "a polygon of one point");
}

#[test]
fn conformance_c_agrees_with_rust() {
    let c = load_with_config(conformance_c());
    let rust = load_with_config(conformance_rust());
    let mut checked = 0;
    for (function, args, _) in cases().into_iter().chain([("echo-everything", vec![everything()], Value::Null)]) {
        let from_c = c.call_json("all-types", function, &args).unwrap_or_else(|e| panic!("C {function}: {e}"));
        let from_rust = rust.call_json("all-types", function, &args).unwrap_or_else(|e| panic!("Rust {function}: {e}"));
        assert_eq!(from_c, from_rust, "{function}({args:?}): C and Rust differ");
        checked += 1;
    }
    assert!(checked > 60, "{checked}");
}

#[test]
fn conformance_c_counters_live_in_the_guest() {
    let plugin = load_with_config(conformance_c());
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut instance = typed.instance().unwrap();
    instance
        .call("counter", |c, store| {
            let t = c.polyplug_plugin_all_types();
            let counter = t.counter();
            assert_eq!(t.call_live_counters(&mut *store)?, 0);
            let a = counter.call_constructor(&mut *store, 10)?;
            assert_eq!(counter.call_increment(&mut *store, a, 5)?, 15);
            assert_eq!(counter.call_increment(&mut *store, a, i64::MAX)?, 15i64.wrapping_add(i64::MAX));
            assert_eq!(counter.call_increment(&mut *store, a, -i64::MAX)?, 15);
            let b = counter.call_fork(&mut *store, a)?;
            assert_eq!(t.call_live_counters(&mut *store)?, 2);
            assert_eq!(counter.call_increment(&mut *store, b, 1)?, 16);
            assert_eq!(counter.call_value(&mut *store, a)?, 15, "a fork is a counter of its own");
            assert_eq!(t.call_sum_counters(&mut *store, a, b)?, 31);
            a.resource_drop(&mut *store)?;
            assert_eq!(t.call_live_counters(&mut *store)?, 1);
            let c2 = counter.call_fork(&mut *store, b)?;
            assert_eq!(counter.call_value(&mut *store, c2)?, 16);
            assert_eq!(t.call_live_counters(&mut *store)?, 2);
            b.resource_drop(&mut *store)?;
            c2.resource_drop(&mut *store)?;
            assert_eq!(t.call_live_counters(&mut *store)?, 0);
            Ok(())
        })
        .unwrap();
    // Many counters made and dropped: each destructor frees its counter.
    instance
        .call("counters", |c, store| {
            let t = c.polyplug_plugin_all_types();
            for i in 0..5_000 {
                let a = t.counter().call_constructor(&mut *store, i)?;
                let b = t.counter().call_fork(&mut *store, a)?;
                assert_eq!(t.call_sum_counters(&mut *store, a, b)?, 2 * i);
                a.resource_drop(&mut *store)?;
                b.resource_drop(&mut *store)?;
            }
            assert_eq!(t.call_live_counters(&mut *store)?, 0);
            Ok(())
        })
        .unwrap();
}

#[test]
fn conformance_c_frees_its_arguments() {
    // 20,000 calls with 4 KiB arguments pass 80 MiB through one instance of
    // a plugin granted 16 MiB: had it kept (leaked) what it was given or
    // made, it would run out of memory after a few thousand calls.
    let plugin = load_with_config(conformance_c());
    assert_eq!(plugin.limits().memory.0, 16 << 20, "{:?}", plugin.limits());
    let typed = plugin.typed::<Conformance>().unwrap();
    let mut instance = typed.instance().unwrap();
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7) as u8).collect();
    let mut reversed = bytes.clone();
    reversed.reverse();
    let text: String = "héllo ✓ 𝄞 ".chars().cycle().take(2600).collect();
    assert!(text.len() >= 4096, "{}", text.len());
    let reversed_text: String = text.chars().rev().collect();
    let words: Vec<String> = (0..64).map(|i| format!("word number {i}")).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    for i in 0..20_000 {
        instance
            .call("reverse", |c, store| {
                let t = c.polyplug_plugin_all_types();
                assert_eq!(t.call_reverse_bytes(&mut *store, &bytes)?, reversed);
                assert_eq!(t.call_reverse_string(&mut *store, &text)?, reversed_text);
                if i % 10 == 0 {
                    assert_eq!(t.call_upper_all(&mut *store, &words)?, upper);
                    assert_eq!(t.call_option_len(&mut *store, Some(&text))?, Some(text.len() as u32));
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
    }
}

#[test]
fn conformance_c_imports_only_what_it_declares() {
    let plugin = load_with_config(conformance_c());
    let mut imports = plugin.imports();
    imports.retain(|i| i.starts_with("polyplug:plugin/"));
    imports.sort();
    assert_eq!(
        imports,
        [
            "polyplug:plugin/config@0.1.0",
            "polyplug:plugin/kv@0.1.0",
            "polyplug:plugin/log@0.1.0",
            "polyplug:plugin/secrets@0.1.0",
            "polyplug:plugin/types@0.1.0"
        ]
    );
    let csv = host().load_file(csv_plugin()).unwrap();
    let mut imports = csv.imports();
    imports.retain(|i| i.starts_with("polyplug:plugin/"));
    imports.sort();
    assert_eq!(
        imports,
        ["polyplug:plugin/log@0.1.0", "polyplug:plugin/types@0.1.0"],
        "the CSV example declares only `log`"
    );
}
