// Package export_polyplug_plugin_transformer is what the generated entry
// point of the `transformer` interface calls: it hands the call to the
// registered plugin and collects garbage after it (package gc).
package export_polyplug_plugin_transformer

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_transformer"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Transformer is the `transformer` interface in Go.
type Transformer interface {
	// Transform converts one message: a message passes it on, nil filters
	// it out, an error rejects it.
	Transform(input polyplug_plugin_transformer.Message) (*polyplug_plugin_transformer.Message, error)
}

var registered Transformer

// Register makes t the plugin the `transformer` calls go to.
func Register(t Transformer) {
	registered = t
}

// Transform is the `transform` export.
func Transform(input polyplug_plugin_transformer.Message) witTypes.Result[witTypes.Option[polyplug_plugin_transformer.Message], string] {
	_ = export_polyplug_plugin_plugin.Registered()
	output, err := registered.Transform(input)
	gc.AfterExport()
	passed := witTypes.None[polyplug_plugin_transformer.Message]()
	if output != nil {
		passed = witTypes.Some(*output)
	}
	return export_polyplug_plugin_plugin.ErrorResult(passed, err)
}
