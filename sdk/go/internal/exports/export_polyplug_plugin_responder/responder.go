// Package export_polyplug_plugin_responder is what the generated entry
// points of the `responder` interface call: it hands each call to the
// registered plugin and collects garbage after it (package gc).
package export_polyplug_plugin_responder

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Responder is the `responder` interface in Go.
type Responder interface {
	// Priority ranks the plugin among those that can handle a request: the
	// highest answers.
	Priority() int32
	// CanHandle says whether the plugin answers request (asked before
	// every Generate: keep it cheap).
	CanHandle(request polyplug_plugin_types.HttpRequest) bool
	// Generate answers request. An error is a failure (the server answers
	// 500), not a response: "not found" is a response with status 404.
	Generate(request polyplug_plugin_types.HttpRequest) (polyplug_plugin_types.HttpResponse, error)
}

var registered Responder

// Register makes r the plugin the `responder` calls go to.
func Register(r Responder) {
	registered = r
}

// Priority is the `priority` export.
func Priority() int32 {
	_ = export_polyplug_plugin_plugin.Registered()
	priority := registered.Priority()
	gc.AfterExport()
	return priority
}

// CanHandle is the `can-handle` export.
func CanHandle(request polyplug_plugin_types.HttpRequest) bool {
	_ = export_polyplug_plugin_plugin.Registered()
	handles := registered.CanHandle(request)
	gc.AfterExport()
	return handles
}

// Generate is the `generate` export.
func Generate(request polyplug_plugin_types.HttpRequest) witTypes.Result[polyplug_plugin_types.HttpResponse, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	response, err := registered.Generate(request)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(response, err)
}
