// `polyplug build` builds this plugin with the polyplug Go SDK
// (github.com/polyplug/polyplug/sdk/go), which it provides through a Go
// workspace of its own (build/go.work): the SDK is not on a Go module proxy
// yet, so no `require` for it is needed here.
module {{name}}

go 1.25
