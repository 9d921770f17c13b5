// Example filter@0.2 plugin in Go: drops the messages whose JSON payload has
// a configured value at a configured field. `polyplug build` builds it with
// the polyplug Go SDK, github.com/polyplug/polyplug/sdk/go, which it
// provides through a Go workspace of its own (build/go.work): no `require`
// for it is needed here (see sdk/go/README.md).
module github.com/polyplug/polyplug/examples/filter-go

go 1.25
