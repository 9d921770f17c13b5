// Package export_polyplug_plugin_authenticator_0_2 is what the generated
// entry points of the `authenticator@0.2.0` interface (the auth@0.2 world)
// call: it hands each call to the registered plugin and collects garbage
// after it (package gc). The interface of auth@0.1 has the package without
// the version, export_polyplug_plugin_authenticator.
package export_polyplug_plugin_authenticator_0_2

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_authenticator_0_2"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Authenticator is the `authenticator@0.2.0` interface in Go.
type Authenticator interface {
	// SupportedSchemes names the credential schemes the plugin handles
	// (`basic`, `bearer`, `api-key`, …): the server asks it only about
	// requests presenting one.
	SupportedSchemes() []string
	// Authenticate decides about request: allow, deny or abstain. An error
	// means the plugin could not decide (e.g. it is misconfigured): the
	// host treats it as a failure, not as a denial.
	Authenticate(request polyplug_plugin_types.HttpRequest) (polyplug_plugin_authenticator_0_2.AuthResult, error)
}

var registered Authenticator

// Register makes a the plugin the `authenticator@0.2.0` calls go to.
func Register(a Authenticator) {
	registered = a
}

// SupportedSchemes is the `supported-schemes` export.
func SupportedSchemes() []string {
	_ = export_polyplug_plugin_plugin.Registered()
	schemes := registered.SupportedSchemes()
	gc.AfterExport()
	return schemes
}

// Authenticate is the `authenticate` export.
func Authenticate(request polyplug_plugin_types.HttpRequest) witTypes.Result[polyplug_plugin_authenticator_0_2.AuthResult, string] {
	_ = export_polyplug_plugin_plugin.Registered()
	result, err := registered.Authenticate(request)
	gc.AfterExport()
	return export_polyplug_plugin_plugin.ErrorResult(result, err)
}
