//! A standard `wasi:http/incoming-handler` component, as the `wasip2`
//! crate's `http-proxy` example writes one, built with plain `cargo build
//! --target wasm32-wasip2`: no polyplug SDK and no manifest, so it runs
//! unchanged under `wasmtime serve` or any other `wasi:http` server. It
//! answers with what it was asked (method, path and query, the `x-echo`
//! header, the body; the header's bytes in hex too when they are not UTF-8),
//! so a test can see the request arrive whole and unaltered; a request
//! for `/loop` never returns, for the deadline tests.

use std::io::{Read as _, Write as _};

use wasip2::http::types::{Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam};

wasip2::http::proxy::export!(Echo);

struct Echo;

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other.clone(),
    }
}

impl wasip2::exports::http::incoming_handler::Guest for Echo {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let target = request.path_with_query().unwrap_or_default();
        if target == "/loop" || target.ends_with("/loop") {
            let mut spins = 0u64;
            loop {
                spins = std::hint::black_box(spins.wrapping_add(1));
            }
        }
        let values = request.headers().get("x-echo");
        let mut echo = values.iter().map(|v| String::from_utf8_lossy(v).into_owned()).collect::<Vec<_>>().join(",");
        for value in values.iter().filter(|v| std::str::from_utf8(v).is_err()) {
            echo.push_str(" bytes=");
            echo.extend(value.iter().map(|b| format!("{b:02x}")));
        }
        let mut body = Vec::new();
        if let Ok(incoming) = request.consume() {
            if let Ok(mut stream) = incoming.stream() {
                let _ = stream.read_to_end(&mut body);
            }
        }
        let text = format!("{} {} echo={echo} body={}", method_name(&request.method()), target, String::from_utf8_lossy(&body));

        let headers = Fields::new();
        let _ = headers.set("content-type", &[b"text/plain".to_vec()]);
        let _ = headers.set("x-served-by", &[b"wasi-http-rust".to_vec()]);
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(if target.starts_with("/missing") { 404 } else { 200 });
        let out = response.body().unwrap();
        ResponseOutparam::set(response_out, Ok(response));

        let mut stream = out.write().unwrap();
        stream.write_all(text.as_bytes()).unwrap();
        stream.flush().unwrap();
        drop(stream);
        OutgoingBody::finish(out, None).unwrap();
    }
}
