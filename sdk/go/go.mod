module github.com/polyplug/polyplug/sdk/go

go 1.25
