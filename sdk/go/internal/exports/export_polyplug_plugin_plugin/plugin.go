// Package export_polyplug_plugin_plugin is what the generated entry points of
// the `plugin` interface (describe, init) call: it hands each call to the
// plugin registered by the world package's Export, converting WIT types to
// Go ones, and collects garbage after it (package gc).
package export_polyplug_plugin_plugin

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	"github.com/polyplug/polyplug/sdk/go/internal/gc"
	witTypes "github.com/polyplug/polyplug/sdk/go/internal/wit/types"
)

// Plugin is what every plugin implements, whatever its world.
type Plugin interface {
	// Describe says what the plugin is: name, version, what it does. The host
	// may call it before Init, so it must not depend on configuration.
	Describe() polyplug_plugin_types.PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config config.Entries) error
}

var registered Plugin

// Register makes p the plugin every call goes to. world is the world
// package's name, for the message when two worlds or two plugins register.
func Register(world string, p Plugin) {
	if p == nil {
		panic("polyplug: " + world + ".Export(nil): pass the plugin's value")
	}
	if registered != nil {
		panic("polyplug: " + world + ".Export called twice: a Go plugin exports one value, from one world package")
	}
	registered = p
}

// Registered returns the plugin, or panics saying how to register one.
func Registered() Plugin {
	if registered == nil {
		panic("polyplug: no plugin is exported; call Export from the world package (e.g. transform.Export(myPlugin{})) in an init function: main never runs in a plugin")
	}
	return registered
}

// Describe is the `describe` export.
func Describe() polyplug_plugin_types.PluginInfo {
	info := Registered().Describe()
	gc.AfterExport()
	return info
}

// Init is the `init` export.
func Init(pairs []witTypes.Tuple2[string, string]) witTypes.Result[witTypes.Unit, string] {
	err := Registered().Init(config.FromPairs(pairs))
	gc.AfterExport()
	return ErrorResult[witTypes.Unit](witTypes.Unit{}, err)
}

// ErrorResult is the WIT result for a Go (value, error) pair: err's message
// when err is not nil, else value.
func ErrorResult[T any](value T, err error) witTypes.Result[T, string] {
	if err != nil {
		return witTypes.Err[T, string](err.Error())
	}
	return witTypes.Ok[T, string](value)
}
