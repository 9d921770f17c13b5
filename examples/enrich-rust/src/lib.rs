//! `enrich-rust`: a `transform@0.2` converter for JSON orders. For an order
//! `{"customerId": "c-7", …}` it asks the CRM (`GET <crm-url>/customers/c-7`,
//! `authorization: Bearer <crm-token>`) and adds what it answers as
//! `"customer"`. The token is the `crm-token` secret of the tenant the
//! message belongs to: the host gives each tenant's calls that tenant's
//! value, so one deployment serves several CRMs' customers.
//!
//! It rejects (the pipeline retries, then dead-letters with the reason) an
//! order that is not JSON or has no `customerId`, a customer the CRM does
//! not know, and a token the CRM refuses; it never logs the token.

use polyplug_sdk::transform_0_2::secrets::{self, SecretError};
use polyplug_sdk::transform_0_2::{self, Context, Converter, Envelope, Plugin, PluginInfo, config, log};
use serde_json::Value as Json;

struct Enrich;

impl Plugin for Enrich {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "enrich-rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Adds the order's customer from the CRM, with the tenant's own token".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        match config.iter().find(|(key, _)| key == "crm-url") {
            Some((_, url)) if url.starts_with("http://") || url.starts_with("https://") => Ok(()),
            Some((_, url)) => Err(format!("`crm-url` must be an http:// or https:// URL, not `{url}`")),
            None => Err("set `crm-url` to the CRM's base URL, e.g. `https://crm.example.com/api`".into()),
        }
    }
}

impl Converter for Enrich {
    fn convert(message: Envelope, context: Context) -> Result<Envelope, String> {
        let mut order: Json = serde_json::from_slice(&message.payload).map_err(|e| format!("the order is not JSON: {e}"))?;
        let customer_id = order.get("customerId").and_then(Json::as_str).ok_or("the order has no `customerId`")?.to_string();
        let token = secrets::get("crm-token").map_err(|e| match e {
            SecretError::NotGranted(why) | SecretError::NotFound(why) | SecretError::Unavailable(why) => format!("no CRM token: {why}"),
        })?;
        let base = config::get("crm-url").unwrap_or_default();
        let (status, body) = get(&format!("{}/customers/{customer_id}", base.trim_end_matches('/')), &token)?;
        match status {
            200 => {}
            401 | 403 => return Err(format!("the CRM refused tenant `{}`'s token ({status})", context.tenant_id)),
            404 => return Err(format!("the CRM has no customer `{customer_id}`")),
            other => return Err(format!("the CRM answered {other}")),
        }
        let customer: Json = serde_json::from_slice(&body).map_err(|e| format!("the CRM's answer is not JSON: {e}"))?;
        order["customer"] = customer;
        log::log(log::Level::Debug, &format!("order of `{customer_id}` enriched for step `{}`", context.step));
        Ok(Envelope { payload: serde_json::to_vec(&order).map_err(|e| e.to_string())?, content_type: "application/json".into(), ..message })
    }
}

/// `GET url` with a bearer token, through `wasi:http/outgoing-handler`: the status and the body.
fn get(url: &str, token: &str) -> Result<(u16, Vec<u8>), String> {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{Fields, OutgoingRequest, Scheme};
    let (scheme, rest) = match (url.strip_prefix("http://"), url.strip_prefix("https://")) {
        (Some(rest), _) => (Scheme::Http, rest),
        (_, Some(rest)) => (Scheme::Https, rest),
        _ => return Err(format!("`{url}` is not an http(s) URL")),
    };
    let (authority, path) = rest.split_once('/').map_or((rest.to_string(), "/".to_string()), |(a, p)| (a.to_string(), format!("/{p}")));
    let headers = Fields::from_list(&[("authorization".to_string(), format!("Bearer {token}").into_bytes()), ("accept".to_string(), b"application/json".to_vec())])
        .map_err(|e| format!("the request headers are invalid: {e:?}"))?;
    let request = OutgoingRequest::new(headers);
    request.set_scheme(Some(&scheme)).map_err(|()| "the scheme is refused")?;
    request.set_authority(Some(&authority)).map_err(|()| format!("the authority `{authority}` is refused"))?;
    request.set_path_with_query(Some(&path)).map_err(|()| format!("the path `{path}` is refused"))?;
    let pending = outgoing_handler::handle(request, None).map_err(|e| format!("the CRM request was refused: {e:?}"))?;
    pending.subscribe().block();
    let response = pending.get().ok_or("no response from the CRM")?.map_err(|()| "the response was taken twice")?.map_err(|e| format!("the CRM request failed: {e:?}"))?;
    let status = response.status();
    let body = response.consume().map_err(|()| "the CRM's answer has no body")?;
    let stream = body.stream().map_err(|()| "the CRM's body cannot be read")?;
    let mut bytes = Vec::new();
    while let Ok(chunk) = stream.blocking_read(64 * 1024) {
        bytes.extend(chunk);
    }
    Ok((status, bytes))
}

transform_0_2::export!(Enrich);
