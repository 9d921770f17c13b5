// Package export_polyplug_plugin_data_source is what the generated entry
// points of the `data-source` interface call: it hands each call to the
// registered plugin and collects garbage after it (package gc).
package export_polyplug_plugin_data_source

import (
	ds "github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_data_source"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// DataSource is the `data-source` interface in Go. JSON values are strings
// holding JSON text.
type DataSource interface {
	// SupportedTypes lists the kinds of source the plugin reads.
	SupportedTypes() []string
	// Connect opens the source the configuration names source.
	Connect(source string) (ds.Connection, error)
	// Query runs query with params (JSON values, in order).
	Query(connection ds.Connection, query string, params []string) (ds.Rows, error)
	// Schema lists the tables the source holds.
	Schema(connection ds.Connection) ([]ds.Table, error)
	// TestConnection says why the source does not answer, or nil.
	TestConnection(connection ds.Connection) error
}

var registered DataSource

// Register makes d the plugin the `data-source` calls go to.
func Register(d DataSource) {
	registered = d
}

// SupportedTypes is the `supported-types` export.
func SupportedTypes() []string {
	_ = export_polyplug_plugin_plugin.Registered()
	types := registered.SupportedTypes()
	gc.AfterExport()
	return types
}

// Connect is the `connect` export.
func Connect(source string) witTypes.Result[ds.Connection, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	connection, err := registered.Connect(source)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(connection, err)
}

// Query is the `query` export.
func Query(connection ds.Connection, query string, params []string) witTypes.Result[ds.Rows, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	rows, err := registered.Query(connection, query, params)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(rows, err)
}

// Schema is the `schema` export.
func Schema(connection ds.Connection) witTypes.Result[[]ds.Table, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	tables, err := registered.Schema(connection)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(tables, err)
}

// TestConnection is the `test-connection` export.
func TestConnection(connection ds.Connection) witTypes.Result[witTypes.Unit, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	err := registered.TestConnection(connection)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(witTypes.Unit{}, err)
}
