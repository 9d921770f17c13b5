// The transform@0.2 test plugin in Go. `polyplug build` (and `cargo xtask
// guests`) builds it with the polyplug Go SDK,
// github.com/polyplug/polyplug/sdk/go, which it provides through a Go
// workspace of its own (build/go.work): no `require` for it is needed here
// (see sdk/go/README.md).
module github.com/polyplug/polyplug/tests/guests/transform02-go

go 1.25
