//! Per-tenant metering: the fuel each tenant's calls use is counted, and a
//! tenant's fuel budget per second (`[tenants.<id>]` in the policy) refuses
//! its calls once used up, naming the tenant and the budget, while other
//! tenants' calls go on. `tests/guests/hostile-rust`'s `spin:<n>` does
//! `n` iterations of work.

mod common;

use polyplug_host::{Error, Host, Plugin};
use serde_json::json;

fn host(tenants: &str, fuel: bool) -> polyplug_host::Result<Host> {
    // What the hostile plugin requests (it asks for much; these calls use none of it).
    let text = format!(
        "[plugins.hostile-rust]\nsha256 = [\"{}\"]\nlog = true\nstdio = true\nfiles = [{{ host = {:?}, guest = \"/data\" }}]\nenv = [\"POLYPLUG_TEST_GRANTED\"]\n\
         sockets = [\"tcp:127.0.0.1:9\"]\nkv = {{ quota = \"16 KiB\" }}\nhttp = [\"http://127.0.0.1:*\"]\nlimits = {{ fuel = 50000000 }}\n\n{tenants}",
        common::digest("hostile-rust"),
        common::data_dir().display().to_string()
    );
    Host::builder().policy(polyplug_policy::Policy::from_toml(&text, "policy.toml").unwrap()).fuel_metering(fuel).build()
}

fn spin(plugin: &Plugin, iterations: u64) -> polyplug_host::Result<serde_json::Value> {
    plugin.call_json("transformer", "transform", &[json!({"payload": format!("spin:{iterations}"), "content-type": "text/plain", "headers": []})])
}

#[test]
fn each_tenants_fuel_is_counted_and_a_used_up_budget_refuses_only_that_tenant() {
    // A budget far below one call's use: the second call within a second is refused.
    let host = host("[tenants.acme]\nfuel-per-second = 1000\n", true).unwrap();
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let (acme, globex) = (plugin.for_tenant("acme"), plugin.for_tenant("globex"));
    let before = plugin.fuel_used();
    // Calls in quick succession; the refusal comes as soon as two fall in the same second (a bound, not a timing).
    let refusal = (0..1000).find_map(|_| spin(&acme, 20_000).err()).expect("acme's budget was never enforced");
    let Error::TenantBudget { tenant, plugin: name, function, fuel_per_second } = &refusal else { panic!("not a budget refusal: {refusal}") };
    assert_eq!((tenant.as_str(), name.as_str(), function.as_str(), *fuel_per_second), ("acme", "hostile-rust", "transformer/transform", 1000));
    assert_eq!(
        refusal.to_string(),
        "tenant `acme` has used its fuel budget for this second (1000 fuel per second, all plugins together), so plugin `hostile-rust`, \
         `transformer/transform` was not called; raise `fuel-per-second` under `[tenants.acme]` in the policy, or send this tenant's work more slowly"
    );
    assert_eq!(refusal.code(), polyplug_host::Code::ResourceExhausted);
    // Another tenant, and calls for no tenant, are not held back by acme's budget.
    for _ in 0..5 {
        spin(&globex, 20_000).unwrap();
        spin(&plugin, 20_000).unwrap();
    }
    let (acme_use, globex_use) = (host.tenant_usage("acme").unwrap(), host.tenant_usage("globex").unwrap());
    assert!(acme_use.refused >= 1 && acme_use.calls >= 1, "{acme_use:?}");
    assert_eq!((acme_use.fuel_per_second, globex_use.fuel_per_second), (Some(1000), None));
    assert_eq!((globex_use.calls, globex_use.refused), (5, 0));
    assert!(acme_use.fuel_used > 1000 && globex_use.fuel_used > 5 * 20_000, "{acme_use:?} {globex_use:?}");
    // Every unit of fuel is the plugin's and, for a tenant's call, that tenant's too.
    let untenanted = plugin.fuel_used() - before - acme_use.fuel_used - globex_use.fuel_used;
    assert!(untenanted > 5 * 20_000, "the calls for no tenant used the rest: {untenanted}");
    assert_eq!(host.tenant_usage("initech"), None, "no handle was made for it");
}

#[test]
fn a_budget_needs_a_host_that_meters_fuel() {
    let Err(err) = host("[tenants.acme]\nfuel-per-second = 1000\n", false) else { panic!("a host without metering took a fuel budget") };
    assert_eq!(
        err.to_string(),
        "cannot set up the polyplug host: policy.toml gives tenant `acme` a fuel budget, but this host does not meter fuel; enable it with `HostBuilder::fuel_metering(true)`"
    );
    host("[tenants.acme]\n", false).expect("a tenant without a budget needs no metering");
}

#[test]
fn the_fuel_of_one_piece_of_work_is_measured_sync_and_async_nested_and_apart_from_other_work() {
    let host = host("", true).unwrap();
    let plugin = host.load_file(common::guest("hostile-rust")).unwrap();
    let before = plugin.fuel_used();
    let (result, small) = polyplug_host::metered_sync(|| spin(&plugin, 1_000));
    result.unwrap();
    // The inner measure counts toward the outer one; work outside any measure toward none.
    let (inner, whole) = polyplug_host::metered_sync(|| {
        let (_, inner) = polyplug_host::metered_sync(|| spin(&plugin, 50_000).unwrap());
        spin(&plugin, 1_000).unwrap();
        inner
    });
    let unmeasured = plugin.fuel_used();
    spin(&plugin, 50_000).unwrap();
    assert!(small > 1_000 && inner > small, "a call of 50 times the work used {inner} fuel, one of 1 used {small}");
    // The same small call uses the same fuel (wasm is deterministic), up to the instance's first-call work.
    assert!(whole > inner && whole - inner <= small + small / 2 && whole - inner >= small / 2, "the outer measure ({whole}) is the inner ({inner}) and one small call ({small})");
    assert_eq!(plugin.fuel_used() - before, small + whole + (plugin.fuel_used() - unmeasured), "every call counts for the plugin, measured or not");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let args = [json!({"payload": "spin:1000", "content-type": "text/plain", "headers": []})];
        // Two tasks at once: each counts only its own calls.
        let (a, b) = tokio::join!(
            tokio::spawn({
                let plugin = plugin.clone();
                async move { polyplug_host::metered(async { plugin.call_json_async("transformer", "transform", &args).await.unwrap() }).await.1 }
            }),
            tokio::spawn({
                let plugin = plugin.clone();
                let args = [json!({"payload": "spin:50000", "content-type": "text/plain", "headers": []})];
                async move { polyplug_host::metered(async { plugin.call_json_async("transformer", "transform", &args).await.unwrap() }).await.1 }
            }),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert!(a < 2 * small && a > small / 2, "the small async call used {a}, the sync one {small}");
        assert!(b > a, "the large async call used {b}, the small one {a}");
    });
}
