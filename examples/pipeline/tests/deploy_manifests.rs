//! The Kubernetes manifests of `deploy/` (docs/deployment.md): each parses
//! as the objects it claims to hold, and the pipeline configuration, policy
//! and secrets file inside them are what the pipeline reads. (No cluster
//! runs here: what they do in one is not tested.)

use std::path::Path;

use serde::Deserialize as _;

fn documents(file: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join(file)).unwrap();
    serde_yaml_ng::Deserializer::from_str(&text).map(|doc| serde_json::Value::deserialize(doc).unwrap()).collect()
}

fn kinds(docs: &[serde_json::Value]) -> Vec<(String, String)> {
    docs.iter().map(|d| (d["kind"].as_str().unwrap().to_string(), d["metadata"]["name"].as_str().unwrap().to_string())).collect()
}

#[test]
fn the_manifests_hold_the_objects_the_docs_name() {
    let deploy = documents("pipeline.yaml");
    assert_eq!(
        kinds(&deploy),
        [("Deployment".into(), "pipeline".into()), ("Service".into(), "pipeline".into()), ("Deployment".into(), "score".into()), ("Service".into(), "score".into())]
    );
    let pod = &deploy[0]["spec"]["template"]["spec"];
    assert_eq!(pod["initContainers"][0]["args"][0], "install", "plugins are installed from the registry by polyplug");
    assert_eq!(pod["containers"][0]["args"][0], "/etc/pipeline/pipeline.yaml");
    assert_eq!(kinds(&documents("config.yaml")), [("ConfigMap".into(), "pipeline-config".into()), ("Secret".into(), "pipeline-secrets".into())]);
}

#[test]
fn the_configuration_inside_the_config_map_is_one_the_pipeline_reads() {
    let config = documents("config.yaml");
    let data = &config[0]["data"];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.yaml");
    std::fs::write(&file, data["pipeline.yaml"].as_str().unwrap()).unwrap();
    let pipeline = pipeline::Config::load(&file).unwrap();
    assert_eq!(pipeline.tenants, ["acme", "globex"]);
    assert!(pipeline.nats.as_ref().is_some_and(|n| n.jetstream && n.queue_group == "pipeline"));
    let policy = polyplug::Policy::from_toml(data["policy.toml"].as_str().unwrap(), "the ConfigMap's policy.toml").unwrap();
    assert_eq!(policy.tenants["globex"].fuel_per_second, Some(500_000_000));
    assert_eq!(policy.plugins["enrich-rust"].secrets, ["crm-token"]);
    polyplug::SecretsFile::from_toml(config[1]["stringData"]["secrets.toml"].as_str().unwrap(), "the Secret's secrets.toml").unwrap();
    let remote = dir.path().join("remote.toml");
    std::fs::write(&remote, data["remote.toml"].as_str().unwrap()).unwrap();
    assert_eq!(polyplug::remote::Plugins::load(&remote).unwrap().names(), ["score"]);
}
