// Package export_polyplug_plugin_converter_0_2 is what the generated entry
// point of the `converter@0.2.0` interface (the transform@0.2 world) calls:
// it hands the call to the registered plugin and collects garbage after it
// (package gc). The transform@0.1 world's interface is another one,
// `transformer` (export_polyplug_plugin_transformer).
package export_polyplug_plugin_converter_0_2

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_envelopes_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Converter is the `converter@0.2.0` interface in Go.
type Converter interface {
	// Convert returns the converted message, passed to the next step. An
	// error rejects it: the pipeline retries it within its bound, then
	// dead-letters it with the error's message.
	Convert(message polyplug_plugin_envelopes_0_2.Envelope, context polyplug_plugin_envelopes_0_2.Context) (polyplug_plugin_envelopes_0_2.Envelope, error)
}

var registered Converter

// Register makes c the plugin the `converter@0.2.0` calls go to.
func Register(c Converter) {
	registered = c
}

// Convert is the `convert` export.
func Convert(message polyplug_plugin_envelopes_0_2.Envelope, context polyplug_plugin_envelopes_0_2.Context) witTypes.Result[polyplug_plugin_envelopes_0_2.Envelope, string] {
	// Registered panics, saying how to export a plugin, when none is.
	_ = export_polyplug_plugin_plugin.Registered()
	converted, err := registered.Convert(message, context)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(converted, err)
}
