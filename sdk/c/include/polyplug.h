// polyplug.h: the polyplug C SDK's hand-written helpers over the generated
// bindings of the plugin's world (polyplug_world.h, which this includes).
//
// `polyplug build` puts the right world's polyplug_world.h on the include
// path (the one the plugin's polyplug.toml names), so a plugin only writes
//
//     #include "polyplug.h"
//
// Ownership, in one line each (see sdk/c/README.md):
// - An export OWNS its arguments: free each with its generated `*_free`
//   (or hand the memory on into the result).
// - What an export returns (through `ret` / `err`) must be heap memory
//   (malloc, polyplug_string(...)): the generated glue frees it after the
//   host has copied it. Never return a string literal or a borrowed string.
// - What a host import returns (config value, kv value, ...) is the
//   caller's: free it with the generated `*_free` (polyplug_string_free, ...).
// - What you pass to a host import is only borrowed for the call:
//   polyplug_string_borrow("literal") is fine there.
//
// Every helper is `static inline`: one a plugin does not use costs nothing
// and imports nothing.

#ifndef POLYPLUG_H
#define POLYPLUG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "polyplug_world.h"

#ifdef __cplusplus
extern "C" {
#endif

// ---------------------------------------------------------------------------
// Strings. A WIT `string` is `polyplug_string_t { uint8_t *ptr; size_t len; }`:
// UTF-8, NOT NUL-terminated.

// An owned copy of the C string `s` (malloc'd): what exports return.
static inline polyplug_string_t polyplug_string(const char *s) {
    polyplug_string_t out;
    polyplug_string_dup(&out, s);
    return out;
}

// An owned copy of `len` bytes at `s`.
static inline polyplug_string_t polyplug_string_n(const char *s, size_t len) {
    polyplug_string_t out;
    polyplug_string_dup_n(&out, s, len);
    return out;
}

// A string that borrows the C string `s` (no copy): only to pass to a host
// import. Never return it from an export, never free it.
static inline polyplug_string_t polyplug_string_borrow(const char *s) {
    polyplug_string_t out = {(uint8_t *)s, strlen(s)};
    return out;
}

// An owned string formatted like printf. On a formatting error, the empty string.
static inline polyplug_string_t polyplug_string_vprintf(const char *format, va_list args) {
    polyplug_string_t out = {NULL, 0};
    va_list again;
    va_copy(again, args);
    int len = vsnprintf(NULL, 0, format, args);
    if (len > 0) {
        out.ptr = (uint8_t *)malloc((size_t)len + 1);
        if (out.ptr == NULL) {
            abort();
        }
        vsnprintf((char *)out.ptr, (size_t)len + 1, format, again);
        out.len = (size_t)len;
    }
    va_end(again);
    return out;
}

// An owned string formatted like printf, e.g. for an error message.
__attribute__((format(printf, 1, 2)))
static inline polyplug_string_t polyplug_string_printf(const char *format, ...) {
    va_list args;
    va_start(args, format);
    polyplug_string_t out = polyplug_string_vprintf(format, args);
    va_end(args);
    return out;
}

// Whether `s` holds exactly the bytes of the C string `c`.
static inline bool polyplug_string_eq(const polyplug_string_t *s, const char *c) {
    size_t len = strlen(c);
    return s->len == len && (len == 0 || memcmp(s->ptr, c, len) == 0);
}

// Whether the strings `a` and `b` are equal.
static inline bool polyplug_string_equal(const polyplug_string_t *a, const polyplug_string_t *b) {
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

// A NUL-terminated, malloc'd copy of `s`: release it with free(). (A string
// holding a NUL byte ends there in C.)
static inline char *polyplug_string_cstr(const polyplug_string_t *s) {
    char *out = (char *)malloc(s->len + 1);
    if (out == NULL) {
        abort();
    }
    if (s->len > 0) {
        memcpy(out, s->ptr, s->len);
    }
    out[s->len] = '\0';
    return out;
}

// polyplug_string_free(&s) (generated) frees an owned string and empties it.

// ---------------------------------------------------------------------------
// Errors. A WIT `result<T, string>` export returns `bool`: true is `ok` (the
// value in `*ret`), false is `err` with the message in `*err`:
//
//     if (bad) return polyplug_fail(err, "config `%s`: expected a number", key);

// Sets `*err` to an owned, printf-formatted message and returns false.
__attribute__((format(printf, 2, 3)))
static inline bool polyplug_fail(polyplug_string_t *err, const char *format, ...) {
    va_list args;
    va_start(args, format);
    *err = polyplug_string_vprintf(format, args);
    va_end(args);
    return false;
}

// ---------------------------------------------------------------------------
// Logging (declare `log = true` under [capabilities] in polyplug.toml).
#ifdef POLYPLUG_IMPORTS_LOG

#define POLYPLUG_TRACE POLYPLUG_PLUGIN_LOG_LEVEL_TRACE
#define POLYPLUG_DEBUG POLYPLUG_PLUGIN_LOG_LEVEL_DEBUG
#define POLYPLUG_INFO POLYPLUG_PLUGIN_LOG_LEVEL_INFO
#define POLYPLUG_WARN POLYPLUG_PLUGIN_LOG_LEVEL_WARN
#define POLYPLUG_ERROR POLYPLUG_PLUGIN_LOG_LEVEL_ERROR

// Logs the C string `message` at `level` (POLYPLUG_INFO, ...).
static inline void polyplug_log(polyplug_plugin_log_level_t level, const char *message) {
    polyplug_string_t text = polyplug_string_borrow(message);
    polyplug_plugin_log_log(level, &text);
}

// Logs the WIT string `message` at `level`.
static inline void polyplug_log_string(polyplug_plugin_log_level_t level, const polyplug_string_t *message) {
    polyplug_plugin_log_log(level, (polyplug_string_t *)message);
}

// Logs a printf-formatted message at `level`.
__attribute__((format(printf, 2, 3)))
static inline void polyplug_logf(polyplug_plugin_log_level_t level, const char *format, ...) {
    va_list args;
    va_start(args, format);
    polyplug_string_t text = polyplug_string_vprintf(format, args);
    va_end(args);
    polyplug_plugin_log_log(level, &text);
    polyplug_string_free(&text);
}

static inline void polyplug_log_trace(const char *message) { polyplug_log(POLYPLUG_TRACE, message); }
static inline void polyplug_log_debug(const char *message) { polyplug_log(POLYPLUG_DEBUG, message); }
static inline void polyplug_log_info(const char *message) { polyplug_log(POLYPLUG_INFO, message); }
static inline void polyplug_log_warn(const char *message) { polyplug_log(POLYPLUG_WARN, message); }
static inline void polyplug_log_error(const char *message) { polyplug_log(POLYPLUG_ERROR, message); }

#endif // POLYPLUG_IMPORTS_LOG

// ---------------------------------------------------------------------------
// Configuration (declare `config = true`). `plugin.init` receives the same entries.
#ifdef POLYPLUG_IMPORTS_CONFIG

// The value of `key`, if the operator set one: true and an owned string in
// `*out` (free it with polyplug_string_free), else false and `*out` empty.
static inline bool polyplug_config_get(const char *key, polyplug_string_t *out) {
    polyplug_string_t k = polyplug_string_borrow(key);
    if (polyplug_plugin_config_get(&k, out)) {
        return true;
    }
    out->ptr = NULL;
    out->len = 0;
    return false;
}

// The value of `key` as a malloc'd C string (release with free()), or NULL.
static inline char *polyplug_config_get_cstr(const char *key) {
    polyplug_string_t value;
    if (!polyplug_config_get(key, &value)) {
        return NULL;
    }
    char *out = polyplug_string_cstr(&value);
    polyplug_string_free(&value);
    return out;
}

#endif // POLYPLUG_IMPORTS_CONFIG

// ---------------------------------------------------------------------------
// Key-value store (declare `kv = { quota = "64 KiB" }`).
#ifdef POLYPLUG_IMPORTS_KV

// The value stored under `key`: true and owned bytes in `*out` (free them
// with polyplug_list_u8_free), else false and `*out` empty.
static inline bool polyplug_kv_get(const char *key, polyplug_list_u8_t *out) {
    polyplug_string_t k = polyplug_string_borrow(key);
    if (polyplug_plugin_kv_get(&k, out)) {
        return true;
    }
    out->ptr = NULL;
    out->len = 0;
    return false;
}

// Stores `len` bytes at `value` under `key`. False when the store refused the
// write (its quota); then `*err` (when not NULL) says how much was used and needed.
static inline bool polyplug_kv_set(const char *key, const void *value, size_t len, polyplug_plugin_kv_kv_error_t *err) {
    polyplug_string_t k = polyplug_string_borrow(key);
    polyplug_list_u8_t v = {(uint8_t *)value, len};
    polyplug_plugin_kv_kv_error_t ignored;
    return polyplug_plugin_kv_set(&k, &v, err != NULL ? err : &ignored);
}

// Stores the C string `value` (without its NUL) under `key`; see polyplug_kv_set.
static inline bool polyplug_kv_set_cstr(const char *key, const char *value, polyplug_plugin_kv_kv_error_t *err) {
    return polyplug_kv_set(key, value, strlen(value), err);
}

// Removes `key`; true if it was there.
static inline bool polyplug_kv_delete(const char *key) {
    polyplug_string_t k = polyplug_string_borrow(key);
    return polyplug_plugin_kv_delete(&k);
}

#endif // POLYPLUG_IMPORTS_KV

// ---------------------------------------------------------------------------
// Secrets (declare the names, e.g. `secrets = ["crm-token"]`). The host holds
// the values and, in a call for a tenant, gives that tenant's. Never log one.
#ifdef POLYPLUG_IMPORTS_SECRETS

#define POLYPLUG_SECRET_NOT_GRANTED POLYPLUG_PLUGIN_SECRETS_SECRET_ERROR_NOT_GRANTED
#define POLYPLUG_SECRET_NOT_FOUND POLYPLUG_PLUGIN_SECRETS_SECRET_ERROR_NOT_FOUND
#define POLYPLUG_SECRET_UNAVAILABLE POLYPLUG_PLUGIN_SECRETS_SECRET_ERROR_UNAVAILABLE

// Why the host did not give a secret: `kind` is POLYPLUG_SECRET_NOT_GRANTED
// (the grant does not name it), POLYPLUG_SECRET_NOT_FOUND (granted, but the
// host has no value for it) or POLYPLUG_SECRET_UNAVAILABLE (the host's store
// could not be read); `message` is the host's, owned: free it with
// polyplug_secret_error_free.
typedef struct polyplug_secret_error_t {
    uint8_t kind;
    polyplug_string_t message;
} polyplug_secret_error_t;

// The value of the secret `name`: true and an owned string in `*out` (free it
// with polyplug_string_free), else false, `*out` empty and, when `err` is not
// NULL, why in `*err`.
static inline bool polyplug_secrets_get(const char *name, polyplug_string_t *out, polyplug_secret_error_t *err) {
    polyplug_string_t n = polyplug_string_borrow(name);
    polyplug_plugin_secrets_secret_error_t failure;
    if (polyplug_plugin_secrets_get(&n, out, &failure)) {
        return true;
    }
    out->ptr = NULL;
    out->len = 0;
    // Every case carries the host's message.
    polyplug_string_t message = failure.tag == POLYPLUG_SECRET_NOT_GRANTED ? failure.val.not_granted
                                : failure.tag == POLYPLUG_SECRET_NOT_FOUND  ? failure.val.not_found
                                                                            : failure.val.unavailable;
    if (err != NULL) {
        err->kind = failure.tag;
        err->message = message;
    } else {
        polyplug_string_free(&message);
    }
    return false;
}

// The value of the secret `name` as a malloc'd C string (release with free()),
// or NULL when the host does not give it (see polyplug_secrets_get for why).
static inline char *polyplug_secrets_get_cstr(const char *name) {
    polyplug_string_t value;
    if (!polyplug_secrets_get(name, &value, NULL)) {
        return NULL;
    }
    char *out = polyplug_string_cstr(&value);
    polyplug_string_free(&value);
    return out;
}

// The kind of `err` as the WIT names it: "not-granted", "not-found" or "unavailable".
static inline const char *polyplug_secret_error_kind(const polyplug_secret_error_t *err) {
    switch (err->kind) {
    case POLYPLUG_SECRET_NOT_GRANTED:
        return "not-granted";
    case POLYPLUG_SECRET_NOT_FOUND:
        return "not-found";
    default:
        return "unavailable";
    }
}

// Frees the message of `err` and empties it.
static inline void polyplug_secret_error_free(polyplug_secret_error_t *err) {
    polyplug_string_free(&err->message);
}

#endif // POLYPLUG_IMPORTS_SECRETS

#ifdef __cplusplus
}
#endif

#endif // POLYPLUG_H
