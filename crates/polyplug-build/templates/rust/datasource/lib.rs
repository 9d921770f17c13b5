//! `{{name}}`: a datasource plugin serving one in-memory table, `people`
//! (id, name, email), to the queries `*` (every row) and `name = ?` (the
//! rows of one name, given as a JSON string). A plugin reading a file or a
//! database has the same shape: the sources its configuration names, each
//! opened on first use.

use polyplug_sdk::datasource::{self, Column, Connection, DataSource, Json, Plugin, PluginInfo, Rows, Table};
use serde_json::{Value, json};

/// The one source, and its table.
const SOURCE: &str = "people";

/// Its rows: id, name, email (none for Alan).
const PEOPLE: [(i64, &str, Option<&str>); 3] = [
    (1, "Ada", Some("ada@example.org")),
    (2, "Grace", Some("grace@example.org")),
    (3, "Alan", None),
];

struct Memory;

impl Plugin for Memory {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "{{name}}".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Serves an in-memory table of people, queried by name".into(),
        }
    }

    fn init(_config: Vec<(String, String)>) -> Result<(), String> {
        Ok(())
    }
}

impl DataSource for Memory {
    fn supported_types() -> Vec<String> {
        vec!["memory".into()]
    }

    fn connect(source: String) -> Result<Connection, String> {
        known(&source)?;
        Ok(Connection { id: format!("memory:{source}"), source })
    }

    fn query(connection: Connection, query: String, parameters: Vec<Json>) -> Result<Rows, String> {
        known(&connection.source)?;
        let name = match query.as_str() {
            "*" => None,
            "name = ?" => {
                let [parameter] = parameters.as_slice() else { return Err(NAME_PARAMETER.into()) };
                let Ok(Value::String(name)) = serde_json::from_str(parameter) else { return Err(NAME_PARAMETER.into()) };
                Some(name)
            }
            _ => return Err(format!("`{query}` is not a query this plugin reads: write `*`, or `name = ?` with one parameter")),
        };
        let rows = PEOPLE
            .iter()
            .filter(|(_, person, _)| name.as_ref().is_none_or(|name| name == person))
            .map(|(id, name, email)| vec![json!(id).to_string(), json!(name).to_string(), json!(email).to_string()])
            .collect();
        Ok(Rows { columns: columns(), rows })
    }

    fn schema(connection: Connection) -> Result<Vec<Table>, String> {
        known(&connection.source)?;
        Ok(vec![Table { name: SOURCE.into(), columns: columns() }])
    }

    fn test_connection(connection: Connection) -> Result<(), String> {
        known(&connection.source)
    }
}

const NAME_PARAMETER: &str = r#"`name = ?` takes one parameter, a JSON string such as "Ada""#;

/// `Ok` for a source this plugin has, else the error saying which it has.
fn known(source: &str) -> Result<(), String> {
    if source == SOURCE { Ok(()) } else { Err(format!("no source `{source}`; this plugin has: {SOURCE}")) }
}

/// The table's columns.
fn columns() -> Vec<Column> {
    let column = |name: &str, kind: &str, nullable| Column { name: name.into(), kind: kind.into(), nullable };
    vec![column("id", "integer", false), column("name", "text", false), column("email", "text", true)]
}

datasource::export!(Memory);
