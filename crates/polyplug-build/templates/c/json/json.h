// json.h: the little JSON a plugin of the mock-server worlds needs, which
// carry JSON values as their text: reading a JSON string, and writing JSON
// text (strings quoted and escaped) into a growing buffer.

#ifndef JSON_H
#define JSON_H

#include "polyplug.h"

// JSON text being written. Start with `json_buf b = {0};`, end with
// json_take (an owned string, to return) or json_buf_free.
typedef struct {
    uint8_t *ptr;
    size_t len;
    size_t cap;
} json_buf;

// Appends `len` bytes at `bytes` to `b`, as they are.
static inline void json_raw(json_buf *b, const void *bytes, size_t len) {
    if (len == 0) {
        return;
    }
    if (b->cap - b->len < len) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap - b->len < len) {
            cap *= 2;
        }
        uint8_t *grown = (uint8_t *)realloc(b->ptr, cap);
        if (grown == NULL) {
            abort();
        }
        b->ptr = grown;
        b->cap = cap;
    }
    memcpy(b->ptr + b->len, bytes, len);
    b->len += len;
}

// Appends the C string `text` to `b`, as it is (e.g. `{"id":`).
static inline void json_text(json_buf *b, const char *text) {
    json_raw(b, text, strlen(text));
}

// Appends `len` bytes of UTF-8 at `s` to `b` as a JSON string, quoted and escaped.
static inline void json_quoted(json_buf *b, const uint8_t *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    json_raw(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        const char *escape = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                           : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (escape != NULL) {
            json_raw(b, escape, 2);
        } else if (c < 0x20) {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
            json_raw(b, u, sizeof u);
        } else {
            json_raw(b, &c, 1);  // everything else, UTF-8 included, as it is
        }
    }
    json_raw(b, "\"", 1);
}

// What `b` holds, as an owned string (to return); `b` is empty after.
static inline polyplug_string_t json_take(json_buf *b) {
    polyplug_string_t out = {b->ptr, b->len};
    if (b->len == 0) {
        free(b->ptr);  // an empty string owns no memory
        out.ptr = NULL;
    }
    *b = (json_buf){0};
    return out;
}

// Releases what `b` holds.
static inline void json_buf_free(json_buf *b) {
    free(b->ptr);
    *b = (json_buf){0};
}

// The number the four hex digits at `p` (before `end`) spell, or -1.
static inline long json_hex4(const uint8_t *p, const uint8_t *end) {
    if (end - p < 4) {
        return -1;
    }
    long value = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t c = p[i];
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0) {
            return -1;
        }
        value = value * 16 + digit;
    }
    return value;
}

// The character the escape `\e` stands for (`\n`: a newline), or 0.
static inline uint8_t json_unescape(uint8_t e) {
    switch (e) {
        case '"': return '"';
        case '\\': return '\\';
        case '/': return '/';
        case 'b': return '\b';
        case 'f': return '\f';
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        default: return 0;
    }
}

// Appends the code point `c` to `b` as UTF-8.
static inline void json_utf8(json_buf *b, uint32_t c) {
    uint8_t u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xc0 | (c >> 6));
        u[1] = (uint8_t)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xe0 | (c >> 12));
        u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (uint8_t)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | (c >> 18));
        u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        u[3] = (uint8_t)(0x80 | (c & 0x3f));
        n = 4;
    }
    json_raw(b, u, n);
}

static inline bool json_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// If the JSON text `json` is one string (whitespace around it allowed):
// true, and the string, unescaped, in `*out` (owned: polyplug_string_free it).
static inline bool json_string(const polyplug_string_t *json, polyplug_string_t *out) {
    const uint8_t *p = json->ptr, *end = json->ptr + json->len;
    while (p < end && json_space(*p)) {
        p++;
    }
    while (end > p && json_space(end[-1])) {
        end--;
    }
    if (end - p < 2 || *p != '"' || end[-1] != '"') {
        return false;
    }
    p++;
    end--;
    json_buf text = {0};
    bool good = true;
    while (good && p < end) {
        uint8_t c = *p++;
        if (c == '"' || c < 0x20) {
            good = false;  // an unescaped quote or control character: not one JSON string
        } else if (c != '\\') {
            json_raw(&text, &c, 1);
        } else if (p < end && json_unescape(*p) != 0) {
            uint8_t e = json_unescape(*p++);
            json_raw(&text, &e, 1);
        } else if (p < end && *p == 'u' && json_hex4(p + 1, end) >= 0) {
            long u = json_hex4(p + 1, end);
            p += 5;
            if (u >= 0xd800 && u <= 0xdbff) {  // a surrogate pair, e.g. \ud83d\ude00
                long low = end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? json_hex4(p + 2, end) : -1;
                good = low >= 0xdc00 && low <= 0xdfff;
                if (good) {
                    p += 6;
                    u = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
                }
            } else {
                good = u < 0xdc00 || u > 0xdfff;  // not half a pair
            }
            if (good) {
                json_utf8(&text, (uint32_t)u);
            }
        } else {
            good = false;
        }
    }
    if (!good) {
        json_buf_free(&text);
        return false;
    }
    *out = json_take(&text);
    return true;
}

#endif // JSON_H
