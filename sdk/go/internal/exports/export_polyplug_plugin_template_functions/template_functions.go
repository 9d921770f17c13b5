// Package export_polyplug_plugin_template_functions is what the generated
// entry points of the `template-functions` interface call: it hands each
// call to the registered plugin and collects garbage after it (package gc).
package export_polyplug_plugin_template_functions

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_template_functions"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// TemplateFunctions is the `template-functions` interface in Go. JSON
// values are strings holding JSON text.
type TemplateFunctions interface {
	// Functions lists the functions the plugin provides.
	Functions() []polyplug_plugin_template_functions.TemplateFunction
	// Execute calls the function name with args (JSON values, in order)
	// and returns its result as JSON. An error says what is wrong with the
	// call (unknown function, wrong argument).
	Execute(name string, args []string) (string, error)
	// DataSource returns the data set name as JSON, and whether the plugin
	// has one of that name.
	DataSource(name string) (string, bool)
}

var registered TemplateFunctions

// Register makes t the plugin the `template-functions` calls go to.
func Register(t TemplateFunctions) {
	registered = t
}

// Functions is the `functions` export.
func Functions() []polyplug_plugin_template_functions.TemplateFunction {
	_ = export_polyplug_plugin_plugin.Registered()
	functions := registered.Functions()
	gc.AfterExport()
	return functions
}

// Execute is the `execute` export.
func Execute(name string, args []string) witTypes.Result[string, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	value, err := registered.Execute(name, args)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(value, err)
}

// DataSource is the `data-source` export.
func DataSource(name string) witTypes.Option[string] {
	_ = export_polyplug_plugin_plugin.Registered()
	data, ok := registered.DataSource(name)
	gc.AfterExport()
	if !ok {
		return witTypes.None[string]()
	}
	return witTypes.Some(data)
}
