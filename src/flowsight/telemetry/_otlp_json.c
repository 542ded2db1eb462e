/*
 * _otlp_json: OTLP/JSON trace documents (ExportTraceServiceRequest / TracesData,
 * one a line, or a whole-file document) read straight into Arrow-ready column
 * buffers, one column per field of spans.SCHEMA.
 *
 * Why: a generic JSON parser (pyarrow.json) builds every nested column of the
 * document before a line of flattening runs, about 3 CPU-s a million spans. This
 * reads the text once, without the GIL, and writes only the columns flowsight
 * stores; json_native.py runs it on two threads and wraps the buffers without a copy.
 *
 * The contract is exactness, as for _otlp_wire.c: for every input the result is
 * exactly the table the strict Python path (otlp_json.parse_json + decode_traces +
 * spans.SpanColumns) gives, or None ("declined"), and the caller runs the existing
 * chain, which produces the located error (file:line, JSON path) or the rare exact
 * result. It declines on: any syntax error; NaN/Infinity; invalid UTF-8; a control
 * character in a string; a lone UTF-16 surrogate escape; an escape in an object key,
 * an id, a timestamp or an intValue string; a repeated key (or both the camelCase
 * and snake_case spelling of one field) in any object it reads; null where Python
 * would fail or count it otherwise (a null span, list item or attribute); a
 * top-level value that is not an object; an id that is not plain hex of the right
 * length; an enum out of range or not a plain integer; a timestamp that is not
 * plain digits within int64; an intValue string other than "-" and digits; array/kvlist/
 * bytes values; more than one value member in an AnyValue; a repeated attribute
 * key in a span; nesting deeper than MAX_DEPTH; numbers longer than MAX_NUMBER.
 * Members Python ignores (fields flowsight does not store, unknown names) are
 * skipped but fully checked, since Python's json parser checks them too.
 *
 * The column-building code (Buf, StrCol, the key set, derived columns, the
 * result buffers) is a copy of _otlp_wire.c's, so the two decoders build the
 * same table the same way; the protobuf decoder stays untouched.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OK 0
#define DECLINE (-1)
#define TRY(expr)                   \
    do {                            \
        if ((expr) != OK)           \
            return DECLINE;         \
    } while (0)

/* Nesting deeper than this declines (Python's json allows about a thousand). */
#define MAX_DEPTH 64
/* A number token longer than this declines (Python refuses ints over 4300 digits). */
#define MAX_NUMBER 100
#define MAX_NANOS ((uint64_t)INT64_MAX)
#define MAX_KIND 5
#define MAX_STATUS 2

/* ------------------------------------------------------------------ buffers (as in _otlp_wire.c) */

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} Buf;

static int buf_reserve(Buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return DECLINE;
    size_t need = b->len + extra;
    if (need <= b->cap)
        return OK;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (data == NULL)
        return DECLINE;
    b->data = data;
    b->cap = cap;
    return OK;
}

static inline int buf_put(Buf *b, const void *src, size_t n)
{
    if (b->cap - b->len < n) /* len <= cap always */
        TRY(buf_reserve(b, n));
    if (n)
        memcpy(b->data + b->len, src, n);
    b->len += n;
    return OK;
}

/* A validity bitmap: bit `row` is set when the row holds a value. */
static int bits_append(Buf *bits, size_t row, int valid)
{
    if ((row & 7) == 0) {
        uint8_t zero = 0;
        TRY(buf_put(bits, &zero, 1));
    }
    if (valid)
        ((uint8_t *)bits->data)[row >> 3] |= (uint8_t)(1u << (row & 7));
    return OK;
}

/* An Arrow string column: int32 offsets, UTF-8 data, validity when nullable. */
typedef struct {
    Buf offsets;
    Buf data;
    Buf validity;
    size_t rows;
    size_t nulls;
    int nullable; /* only nullable columns keep a validity bitmap */
} StrCol;

static int str_init(StrCol *c)
{
    int32_t zero = 0;
    TRY(buf_reserve(&c->data, 1)); /* never a NULL data pointer, even when empty */
    return buf_put(&c->offsets, &zero, sizeof zero);
}

static int str_close_row(StrCol *c, int valid)
{
    if (c->data.len > INT32_MAX)
        return DECLINE; /* Arrow's string offsets are int32 */
    int32_t end = (int32_t)c->data.len;
    TRY(buf_put(&c->offsets, &end, sizeof end));
    if (c->nullable)
        TRY(bits_append(&c->validity, c->rows, valid));
    c->nulls += !valid;
    c->rows++;
    return OK;
}

static int str_append(StrCol *c, const void *text, size_t len)
{
    TRY(buf_put(&c->data, text, len));
    return str_close_row(c, 1);
}

static int str_append_null(StrCol *c) { return str_close_row(c, 0); }

/* The text of row `i` (its bytes stay valid until the column grows). */
static void str_get(const StrCol *c, size_t i, const char **text, size_t *len)
{
    const int32_t *offsets = (const int32_t *)c->offsets.data;
    *text = c->data.data + offsets[i];
    *len = (size_t)(offsets[i + 1] - offsets[i]);
}

static void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void str_free(StrCol *c)
{
    buf_free(&c->offsets);
    buf_free(&c->data);
    buf_free(&c->validity);
}

/* ------------------------------------------------------------------ decoder */

/* Attributes spans.SpanColumns.add reads, by key. */
enum {
    A_METHOD, A_METHOD_OLD, A_STATUS, A_STATUS_OLD, A_PATH, A_TARGET, A_USER, A_USER_OLD,
    A_ROUTE, A_SYNTHETIC, A_COUNT
};
#define KEY(text) {text, sizeof(text) - 1}
static const struct {
    const char *text;
    size_t len;
} SPECIAL_KEYS[A_COUNT] = {
    KEY("http.request.method"), KEY("http.method"), KEY("http.response.status_code"),
    KEY("http.status_code"), KEY("url.path"), KEY("http.target"), KEY("enduser.id"),
    KEY("user.id"), KEY("http.route"), KEY("user_agent.synthetic.type")};

enum {
    C_TRACE, C_SPAN, C_PARENT, C_SERVICE, C_NAME, C_METHOD, C_ROUTE, C_PATH, C_USER,
    C_SYNTHETIC, C_KEYS, C_VALUES, C_STRINGS
};

typedef struct {
    StrCol str[C_STRINGS];
    Buf kind, status, start, duration, http_status, http_valid, map_offsets;
    size_t rows, http_nulls;
    uint64_t clamped;
    Buf deferred;      /* (row, value index) pairs: status texts Python's float() decides */
    Buf service;       /* text of the current resource's last service.name */
    Buf key, value;    /* a resource attribute's key and text */
    uint32_t *slots;   /* open-addressing set of this span's attribute keys */
    uint32_t *stamps;  /* slot is used when its stamp equals `stamp` */
    size_t slot_count; /* a power of two */
    uint32_t stamp;
    PyThreadState *thread; /* saved while the GIL is released */
} Decoder;

typedef struct {
    size_t row;
    size_t value;
} Deferred;

static void decoder_free(Decoder *d)
{
    for (int i = 0; i < C_STRINGS; i++)
        str_free(&d->str[i]);
    Buf *bufs[] = {&d->kind,        &d->status,   &d->start,    &d->duration,
                   &d->http_status, &d->http_valid, &d->map_offsets, &d->deferred,
                   &d->service,     &d->key,      &d->value};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        buf_free(bufs[i]);
    free(d->slots);
    free(d->stamps);
}

static int decoder_init(Decoder *d)
{
    memset(d, 0, sizeof *d);
    for (int i = 0; i < C_STRINGS; i++)
        TRY(str_init(&d->str[i]));
    for (int i = C_METHOD; i <= C_SYNTHETIC; i++)
        d->str[i].nullable = 1;
    int32_t zero = 0;
    return buf_put(&d->map_offsets, &zero, sizeof zero);
}

typedef struct {
    const uint8_t *p, *end; /* hex digits as written, no escapes */
    int present;
} Id;

typedef struct {
    Id trace, span, parent;
    uint64_t kind, code, start, end;
    size_t first_attr;
    long special[A_COUNT]; /* value index of each attribute SpanColumns.add reads, or -1 */
} SpanFields;

/* ---- duplicate keys within a span (as in _otlp_wire.c) */

/* A hash of a key from its length and its first and last eight bytes: O(1), and
 * keys that collide are still told apart by comparing them. */
static uint64_t hash_key(const char *p, size_t n)
{
    uint64_t head = 0, tail = 0;
    if (n >= 8) {
        memcpy(&head, p, 8);
        memcpy(&tail, p + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            head = (head << 8) | (uint8_t)p[i];
    }
    uint64_t h = (head ^ (tail * 0x9E3779B97F4A7C15ULL) ^ n) * 0xFF51AFD7ED558CCDULL;
    return h ^ (h >> 29);
}

static int keys_equal(const StrCol *keys, size_t a, size_t b)
{
    const char *ta, *tb;
    size_t la, lb;
    str_get(keys, a, &ta, &la);
    str_get(keys, b, &tb, &lb);
    return la == lb && memcmp(ta, tb, la) == 0;
}

/* Put key `index` in the set; 1 if an equal key is there already. */
static int keyset_insert(Decoder *d, size_t index)
{
    const char *text;
    size_t len;
    str_get(&d->str[C_KEYS], index, &text, &len);
    size_t mask = d->slot_count - 1;
    for (size_t slot = hash_key(text, len) & mask;; slot = (slot + 1) & mask) {
        if (d->stamps[slot] != d->stamp) {
            d->stamps[slot] = d->stamp;
            d->slots[slot] = (uint32_t)index;
            return 0;
        }
        if (keys_equal(&d->str[C_KEYS], d->slots[slot], index))
            return 1;
    }
}

/* Keep the set at most half full: grow and re-insert this span's keys (all distinct). */
static int keyset_make_room(Decoder *d, size_t first, size_t index)
{
    if (index - first + 1 <= d->slot_count / 2)
        return OK;
    if (index > UINT32_MAX)
        return DECLINE;
    size_t count = d->slot_count ? d->slot_count * 2 : 64;
    uint32_t *slots = malloc(count * sizeof *slots);
    uint32_t *stamps = calloc(count, sizeof *stamps);
    if (slots == NULL || stamps == NULL) {
        free(slots);
        free(stamps);
        return DECLINE;
    }
    free(d->slots);
    free(d->stamps);
    d->slots = slots;
    d->stamps = stamps;
    d->slot_count = count;
    d->stamp = 1;
    for (size_t i = first; i < index; i++)
        keyset_insert(d, i);
    return OK;
}

static void keyset_clear(Decoder *d)
{
    if (++d->stamp == 0) { /* wrapped: forget every old stamp */
        if (d->stamps)
            memset(d->stamps, 0, d->slot_count * sizeof *d->stamps);
        d->stamp = 1;
    }
}

/* ------------------------------------------------------------------ JSON text */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} Cursor;

/* A string's raw bytes between its quotes, already checked. */
typedef struct {
    const uint8_t *p;
    size_t n;
    int escaped;
} Str;

/* A number token as written; `integer` when it has no fraction or exponent. */
typedef struct {
    const uint8_t *p;
    size_t n;
    int integer;
    int negative;
} Num;

/* Bytes that end the fast scan of a string: quote, backslash, controls, non-ASCII. */
static uint8_t STOP[256];

static void init_tables(void)
{
    for (int i = 0; i < 256; i++)
        STOP[i] = (uint8_t)(i == '"' || i == '\\' || i < 0x20 || i >= 0x80);
}

static inline void skip_ws(Cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

static inline int peek(const Cursor *c) { return c->p < c->end ? *c->p : -1; }

static int expect(Cursor *c, uint8_t ch)
{
    if (c->p >= c->end || *c->p != ch)
        return DECLINE;
    c->p++;
    return OK;
}

static int literal(Cursor *c, const char *word, size_t n)
{
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return DECLINE;
    c->p += n;
    return OK;
}

/* Length of the valid UTF-8 sequence (RFC 3629, what Python's decoder accepts) at
 * p, or 0. */
static size_t utf8_seq(const uint8_t *s, const uint8_t *end)
{
    size_t left = (size_t)(end - s);
    uint8_t c = s[0];
    if (c >= 0xC2 && c <= 0xDF) {
        if (left < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
            return 0;
        return 4;
    }
    return 0;
}

static int hex_value(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* The four hex digits after "\u" at p (p points at the backslash), or -1. */
static long u_escape(const uint8_t *p, const uint8_t *end)
{
    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    long code = 0;
    for (int i = 2; i < 6; i++) {
        int digit = hex_value(p[i]);
        if (digit < 0)
            return -1;
        code = code * 16 + digit;
    }
    return code;
}

/* One escape at p (a backslash): its code point and length; a lone surrogate
 * (which Python keeps and then refuses) declines. */
static int escape_at(const uint8_t *p, const uint8_t *end, uint32_t *code, size_t *len)
{
    if (end - p < 2)
        return DECLINE;
    switch (p[1]) {
    case '"': *code = '"'; break;
    case '\\': *code = '\\'; break;
    case '/': *code = '/'; break;
    case 'b': *code = '\b'; break;
    case 'f': *code = '\f'; break;
    case 'n': *code = '\n'; break;
    case 'r': *code = '\r'; break;
    case 't': *code = '\t'; break;
    case 'u': {
        long high = u_escape(p, end);
        if (high < 0 || (high >= 0xDC00 && high <= 0xDFFF))
            return DECLINE;
        if (high >= 0xD800 && high <= 0xDBFF) {
            long low = u_escape(p + 6, end);
            if (low < 0xDC00 || low > 0xDFFF)
                return DECLINE;
            *code = 0x10000 + (((uint32_t)high - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
            *len = 12;
            return OK;
        }
        *code = (uint32_t)high;
        *len = 6;
        return OK;
    }
    default:
        return DECLINE;
    }
    *len = 2;
    return OK;
}

/* At an opening quote: the string, checked as Python's json checks it. */
static int scan_string(Cursor *c, Str *s)
{
    if (c->p >= c->end || *c->p != '"')
        return DECLINE;
    const uint8_t *p = c->p + 1, *end = c->end;
    s->p = p;
    s->escaped = 0;
    for (;;) {
        while (p < end && !STOP[*p])
            p++;
        if (p >= end)
            return DECLINE;
        uint8_t ch = *p;
        if (ch == '"')
            break;
        if (ch < 0x20)
            return DECLINE; /* a control character: json.loads (strict) refuses it */
        size_t len;
        if (ch == '\\') {
            uint32_t code;
            TRY(escape_at(p, end, &code, &len));
            s->escaped = 1;
        } else if ((len = utf8_seq(p, end)) == 0) {
            return DECLINE;
        }
        p += len;
    }
    s->n = (size_t)(p - s->p);
    c->p = p + 1;
    return OK;
}

static size_t utf8_put(uint32_t code, uint8_t *out)
{
    if (code < 0x80) {
        out[0] = (uint8_t)code;
        return 1;
    }
    if (code < 0x800) {
        out[0] = (uint8_t)(0xC0 | (code >> 6));
        out[1] = (uint8_t)(0x80 | (code & 0x3F));
        return 2;
    }
    if (code < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (code >> 12));
        out[1] = (uint8_t)(0x80 | ((code >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (code & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (code >> 18));
    out[1] = (uint8_t)(0x80 | ((code >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((code >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (code & 0x3F));
    return 4;
}

/* The string's text (escapes decoded) appended to `out`. */
static int append_str(Buf *out, const Str *s)
{
    if (!s->escaped)
        return buf_put(out, s->p, s->n);
    TRY(buf_reserve(out, s->n)); /* decoded text is never longer than its escapes */
    const uint8_t *p = s->p, *end = s->p + s->n;
    uint8_t *o = (uint8_t *)out->data + out->len;
    while (p < end) {
        if (*p != '\\') {
            *o++ = *p++;
            continue;
        }
        uint32_t code;
        size_t len;
        TRY(escape_at(p, end, &code, &len));
        o += utf8_put(code, o);
        p += len;
    }
    out->len = (size_t)(o - (uint8_t *)out->data);
    return OK;
}

static int is_digit(int ch) { return ch >= '0' && ch <= '9'; }

/* A number token, by the grammar of Python's json scanner (no NaN/Infinity). */
static int scan_number(Cursor *c, Num *n)
{
    const uint8_t *p = c->p, *end = c->end;
    n->p = p;
    n->negative = p < end && *p == '-';
    if (n->negative)
        p++;
    if (p >= end || !is_digit(*p))
        return DECLINE;
    if (*p == '0')
        p++;
    else
        while (p < end && is_digit(*p))
            p++;
    n->integer = 1;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return DECLINE;
        while (p < end && is_digit(*p))
            p++;
        n->integer = 0;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return DECLINE;
        while (p < end && is_digit(*p))
            p++;
        n->integer = 0;
    }
    n->n = (size_t)(p - n->p);
    if (n->n > MAX_NUMBER)
        return DECLINE;
    c->p = p;
    return OK;
}

/* "{" and the first key's quote, or an empty object: *empty. */
static int open_object(Cursor *c, int *empty)
{
    TRY(expect(c, '{'));
    skip_ws(c);
    *empty = peek(c) == '}';
    if (*empty)
        c->p++;
    return OK;
}

/* A member's key (plain text, no escapes) and the colon; the cursor at the value. */
static int read_key(Cursor *c, Str *key)
{
    TRY(scan_string(c, key));
    if (key->escaped)
        return DECLINE; /* it might spell a field name: Python's business */
    skip_ws(c);
    TRY(expect(c, ':'));
    skip_ws(c);
    return OK;
}

/* After a member or element: another one (*done = 0) or the closing bracket. */
static int next_item(Cursor *c, uint8_t close, int *done)
{
    skip_ws(c);
    int ch = peek(c);
    if (ch == ',') {
        c->p++;
        skip_ws(c);
        *done = 0;
        return OK;
    }
    if (ch != close)
        return DECLINE;
    c->p++;
    *done = 1;
    return OK;
}

static int open_array(Cursor *c, int *empty)
{
    TRY(expect(c, '['));
    skip_ws(c);
    *empty = peek(c) == ']';
    if (*empty)
        c->p++;
    return OK;
}

/* Any value, checked and passed over (members Python reads past). */
static int skip_value(Cursor *c, int depth)
{
    if (depth > MAX_DEPTH)
        return DECLINE;
    Str s;
    Num n;
    int empty, done = 0;
    switch (peek(c)) {
    case '"':
        return scan_string(c, &s);
    case '{':
        TRY(open_object(c, &empty));
        for (done = empty; !done;) {
            TRY(scan_string(c, &s));
            skip_ws(c);
            TRY(expect(c, ':'));
            skip_ws(c);
            TRY(skip_value(c, depth + 1));
            TRY(next_item(c, '}', &done));
        }
        return OK;
    case '[':
        TRY(open_array(c, &empty));
        for (done = empty; !done;) {
            TRY(skip_value(c, depth + 1));
            TRY(next_item(c, ']', &done));
        }
        return OK;
    case 't':
        return literal(c, "true", 4);
    case 'f':
        return literal(c, "false", 5);
    case 'n':
        return literal(c, "null", 4);
    default:
        return scan_number(c, &n);
    }
}

/* A null value (which Python reads as absent): consumed, 1; else 0. */
static int take_null(Cursor *c)
{
    if (peek(c) == 'n' && literal(c, "null", 4) == OK)
        return 1;
    return 0;
}

#define KEY_IS(k, text) ((k).n == sizeof(text) - 1 && memcmp((k).p, text, sizeof(text) - 1) == 0)
#define KEY_IS2(k, camel, snake) (KEY_IS(k, camel) || KEY_IS(k, snake))

/* A field seen twice in one object (or in both spellings): decline. */
static int mark(unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return DECLINE;
    *seen |= bit;
    return OK;
}

/* ------------------------------------------------------------------ derived columns (as in _otlp_wire.c) */

/* The first of attributes a, b with a non-empty value (spans._first), or -1. */
static long first_present(Decoder *d, const SpanFields *s, int a, int b)
{
    int keys[2] = {a, b};
    for (int i = 0; i < (b < 0 ? 1 : 2); i++) {
        long index = s->special[keys[i]];
        if (index >= 0) {
            const char *text;
            size_t len;
            str_get(&d->str[C_VALUES], (size_t)index, &text, &len);
            if (len)
                return index;
        }
    }
    return -1;
}

/* A derived text column: the value of the first present attribute, else null. */
static int append_derived(Decoder *d, int column, long index, int cut_query)
{
    if (index < 0)
        return str_append_null(&d->str[column]);
    const char *text;
    size_t len;
    str_get(&d->str[C_VALUES], (size_t)index, &text, &len);
    if (cut_query) { /* url_path: the part before '?' */
        const char *mark = memchr(text, '?', len);
        if (mark)
            len = (size_t)(mark - text);
    }
    return str_append(&d->str[column], text, len);
}

/* http_status: a short plain digit string here; anything else Python's float() decides. */
static int append_http_status(Decoder *d, long index)
{
    int32_t code = 0;
    int valid = 0;
    if (index >= 0) {
        const char *text;
        size_t len;
        str_get(&d->str[C_VALUES], (size_t)index, &text, &len);
        int plain = len >= 1 && len <= 9;
        for (size_t i = 0; plain && i < len; i++)
            plain = text[i] >= '0' && text[i] <= '9';
        for (size_t i = 0; plain && i < len; i++)
            code = code * 10 + (text[i] - '0');
        if (plain) {
            valid = 1;
        } else {
            Deferred later = {d->rows, (size_t)index};
            TRY(buf_put(&d->deferred, &later, sizeof later));
        }
    }
    TRY(buf_put(&d->http_status, &code, sizeof code));
    TRY(bits_append(&d->http_valid, d->rows, valid));
    d->http_nulls += !valid;
    return OK;
}


/* ------------------------------------------------------------------ OTLP values */

/* str(int(text)) for an optional "-" and decimal digits (leading zeros dropped, "-0" is
 * "0"); other text int() accepts (spaces, "+", "_") declines. */
static int append_int(Buf *out, const uint8_t *p, size_t n)
{
    size_t i = n && p[0] == '-';
    if (i == n || n > 64)
        return DECLINE;
    for (size_t j = i; j < n; j++)
        if (!is_digit(p[j]))
            return DECLINE;
    size_t k = i;
    while (k < n - 1 && p[k] == '0')
        k++;
    if (i && !(n - k == 1 && p[k] == '0'))
        TRY(buf_put(out, "-", 1));
    return buf_put(out, p + k, n - k);
}

/* str(float(token)): CPython's own parse and repr, which need the GIL (dtoa state). */
static int append_double(Decoder *d, Buf *out, const Num *n)
{
    char token[MAX_NUMBER + 1];
    memcpy(token, n->p, n->n);
    token[n->n] = '\0';
    PyEval_RestoreThread(d->thread);
    int result = DECLINE;
    double value = PyOS_string_to_double(token, NULL, NULL);
    if (!(value == -1.0 && PyErr_Occurred())) {
        char *text = PyOS_double_to_string(value, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        if (text != NULL) {
            result = buf_put(out, text, strlen(text));
            PyMem_Free(text);
        }
    }
    PyErr_Clear();
    d->thread = PyEval_SaveThread();
    return result;
}

enum { V_STRING = 1, V_INT = 2, V_BOOL = 4, V_DOUBLE = 8, V_OTHER = 16 };

static unsigned value_member(const Str *k)
{
    if (KEY_IS2(*k, "stringValue", "string_value"))
        return V_STRING;
    if (KEY_IS2(*k, "intValue", "int_value"))
        return V_INT;
    if (KEY_IS2(*k, "boolValue", "bool_value"))
        return V_BOOL;
    if (KEY_IS2(*k, "doubleValue", "double_value"))
        return V_DOUBLE;
    if (KEY_IS2(*k, "arrayValue", "array_value") || KEY_IS2(*k, "kvlistValue", "kvlist_value") ||
        KEY_IS2(*k, "bytesValue", "bytes_value"))
        return V_OTHER;
    return 0;
}

/* The text otlp_json.any_value_text gives one (non-null) member. */
static int member_text(Decoder *d, Cursor *c, Buf *out, unsigned kind)
{
    Str s;
    Num n;
    int ch = peek(c);
    if (kind == V_BOOL) {
        if (ch == 't')
            return literal(c, "true", 4) == OK ? buf_put(out, "true", 4) : DECLINE;
        if (ch == 'f')
            return literal(c, "false", 5) == OK ? buf_put(out, "false", 5) : DECLINE;
        return DECLINE;
    }
    if (ch == '"') {
        TRY(scan_string(c, &s));
        if (kind != V_INT)
            return append_str(out, &s);
        return s.escaped ? DECLINE : append_int(out, s.p, s.n);
    }
    if (kind == V_STRING)
        return DECLINE;
    TRY(scan_number(c, &n));
    if (n.integer)
        return append_int(out, n.p, n.n);
    return kind == V_DOUBLE ? append_double(d, out, &n) : DECLINE;
}

/* An AnyValue (or null) as its stored text; one member at most, else Python decides. */
static int any_value(Decoder *d, Cursor *c, Buf *out, int depth)
{
    if (take_null(c))
        return OK;
    int done;
    unsigned seen = 0, members = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        unsigned kind = value_member(&k);
        if (kind == 0) {
            TRY(skip_value(c, depth + 1));
        } else {
            TRY(mark(&seen, kind));
            if (kind == V_OTHER)
                return DECLINE; /* rendered with json.dumps by Python */
            if (!take_null(c)) {
                if (members++)
                    return DECLINE; /* several members: Python's precedence applies */
                TRY(member_text(d, c, out, kind));
            }
        }
        TRY(next_item(c, '}', &done));
    }
    return OK;
}

/* A KeyValue: its key and text appended to `keys` and `values`. */
static int key_value(Decoder *d, Cursor *c, Buf *keys, Buf *values, int depth)
{
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k, s;
        TRY(read_key(c, &k));
        if (KEY_IS(k, "key")) {
            TRY(mark(&seen, 1));
            TRY(scan_string(c, &s)); /* null or another type: Python refuses the item */
            TRY(append_str(keys, &s));
        } else if (KEY_IS(k, "value")) {
            TRY(mark(&seen, 2));
            TRY(any_value(d, c, values, depth + 1));
        } else {
            TRY(skip_value(c, depth + 1));
        }
        TRY(next_item(c, '}', &done));
    }
    return (seen & 1) ? OK : DECLINE;
}

/* ------------------------------------------------------------------ OTLP traces */

/* A timestamp: null or "" is 0; digits (a string or a number) within int64. */
static int nanos(Cursor *c, uint64_t *out)
{
    *out = 0;
    if (take_null(c))
        return OK;
    const uint8_t *p;
    size_t n;
    if (peek(c) == '"') {
        Str s;
        TRY(scan_string(c, &s));
        if (s.escaped)
            return DECLINE;
        p = s.p, n = s.n;
    } else {
        Num num;
        TRY(scan_number(c, &num));
        if (!num.integer || num.negative)
            return DECLINE;
        p = num.p, n = num.n;
    }
    if (n > 19)
        return DECLINE;
    uint64_t value = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return DECLINE;
        value = value * 10 + (uint64_t)(p[i] - '0');
    }
    if (value > MAX_NANOS)
        return DECLINE;
    *out = value;
    return OK;
}

/* An enum: null is 0, else a plain integer from 0 to `highest`. */
static int enum_value(Cursor *c, uint64_t highest, uint64_t *out)
{
    *out = 0;
    if (take_null(c))
        return OK;
    Num n;
    TRY(scan_number(c, &n));
    if (!n.integer || n.negative || n.n != 1 || (uint64_t)(n.p[0] - '0') > highest)
        return DECLINE;
    *out = (uint64_t)(n.p[0] - '0');
    return OK;
}

/* An id as written (null: absent); escapes decline. */
static int read_id(Cursor *c, Id *id)
{
    id->present = 0;
    if (take_null(c))
        return OK;
    Str s;
    TRY(scan_string(c, &s));
    if (s.escaped)
        return DECLINE;
    id->p = s.p;
    id->end = s.p + s.n;
    id->present = 1;
    return OK;
}

/* One span attribute: key and text appended to the map's columns. */
static int span_attribute(Decoder *d, SpanFields *s, Cursor *c, int depth)
{
    StrCol *keys = &d->str[C_KEYS], *values = &d->str[C_VALUES];
    size_t index = keys->rows;
    TRY(key_value(d, c, &keys->data, &values->data, depth));
    TRY(str_close_row(keys, 1));
    TRY(str_close_row(values, 1));
    TRY(keyset_make_room(d, s->first_attr, index));
    if (keyset_insert(d, index))
        return DECLINE; /* a dict keeps the first position and the last value: Python's job */
    const char *key;
    size_t len;
    str_get(keys, index, &key, &len);
    for (int a = 0; a < A_COUNT; a++)
        if (SPECIAL_KEYS[a].len == len && memcmp(key, SPECIAL_KEYS[a].text, len) == 0)
            s->special[a] = (long)index;
    return OK;
}

/* A list (or null) of `item`s, each an object (a null item declines). */
#define EACH_OBJECT(c, body)                     \
    do {                                         \
        if (take_null(c))                        \
            break;                               \
        int done_;                               \
        TRY(open_array(c, &done_));              \
        while (!done_) {                         \
            if (peek(c) != '{')                  \
                return DECLINE;                  \
            body;                                \
            TRY(next_item(c, ']', &done_));      \
        }                                        \
    } while (0)

static int parse_status(SpanFields *s, Cursor *c, int depth)
{
    if (take_null(c))
        return OK;
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        if (KEY_IS(k, "code")) {
            TRY(mark(&seen, 1));
            TRY(enum_value(c, MAX_STATUS, &s->code));
        } else {
            TRY(skip_value(c, depth + 1));
        }
        TRY(next_item(c, '}', &done));
    }
    return OK;
}

enum {
    F_TRACE = 1, F_SPAN = 2, F_PARENT = 4, F_NAME = 8, F_KIND = 16, F_START = 32, F_END = 64,
    F_ATTRIBUTES = 128, F_STATUS = 256
};

static int span_member(Decoder *d, SpanFields *s, Cursor *c, const Str *k, unsigned *seen,
                       int depth)
{
    Str text;
    if (KEY_IS2(*k, "traceId", "trace_id")) {
        TRY(mark(seen, F_TRACE));
        return read_id(c, &s->trace);
    }
    if (KEY_IS2(*k, "spanId", "span_id")) {
        TRY(mark(seen, F_SPAN));
        return read_id(c, &s->span);
    }
    if (KEY_IS2(*k, "parentSpanId", "parent_span_id")) {
        TRY(mark(seen, F_PARENT));
        return read_id(c, &s->parent);
    }
    if (KEY_IS(*k, "name")) {
        TRY(mark(seen, F_NAME));
        if (take_null(c))
            return OK;
        TRY(scan_string(c, &text));
        return append_str(&d->str[C_NAME].data, &text);
    }
    if (KEY_IS(*k, "kind")) {
        TRY(mark(seen, F_KIND));
        return enum_value(c, MAX_KIND, &s->kind);
    }
    if (KEY_IS2(*k, "startTimeUnixNano", "start_time_unix_nano")) {
        TRY(mark(seen, F_START));
        return nanos(c, &s->start);
    }
    if (KEY_IS2(*k, "endTimeUnixNano", "end_time_unix_nano")) {
        TRY(mark(seen, F_END));
        return nanos(c, &s->end);
    }
    if (KEY_IS(*k, "attributes")) {
        TRY(mark(seen, F_ATTRIBUTES));
        EACH_OBJECT(c, TRY(span_attribute(d, s, c, depth + 2)));
        return OK;
    }
    if (KEY_IS(*k, "status")) {
        TRY(mark(seen, F_STATUS));
        return parse_status(s, c, depth + 1);
    }
    return skip_value(c, depth + 1);
}

static int hex_id_ok(const Id *id, size_t digits, int optional)
{
    if (!id->present)
        return optional;
    size_t n = (size_t)(id->end - id->p);
    if (n == 0)
        return optional;
    if (n != digits)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (hex_value(id->p[i]) < 0)
            return 0;
    return 1;
}

/* An id lower-cased (as otlp_json._hex_id stores it); absent or "" stores "". */
static int append_id(StrCol *col, const Id *id)
{
    size_t n = id->present ? (size_t)(id->end - id->p) : 0;
    TRY(buf_reserve(&col->data, n));
    char *out = col->data.data + col->data.len;
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = id->p[i];
        out[i] = (char)(ch >= 'A' && ch <= 'F' ? ch + ('a' - 'A') : ch);
    }
    col->data.len += n;
    return str_close_row(col, 1);
}

/* The row of a parsed span, after the checks otlp_json._span makes (the name is
 * already in its column; the service is written when the resource closes). */
static int emit_span(Decoder *d, const SpanFields *s)
{
    if (!hex_id_ok(&s->trace, 32, 0) || !hex_id_ok(&s->span, 16, 0) ||
        !hex_id_ok(&s->parent, 16, 1))
        return DECLINE; /* Python names the field in its message */
    TRY(append_id(&d->str[C_TRACE], &s->trace));
    TRY(append_id(&d->str[C_SPAN], &s->span));
    TRY(append_id(&d->str[C_PARENT], &s->parent));
    TRY(str_close_row(&d->str[C_NAME], 1));
    int8_t kind = (int8_t)s->kind, code = (int8_t)s->code;
    int64_t start = (int64_t)s->start, elapsed = 0;
    if (s->start == 0 || s->end < s->start)
        d->clamped++; /* spans.duration: unusable clock, stored as 0 */
    else
        elapsed = (int64_t)(s->end - s->start);
    TRY(buf_put(&d->kind, &kind, 1));
    TRY(buf_put(&d->status, &code, 1));
    TRY(buf_put(&d->start, &start, sizeof start));
    TRY(buf_put(&d->duration, &elapsed, sizeof elapsed));
    TRY(append_derived(d, C_METHOD, first_present(d, s, A_METHOD, A_METHOD_OLD), 0));
    TRY(append_derived(d, C_ROUTE, first_present(d, s, A_ROUTE, -1), 0));
    TRY(append_derived(d, C_PATH, first_present(d, s, A_PATH, A_TARGET), 1));
    TRY(append_http_status(d, first_present(d, s, A_STATUS, A_STATUS_OLD)));
    TRY(append_derived(d, C_USER, first_present(d, s, A_USER, A_USER_OLD), 0));
    TRY(append_derived(d, C_SYNTHETIC, first_present(d, s, A_SYNTHETIC, -1), 0));
    if (d->str[C_KEYS].rows > INT32_MAX)
        return DECLINE;
    int32_t end = (int32_t)d->str[C_KEYS].rows;
    TRY(buf_put(&d->map_offsets, &end, sizeof end));
    d->rows++;
    return OK;
}

static int parse_span(Decoder *d, Cursor *c, int depth)
{
    SpanFields s;
    memset(&s, 0, sizeof s);
    s.first_attr = d->str[C_KEYS].rows;
    for (int a = 0; a < A_COUNT; a++)
        s.special[a] = -1;
    keyset_clear(d);
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        TRY(span_member(d, &s, c, &k, &seen, depth));
        TRY(next_item(c, '}', &done));
    }
    return emit_span(d, &s);
}

static int parse_scope_spans(Decoder *d, Cursor *c, int depth)
{
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        if (KEY_IS(k, "spans")) {
            TRY(mark(&seen, 1));
            EACH_OBJECT(c, TRY(parse_span(d, c, depth + 2)));
        } else {
            TRY(skip_value(c, depth + 1));
        }
        TRY(next_item(c, '}', &done));
    }
    return OK;
}

static int resource_attribute(Decoder *d, Cursor *c, int depth)
{
    d->key.len = d->value.len = 0;
    TRY(key_value(d, c, &d->key, &d->value, depth));
    if (d->key.len == 12 && memcmp(d->key.data, "service.name", 12) == 0) {
        d->service.len = 0;
        TRY(buf_put(&d->service, d->value.data, d->value.len));
    }
    return OK;
}

/* A resource: the service is the text of its last service.name (a dict keeps the last). */
static int parse_resource(Decoder *d, Cursor *c, int depth)
{
    if (take_null(c))
        return OK;
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        if (KEY_IS(k, "attributes")) {
            TRY(mark(&seen, 1));
            EACH_OBJECT(c, TRY(resource_attribute(d, c, depth + 2)));
        } else {
            TRY(skip_value(c, depth + 1));
        }
        TRY(next_item(c, '}', &done));
    }
    return OK;
}

/* The resource may come after its spans: their service is written when it closes. */
static int parse_resource_spans(Decoder *d, Cursor *c, int depth)
{
    static const char unknown[] = "unknown_service";
    size_t first = d->rows;
    d->service.len = 0;
    TRY(buf_put(&d->service, unknown, sizeof unknown - 1));
    int done;
    unsigned seen = 0;
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        if (KEY_IS(k, "resource")) {
            TRY(mark(&seen, 1));
            TRY(parse_resource(d, c, depth + 1));
        } else if (KEY_IS2(k, "scopeSpans", "scope_spans")) {
            TRY(mark(&seen, 2));
            EACH_OBJECT(c, TRY(parse_scope_spans(d, c, depth + 2)));
        } else {
            TRY(skip_value(c, depth + 1));
        }
        TRY(next_item(c, '}', &done));
    }
    for (size_t row = first; row < d->rows; row++)
        TRY(str_append(&d->str[C_SERVICE], d->service.data, d->service.len));
    return OK;
}

/* One TracesData / ExportTraceServiceRequest object. */
static int parse_document(Decoder *d, Cursor *c)
{
    int done;
    unsigned seen = 0;
    if (peek(c) != '{')
        return DECLINE; /* null, a list, a number: Python's business */
    TRY(open_object(c, &done));
    while (!done) {
        Str k;
        TRY(read_key(c, &k));
        if (KEY_IS2(k, "resourceSpans", "resource_spans")) {
            TRY(mark(&seen, 1));
            EACH_OBJECT(c, TRY(parse_resource_spans(d, c, 3)));
        } else {
            TRY(skip_value(c, 2));
        }
        TRY(next_item(c, '}', &done));
    }
    return OK;
}

/* JSON Lines: one document a line, blank lines skipped; or documents laid out any way. */
static int parse_text(Decoder *d, const uint8_t *p, const uint8_t *end, int lines)
{
    if (!lines) {
        Cursor c = {p, end};
        for (;;) {
            skip_ws(&c);
            if (c.p >= c.end)
                return OK;
            TRY(parse_document(d, &c));
        }
    }
    while (p < end) {
        const uint8_t *newline = memchr(p, '\n', (size_t)(end - p));
        const uint8_t *stop = newline ? newline : end;
        Cursor c = {p, stop};
        skip_ws(&c);
        if (c.p < stop) {
            TRY(parse_document(d, &c));
            skip_ws(&c);
            if (c.p != stop)
                return DECLINE; /* more than one document on a line */
        }
        p = stop + (newline != NULL);
    }
    return OK;
}

/* ------------------------------------------------------------------ Python side */

/* http_status of the deferred rows: int(float(text)) in [0, 2^31), else null,
 * computed by CPython's own float() (whitespace, underscores, exponents, nan). */
static int resolve_deferred(Decoder *d)
{
    const Deferred *items = (const Deferred *)d->deferred.data;
    size_t count = d->deferred.len / sizeof(Deferred);
    for (size_t i = 0; i < count; i++) {
        const char *text;
        size_t len;
        str_get(&d->str[C_VALUES], items[i].value, &text, &len);
        PyObject *string = PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "strict");
        if (string == NULL) { /* cannot happen: the text was checked as UTF-8 */
            PyErr_Clear();
            return DECLINE;
        }
        PyObject *number = PyFloat_FromString(string);
        Py_DECREF(string);
        if (number == NULL) {
            PyErr_Clear(); /* ValueError: not a number, the column holds null */
            continue;
        }
        double value = trunc(PyFloat_AS_DOUBLE(number));
        Py_DECREF(number);
        if (!(value >= 0 && value < 2147483648.0))
            continue; /* nan, inf (int() raises) or out of range: null */
        ((int32_t *)d->http_status.data)[items[i].row] = (int32_t)value;
        ((uint8_t *)d->http_valid.data)[items[i].row >> 3] |= (uint8_t)(1u << (items[i].row & 7));
        d->http_nulls--;
    }
    return OK;
}

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t size;
} BufferObject;

static int buffer_get(PyObject *self, Py_buffer *view, int flags)
{
    BufferObject *buffer = (BufferObject *)self;
    return PyBuffer_FillInfo(view, self, buffer->data, buffer->size, 1, flags);
}

static void buffer_dealloc(PyObject *self)
{
    free(((BufferObject *)self)->data);
    Py_TYPE(self)->tp_free(self);
}

static PyBufferProcs buffer_procs = {buffer_get, NULL};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "flowsight.telemetry._otlp_json.Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = buffer_dealloc,
    .tp_as_buffer = &buffer_procs,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Column bytes owned by Python, read by pyarrow without a copy.",
};

/* A Buf handed over to a Python buffer object (the Buf is emptied). */
static PyObject *take(Buf *b)
{
    if (b->data == NULL && buf_reserve(b, 1) != OK)
        return PyErr_NoMemory();
    BufferObject *buffer = PyObject_New(BufferObject, &BufferType);
    if (buffer == NULL)
        return NULL;
    buffer->data = b->data;
    buffer->size = (Py_ssize_t)b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return (PyObject *)buffer;
}

/* (nulls, validity or None, offsets, data) of a string column. */
static PyObject *string_column(StrCol *c)
{
    if (c->nulls == 0)
        return Py_BuildValue("(nONN)", (Py_ssize_t)0, Py_None, take(&c->offsets), take(&c->data));
    return Py_BuildValue("(nNNN)", (Py_ssize_t)c->nulls, take(&c->validity), take(&c->offsets),
                         take(&c->data));
}

static PyObject *fixed_column(Buf *data) { return Py_BuildValue("(nON)", (Py_ssize_t)0, Py_None, take(data)); }

static PyObject *build_result(Decoder *d)
{
    PyObject *status = d->http_nulls
        ? Py_BuildValue("(nNN)", (Py_ssize_t)d->http_nulls, take(&d->http_valid), take(&d->http_status))
        : fixed_column(&d->http_status);
    StrCol *s = d->str;
    PyObject *columns = Py_BuildValue(
        "(NNNNNNNNNNNNNNNN)", string_column(&s[C_TRACE]), string_column(&s[C_SPAN]),
        string_column(&s[C_PARENT]), string_column(&s[C_SERVICE]), string_column(&s[C_NAME]),
        fixed_column(&d->kind), fixed_column(&d->status), fixed_column(&d->start),
        fixed_column(&d->duration), string_column(&s[C_METHOD]), string_column(&s[C_ROUTE]),
        string_column(&s[C_PATH]), status, string_column(&s[C_USER]),
        string_column(&s[C_SYNTHETIC]),
        Py_BuildValue("(NNNNNn)", take(&d->map_offsets), take(&s[C_KEYS].offsets),
                      take(&s[C_KEYS].data), take(&s[C_VALUES].offsets), take(&s[C_VALUES].data),
                      (Py_ssize_t)s[C_KEYS].rows));
    if (columns == NULL)
        return NULL;
    return Py_BuildValue("(nKN)", (Py_ssize_t)d->rows, (unsigned long long)d->clamped, columns);
}

static PyObject *decode(PyObject *module, PyObject *args)
{
    (void)module;
    Py_buffer view;
    int lines;
    if (!PyArg_ParseTuple(args, "y*p", &view, &lines))
        return NULL;
    Decoder d;
    int status = decoder_init(&d);
    if (status == OK) {
        const uint8_t *start = (const uint8_t *)view.buf;
        d.thread = PyEval_SaveThread();
        status = parse_text(&d, start, start + view.len, lines);
        PyEval_RestoreThread(d.thread);
    }
    if (status == OK)
        status = resolve_deferred(&d);
    PyObject *result = NULL;
    if (status == OK) {
        result = build_result(&d);
    } else if (!PyErr_Occurred()) {
        result = Py_NewRef(Py_None);
    }
    decoder_free(&d);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef METHODS[] = {
    {"decode", decode, METH_VARARGS,
     "decode(text, lines) -> (rows, clamped, columns) or None when declined (run the existing "
     "chain). `lines`: one document a line (JSON Lines), else documents laid out any way."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "flowsight.telemetry._otlp_json",
    "OTLP/JSON trace documents into Arrow column buffers; exact or declined.",
    -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__otlp_json(void)
{
    init_tables();
    if (PyType_Ready(&BufferType) < 0)
        return NULL;
    return PyModule_Create(&MODULE);
}
