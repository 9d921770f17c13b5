//! Pipeline steps of every transform version through one `StepPlugin`: a
//! `transform@0.2` converter (`tests/guests/secret-reader-rust`), a
//! `filter@0.2` filter (`tests/guests/filter-rust`), and a `transform@0.1`
//! plugin through the mapping (`examples/transform-rust`, unchanged), on
//! the same envelope.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polyplug::pipeline::{Context, Envelope, Outcome, StepPlugin};
use polyplug::{Host, SecretsFile};

fn guest(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = ["tests/guests", "examples"].iter().map(|dir| root.join(dir).join(name).join("plugin.wasm")).find(|p| p.exists());
    path.unwrap_or_else(|| panic!("{name} is not built: run `cargo xtask test` (or `cargo xtask guests` first)"))
}

fn host() -> Host {
    use sha2::Digest;
    let digest = |name| hex::encode(sha2::Sha256::digest(std::fs::read(guest(name)).unwrap()));
    let policy = format!(
        "[plugins.secret-reader-rust]\nsha256 = [\"{}\"]\nlog = true\nconfig = true\nsecrets = [\"crm-token\"]\n\n\
         [plugins.filter-rust]\nsha256 = [\"{}\"]\n\n[plugins.transform-rust]\nsha256 = [\"{}\"]\nlog = true\n",
        digest("secret-reader-rust"),
        digest("filter-rust"),
        digest("transform-rust")
    );
    let secrets = SecretsFile::from_toml("[tenants.acme]\ncrm-token = \"t-acme\"\n", "secrets.toml").unwrap();
    Host::builder()
        .cache_dir(Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyplug-cache"))
        .policy(polyplug_policy::Policy::from_toml(&policy, "the test policy").unwrap())
        .secrets(Arc::new(secrets))
        .build()
        .unwrap()
}

fn envelope(payload: &[u8], headers: &[(&str, &str)]) -> Envelope {
    Envelope {
        id: "m-7".into(),
        tenant_id: "acme".into(),
        integration_id: "orders".into(),
        correlation_id: Some("c-1".into()),
        content_type: "application/json".into(),
        payload: payload.to_vec(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        source: "http:/orders".into(),
        steps: vec![],
        created_at: 1_796_000_000_000,
        expires_at: None,
        retry_count: 0,
    }
}

fn context() -> Context {
    Context { pipeline: "orders".into(), step: "check".into(), tenant_id: "acme".into() }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converters_filters_and_first_version_transforms_run_as_steps_alike() {
    let host = host();
    let converter = StepPlugin::new(host.load_file(guest("secret-reader-rust")).unwrap().for_tenant("acme")).unwrap();
    let filter = StepPlugin::new(host.load_file(guest("filter-rust")).unwrap()).unwrap();
    let first = StepPlugin::new(host.load_file(guest("transform-rust")).unwrap()).unwrap();
    assert_eq!(
        [converter.world(), filter.world(), first.world()],
        ["polyplug:plugin/transform@0.2.0", "polyplug:plugin/filter@0.2.0", "polyplug:plugin/transform@0.1.0"]
    );

    // The converter: a new envelope, everything it did not change kept.
    let Outcome::Pass(out) = converter.run(&envelope(b"crm-token", &[]), &context()).await.unwrap() else { panic!("not passed") };
    assert_eq!(out.payload, b"value:t-acme", "the tenant's secret, read in a call for the tenant");
    assert_eq!((out.id.as_str(), out.correlation_id.as_deref(), out.created_at), ("m-7", Some("c-1"), 1_796_000_000_000));

    // The filter: the same envelope passed, a test message dropped with its reason, an empty one rejected.
    let message = envelope(br#"{"order": 7}"#, &[]);
    let Outcome::Pass(same) = filter.run(&message, &context()).await.unwrap() else { panic!("not passed") };
    assert_eq!((same.payload.clone(), same.headers.clone()), (message.payload.clone(), message.headers.clone()));
    let dropped = filter.run(&envelope(b"{}", &[("x-test", "true")]), &context()).await.unwrap();
    assert!(matches!(&dropped, Outcome::Drop(reason) if reason == "test messages stop at step `check`"), "{dropped:?}");
    let rejected = filter.run(&envelope(b"", &[]), &context()).await.unwrap();
    assert!(matches!(&rejected, Outcome::Reject(reason) if reason == "message `m-7` has no payload to judge"), "{rejected:?}");

    // transform@0.1 through the mapping: its output's payload, content type and headers, the rest of the envelope kept.
    let Outcome::Pass(mapped) = first.run(&envelope(br#"{"name": "ada"}"#, &[("x-a", "1")]), &context()).await.unwrap() else { panic!("not passed") };
    assert_eq!((mapped.id.as_str(), mapped.tenant_id.as_str(), mapped.source.as_str()), ("m-7", "acme", "http:/orders"));
    assert_ne!(mapped.payload, br#"{"name": "ada"}"#.to_vec(), "transform-rust changes the payload");
    let not_text = first.run(&envelope(&[0xff, 0xfe], &[]), &context()).await.unwrap();
    assert!(
        matches!(&not_text, Outcome::Reject(reason) if reason == "plugin `transform-rust` implements transform@0.1, which takes text payloads, and this message's payload is not UTF-8"),
        "{not_text:?}"
    );
}
