// Package base is the base world: a plugin that only describes itself and
// takes its configuration (useful for tests, and as the start of a world of
// your own). Implement Plugin on a type and pass a value to Export from an
// init function:
//
//	type hello struct{}
//
//	func (hello) Describe() base.PluginInfo {
//		return base.PluginInfo{Name: "hello", Version: "0.1.0", Description: "Says hello"}
//	}
//
//	func (hello) Init(config base.Config) error { return nil }
//
//	func init() { base.Export(hello{}) }
//
//	func main() {}
package base

import (
	"github.com/polyplug/polyplug/sdk/go/config"
	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_types"
	_ "github.com/polyplug/polyplug/sdk/go/internal/bindings/world_base"
	"github.com/polyplug/polyplug/sdk/go/internal/exports/export_polyplug_plugin_plugin"
)

// PluginInfo is what a plugin says about itself (polyplug inspect shows it).
type PluginInfo = polyplug_plugin_types.PluginInfo

// Config is the operator's configuration of the plugin, sorted by key.
type Config = config.Entries

// Plugin is what a base-world plugin implements.
type Plugin interface {
	// Describe says what the plugin is. The host may call it before Init,
	// so the answer must not depend on configuration.
	Describe() PluginInfo
	// Init prepares the plugin with the operator's configuration, once per
	// instance, before any other call but Describe. An error refuses the
	// configuration: say which key is wrong and what would be right.
	Init(config Config) error
}

// Export makes p the plugin. Call it once, from an init function (a plugin's
// main never runs).
func Export(p Plugin) {
	export_polyplug_plugin_plugin.Register("base", p)
}
