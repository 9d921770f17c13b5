// Package export_polyplug_plugin_authenticator is what the generated entry
// point of the `authenticator` interface calls: it hands the call to the
// registered plugin and collects garbage after it (package gc).
package export_polyplug_plugin_authenticator

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_authenticator"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Authenticator is the `authenticator` interface in Go.
type Authenticator interface {
	// Authenticate decides whether the request may pass. An error means the
	// plugin could not decide (e.g. it is misconfigured): the host treats it
	// as a failure, not as a denial.
	Authenticate(
		context polyplug_plugin_authenticator.RequestContext,
		credentials polyplug_plugin_authenticator.Credentials,
	) (polyplug_plugin_authenticator.AuthDecision, error)
}

var registered Authenticator

// Register makes a the plugin the `authenticator` calls go to.
func Register(a Authenticator) {
	registered = a
}

// Authenticate is the `authenticate` export.
func Authenticate(
	context polyplug_plugin_authenticator.RequestContext,
	credentials polyplug_plugin_authenticator.Credentials,
) witTypes.Result[polyplug_plugin_authenticator.AuthDecision, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	decision, err := registered.Authenticate(context, credentials)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(decision, err)
}
