// Package log writes records into the host's logs, tagged with the plugin's
// name. It needs `log = true` under [capabilities] in the plugin's
// polyplug.toml (a build refuses a plugin that calls it without).
package log

import (
	"fmt"

	"github.com/polyplug/polyplug/sdk/go/internal/bindings/polyplug_plugin_log"
)

// Level is the severity of a record.
type Level = polyplug_plugin_log.Level

// The levels, from the most detailed to the most severe.
const (
	LevelTrace Level = polyplug_plugin_log.LevelTrace
	LevelDebug Level = polyplug_plugin_log.LevelDebug
	LevelInfo  Level = polyplug_plugin_log.LevelInfo
	LevelWarn  Level = polyplug_plugin_log.LevelWarn
	LevelError Level = polyplug_plugin_log.LevelError
)

// Log writes message at level.
func Log(level Level, message string) {
	polyplug_plugin_log.Log(level, message)
}

// Trace writes message at trace level: very detailed diagnostics.
func Trace(message string) { Log(LevelTrace, message) }

// Debug writes message at debug level: diagnostics for developers.
func Debug(message string) { Log(LevelDebug, message) }

// Info writes message at info level: normal operation.
func Info(message string) { Log(LevelInfo, message) }

// Warn writes message at warn level: something unexpected the plugin recovered from.
func Warn(message string) { Log(LevelWarn, message) }

// Error writes message at error level: something failed.
func Error(message string) { Log(LevelError, message) }

// Tracef writes a record at trace level, formatted as fmt.Sprintf does.
func Tracef(format string, args ...any) { Log(LevelTrace, fmt.Sprintf(format, args...)) }

// Debugf writes a record at debug level, formatted as fmt.Sprintf does.
func Debugf(format string, args ...any) { Log(LevelDebug, fmt.Sprintf(format, args...)) }

// Infof writes a record at info level, formatted as fmt.Sprintf does.
func Infof(format string, args ...any) { Log(LevelInfo, fmt.Sprintf(format, args...)) }

// Warnf writes a record at warn level, formatted as fmt.Sprintf does.
func Warnf(format string, args ...any) { Log(LevelWarn, fmt.Sprintf(format, args...)) }

// Errorf writes a record at error level, formatted as fmt.Sprintf does.
func Errorf(format string, args ...any) { Log(LevelError, fmt.Sprintf(format, args...)) }
