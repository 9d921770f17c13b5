// Package kv is the plugin's key-value store: private to the plugin, shared
// by all its instances, kept in the host's memory while the plugin stays
// loaded, and holding at most the quota its grant allows (bytes of keys plus
// values). It needs `kv = { quota = "64 KiB" }` (any quota) under
// [capabilities] in the plugin's polyplug.toml (a build refuses a plugin that
// calls it without).
package kv

import (
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_kv"
)

// QuotaError is the error Set returns when a write would take the store past
// its quota.
type QuotaError struct {
	// Quota is the quota in bytes.
	Quota uint64
	// Used is how many bytes were in use before the write.
	Used uint64
	// Needed is how many bytes the write would have led to.
	Needed uint64
}

func (e *QuotaError) Error() string {
	return fmt.Sprintf("kv: the write needs %d bytes, over the store's quota of %d (%d in use)", e.Needed, e.Quota, e.Used)
}

// Get returns the value stored under key, and whether there is one.
func Get(key string) ([]byte, bool) {
	value := polyplug_plugin_kv.Get(key)
	if value.IsNone() {
		return nil, false
	}
	return value.Some(), true
}

// Set stores value under key, replacing what was there. It returns a
// *QuotaError when the write would take the store past its quota.
func Set(key string, value []byte) error {
	result := polyplug_plugin_kv.Set(key, value)
	if !result.IsErr() {
		return nil
	}
	failure := result.Err()
	switch failure.Tag() {
	case polyplug_plugin_kv.KvErrorQuotaExceeded:
		use := failure.QuotaExceeded()
		return &QuotaError{Quota: use.Quota, Used: use.Used, Needed: use.Needed}
	default:
		return fmt.Errorf("kv: the store refused the write (error case %d)", failure.Tag())
	}
}

// Delete removes key, and reports whether it was there.
func Delete(key string) bool {
	return polyplug_plugin_kv.Delete(key)
}

// Keys returns every key, sorted.
func Keys() []string {
	return polyplug_plugin_kv.Keys()
}
