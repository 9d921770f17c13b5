// Package config reads the operator's configuration of the plugin: the same
// entries Init receives. It needs `config = true` under [capabilities] in the
// plugin's polyplug.toml (a build refuses a plugin that calls it without).
package config

import (
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_config"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Entry is one configuration entry: a key and its value.
type Entry struct {
	Key   string
	Value string
}

// Entries is a plugin's configuration, sorted by key.
type Entries []Entry

// Get returns the value of key, and whether it is set.
func (e Entries) Get(key string) (string, bool) {
	for _, entry := range e {
		if entry.Key == key {
			return entry.Value, true
		}
	}
	return "", false
}

// Get returns the operator's value for key, and whether the operator set one.
func Get(key string) (string, bool) {
	value := polyplug_plugin_config.Get(key)
	if value.IsNone() {
		return "", false
	}
	return value.Some(), true
}

// All returns every configured entry, sorted by key.
func All() Entries {
	return FromPairs(polyplug_plugin_config.Entries())
}

// FromPairs converts the WIT form of configuration entries (key-value tuples).
// The SDK uses it; plugins get Entries already converted.
func FromPairs(pairs []witTypes.Tuple2[string, string]) Entries {
	entries := make(Entries, len(pairs))
	for i, pair := range pairs {
		entries[i] = Entry{Key: pair.F0, Value: pair.F1}
	}
	return entries
}
