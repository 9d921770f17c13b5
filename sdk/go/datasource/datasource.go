// Package datasource is the datasource world: rows for an API (mock)
// server's responses, from a file, a database or a service. Credentials come
// from the plugin's configuration (the operator's), never from a request,
// and a plugin must not log them. Values cross as JSON text: RowsOf,
// RowsFromRecords and DecodeParams convert Go values. Implement Plugin on a
// type and pass a value to Export from an init function:
//
//	type colors struct{}
//
//	var palette = []struct {
//		Name string `json:"name"`
//		Hex  string `json:"hex"`
//	}{{"red", "#ff0000"}, {"green", "#00ff00"}}
//
//	var columns = []datasource.Column{{Name: "name", Kind: "text"}, {Name: "hex", Kind: "text"}}
//
//	func (colors) Describe() datasource.PluginInfo {
//		return datasource.PluginInfo{Name: "colors", Version: "0.1.0", Description: "A table of colors"}
//	}
//
//	func (colors) Init(config datasource.Config) error { return nil }
//
//	func (colors) SupportedTypes() []string { return []string{"memory"} }
//
//	func (colors) Connect(source string) (datasource.Connection, error) {
//		if source != "colors" {
//			return datasource.Connection{}, fmt.Errorf("no source `%s`; this plugin has `colors`", source)
//		}
//		return datasource.Connection{Source: source, Id: "colors-v1"}, nil
//	}
//
//	// Query takes `*` (every row) or `name = ?`.
//	func (colors) Query(conn datasource.Connection, query string, params []string) (datasource.Rows, error) {
//		switch query {
//		case "*":
//			return datasource.RowsFromRecords(columns, palette)
//		case "name = ?":
//			var name string
//			if err := datasource.DecodeParams(params, &name); err != nil {
//				return datasource.Rows{}, err
//			}
//			var rows [][]any
//			for _, color := range palette {
//				if color.Name == name {
//					rows = append(rows, []any{color.Name, color.Hex})
//				}
//			}
//			return datasource.RowsOf(columns, rows...)
//		}
//		return datasource.Rows{}, fmt.Errorf("`%s` is not a query; use `*` or `name = ?`", query)
//	}
//
//	func (colors) Schema(conn datasource.Connection) ([]datasource.Table, error) {
//		return []datasource.Table{{Name: "colors", Columns: columns}}, nil
//	}
//
//	func (colors) TestConnection(conn datasource.Connection) error { return nil }
//
//	func init() { datasource.Export(colors{}) }
//
//	func main() {}
package datasource

import (
	"encoding/json"
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/config"
	ds "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_data_source"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_datasource"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_data_source"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/jsontext"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Connection is an open connection: the Source it is connected to (one the
// configuration names, e.g. users) and the plugin's own Id for it (e.g. a
// file's digest or a session). It is a value, not a handle: any instance of
// the plugin given it must serve it (keep connections per instance, opening
// them on first use), so that pooled and remote instances serve the same
// connection.
type Connection = ds.Connection

// Column is one column of a result or a table: its Name, its Kind in the
// source's terms (e.g. text, integer, date) and whether it may be null
// (Nullable).
type Column = ds.Column

// Rows are what a query answered: the Columns, and the Rows, each one JSON
// value (as text) per column, in the columns' order. RowsOf and
// RowsFromRecords make them from Go values.
type Rows = ds.Rows

// Table is a table (or a collection, a sheet) a source holds: its Name and
// Columns.
type Table = ds.Table

// Row returns values as a row: each value as JSON text (see json.Marshal;
// nil is null).
func Row(values ...any) ([]string, error) {
	row := make([]string, len(values))
	for i, value := range values {
		text, err := json.Marshal(value)
		if err != nil {
			return nil, fmt.Errorf("value %d of the row is not a JSON value: %w", i+1, err)
		}
		row[i] = string(text)
	}
	return row, nil
}

// RowsOf returns the rows of columns holding values: each row has one Go
// value per column, in the columns' order, made JSON as Row does.
func RowsOf(columns []Column, rows ...[]any) (Rows, error) {
	out := Rows{Columns: columns, Rows: make([][]string, 0, len(rows))}
	for i, values := range rows {
		if len(values) != len(columns) {
			return Rows{}, fmt.Errorf("row %d has %d values for %d columns", i+1, len(values), len(columns))
		}
		row, err := Row(values...)
		if err != nil {
			return Rows{}, fmt.Errorf("row %d: %w", i+1, err)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// RowsFromRecords returns the rows of columns taken from records: a slice
// (or array) of values json.Marshal makes objects of (structs with json
// tags, maps with string keys). Each record's member named like a column
// is that column's value; a record without one has null there.
func RowsFromRecords(columns []Column, records any) (Rows, error) {
	text, err := json.Marshal(records)
	if err != nil {
		return Rows{}, fmt.Errorf("the records are not JSON values: %w", err)
	}
	var objects []map[string]json.RawMessage
	if err := json.Unmarshal(text, &objects); err != nil {
		return Rows{}, fmt.Errorf("the records are not a list of JSON objects: %w", err)
	}
	out := Rows{Columns: columns, Rows: make([][]string, 0, len(objects))}
	for _, object := range objects {
		row := make([]string, len(columns))
		for i, column := range columns {
			if value, ok := object[column.Name]; ok {
				row[i] = string(value)
			} else {
				row[i] = "null"
			}
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// DecodeParams decodes a query's parameters, JSON text, into the values
// into points to, in order (see json.Unmarshal). The number of parameters
// must be the number of targets.
func DecodeParams(params []string, into ...any) error {
	return jsontext.DecodeExactly(params, into, "the query takes", "parameter")
}

// JSON returns value as JSON text (see json.Marshal), e.g. for one cell of
// a row built by hand.
func JSON(value any) (string, error) {
	return jsontext.Marshal(value, "not a JSON value")
}

// Plugin is what a datasource plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
	// SupportedTypes lists the kinds of source the plugin reads, e.g. csv
	// or postgres.
	SupportedTypes() []string
	// Connect opens the source the configuration names source. An error
	// says why not (e.g. no such source is configured).
	Connect(source string) (Connection, error)
	// Query runs query (in the source's language: SQL, a filter
	// expression, a table name) with params (JSON values as text, in
	// order; see DecodeParams).
	Query(conn Connection, query string, params []string) (Rows, error)
	// Schema lists the tables the source holds.
	Schema(conn Connection) ([]Table, error)
	// TestConnection says why the source does not answer, or nil when it
	// does.
	TestConnection(conn Connection) error
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("datasource", p)
	export_polyplug_plugin_data_source.Register(p)
}
