// The conformance world implemented with the C SDK: every WIT type, with the
// behaviour `wit/conformance.wit` documents for each function, exactly as
// tests/conformance/rust does it.
//
// Ownership: every export owns its arguments. Each function either hands an
// argument's memory on into its result (reverse-bytes, upper-all,
// echo-everything, ...) or frees it with the generated `*_free` helper; what
// it returns is heap memory the generated glue frees after the host copied it.

#include "polyplug.h"

// The generated names are long: shorter ones for this file.
typedef exports_polyplug_plugin_all_types_point_t point_t;
typedef exports_polyplug_plugin_all_types_shape_t shape_t;
typedef exports_polyplug_plugin_all_types_color_t color_t;
typedef exports_polyplug_plugin_all_types_permissions_t permissions_t;
typedef exports_polyplug_plugin_all_types_failure_t failure_t;
typedef exports_polyplug_plugin_all_types_everything_t everything_t;
typedef exports_polyplug_plugin_all_types_counter_t counter_t;
typedef exports_polyplug_plugin_all_types_own_counter_t own_counter_t;

// `len` bytes of heap memory (none for 0 bytes: a zero-length string or list
// owns no memory and is never freed, as the generated glue has it).
static uint8_t *alloc_bytes(size_t len) {
    if (len == 0) {
        return (uint8_t *)1;
    }
    uint8_t *p = (uint8_t *)malloc(len);
    if (p == NULL) {
        abort();
    }
    return p;
}

// ---------------------------------------------------------------------------
// plugin

void exports_polyplug_plugin_plugin_describe(exports_polyplug_plugin_plugin_plugin_info_t *ret) {
    ret->name = polyplug_string("conformance-c");
    ret->version = polyplug_string("0.1.0");
    ret->description = polyplug_string("Every WIT type, in C");
}

bool exports_polyplug_plugin_plugin_init(exports_polyplug_plugin_plugin_list_config_entry_t *config,
                                         polyplug_string_t *err) {
    (void)err;
    exports_polyplug_plugin_plugin_list_config_entry_free(config);
    return true;
}

// ---------------------------------------------------------------------------
// Scalars: wrapping arithmetic, done in unsigned types (signed overflow is
// undefined in C).

uint8_t exports_polyplug_plugin_all_types_inc_u8(uint8_t x) { return (uint8_t)(x + 1u); }
uint16_t exports_polyplug_plugin_all_types_inc_u16(uint16_t x) { return (uint16_t)(x + 1u); }
uint32_t exports_polyplug_plugin_all_types_inc_u32(uint32_t x) { return x + 1u; }
uint64_t exports_polyplug_plugin_all_types_inc_u64(uint64_t x) { return x + 1u; }
int8_t exports_polyplug_plugin_all_types_neg_s8(int8_t x) { return (int8_t)(uint8_t)(0u - (uint8_t)x); }
int16_t exports_polyplug_plugin_all_types_neg_s16(int16_t x) { return (int16_t)(uint16_t)(0u - (uint16_t)x); }
int32_t exports_polyplug_plugin_all_types_neg_s32(int32_t x) { return (int32_t)(0u - (uint32_t)x); }
int64_t exports_polyplug_plugin_all_types_neg_s64(int64_t x) { return (int64_t)(UINT64_C(0) - (uint64_t)x); }
float exports_polyplug_plugin_all_types_double_f32(float x) { return x * 2.0f; }
double exports_polyplug_plugin_all_types_double_f64(double x) { return x * 2.0; }
bool exports_polyplug_plugin_all_types_not_bool(bool b) { return !b; }

uint32_t exports_polyplug_plugin_all_types_next_char(uint32_t c) {
    uint32_t next = c + 1;
    // Not a Unicode scalar value: a surrogate, or beyond U+10FFFF.
    if ((next >= 0xD800 && next <= 0xDFFF) || next > 0x10FFFF) {
        return c;
    }
    return next;
}

// ---------------------------------------------------------------------------
// UTF-8, by hand.

// The length of the well-formed UTF-8 sequence at `s[0..len)`, or 0 when it
// is not one; `*bad` is then how many bytes make up the ill-formed part (the
// maximal subpart, as Rust's `String::from_utf8_lossy` replaces it).
static size_t utf8_sequence(const uint8_t *s, size_t len, size_t *bad) {
    uint8_t b = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (b < 0x80) {
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 2;
    } else if (b == 0xE0) {
        need = 3, lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        need = 3;
    } else if (b == 0xED) {
        need = 3, hi = 0x9F;
    } else if (b == 0xF0) {
        need = 4, lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
        need = 4;
    } else if (b == 0xF4) {
        need = 4, hi = 0x8F;
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        uint8_t lower = i == 1 ? lo : 0x80, upper = i == 1 ? hi : 0xBF;
        if (i >= len || s[i] < lower || s[i] > upper) {
            *bad = i;
            return 0;
        }
    }
    return need;
}

// The scalar value of the well-formed sequence of `n` bytes at `s`.
static uint32_t utf8_decode(const uint8_t *s, size_t n) {
    switch (n) {
        case 1: return s[0];
        case 2: return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        case 3: return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        default:
            return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) | ((uint32_t)(s[2] & 0x3F) << 6) |
                   (s[3] & 0x3F);
    }
}

// Writes the scalar value `c` as UTF-8 at `out`; returns how many bytes.
static size_t utf8_encode(uint32_t c, uint8_t *out) {
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    } else if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    } else if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

// `bytes` as a string, each ill-formed part replaced by U+FFFD (Rust's
// `String::from_utf8_lossy`). Consumes `bytes`.
static polyplug_string_t utf8_lossy(polyplug_list_u8_t *bytes) {
    // Each ill-formed byte becomes at most 3 bytes (U+FFFD).
    uint8_t *out = alloc_bytes(bytes->len * 3);
    size_t n = 0;
    for (size_t i = 0; i < bytes->len;) {
        size_t bad = 0;
        size_t len = utf8_sequence(bytes->ptr + i, bytes->len - i, &bad);
        if (len > 0) {
            memcpy(out + n, bytes->ptr + i, len);
            n += len;
            i += len;
        } else {
            n += utf8_encode(0xFFFD, out + n);
            i += bad;
        }
    }
    polyplug_list_u8_free(bytes);
    polyplug_string_t s = {out, n};
    if (n == 0 && out != (uint8_t *)1) {
        free(out);
        s.ptr = (uint8_t *)1;
    }
    return s;
}

// ---------------------------------------------------------------------------
// Strings and lists

void exports_polyplug_plugin_all_types_reverse_string(polyplug_string_t *s, polyplug_string_t *ret) {
    uint8_t *out = alloc_bytes(s->len);
    // Decode each scalar value from the front, encode it at the back.
    size_t end = s->len;
    for (size_t i = 0; i < s->len;) {
        size_t bad = 0;
        size_t n = utf8_sequence(s->ptr + i, s->len - i, &bad);
        if (n == 0) {
            abort();  // the canonical ABI only passes well-formed UTF-8
        }
        uint8_t encoded[4];
        size_t m = utf8_encode(utf8_decode(s->ptr + i, n), encoded);
        end -= m;
        memcpy(out + end, encoded, m);
        i += n;
    }
    ret->ptr = out;
    ret->len = s->len;
    polyplug_string_free(s);
}

void exports_polyplug_plugin_all_types_reverse_bytes(polyplug_list_u8_t *b, polyplug_list_u8_t *ret) {
    // In place: the argument's memory becomes the result's.
    for (size_t i = 0, j = b->len; i + 1 < j; i++, j--) {
        uint8_t t = b->ptr[i];
        b->ptr[i] = b->ptr[j - 1];
        b->ptr[j - 1] = t;
    }
    *ret = *b;
}

int64_t exports_polyplug_plugin_all_types_sum_list(polyplug_list_s64_t *xs) {
    uint64_t sum = 0;
    for (size_t i = 0; i < xs->len; i++) {
        sum += (uint64_t)xs->ptr[i];
    }
    polyplug_list_s64_free(xs);
    return (int64_t)sum;
}

void exports_polyplug_plugin_all_types_upper_all(polyplug_list_string_t *xs, polyplug_list_string_t *ret) {
    for (size_t i = 0; i < xs->len; i++) {
        polyplug_string_t *s = &xs->ptr[i];
        for (size_t j = 0; j < s->len; j++) {
            if (s->ptr[j] >= 'a' && s->ptr[j] <= 'z') {
                s->ptr[j] = (uint8_t)(s->ptr[j] - 'a' + 'A');
            }
        }
    }
    *ret = *xs;
}

// ---------------------------------------------------------------------------
// Records, variants, enums, flags, options, results, tuples

void exports_polyplug_plugin_all_types_move_point(point_t *p, int32_t dx, int32_t dy, point_t *ret) {
    static const char suffix[] = " moved";
    size_t extra = sizeof suffix - 1;
    ret->x = (int32_t)((uint32_t)p->x + (uint32_t)dx);
    ret->y = (int32_t)((uint32_t)p->y + (uint32_t)dy);
    ret->label.len = p->label.len + extra;
    ret->label.ptr = alloc_bytes(ret->label.len);
    if (p->label.len > 0) {
        memcpy(ret->label.ptr, p->label.ptr, p->label.len);
    }
    memcpy(ret->label.ptr + p->label.len, suffix, extra);
    exports_polyplug_plugin_all_types_point_free(p);
}

double exports_polyplug_plugin_all_types_area(shape_t *s) {
    double area = 0.0;
    switch (s->tag) {
        case EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_SHAPE_CIRCLE: {
            double r = s->val.circle;
            area = 3.14159265358979323846264338327950288 * r * r;
            break;
        }
        case EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_SHAPE_RECTANGLE:
            area = s->val.rectangle.f0 * s->val.rectangle.f1;
            break;
        case EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_SHAPE_POLYGON: {
            const point_t *pts = s->val.polygon.ptr;
            size_t n = s->val.polygon.len;
            // The shoelace formula in 64-bit integers, wrapping.
            uint64_t twice = 0;
            for (size_t i = 0; i < n; i++) {
                const point_t *a = &pts[i], *b = &pts[(i + 1) % n];
                twice += (uint64_t)((int64_t)a->x * (int64_t)b->y) - (uint64_t)((int64_t)b->x * (int64_t)a->y);
            }
            int64_t t = (int64_t)twice;
            int64_t abs = t < 0 ? (int64_t)(UINT64_C(0) - (uint64_t)t) : t;
            area = (double)abs / 2.0;
            break;
        }
        default:
            break;
    }
    exports_polyplug_plugin_all_types_shape_free(s);
    return area;
}

color_t exports_polyplug_plugin_all_types_next_color(color_t c) {
    switch (c) {
        case EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_COLOR_RED: return EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_COLOR_GREEN;
        case EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_COLOR_GREEN: return EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_COLOR_BLUE;
        default: return EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_COLOR_RED;
    }
}

permissions_t exports_polyplug_plugin_all_types_toggle_permissions(permissions_t p) {
    const permissions_t all = EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_PERMISSIONS_READ |
                              EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_PERMISSIONS_WRITE |
                              EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_PERMISSIONS_EXECUTE;
    return (permissions_t)(p ^ all);
}

bool exports_polyplug_plugin_all_types_option_len(polyplug_string_t *maybe_s, uint32_t *ret) {
    if (maybe_s == NULL) {
        return false;
    }
    *ret = (uint32_t)maybe_s->len;
    polyplug_string_free(maybe_s);
    return true;
}

bool exports_polyplug_plugin_all_types_nested_option(polyplug_option_u32_t *maybe_x, polyplug_option_u32_t *ret) {
    if (maybe_x == NULL) {
        return false;
    }
    ret->is_some = maybe_x->is_some;
    ret->val = maybe_x->is_some ? maybe_x->val * 2u : 0;
    return true;
}

bool exports_polyplug_plugin_all_types_parse_number(polyplug_string_t *s, uint32_t *ret, failure_t *err) {
    bool ok = false;
    if (s->len == 0) {
        *err = EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_FAILURE_EMPTY_INPUT;
    } else if (s->len > 10) {
        *err = EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_FAILURE_TOO_LONG;
    } else {
        // Decimal digits only (no sign), at most 10 of them: at most 9999999999.
        uint64_t n = 0;
        ok = true;
        for (size_t i = 0; ok && i < s->len; i++) {
            ok = s->ptr[i] >= '0' && s->ptr[i] <= '9';
            n = n * 10 + (uint64_t)(s->ptr[i] - '0');
        }
        ok = ok && n <= UINT32_MAX;
        if (ok) {
            *ret = (uint32_t)n;
        } else {
            // Anything else that is not a u32 counts as too long: the WIT has no third case.
            *err = EXPORTS_POLYPLUG_PLUGIN_ALL_TYPES_FAILURE_TOO_LONG;
        }
    }
    polyplug_string_free(s);
    return ok;
}

void exports_polyplug_plugin_all_types_rotate_tuple(polyplug_tuple3_u8_string_f64_t *t, polyplug_tuple3_f64_u8_string_t *ret) {
    ret->f0 = t->f2;
    ret->f1 = t->f0;
    ret->f2 = t->f1;  // the string moves into the result
}

void exports_polyplug_plugin_all_types_echo_everything(everything_t *e, everything_t *ret) {
    *ret = *e;  // everything moves into the result
}

// ---------------------------------------------------------------------------
// The counter resource

struct exports_polyplug_plugin_all_types_counter_t {
    int64_t value;
};

// Counters alive now: made by the constructor or `fork`, not yet dropped.
static uint32_t live_counters = 0;

static own_counter_t counter_starting_at(int64_t value) {
    counter_t *c = (counter_t *)malloc(sizeof *c);
    if (c == NULL) {
        abort();
    }
    c->value = value;
    live_counters++;
    return exports_polyplug_plugin_all_types_counter_new(c);
}

own_counter_t exports_polyplug_plugin_all_types_constructor_counter(int64_t start) {
    return counter_starting_at(start);
}

int64_t exports_polyplug_plugin_all_types_method_counter_increment(counter_t *self, int64_t by) {
    self->value = (int64_t)((uint64_t)self->value + (uint64_t)by);
    return self->value;
}

int64_t exports_polyplug_plugin_all_types_method_counter_value(counter_t *self) {
    return self->value;
}

own_counter_t exports_polyplug_plugin_all_types_method_counter_fork(counter_t *self) {
    return counter_starting_at(self->value);
}

void exports_polyplug_plugin_all_types_counter_destructor(counter_t *rep) {
    live_counters--;
    free(rep);
}

int64_t exports_polyplug_plugin_all_types_sum_counters(counter_t *a, counter_t *b) {
    return (int64_t)((uint64_t)a->value + (uint64_t)b->value);
}

uint32_t exports_polyplug_plugin_all_types_live_counters(void) {
    return live_counters;
}

// ---------------------------------------------------------------------------
// Host interfaces

bool exports_polyplug_plugin_all_types_host_round_trip(polyplug_string_t *key, polyplug_string_t *message,
                                                       polyplug_string_t *ret) {
    bool found = false;
    polyplug_log_string(POLYPLUG_INFO, message);
    polyplug_string_t value;
    if (polyplug_plugin_config_get(key, &value)) {
        polyplug_list_u8_t bytes = {value.ptr, value.len};
        polyplug_plugin_kv_kv_error_t kv_error;
        if (polyplug_plugin_kv_set(key, &bytes, &kv_error)) {
            polyplug_list_u8_t back;
            if (polyplug_plugin_kv_get(key, &back)) {
                *ret = utf8_lossy(&back);
                found = true;
            }
        }
        polyplug_string_free(&value);
    }
    polyplug_string_free(key);
    polyplug_string_free(message);
    return found;
}

void exports_polyplug_plugin_all_types_read_secret(polyplug_string_t *name, polyplug_string_t *ret) {
    char *wanted = polyplug_string_cstr(name);
    polyplug_string_t value;
    polyplug_secret_error_t err;
    if (polyplug_secrets_get(wanted, &value, &err)) {
        *ret = polyplug_string_printf("value:%.*s", (int)value.len, (const char *)value.ptr);
        polyplug_string_free(&value);
    } else {
        *ret = polyplug_string_printf("error:%s:%.*s", polyplug_secret_error_kind(&err), (int)err.message.len,
                                      (const char *)err.message.ptr);
        polyplug_secret_error_free(&err);
    }
    free(wanted);
    polyplug_string_free(name);
}
