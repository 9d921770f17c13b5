//! Memory, tables and the instance pool, attacked by components built to
//! take as much as a store allows: many memories, big tables, every
//! concurrency slot held at once.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use polyplug_host::{Error, Host, Plugin};
use polyplug_limits::{ByteSize, LimitError, Limits};
use polyplug_wit::Catalog;
use serde_json::{Value as Json, json};

/// The world the components below implement, as a host application's own WIT.
const WIT: &str = "package test:pool@0.1.0;

world greedy {
    /// Spins until stopped.
    export spin: func();
    /// `memory.grow` on the main memory; the old size in pages, or -1.
    export grow: func(pages: u32) -> s32;
    /// `memory.grow` on a second memory of the same instance.
    export grow-second: func(pages: u32) -> s32;
    /// `table.grow` on a table; the old size, or -1.
    export grow-table: func(elements: u32) -> s32;
}
";

/// A component with its main module, a second memory, and `extra` more
/// core instances each holding a memory of their own.
fn greedy_component(dir: &Path, name: &str, extra: usize) -> PathBuf {
    let extra_memories = "(core instance (instantiate $one-memory))\n".repeat(extra);
    let wat = format!(
        r#"(component
  (core module $one-memory (memory (export "memory") 1))
  {extra_memories}
  (core module $second (memory 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))
  (core instance $second (instantiate $second))
  (core module $main
    (memory (export "memory") 1)
    (table $t 1 funcref)
    (func (export "spin") (loop $forever (br $forever)))
    (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
    (func (export "grow-table") (param i32) (result i32) ref.null func local.get 0 table.grow $t))
  (core instance $main (instantiate $main))
  (func (export "spin") (canon lift (core func $main "spin")))
  (func (export "grow") (param "pages" u32) (result s32) (canon lift (core func $main "grow")))
  (func (export "grow-second") (param "pages" u32) (result s32) (canon lift (core func $second "grow")))
  (func (export "grow-table") (param "elements" u32) (result s32) (canon lift (core func $main "grow-table")))
)"#
    );
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, wat).unwrap();
    path
}

fn host_with(limits: Limits, max_idle: usize) -> (Host, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pool.wit"), WIT).unwrap();
    let host = Host::builder()
        .catalog(Catalog::from_dir(dir.path()).unwrap())
        .default_limits(limits)
        .max_idle_instances(max_idle)
        .no_cache()
        .build()
        .unwrap();
    (host, dir)
}

fn call(plugin: &Plugin, function: &str, args: &[Json]) -> Result<Json, Error> {
    plugin.call_json("", function, args)
}

fn limit_of(result: Result<Json, Error>) -> LimitError {
    match result {
        Err(Error::Limit { limit, .. }) => limit,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn memory_is_limited_per_instance_not_per_memory() {
    let (host, dir) = host_with(Limits { memory: ByteSize(32 << 20), ..Limits::default() }, 4);
    let plugin = host.load_file(greedy_component(dir.path(), "two-memories", 0)).unwrap();
    // 300 pages (18.75 MiB) in one memory fits 32 MiB…
    assert_eq!(call(&plugin, "grow", &[json!(300)]).unwrap(), json!(1));
    // …and 300 more in the instance's other memory would not fit beside it.
    let limit = limit_of(call(&plugin, "grow-second", &[json!(300)]));
    assert!(matches!(limit, LimitError::Memory { limit, wanted } if limit == 32 << 20 && wanted > 32 << 20), "{limit}");
    // A fresh instance starts with its own budget.
    assert_eq!(call(&plugin, "grow-second", &[json!(300)]).unwrap(), json!(1));
}

#[test]
fn tables_grow_to_the_documented_limit_and_no_further_with_polyplugs_error() {
    let (host, dir) = host_with(Limits::default(), 4);
    let plugin = host.load_file(greedy_component(dir.path(), "tables", 0)).unwrap();
    // The documented default is 100,000 elements: the pool must not stop it sooner.
    assert_eq!(call(&plugin, "grow-table", &[json!(60_000)]).unwrap(), json!(1));
    assert_eq!(limit_of(call(&plugin, "grow-table", &[json!(60_000)])), LimitError::TableElements { limit: 100_000 });

    // A limit the pool cannot honour is refused at load, not discovered at run time.
    let (host, dir) = host_with(Limits { table_elements: 1_000_000, ..Limits::default() }, 4);
    let err = host.load_file(greedy_component(dir.path(), "tables", 0)).err().unwrap();
    assert_eq!(
        err.to_string(),
        "plugin `tables.wasm` does not fit this host's instance pool: its `table-elements` limit is 1000000, but this host's instance pool holds at most 100000 elements per table; lower the limit"
    );
}

#[test]
fn a_plugin_at_its_instance_cap_does_not_stop_another_from_instantiating() {
    // 16 memories per instance (the most a component may have here): at the
    // default concurrency (64 + idle ones) one such plugin would take more
    // than half the pool of 2,000 memories.
    let (host, dir) = host_with(Limits { timeout: Duration::from_secs(10), ..Limits::default() }, 4);
    let err = host.load_file(greedy_component(dir.path(), "hog", 14)).err().unwrap();
    assert!(matches!(err, Error::PoolShare { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "plugin `hog.wasm` does not fit this host's instance pool: at its instance cap (64 in use by `concurrency` + 8 idle) it would hold 1152 of the host's 2000 pooled memories, \
         more than half, which would stop other plugins from instantiating; lower its `concurrency`"
    );

    // With a concurrency that fits, hold every slot at once…
    // Long enough that all ten are surely running together, however slow the machine.
    let limits = Limits { timeout: Duration::from_secs(10), concurrency: 10, ..Limits::default() };
    let (host, dir) = host_with(limits, 4);
    let hog = host.load_file(greedy_component(dir.path(), "hog", 14)).unwrap();
    let spinning: Vec<_> = (0..10)
        .map(|_| {
            let hog = hog.clone();
            std::thread::spawn(move || call(&hog, "spin", &[]))
        })
        .collect();
    common::wait_until("the 10 spinning calls to run at once", || hog.instances_in_use() == 10);
    assert_eq!(limit_of(call(&hog, "grow", &[json!(1)])), LimitError::Concurrency { limit: 10 });
    // …and another plugin in the same host still instantiates and answers.
    let other = host.load_file(greedy_component(dir.path(), "other", 14)).unwrap();
    assert_eq!(call(&other, "grow", &[json!(1)]).unwrap(), json!(1));
    for spin in spinning {
        assert_eq!(limit_of(spin.join().unwrap()), LimitError::Timeout { limit: Duration::from_secs(10) });
    }
}
