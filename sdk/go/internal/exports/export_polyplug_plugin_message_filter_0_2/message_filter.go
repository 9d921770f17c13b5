// Package export_polyplug_plugin_message_filter_0_2 is what the generated
// entry point of the `message-filter@0.2.0` interface (the filter@0.2
// world) calls: it hands the call to the registered plugin and collects
// garbage after it (package gc).
package export_polyplug_plugin_message_filter_0_2

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_envelopes_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_message_filter_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// MessageFilter is the `message-filter@0.2.0` interface in Go.
type MessageFilter interface {
	// Filter decides whether message goes on: pass, or drop with a reason.
	// An error means the plugin could not decide (e.g. it is
	// misconfigured): the pipeline treats it as a failure and retries.
	Filter(message polyplug_plugin_envelopes_0_2.Envelope, context polyplug_plugin_envelopes_0_2.Context) (polyplug_plugin_message_filter_0_2.Decision, error)
}

var registered MessageFilter

// Register makes f the plugin the `message-filter@0.2.0` calls go to.
func Register(f MessageFilter) {
	registered = f
}

// Filter is the `filter` export.
func Filter(message polyplug_plugin_envelopes_0_2.Envelope, context polyplug_plugin_envelopes_0_2.Context) witTypes.Result[polyplug_plugin_message_filter_0_2.Decision, string] {
	// Registered panics, saying how to export a plugin, when none is.
	_ = export_polyplug_plugin_plugin.Registered()
	decision, err := registered.Filter(message, context)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(decision, err)
}
