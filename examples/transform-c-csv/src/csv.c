// CSV to JSON (see csv.h).

#include "csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(csv_buf *buf, size_t more) {
    if (buf->cap - buf->len >= more) {
        return;
    }
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap - buf->len < more) {
        cap *= 2;
    }
    uint8_t *data = (uint8_t *)realloc(buf->data, cap);
    if (data == NULL) {
        abort();
    }
    buf->data = data;
    buf->cap = cap;
}

void csv_buf_append(csv_buf *buf, const void *bytes, size_t len) {
    if (len == 0) {
        return;
    }
    reserve(buf, len);
    memcpy(buf->data + buf->len, bytes, len);
    buf->len += len;
}

static void append_byte(csv_buf *buf, uint8_t byte) {
    reserve(buf, 1);
    buf->data[buf->len++] = byte;
}

void csv_buf_printf(csv_buf *buf, const char *format, ...) {
    va_list args, again;
    va_start(args, format);
    va_copy(again, args);
    int len = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (len > 0) {
        reserve(buf, (size_t)len + 1);
        vsnprintf((char *)buf->data + buf->len, (size_t)len + 1, format, again);
        buf->len += (size_t)len;
    }
    va_end(again);
}

void csv_buf_free(csv_buf *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
}

// Appends `len` bytes of UTF-8 as a JSON string, quoted and escaped.
static void append_json_string(csv_buf *out, const uint8_t *s, size_t len) {
    append_byte(out, '"');
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        switch (c) {
            case '"': csv_buf_append(out, "\\\"", 2); break;
            case '\\': csv_buf_append(out, "\\\\", 2); break;
            case '\b': csv_buf_append(out, "\\b", 2); break;
            case '\f': csv_buf_append(out, "\\f", 2); break;
            case '\n': csv_buf_append(out, "\\n", 2); break;
            case '\r': csv_buf_append(out, "\\r", 2); break;
            case '\t': csv_buf_append(out, "\\t", 2); break;
            default:
                if (c < 0x20) {
                    csv_buf_printf(out, "\\u%04x", c);
                } else {
                    append_byte(out, c);  // everything else, UTF-8 included, as it is
                }
        }
    }
    append_byte(out, '"');
}

// A field of a record: `len` bytes at `start` in the record's text.
typedef struct {
    size_t start;
    size_t len;
} field;

// One record, its fields unquoted and unescaped.
typedef struct {
    csv_buf text;
    field *fields;
    size_t count;
    size_t cap;
    size_t line;  // the line it starts on, from 1
} record;

typedef struct {
    const uint8_t *s;
    size_t len;
    size_t pos;
    size_t line;
    uint8_t delimiter;
} reader;

static void push_field(record *rec, size_t start) {
    if (rec->count == rec->cap) {
        rec->cap = rec->cap ? rec->cap * 2 : 8;
        rec->fields = (field *)realloc(rec->fields, rec->cap * sizeof(field));
        if (rec->fields == NULL) {
            abort();
        }
    }
    rec->fields[rec->count].start = start;
    rec->fields[rec->count].len = rec->text.len - start;
    rec->count++;
}

// Whether the reader is at a line end (LF or CRLF); consumes it if so.
static bool take_line_end(reader *r) {
    if (r->pos < r->len && r->s[r->pos] == '\n') {
        r->pos += 1;
    } else if (r->pos + 1 < r->len && r->s[r->pos] == '\r' && r->s[r->pos + 1] == '\n') {
        r->pos += 2;
    } else {
        return false;
    }
    r->line++;
    return true;
}

// A printable description of the byte `c` for an error message.
static void describe_byte(csv_buf *error, uint8_t c) {
    if (c >= 0x20 && c < 0x7F) {
        csv_buf_printf(error, "`%c`", c);
    } else {
        csv_buf_printf(error, "byte 0x%02X", c);
    }
}

// Reads the next record into `rec`: 1 when there was one, 0 at the end of
// the input, -1 on malformed CSV (with the message in `error`).
static int read_record(reader *r, record *rec, csv_buf *error) {
    rec->text.len = 0;
    rec->count = 0;
    while (take_line_end(r)) {
        // Blank lines separate nothing.
    }
    if (r->pos >= r->len) {
        return 0;
    }
    rec->line = r->line;
    for (;;) {
        size_t start = rec->text.len;
        if (r->pos < r->len && r->s[r->pos] == '"') {
            size_t opened = r->line;
            r->pos++;
            for (;;) {
                if (r->pos >= r->len) {
                    csv_buf_printf(error, "line %zu: unterminated quoted field (the quote opened here is never closed)", opened);
                    return -1;
                }
                uint8_t c = r->s[r->pos];
                if (c == '"') {
                    if (r->pos + 1 < r->len && r->s[r->pos + 1] == '"') {
                        append_byte(&rec->text, '"');
                        r->pos += 2;
                        continue;
                    }
                    r->pos++;
                    break;
                }
                if (c == '\n') {
                    r->line++;
                }
                append_byte(&rec->text, c);
                r->pos++;
            }
            push_field(rec, start);
            if (r->pos >= r->len || take_line_end(r)) {
                return 1;
            }
            if (r->s[r->pos] == r->delimiter) {
                r->pos++;
                continue;
            }
            csv_buf_printf(error, "line %zu: ", r->line);
            describe_byte(error, r->s[r->pos]);
            csv_buf_printf(error, " after the closing quote of field %zu (a quote inside a quoted field is written twice: \"\")", rec->count);
            return -1;
        }
        for (;;) {
            if (r->pos >= r->len) {
                push_field(rec, start);
                return 1;
            }
            uint8_t c = r->s[r->pos];
            if (c == r->delimiter) {
                r->pos++;
                push_field(rec, start);
                break;
            }
            if (c == '\n' || (c == '\r' && r->pos + 1 < r->len && r->s[r->pos + 1] == '\n')) {
                push_field(rec, start);
                take_line_end(r);
                return 1;
            }
            if (c == '"') {
                csv_buf_printf(error, "line %zu: a quote inside unquoted field %zu (quote the whole field and write the quote twice: \"a \"\"b\"\"\")", r->line, rec->count + 1);
                return -1;
            }
            append_byte(&rec->text, c);
            r->pos++;
        }
    }
}

// The bytes of field `i` of `rec`.
static const uint8_t *field_bytes(const record *rec, size_t i) {
    return rec->text.data != NULL ? rec->text.data + rec->fields[i].start : (const uint8_t *)"";
}

static void record_free(record *rec) {
    csv_buf_free(&rec->text);
    free(rec->fields);
}

bool csv_to_json(const uint8_t *csv, size_t len, uint8_t delimiter, csv_buf *out, csv_buf *error) {
    reader r = {csv, len, 0, 1, delimiter};
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0) {
        r.pos = 3;  // a byte order mark
    }
    record header = {0}, row = {0};
    bool ok = false;
    int got = read_record(&r, &header, error);
    if (got < 0) {
        goto done;
    }
    for (size_t i = 0; i < header.count; i++) {
        const field *name = &header.fields[i];
        if (name->len == 0) {
            csv_buf_printf(error, "line %zu: header column %zu has no name", header.line, i + 1);
            goto done;
        }
        for (size_t j = 0; j < i; j++) {
            const field *other = &header.fields[j];
            if (other->len == name->len && memcmp(header.text.data + other->start, header.text.data + name->start, name->len) == 0) {
                csv_buf_printf(error, "line %zu: header columns %zu and %zu have the same name `%.*s`", header.line, j + 1,
                               i + 1, (int)name->len, (const char *)header.text.data + name->start);
                goto done;
            }
        }
    }
    append_byte(out, '[');
    size_t rows = 0;
    while (got > 0 && (got = read_record(&r, &row, error)) > 0) {
        if (row.count != header.count) {
            csv_buf_printf(error, "line %zu: %zu field%s, but the header (line %zu) has %zu", row.line, row.count,
                           row.count == 1 ? "" : "s", header.line, header.count);
            got = -1;
            break;
        }
        if (rows++ > 0) {
            append_byte(out, ',');
        }
        append_byte(out, '{');
        for (size_t i = 0; i < row.count; i++) {
            if (i > 0) {
                append_byte(out, ',');
            }
            append_json_string(out, field_bytes(&header, i), header.fields[i].len);
            append_byte(out, ':');
            append_json_string(out, field_bytes(&row, i), row.fields[i].len);
        }
        append_byte(out, '}');
    }
    if (got < 0) {
        goto done;
    }
    append_byte(out, ']');
    ok = true;
done:
    record_free(&header);
    record_free(&row);
    return ok;
}
