//! HTTP sources: `POST /<tenant><path>` takes one message through its
//! integration and answers with what became of it, so that a sender knows
//! whether to send it again, and the fuel its plugin steps used.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::engine::{Delivery, Engine, Incoming};

/// The router serving every HTTP source of every integration.
pub(crate) fn router(engine: Arc<Engine>) -> axum::Router {
    let mut router = axum::Router::new();
    for (index, integration) in engine.config.integrations.iter().enumerate() {
        for source in &integration.sources {
            if let crate::config::Source::Http(path) = source {
                let route = format!("/{{tenant}}{path}");
                let engine = engine.clone();
                let path = path.clone();
                router = router.route(
                    &route,
                    axum::routing::post(move |Path(tenant): Path<String>, headers: HeaderMap, body: Bytes| {
                        let (engine, path) = (engine.clone(), path.clone());
                        async move { receive(engine, index, &path, tenant, headers, body).await }
                    }),
                );
            }
        }
    }
    router
}

async fn receive(engine: Arc<Engine>, index: usize, path: &str, tenant: String, headers: HeaderMap, body: Bytes) -> Response {
    if !engine.config.tenants.contains(&tenant) {
        return (StatusCode::NOT_FOUND, axum::Json(json!({"error": format!("no tenant `{tenant}` is served here")}))).into_response();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    // What the message carries on: the sender's own `x-` headers, not the transport's.
    let carried = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-") && *name != "x-correlation-id")
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let incoming = Incoming {
        payload: body.to_vec(),
        content_type: header("content-type").unwrap_or_else(|| "application/octet-stream".into()),
        headers: carried,
        correlation_id: header("x-correlation-id"),
        source: format!("http:{path}"),
        redelivered: 0,
    };
    let integration = &engine.config.integrations[index];
    let (delivery, fuel) = engine.process(integration, &tenant, incoming).await;
    match delivery {
        Delivery::Delivered { id } => (StatusCode::OK, axum::Json(json!({"id": id, "outcome": "delivered", "fuel": fuel}))).into_response(),
        Delivery::Dropped { id, step, reason } => (StatusCode::OK, axum::Json(json!({"id": id, "outcome": "dropped", "step": step, "reason": reason, "fuel": fuel}))).into_response(),
        Delivery::DeadLettered { id, subject, reason } => {
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(json!({"id": id, "outcome": "dead-lettered", "subject": subject, "reason": reason, "fuel": fuel}))).into_response()
        }
        Delivery::Failed { id, reason } => (StatusCode::BAD_GATEWAY, axum::Json(json!({"id": id, "outcome": "failed", "reason": reason, "fuel": fuel}))).into_response(),
    }
}
