//! The `secrets` host interface, attacked as a plugin and an operator would:
//! a plugin reads only the names its grant lists (another read is refused
//! and audited), a plugin asking for an ungranted name is refused at load,
//! `${SECRET:name}` in configuration is resolved by the host, and no value
//! reaches a log line, a span, an error or an audit event.
//! The plugin is `tests/guests/secret-reader-rust`: its message names a
//! secret and its answer is what `secrets.get` returned.

mod common;

use std::sync::Arc;

use base64::Engine as _;
use polyplug_host::{Host, SecretsFile};
use serde_json::{Value as Json, json};

/// The values in the secrets file; none may appear anywhere but in the plugin's answer.
const SHARED: &str = "t-shared-4f1c";
const ACME: &str = "t-acme-91ab";

fn secrets() -> Arc<SecretsFile> {
    let text = format!("[secrets]\ncrm-token = \"{SHARED}\"\nerp-key = \"k-erp-77\"\n\n[tenants.acme]\ncrm-token = \"{ACME}\"\n");
    Arc::new(SecretsFile::from_toml(&text, "secrets.toml").unwrap())
}

/// A host granting the reader the secrets `granted` (and `log`, `config`), with `store` as its secret store.
fn host(store: Option<Arc<SecretsFile>>, granted: &str) -> Host {
    host_with_tenants(store, granted, "")
}

/// [`host`], with `tenants` (`[tenants.<id>]` tables) added to the policy.
fn host_with_tenants(store: Option<Arc<SecretsFile>>, granted: &str, tenants: &str) -> Host {
    let policy = format!("[plugins.secret-reader-rust]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\nsecrets = [{granted}]\n\n{tenants}", common::digest("secret-reader-rust"));
    let mut builder = Host::builder().policy(polyplug_policy::Policy::from_toml(&policy, "policy.toml").unwrap()).audit(common::audit().clone());
    if let Some(store) = store {
        builder = builder.secrets(store);
    }
    builder.build().unwrap()
}

fn envelope(payload: &str, tenant: &str) -> Json {
    json!({
        "id": "m-1", "tenant-id": tenant, "integration-id": "orders", "correlation-id": null,
        "content-type": "text/plain", "payload": base64::engine::general_purpose::STANDARD.encode(payload), "headers": [], "source": "test",
        "steps": [], "created-at": 0, "expires-at": null, "retry-count": 0,
    })
}

/// What the plugin answered for a message naming `secret` (the envelope
/// says the handle's tenant, as a pipeline would).
fn read(plugin: &polyplug_host::Plugin, secret: &str) -> String {
    let tenant = plugin.tenant().unwrap_or("none");
    let context = json!({"pipeline": "orders", "step": "read", "tenant-id": tenant});
    let out = plugin.call_json("polyplug:plugin/converter@0.2.0", "convert", &[envelope(secret, tenant), context]).unwrap();
    assert_eq!(out["tag"], "ok", "not converted: {out}");
    assert_eq!(out["val"]["headers"], json!([["x-tenant", tenant]]), "{out}");
    let bytes = base64::engine::general_purpose::STANDARD.decode(out["val"]["payload"].as_str().unwrap()).unwrap();
    String::from_utf8(bytes).unwrap()
}

/// Every log line and span field written on this thread while `f` runs, as text.
///
/// One global subscriber, installed once, keeps what each capturing thread
/// writes: a scoped one (`with_default`) would race with the tests running
/// beside it over tracing's global cache of which call sites are enabled.
fn captured<R>(f: impl FnOnce() -> R) -> (R, Vec<String>) {
    use std::cell::RefCell;
    use tracing_subscriber::layer::SubscriberExt;
    thread_local! {
        static CAPTURING: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    }
    fn keep(text: String) {
        CAPTURING.with_borrow_mut(|lines| lines.as_mut().map(|lines| lines.push(text)));
    }
    struct Text(String);
    impl tracing::field::Visit for Text {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.0.push_str(&format!("{}={:?} ", field.name(), value));
        }
    }
    struct Lines;
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Lines {
        fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut text = Text(String::new());
            event.record(&mut text);
            keep(text.0);
        }
        fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut text = Text(format!("span {} ", attrs.metadata().name()));
            attrs.record(&mut text);
            keep(text.0);
        }
        fn on_record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
            let mut text = Text("span record ".into());
            values.record(&mut text);
            keep(text.0);
        }
    }
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let subscriber = tracing_subscriber::registry().with(Lines).with(tracing_subscriber::filter::LevelFilter::TRACE);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber in this test binary");
    });
    CAPTURING.set(Some(Vec::new()));
    let result = f();
    (result, CAPTURING.take().unwrap_or_default())
}

fn assert_no_value(place: &str, texts: &[String]) {
    for value in [SHARED, ACME, "k-erp-77"] {
        assert!(texts.iter().all(|t| !t.contains(value)), "a secret value reached {place}: {texts:#?}");
    }
}

#[test]
fn a_plugin_reads_the_names_its_grant_lists_and_nothing_else_and_no_value_is_ever_shown() {
    let audit_before = common::audit().of("secrets").len();
    let (answers, lines) = captured(|| {
        let plugin = host(Some(secrets()), "\"crm-token\"").load_file(common::guest("secret-reader-rust")).unwrap();
        [read(&plugin, "crm-token"), read(&plugin, "erp-key"), read(&plugin, "../crm-token")]
    });
    assert_eq!(answers[0], format!("value:{SHARED}"), "a call for no tenant reads the shared value");
    assert_eq!(
        answers[1],
        "error:not-granted:plugin `secret-reader-rust` may not read the secret `erp-key`: its grant does not name it; \
         add `secrets = [\"erp-key\"]` to the plugin's grant in the policy (and to `[capabilities]` in its polyplug.toml)"
    );
    assert!(answers[2].starts_with("error:not-granted:plugin `secret-reader-rust` may not read the secret `../crm-token`"), "{}", answers[2]);
    let events = common::audit().of("secrets");
    // Tests run at once and share the audit sink: only the names this test asked for.
    let new: Vec<_> = events[audit_before..].iter().filter(|e| e.plugin == "secret-reader-rust" && ["erp-key", "../crm-token"].contains(&e.target.as_str())).collect();
    assert_eq!(new.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["erp-key", "../crm-token"], "each refused read is audited");
    assert!(new[0].reason.starts_with("a secret its grant does not name; add `secrets = [\"erp-key\"]`"), "{}", new[0].reason);
    assert!(lines.iter().any(|l| l.contains("read the secret `crm-token` for step `read`")), "the plugin's log line arrives: {lines:#?}");
    assert_no_value("the logs and spans", &lines);
    assert_no_value("the audit trail", &events.iter().map(|e| format!("{e} {e:?}")).collect::<Vec<_>>());
}

#[test]
fn a_call_for_a_tenant_reads_that_tenants_secrets_on_instances_of_its_own() {
    let plugin = host(Some(secrets()), "\"crm-token\"").load_file(common::guest("secret-reader-rust")).unwrap();
    let (acme, globex) = (plugin.for_tenant("acme"), plugin.for_tenant("globex"));
    assert_eq!(read(&acme, "crm-token"), format!("value:{ACME}"));
    assert_eq!(read(&globex, "crm-token"), "error:not-found:the host has no value of the secret `crm-token` for tenant `globex`");
    assert_eq!(read(&plugin, "crm-token"), format!("value:{SHARED}"));
    // What an instance kept from acme's call never reaches another tenant's call, nor one for no tenant.
    assert_eq!(read(&acme, "last"), format!("value:{ACME}"), "acme's instance is reused for acme");
    assert_eq!(read(&globex, "last"), "none");
    assert_eq!(read(&plugin, "last"), format!("value:{SHARED}"));
    assert_eq!(read(&acme, "last"), format!("value:{ACME}"));
    // The same through asynchronous calls (their own pool of instances).
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let convert = async |plugin: &polyplug_host::Plugin, payload: &str| {
            let tenant = plugin.tenant().unwrap();
            let context = json!({"pipeline": "orders", "step": "read", "tenant-id": tenant});
            let out = plugin.call_json_async("polyplug:plugin/converter@0.2.0", "convert", &[envelope(payload, tenant), context]).await.unwrap();
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(out["val"]["payload"].as_str().unwrap()).unwrap()).unwrap()
        };
        assert_eq!(convert(&acme, "crm-token").await, format!("value:{ACME}"));
        assert_eq!(convert(&globex, "last").await, "none");
        assert_eq!(convert(&acme, "last").await, format!("value:{ACME}"));
    });
}

#[test]
fn a_tenant_whose_policy_lists_secrets_reads_only_those_names_whatever_the_plugin_is_granted() {
    let audit_before = common::audit().of("secrets").len();
    let host = host_with_tenants(Some(secrets()), "\"crm-token\"", "[tenants.acme]\nsecrets = [\"crm-token\"]\n\n[tenants.globex]\nsecrets = [\"db-password\"]\n");
    let plugin = host.load_file(common::guest("secret-reader-rust")).unwrap();
    let (acme, globex, initech) = (plugin.for_tenant("acme"), plugin.for_tenant("globex"), plugin.for_tenant("initech"));
    assert_eq!(read(&acme, "crm-token"), format!("value:{ACME}"), "acme's list names it, and so does the plugin's grant");
    assert_eq!(
        read(&globex, "crm-token"),
        "error:not-granted:plugin `secret-reader-rust` may not read the secret `crm-token` for tenant `globex`: the policy's `[tenants.globex]` does not name it; \
         add \"crm-token\" to `secrets` under `[tenants.globex]` in the policy if this tenant's calls should read it"
    );
    assert!(
        read(&globex, "db-password").starts_with("error:not-granted:plugin `secret-reader-rust` may not read the secret `db-password`: its grant does not name it"),
        "a tenant's list does not widen the plugin's grant"
    );
    assert_eq!(read(&initech, "crm-token"), "error:not-found:the host has no value of the secret `crm-token` for tenant `initech`", "a tenant with no list: the plugin's grant decides");
    assert_eq!(read(&plugin, "crm-token"), format!("value:{SHARED}"), "a call for no tenant: the plugin's grant decides");
    let events = common::audit().of("secrets");
    let new: Vec<_> = events[audit_before..].iter().filter(|e| e.reason.contains("tenant `globex`")).collect();
    assert_eq!(new.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["crm-token"], "the tenant's refusal is audited");
    assert!(new[0].reason.starts_with("a secret tenant `globex` is not granted"), "{}", new[0].reason);
    // A tenant's list is checked like a plugin's.
    let err = polyplug_policy::Policy::from_toml("[tenants.acme]\nsecrets = [\"../x\"]\n", "p.toml").unwrap_err();
    assert!(err.to_string().contains("../x"), "{err}");
}

#[test]
fn a_granted_name_without_a_value_or_without_a_store_says_so() {
    let empty = Arc::new(SecretsFile::from_toml("", "secrets.toml").unwrap());
    let plugin = host(Some(empty), "\"crm-token\"").load_file(common::guest("secret-reader-rust")).unwrap();
    assert_eq!(read(&plugin, "crm-token"), "error:not-found:the host has no value of the secret `crm-token` (the call runs for no tenant)");
    let plugin = host(None, "\"crm-token\"").load_file(common::guest("secret-reader-rust")).unwrap();
    assert_eq!(
        read(&plugin, "crm-token"),
        "error:unavailable:plugin `secret-reader-rust` is granted the secret `crm-token`, but this host has no secret store; give the host one (`HostBuilder::secrets`)"
    );
}

#[test]
fn a_plugin_asking_for_a_secret_its_grant_lacks_is_refused_before_it_runs() {
    let err = host(Some(secrets()), "\"erp-key\"").load_file(common::guest("secret-reader-rust")).unwrap_err().to_string();
    assert!(err.contains("plugin `secret-reader-rust` requests capabilities its grant does not allow"), "{err}");
    assert!(err.contains("the secret `crm-token`: add `secrets = [\"crm-token\"]` under `[plugins.secret-reader-rust]` in policy.toml"), "{err}");
}

#[test]
fn configuration_refers_to_secrets_by_name_and_the_host_fills_them_in() {
    let (result, lines) = captured(|| {
        let host = host(Some(secrets()), "\"crm-token\"");
        let loaded = host.loader(common::guest("secret-reader-rust")).config([("authorization", "Bearer ${SECRET:crm-token}"), ("plain", "${SECRET")]).load().unwrap();
        let missing = host.loader(common::guest("secret-reader-rust")).config([("authorization", "Bearer ${SECRET:vault-token}")]).load();
        ([read(&loaded, "config:authorization"), read(&loaded, "config:plain")], missing.map(|_| ()).unwrap_err().to_string())
    });
    assert_eq!(result.0, [format!("value:Bearer {SHARED}"), "value:${SECRET".to_string()], "what is not a reference stays as written");
    assert_eq!(
        result.1,
        "plugin `secret-reader-rust`: the configuration value of `authorization` refers to the secret `vault-token`, which the host's secret store does not have"
    );
    assert_no_value("the logs and spans", &lines);
}
