// Package secrets reads the secrets the operator's policy lets the plugin
// read (an API token, a password), by name: the host holds the values and,
// in a call for a tenant, gives that tenant's. It needs the names under
// [capabilities] in the plugin's polyplug.toml, e.g. `secrets = ["crm-token"]`
// (a build refuses a plugin that calls it without). Never log a value: the
// host keeps them out of its own logs.
package secrets

import (
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_secrets"
)

// Kind says why the host did not give a secret: one of the WIT cases.
type Kind string

// The kinds of Error.
const (
	// NotGranted: the plugin's grant does not name the secret (the host audits the read).
	NotGranted Kind = "not-granted"
	// NotFound: the secret is granted, but the host has no value for it (for this call's tenant).
	NotFound Kind = "not-found"
	// Unavailable: the host's secret store could not be read.
	Unavailable Kind = "unavailable"
)

// Error is the error Get returns when the host does not give the secret.
type Error struct {
	// Kind is which WIT case it is.
	Kind Kind
	// Message is the host's, and says what to do.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("secrets: %s: %s", e.Kind, e.Message)
}

// Get returns the value of the secret name, or an *Error when the host does
// not give it.
func Get(name string) (string, error) {
	result := polyplug_plugin_secrets.Get(name)
	if !result.IsErr() {
		return result.Ok(), nil
	}
	failure := result.Err()
	switch failure.Tag() {
	case polyplug_plugin_secrets.SecretErrorNotGranted:
		return "", &Error{Kind: NotGranted, Message: failure.NotGranted()}
	case polyplug_plugin_secrets.SecretErrorNotFound:
		return "", &Error{Kind: NotFound, Message: failure.NotFound()}
	default:
		return "", &Error{Kind: Unavailable, Message: failure.Unavailable()}
	}
}
