//! A `transform@0.2` converter for the secrets tests: the message's payload
//! names a secret; the converted message's payload is what `secrets::get`
//! answered (`value:<the value>` or `error:<kind>:<message>`), and its
//! headers say the tenant the call ran for. A payload `config:<key>` asks
//! for a configuration value instead (`value:<it>` or `none`), and `last`
//! for the last value this instance read (`value:<it>` or `none`): what a
//! plugin keeping data between calls would carry into the next one. It logs every read, so a test
//! can check that the value is not in the log line the host writes.

use polyplug_sdk::transform_0_2::secrets::{self, SecretError};
use polyplug_sdk::transform_0_2::{self, Context, Converter, Envelope, Plugin, PluginInfo, config, log};

struct SecretReader;

impl Plugin for SecretReader {
    fn describe() -> PluginInfo {
        PluginInfo { name: "secret-reader-rust".into(), version: "0.1.0".into(), description: "Answers with the secret its message names".into() }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl Converter for SecretReader {
    fn convert(message: Envelope, context: Context) -> Result<Envelope, String> {
        let name = String::from_utf8(message.payload.clone()).map_err(|_| "the payload must name a secret as UTF-8 text".to_string())?;
        let answer = match name.strip_prefix("config:") {
            Some(key) => config::get(key).map_or("none".into(), |value| format!("value:{value}")),
            None if name == "last" => LAST.lock().unwrap().clone().map_or("none".into(), |value| format!("value:{value}")),
            None => read(&name),
        };
        log::log(log::Level::Info, &format!("read the secret `{name}` for step `{}`", context.step));
        let mut headers = message.headers.clone();
        headers.push(("x-tenant".into(), context.tenant_id.clone()));
        Ok(Envelope { payload: answer.into_bytes(), headers, ..message })
    }
}

/// The last secret value this instance read.
static LAST: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// What `secrets::get(name)` answered, as text.
fn read(name: &str) -> String {
    match secrets::get(name) {
        Ok(value) => {
            *LAST.lock().unwrap() = Some(value.clone());
            format!("value:{value}")
        }
        Err(SecretError::NotGranted(why)) => format!("error:not-granted:{why}"),
        Err(SecretError::NotFound(why)) => format!("error:not-found:{why}"),
        Err(SecretError::Unavailable(why)) => format!("error:unavailable:{why}"),
    }
}

transform_0_2::export!(SecretReader);
