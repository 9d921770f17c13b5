// `{{name}}`: an auth plugin that lets in requests carrying the API key of
// its configuration (`api-key`).
package main

import (
	"errors"

	"github.com/polyplug/polyplug/sdk/go/auth"
)

type apiKey struct{ key string }

var plugin = &apiKey{}

func (*apiKey) Describe() auth.PluginInfo {
	return auth.PluginInfo{
		Name:        "{{name}}",
		Version:     "0.1.0",
		Description: "Lets in requests carrying the API key its configuration holds",
	}
}

func (p *apiKey) Init(config auth.Config) error {
	key, ok := config.Get("api-key")
	if !ok || key == "" {
		return errors.New("set `api-key` in the plugin's configuration")
	}
	p.key = key
	return nil
}

func (p *apiKey) Authenticate(ctx auth.RequestContext, creds auth.Credentials) (auth.AuthDecision, error) {
	if creds.Tag() != auth.CredentialsApiKey {
		return auth.Deny(401, "missing API key"), nil
	}
	if creds.ApiKey() != p.key {
		return auth.Deny(401, "invalid API key"), nil
	}
	return auth.Allow(auth.Principal{Id: "api-key", Roles: []string{"user"}, Claims: []auth.Pair{}}), nil
}

func init() { auth.Export(plugin) }

// A plugin has no main program: the host calls its exports.
func main() {}
