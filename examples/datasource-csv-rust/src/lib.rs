//! A `datasource` plugin: rows from CSV files the operator names.
//!
//! Configuration: one entry per source, its name and the file's path in the
//! plugin's `/data` directory, e.g. `users = /data/users.csv` (the operator
//! maps `/data` to a host directory; nothing else is reachable).
//!
//! Queries: `*` (or nothing) for every row, or `<column> <op> ?` with one
//! parameter, `op` one of `=`, `!=`, `<`, `<=`, `>`, `>=`, `contains`;
//! numbers compare as numbers (a parameter given as text too, against a
//! numeric column). Column kinds are inferred from the values:
//! `integer`, `number`, `boolean` or `text`; an empty cell is null.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use polyplug_sdk::datasource::{self, Column, Connection, DataSource, Json, Plugin, PluginInfo, Rows, Table};
use serde_json::Value;

/// One CSV file, parsed.
struct Sheet {
    /// FNV-1a of the file's bytes, hex: what a connection's `id` says.
    digest: String,
    columns: Vec<Column>,
    rows: Vec<Vec<Value>>,
}

thread_local! {
    /// Source name → file path, from the configuration.
    static SOURCES: RefCell<BTreeMap<String, String>> = const { RefCell::new(BTreeMap::new()) };
    /// The files this instance has read, by source name.
    static SHEETS: RefCell<BTreeMap<String, Sheet>> = const { RefCell::new(BTreeMap::new()) };
}

struct Csv;

impl Plugin for Csv {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "datasource-csv-rust".into(),
            version: "0.1.0".into(),
            description: "Rows from CSV files the operator names, filtered by simple queries".into(),
        }
    }

    fn init(config: Vec<(String, String)>) -> Result<(), String> {
        for (name, path) in &config {
            if !path.starts_with("/data/") {
                return Err(format!("source `{name}`: `{path}` is not in /data; name a file there, e.g. `{name} = /data/{name}.csv`"));
            }
        }
        SOURCES.with(|sources| *sources.borrow_mut() = config.into_iter().collect());
        Ok(())
    }
}

impl DataSource for Csv {
    fn supported_types() -> Vec<String> {
        vec!["csv".into()]
    }

    fn connect(source: String) -> Result<Connection, String> {
        let id = with_sheet(&source, |sheet| sheet.digest.clone())?;
        Ok(Connection { source, id })
    }

    fn query(connection: Connection, query: String, parameters: Vec<Json>) -> Result<Rows, String> {
        let filter = Filter::parse(&query, &parameters)?;
        with_sheet(&connection.source, |sheet| {
            let column = match &filter {
                Some(filter) => Some(
                    sheet
                        .columns
                        .iter()
                        .position(|c| c.name == filter.column)
                        .ok_or_else(|| format!("`{}` has no column `{}`; its columns: {}", connection.source, filter.column, names(&sheet.columns)))?,
                ),
                None => None,
            };
            let rows = sheet
                .rows
                .iter()
                .filter(|row| match (&filter, column) {
                    (Some(filter), Some(at)) => filter.matches(&row[at]),
                    _ => true,
                })
                .map(|row| row.iter().map(Value::to_string).collect())
                .collect();
            Ok(Rows { columns: sheet.columns.clone(), rows })
        })?
    }

    fn schema(connection: Connection) -> Result<Vec<Table>, String> {
        with_sheet(&connection.source, |sheet| vec![Table { name: connection.source.clone(), columns: sheet.columns.clone() }])
    }

    fn test_connection(connection: Connection) -> Result<(), String> {
        with_sheet(&connection.source, |_| ())
    }
}

/// Runs `f` on the parsed file of `source`, reading it on first use.
fn with_sheet<R>(source: &str, f: impl FnOnce(&Sheet) -> R) -> Result<R, String> {
    let path = SOURCES.with(|sources| sources.borrow().get(source).cloned()).ok_or_else(|| {
        let known = SOURCES.with(|sources| sources.borrow().keys().cloned().collect::<Vec<_>>().join(", "));
        format!("no source `{source}` is configured (configured: {}); add `{source} = /data/<file>.csv` to the plugin's configuration", if known.is_empty() { "none" } else { &known })
    })?;
    SHEETS.with(|sheets| {
        let mut sheets = sheets.borrow_mut();
        if !sheets.contains_key(source) {
            sheets.insert(source.to_string(), read(&path)?);
        }
        Ok(f(&sheets[source]))
    })
}

/// Reads and parses the CSV file at `path`.
fn read(path: &str) -> Result<Sheet, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers: Vec<String> = reader.headers().map_err(|e| format!("{path}: {e}"))?.iter().map(str::to_string).collect();
    let mut cells: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{path}: {e}"))?;
        cells.push(record.iter().map(str::to_string).collect());
    }
    let kinds: Vec<&str> = (0..headers.len()).map(|i| kind(cells.iter().map(|row| row.get(i).map_or("", String::as_str)))).collect();
    let columns = headers
        .iter()
        .zip(&kinds)
        .enumerate()
        .map(|(i, (name, kind))| Column {
            name: name.clone(),
            kind: (*kind).to_string(),
            nullable: cells.iter().any(|row| row.get(i).is_none_or(String::is_empty)),
        })
        .collect();
    let rows = cells
        .iter()
        .map(|row| (0..headers.len()).map(|i| value(row.get(i).map_or("", String::as_str), kinds[i])).collect())
        .collect();
    Ok(Sheet { digest: fnv1a(&bytes), columns, rows })
}

/// The narrowest kind every non-empty cell fits.
fn kind<'a>(cells: impl Iterator<Item = &'a str> + Clone) -> &'static str {
    let present = || cells.clone().filter(|c| !c.is_empty());
    if present().all(|c| c.parse::<i64>().is_ok()) {
        "integer"
    } else if present().all(|c| c.parse::<f64>().is_ok()) {
        "number"
    } else if present().all(|c| c == "true" || c == "false") {
        "boolean"
    } else {
        "text"
    }
}

/// A cell as the JSON value of its column's kind (null when empty).
fn value(cell: &str, kind: &str) -> Value {
    if cell.is_empty() {
        return Value::Null;
    }
    match kind {
        "integer" => cell.parse::<i64>().map_or(Value::Null, Value::from),
        "number" => cell.parse::<f64>().map_or(Value::Null, Value::from),
        "boolean" => Value::Bool(cell == "true"),
        _ => Value::String(cell.to_string()),
    }
}

fn names(columns: &[Column]) -> String {
    columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
}

fn fnv1a(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3));
    format!("fnv1a:{hash:016x}")
}

/// `<column> <op> ?`, with its parameter.
struct Filter {
    column: String,
    op: String,
    value: Value,
}

impl Filter {
    fn parse(query: &str, parameters: &[Json]) -> Result<Option<Filter>, String> {
        let query = query.trim();
        if query.is_empty() || query == "*" {
            return Ok(None);
        }
        let parts: Vec<&str> = query.split_whitespace().collect();
        let [column, op, "?"] = parts.as_slice() else {
            return Err(format!("`{query}` is not a query this plugin reads: write `*`, or `<column> <op> ?` with one parameter"));
        };
        if !["=", "!=", "<", "<=", ">", ">=", "contains"].contains(op) {
            return Err(format!("`{op}` is not an operator here: use =, !=, <, <=, >, >= or contains"));
        }
        let [parameter] = parameters else {
            return Err(format!("`{query}` takes one parameter, got {}", parameters.len()));
        };
        let value = serde_json::from_str(parameter).map_err(|e| format!("the parameter `{parameter}` is not JSON: {e}"))?;
        Ok(Some(Filter { column: (*column).to_string(), op: (*op).to_string(), value }))
    }

    fn matches(&self, cell: &Value) -> bool {
        if self.op == "contains" {
            return match (cell, &self.value) {
                (Value::String(text), Value::String(part)) => text.contains(part.as_str()),
                _ => false,
            };
        }
        let order = match (cell, &self.value) {
            (Value::Number(a), Value::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
            // A number given as text (e.g. from a URL) compares as a number with a numeric column.
            (Value::Number(a), Value::String(b)) => b.trim().parse::<f64>().ok().and_then(|b| a.as_f64().and_then(|a| a.partial_cmp(&b))),
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Null, Value::Null) => Some(Ordering::Equal),
            _ => None,
        };
        match (self.op.as_str(), order) {
            ("=", Some(Ordering::Equal)) => true,
            ("!=", order) => order != Some(Ordering::Equal),
            ("<", Some(Ordering::Less)) | (">", Some(Ordering::Greater)) => true,
            ("<=", Some(Ordering::Less | Ordering::Equal)) | (">=", Some(Ordering::Greater | Ordering::Equal)) => true,
            _ => false,
        }
    }
}

datasource::export!(Csv);
