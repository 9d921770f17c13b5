// Example response-modifier plugin in Go: headers added to every response,
// and CORS for one origin. `polyplug build` builds it with the polyplug Go
// SDK, github.com/polyplug/polyplug/sdk/go, which it provides through a Go
// workspace of its own (build/go.work): no `require` for it is needed here
// (see sdk/go/README.md).
module github.com/polyplug/polyplug/examples/modifier-headers-go

go 1.25
