//! `{{…}}` expressions in static bodies: `path.id`, `query.page`,
//! `header.user-agent`, `caller.id` read the request; anything else is a
//! call of a template plugin's function, `{{fake.name path.id}}`, its
//! arguments expressions too or JSON literals (`"text"`, `42`, `true`).

use std::collections::HashMap;
use std::sync::Arc;

use polyplug::response::HttpRequest;
use polyplug::template::Template;
use serde_json::Value as Json;
use tokio::sync::Mutex;

use crate::plugins::Plugins;
use crate::{Failure, plugin_failed};

/// Which template plugin provides which function: made from the plugins
/// serving, remade when the plugin directory changes.
#[derive(Default)]
pub(crate) struct Index {
    known: Mutex<Option<Known>>,
}

/// Function name → plugin key, for the plugin set's `generation`.
struct Known {
    generation: u64,
    functions: Arc<HashMap<String, String>>,
}

impl Index {
    /// Function name → the key of the plugin providing it, as the plugins serving now say.
    async fn functions(&self, plugins: &Plugins) -> Result<Arc<HashMap<String, String>>, Failure> {
        let generation = plugins.set().generation();
        let mut known = self.known.lock().await;
        if let Some(known) = known.as_ref().filter(|k| k.generation == generation) {
            return Ok(known.functions.clone());
        }
        let mut functions = HashMap::new();
        for member in plugins.set().members() {
            if member.plugin.is_none_or(|p| p.world().name != "polyplug:plugin/template@0.1.0") {
                continue;
            }
            let key = member.key;
            let template = plugins.facade(&key, Template::new).await?;
            for function in template.functions().await.map_err(|e| plugin_failed(&key, e))? {
                functions.entry(function.name).or_insert_with(|| key.clone());
            }
        }
        let functions = Arc::new(functions);
        *known = Some(Known { generation, functions: functions.clone() });
        Ok(functions)
    }

    /// `body` with every `{{…}}` resolved; a string value inside a JSON
    /// body is escaped as JSON string content.
    pub(crate) async fn render(&self, plugins: &Plugins, body: &str, request: &HttpRequest, json_body: bool) -> Result<String, Failure> {
        let mut functions = None;
        let mut out = String::with_capacity(body.len());
        let mut rest = body;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| Failure::new(500, format!("an expression is not closed: `{}`", &rest[start..])))?;
            let value = self.evaluate(plugins, &mut functions, after[..end].trim(), request).await?;
            match value {
                Json::String(text) if json_body => {
                    let quoted = Json::String(text).to_string();
                    out.push_str(&quoted[1..quoted.len() - 1]);
                }
                Json::String(text) => out.push_str(&text),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// One expression's value; `functions` is the function table, looked up
    /// at the first function call of a body.
    async fn evaluate(&self, plugins: &Plugins, functions: &mut Option<Arc<HashMap<String, String>>>, expression: &str, request: &HttpRequest) -> Result<Json, Failure> {
        let words = split(expression);
        let Some((name, args)) = words.split_first() else { return Err(Failure::new(500, "an empty expression `{{}}`")) };
        if args.is_empty() && reference(name, request).is_some() {
            return Ok(argument(name, request));
        }
        if functions.is_none() {
            *functions = Some(self.functions(plugins).await?);
        }
        let key = functions
            .as_ref()
            .and_then(|f| f.get(name.as_str()))
            .ok_or_else(|| Failure::new(500, format!("no template plugin provides the function `{name}` (in `{{{{{expression}}}}}`)")))?;
        let template = plugins.facade(key, Template::new).await?;
        let args: Vec<String> = args.iter().map(|a| argument(a, request).to_string()).collect();
        let answer = template
            .execute(name, &args)
            .await
            .map_err(|e| plugin_failed(key, e))?
            .map_err(|message| Failure::new(500, format!("template plugin `{key}`: {message}")))?;
        serde_json::from_str(&answer).map_err(|e| Failure::new(500, format!("template plugin `{key}` answered `{name}` with something that is not JSON: {e}")))
    }
}

/// The value of the request reference `word` (`path.id`), if it is one.
fn reference(word: &str, request: &HttpRequest) -> Option<Json> {
    let (scope, name) = word.split_once('.')?;
    let find = |pairs: &[(String, String)]| pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| Json::String(v.clone()));
    match scope {
        "path" => Some(find(&request.path_params).unwrap_or(Json::Null)),
        "query" => Some(find(&request.query).unwrap_or(Json::Null)),
        "header" => Some(find(&request.headers).unwrap_or(Json::Null)),
        "caller" => Some(match (name, &request.caller) {
            ("id", Some(caller)) => Json::String(caller.identity.id.clone()),
            _ => Json::Null,
        }),
        _ => None,
    }
}

/// An argument: a request reference, or a JSON literal; anything else is text.
pub(crate) fn argument(word: &str, request: &HttpRequest) -> Json {
    reference(word, request).unwrap_or_else(|| serde_json::from_str(word).unwrap_or_else(|_| Json::String(word.to_string())))
}

/// `fake.name "a b" 3` → `fake.name`, `"a b"`, `3` (quoted strings kept whole).
fn split(expression: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in expression.chars() {
        match c {
            _ if escaped => {
                current.push(c);
                escaped = false;
            }
            '\\' if quoted => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                current.push(c);
                quoted = !quoted;
            }
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    words.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}
