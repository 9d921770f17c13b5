//! The output limit holds while a result is being copied out of the plugin:
//! a 100 MiB result is refused without the host ever holding more than a
//! bounded multiple of the limit. Measured with a counting allocator (this
//! test binary's global allocator), so the bound is a fact, not a hope.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use polyplug_host::{Error, Host};
use polyplug_limits::{ByteSize, COPY_FACTOR, LimitError, Limits};
use polyplug_wit::Catalog;
use serde_json::json;

/// The system allocator, counting the bytes live and the most ever live.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: delegates every call to `System` unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const OUTPUT_LIMIT: u64 = 1 << 20;

#[test]
fn a_100_mib_result_within_the_memory_limit_is_refused_while_being_copied() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bytes.wit"), "package test:bytes@1.0.0;\n\nworld bytes {\n    export get: func() -> list<u8>;\n    export small: func() -> list<u8>;\n}\n").unwrap();
    // 1,601 pages: 100 MiB of bytes at 64 KiB, plus the first page holding
    // the two return areas: (64 KiB, 100 MiB) for `get`, (64 KiB, 4) for `small`.
    let wat = r#"(component
  (core module $m
    (memory (export "memory") 1601)
    (data (i32.const 8) "\00\00\01\00\00\00\40\06")
    (data (i32.const 16) "\00\00\01\00\04\00\00\00")
    (func (export "get") (result i32) i32.const 8)
    (func (export "small") (result i32) i32.const 16))
  (core instance $i (instantiate $m))
  (func (export "get") (result (list u8)) (canon lift (core func $i "get") (memory (core memory $i "memory"))))
  (func (export "small") (result (list u8)) (canon lift (core func $i "small") (memory (core memory $i "memory")))))"#;
    let path = dir.path().join("big.wasm");
    std::fs::write(&path, wat).unwrap();
    let limits = Limits { memory: ByteSize(128 << 20), output: ByteSize(OUTPUT_LIMIT), ..Limits::default() };
    let host = Host::builder()
        .catalog(Catalog::from_dir(dir.path()).unwrap())
        .default_limits(limits.clone())
        .no_cache()
        .build()
        .unwrap();
    let plugin = host.load_file(&path).unwrap();
    assert_eq!(plugin.call_json("", "small", &[]).unwrap(), json!("AAAAAA=="), "a small result is copied as usual");

    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = plugin.call_json("", "get", &[]).unwrap_err();
    let peak = PEAK.load(Ordering::Relaxed) - before;

    match &err {
        Error::Limit { limit: LimitError::Copied { limit }, .. } => assert_eq!(*limit, OUTPUT_LIMIT),
        other => panic!("expected the output limit, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "plugin `big.wasm`, `get`: limit `output` (1 MiB, the plugin handed over more) exceeded; to raise it, set `output = \"2 MiB\"` in the plugin's `limits` in the policy"
    );
    let bound = limits.copy_budget() as u64 + OUTPUT_LIMIT;
    assert!(peak as u64 <= bound, "the host held {peak} bytes at its peak, more than {bound}");
    assert_eq!(limits.copy_budget() as u64, COPY_FACTOR * OUTPUT_LIMIT);
    // The plugin serves again (its instance was discarded, not the plugin).
    assert_eq!(plugin.call_json("", "small", &[]).unwrap(), json!("AAAAAA=="));
}

#[test]
fn the_copy_budget_never_refuses_a_result_the_output_limit_allows() {
    // A `list<u8>` element costs one `Val` to copy and 4/3 of a byte as base64 JSON.
    let val = std::mem::size_of::<wasmtime::component::Val>() as u64;
    assert!(val * 3 <= COPY_FACTOR * 4, "a Val is {val} bytes: raise COPY_FACTOR");
}

#[test]
fn a_typed_result_is_held_to_the_same_budget() {
    use polyplug_bindings::conformance::Conformance;
    let guest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/rust/plugin.wasm");
    let host = Host::builder()
        .policy(common::policy())
        .default_limits(Limits { output: ByteSize(OUTPUT_LIMIT), ..Limits::default() })
        .no_cache()
        .build()
        .unwrap();
    let typed = host.load_file(guest).unwrap().typed::<Conformance>().unwrap();
    let reverse = |bytes: &[u8]| typed.call("reverse-bytes", |t, s| t.polyplug_plugin_all_types().call_reverse_bytes(s, bytes));
    // 1 MiB back is within the limit…
    assert_eq!(reverse(&vec![7u8; 1 << 20]).unwrap().len(), 1 << 20);
    // …40 MiB back is more than the host copies for a 1 MiB limit.
    let big = vec![7u8; 40 << 20];
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let err = reverse(&big).unwrap_err();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert!(matches!(err, Error::Limit { limit: LimitError::Copied { limit: OUTPUT_LIMIT }, .. }), "{err:?}");
    assert!(peak as u64 <= COPY_FACTOR * OUTPUT_LIMIT + OUTPUT_LIMIT, "the host held {peak} bytes at its peak");
}
