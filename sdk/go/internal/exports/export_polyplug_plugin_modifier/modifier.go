// Package export_polyplug_plugin_modifier is what the generated entry points
// of the `modifier` interface call: it hands each call to the registered
// plugin and collects garbage after it (package gc).
package export_polyplug_plugin_modifier

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Modifier is the `modifier` interface in Go.
type Modifier interface {
	// ShouldModify says whether the plugin changes response, the answer to
	// request.
	ShouldModify(request polyplug_plugin_types.HttpRequest, response polyplug_plugin_types.HttpResponse) bool
	// Modify returns response changed. An error is a failure: the server
	// answers 500 naming the plugin.
	Modify(
		request polyplug_plugin_types.HttpRequest,
		response polyplug_plugin_types.HttpResponse,
	) (polyplug_plugin_types.HttpResponse, error)
}

var registered Modifier

// Register makes m the plugin the `modifier` calls go to.
func Register(m Modifier) {
	registered = m
}

// ShouldModify is the `should-modify` export.
func ShouldModify(request polyplug_plugin_types.HttpRequest, response polyplug_plugin_types.HttpResponse) bool {
	_ = export_polyplug_plugin_plugin.Registered()
	modifies := registered.ShouldModify(request, response)
	gc.AfterExport()
	return modifies
}

// Modify is the `modify` export.
func Modify(
	request polyplug_plugin_types.HttpRequest,
	response polyplug_plugin_types.HttpResponse,
) witTypes.Result[polyplug_plugin_types.HttpResponse, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	modified, err := registered.Modify(request, response)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(modified, err)
}
