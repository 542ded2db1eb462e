/*
 * _otlp_wire: an OTLP ExportTraceServiceRequest (protobuf wire format) read straight
 * into Arrow-ready column buffers, one column per field of spans.SCHEMA.
 *
 * Why: building one SpanRecord per span in Python capped the receiver at a few
 * ten thousand spans/s. This reads the wire format once, without the GIL, and
 * hands back buffers that pyarrow wraps without copying (otlp_native.py).
 *
 * The contract is exactness: for every input the result is exactly the table the
 * Python path (otlp_proto.decode_request + spans.SpanColumns) gives, or None
 * ("declined"), and the caller runs the Python path, which produces the located
 * error message or the rare exact result. Anything unusual declines: malformed or
 * truncated wire data, group wire types, a known field with another wire type,
 * bad id lengths, out-of-range kind/status/timestamps, invalid UTF-8 anywhere
 * the protobuf runtime would check it, a non-repeated message we read occurring
 * twice (protobuf would merge them), duplicate attribute keys in a span, and
 * attribute values other than string/int/bool/double/unset. Being stricter than
 * the protobuf runtime is always safe; being laxer never is.
 *
 * Safety: every length is checked against the end of its enclosing message
 * before use, sizes are size_t, nesting is capped, and output offsets are
 * checked against the int32 range of Arrow's string offsets.
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

/* Nesting deeper than this declines (upb allows 100; declining earlier is safe). */
#define MAX_DEPTH 32
#define MAX_NANOS ((uint64_t)INT64_MAX)
#define MAX_KIND 5
#define MAX_STATUS 2

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

/* ------------------------------------------------------------------ reading */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} Reader;

static int read_varint(Reader *r, uint64_t *out)
{
    if (r->p < r->end && *r->p < 0x80) { /* the common one-byte case */
        *out = *r->p++;
        return OK;
    }
    uint64_t value = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
        if (r->p >= r->end)
            return DECLINE;
        uint8_t byte = *r->p++;
        /* A 10th byte above 1 overflows 64 bits: upb tolerates some, we decline. */
        if (shift == 63 && byte > 1)
            return DECLINE;
        value |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = value;
            return OK;
        }
    }
    return DECLINE;
}

static int read_tag(Reader *r, uint32_t *number, int *wire)
{
    uint64_t tag;
    TRY(read_varint(r, &tag));
    if (tag > UINT32_MAX || (tag >> 3) == 0)
        return DECLINE;
    *number = (uint32_t)(tag >> 3);
    *wire = (int)(tag & 7);
    return OK;
}

static int skip_bytes(Reader *r, size_t size)
{
    if ((size_t)(r->end - r->p) < size)
        return DECLINE;
    r->p += size;
    return OK;
}

/* A length-delimited field: `sub` covers its payload, bounded by the enclosing end. */
static int read_len(Reader *r, Reader *sub)
{
    uint64_t size;
    TRY(read_varint(r, &size));
    if (size > (uint64_t)(r->end - r->p))
        return DECLINE;
    sub->p = r->p;
    sub->end = r->p + size;
    r->p += size;
    return OK;
}

static int read_fixed64(Reader *r, uint64_t *out)
{
    if (r->end - r->p < 8)
        return DECLINE;
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--)
        value = (value << 8) | r->p[i];
    r->p += 8;
    *out = value;
    return OK;
}

/* Unknown fields are skipped by wire type, as upb does; groups decline. */
static int skip_unknown(Reader *r, int wire)
{
    uint64_t ignored;
    Reader sub;
    switch (wire) {
    case WT_VARINT:
        return read_varint(r, &ignored);
    case WT_I64:
        return skip_bytes(r, 8);
    case WT_LEN:
        return read_len(r, &sub);
    case WT_I32:
        return skip_bytes(r, 4);
    default:
        return DECLINE;
    }
}

/* Strict UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF), what
 * upb checks for proto3 strings and what Python's decoder accepts. */
static int utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (n - i >= 8) {
            uint64_t word;
            memcpy(&word, s + i, 8);
            if (!(word & 0x8080808080808080ULL)) {
                i += 8;
                continue;
            }
        }
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80)
                return 0;
            i += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (n - i < 3 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80)
                return 0;
            if ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F))
                return 0;
            i += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (n - i < 4 || (s[i + 1] & 0xC0) != 0x80 || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80)
                return 0;
            if ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))
                return 0;
            i += 4;
        } else {
            return 0;
        }
    }
    return 1;
}

static int read_string(Reader *r, Reader *text)
{
    TRY(read_len(r, text));
    return utf8_valid(text->p, (size_t)(text->end - text->p)) ? OK : DECLINE;
}

/* ------------------------------------------------------------------ schema
 * Every field of every message reachable from ExportTraceServiceRequest, so that
 * fields we do not extract are still checked as upb checks them (UTF-8 of
 * strings, nested messages parse). otlp_native.py compares this table with the
 * installed opentelemetry-proto descriptors and disables the module on any
 * difference that could make it laxer than the runtime.
 */

typedef enum { K_STRING, K_BYTES, K_MESSAGE, K_VARINT, K_FIXED64, K_FIXED32 } Kind;
static const char *const KIND_NAMES[] = {"string", "bytes", "message", "varint", "fixed64", "fixed32"};

enum {
    M_REQUEST, M_RESOURCE_SPANS, M_RESOURCE, M_KEY_VALUE, M_ANY_VALUE, M_ARRAY_VALUE,
    M_KV_LIST, M_ENTITY_REF, M_SCOPE_SPANS, M_SCOPE, M_SPAN, M_EVENT, M_LINK, M_STATUS,
    M_COUNT
};

typedef struct {
    uint32_t number;
    uint8_t kind;
    uint8_t repeated;
    uint8_t message; /* for K_MESSAGE */
} Field;

typedef struct {
    const char *name;
    const Field *fields;
    size_t count;
} Message;

#define S(n) {n, K_STRING, 0, 0}
#define SR(n) {n, K_STRING, 1, 0}
#define B(n) {n, K_BYTES, 0, 0}
#define V(n) {n, K_VARINT, 0, 0}
#define F64(n) {n, K_FIXED64, 0, 0}
#define F32(n) {n, K_FIXED32, 0, 0}
#define MSG(n, m) {n, K_MESSAGE, 0, m}
#define MSGR(n, m) {n, K_MESSAGE, 1, m}

static const Field REQUEST_FIELDS[] = {MSGR(1, M_RESOURCE_SPANS)};
static const Field RESOURCE_SPANS_FIELDS[] = {MSG(1, M_RESOURCE), MSGR(2, M_SCOPE_SPANS), S(3)};
static const Field RESOURCE_FIELDS[] = {MSGR(1, M_KEY_VALUE), V(2), MSGR(3, M_ENTITY_REF)};
static const Field KEY_VALUE_FIELDS[] = {S(1), MSG(2, M_ANY_VALUE), V(3)};
static const Field ANY_VALUE_FIELDS[] = {S(1), V(2), V(3), F64(4), MSG(5, M_ARRAY_VALUE),
                                         MSG(6, M_KV_LIST), B(7), V(8)};
static const Field ARRAY_VALUE_FIELDS[] = {MSGR(1, M_ANY_VALUE)};
static const Field KV_LIST_FIELDS[] = {MSGR(1, M_KEY_VALUE)};
static const Field ENTITY_REF_FIELDS[] = {S(1), S(2), SR(3), SR(4)};
static const Field SCOPE_SPANS_FIELDS[] = {MSG(1, M_SCOPE), MSGR(2, M_SPAN), S(3)};
static const Field SCOPE_FIELDS[] = {S(1), S(2), MSGR(3, M_KEY_VALUE), V(4)};
static const Field SPAN_FIELDS[] = {
    B(1), B(2), S(3), B(4), S(5), V(6), F64(7), F64(8), MSGR(9, M_KEY_VALUE), V(10),
    MSGR(11, M_EVENT), V(12), MSGR(13, M_LINK), V(14), MSG(15, M_STATUS), F32(16)};
static const Field EVENT_FIELDS[] = {F64(1), S(2), MSGR(3, M_KEY_VALUE), V(4)};
static const Field LINK_FIELDS[] = {B(1), B(2), S(3), MSGR(4, M_KEY_VALUE), V(5), F32(6)};
static const Field STATUS_FIELDS[] = {S(2), V(3)};

#define ENTRY(name, fields) {name, fields, sizeof(fields) / sizeof(fields[0])}
static const Message MESSAGES[M_COUNT] = {
    ENTRY("opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest", REQUEST_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.ResourceSpans", RESOURCE_SPANS_FIELDS),
    ENTRY("opentelemetry.proto.resource.v1.Resource", RESOURCE_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.KeyValue", KEY_VALUE_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.AnyValue", ANY_VALUE_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.ArrayValue", ARRAY_VALUE_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.KeyValueList", KV_LIST_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.EntityRef", ENTITY_REF_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.ScopeSpans", SCOPE_SPANS_FIELDS),
    ENTRY("opentelemetry.proto.common.v1.InstrumentationScope", SCOPE_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.Span", SPAN_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.Span.Event", EVENT_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.Span.Link", LINK_FIELDS),
    ENTRY("opentelemetry.proto.trace.v1.Status", STATUS_FIELDS),
};

static const Field *find_field(int message, uint32_t number)
{
    const Message *m = &MESSAGES[message];
    for (size_t i = 0; i < m->count; i++)
        if (m->fields[i].number == number)
            return &m->fields[i];
    return NULL;
}

static int wire_of(int kind)
{
    switch (kind) {
    case K_VARINT:
        return WT_VARINT;
    case K_FIXED64:
        return WT_I64;
    case K_FIXED32:
        return WT_I32;
    default:
        return WT_LEN;
    }
}

static int validate(int message, Reader r, int depth);

/* A field the caller does not extract: a known one is checked as upb would check
 * it, an unknown one skipped by its wire type. */
static int check_field(int message, uint32_t number, int wire, Reader *r, int depth)
{
    const Field *field = find_field(message, number);
    if (field == NULL)
        return skip_unknown(r, wire);
    if (wire != wire_of(field->kind))
        return DECLINE; /* upb would keep it as an unknown field; rare, so decline */
    Reader sub;
    switch (field->kind) {
    case K_STRING:
        return read_string(r, &sub);
    case K_BYTES:
        return read_len(r, &sub);
    case K_MESSAGE:
        TRY(read_len(r, &sub));
        return validate(field->message, sub, depth + 1);
    default:
        return skip_unknown(r, wire);
    }
}

/* A message whose content does not reach the table: only checked. Merging a
 * repeated non-repeated message cannot make two valid halves invalid. */
static int validate(int message, Reader r, int depth)
{
    if (depth > MAX_DEPTH)
        return DECLINE;
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        TRY(check_field(message, number, wire, &r, depth));
    }
    return OK;
}

/* ------------------------------------------------------------------ buffers */

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
    Buf *bufs[] = {&d->kind, &d->status, &d->start, &d->duration, &d->http_status,
                   &d->http_valid, &d->map_offsets, &d->deferred, &d->service};
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

/* ---- attribute values (AnyValue) */

enum { V_NONE, V_STRING, V_BOOL, V_INT, V_DOUBLE };

typedef struct {
    int kind;
    Reader text;
    uint64_t number;
    double real;
} Value;

/* An AnyValue whose text reaches the table: the last oneof member wins, as in
 * protobuf; bytes, arrays, kvlists and string indexes decline (Python renders
 * them with MessageToDict). */
static int parse_value(Reader r, Value *v)
{
    v->kind = V_NONE;
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        if (number == 1 && wire == WT_LEN) {
            TRY(read_string(&r, &v->text));
            v->kind = V_STRING;
        } else if ((number == 2 || number == 3) && wire == WT_VARINT) {
            TRY(read_varint(&r, &v->number));
            v->kind = number == 2 ? V_BOOL : V_INT;
        } else if (number == 4 && wire == WT_I64) {
            uint64_t bits;
            TRY(read_fixed64(&r, &bits));
            memcpy(&v->real, &bits, sizeof bits);
            v->kind = V_DOUBLE;
        } else if (find_field(M_ANY_VALUE, number) != NULL) {
            return DECLINE;
        } else {
            TRY(skip_unknown(&r, wire));
        }
    }
    return OK;
}

static size_t format_int(int64_t value, char *out)
{
    char digits[24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    size_t len = 0;
    if (value < 0)
        out[len++] = '-';
    while (n)
        out[len++] = digits[--n];
    return len;
}

/* str(float) exactly: CPython's own repr, which needs the GIL (its dtoa shares state). */
static int append_double(Decoder *d, Buf *out, double value)
{
    PyEval_RestoreThread(d->thread);
    char *text = PyOS_double_to_string(value, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    int result = DECLINE;
    if (text != NULL) {
        result = buf_put(out, text, strlen(text));
        PyMem_Free(text);
    } else {
        PyErr_Clear();
    }
    d->thread = PyEval_SaveThread();
    return result;
}

/* The text otlp_proto._text gives a value, appended to `out`. */
static int append_text(Decoder *d, Buf *out, const Value *v)
{
    char digits[24];
    switch (v->kind) {
    case V_STRING:
        return buf_put(out, v->text.p, (size_t)(v->text.end - v->text.p));
    case V_BOOL:
        return v->number ? buf_put(out, "true", 4) : buf_put(out, "false", 5);
    case V_INT:
        return buf_put(out, digits, format_int((int64_t)v->number, digits));
    case V_DOUBLE:
        return append_double(d, out, v->real);
    default:
        return OK;
    }
}

/* ---- KeyValue */

typedef struct {
    Reader key;
    Reader value;
    int has_value;
} Pair;

/* Key and value of a KeyValue; its value read twice would be merged: decline. */
static int parse_pair(Reader r, Pair *kv)
{
    kv->key.p = kv->key.end = r.p;
    kv->has_value = 0;
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        if (number == 1 && wire == WT_LEN) {
            TRY(read_string(&r, &kv->key));
        } else if (number == 2 && wire == WT_LEN) {
            if (kv->has_value++)
                return DECLINE;
            TRY(read_len(&r, &kv->value));
        } else {
            TRY(check_field(M_KEY_VALUE, number, wire, &r, 0));
        }
    }
    return OK;
}

static int key_is(const Reader *key, const char *name)
{
    size_t len = strlen(name);
    return (size_t)(key->end - key->p) == len && memcmp(key->p, name, len) == 0;
}

/* ---- duplicate keys within a span */

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

/* ---- spans */

typedef struct {
    Reader trace, span, parent, name;
    uint64_t kind, code, start, end;
    int status_seen;
    size_t first_attr;
    long special[A_COUNT]; /* value index of each attribute SpanColumns.add reads, or -1 */
} SpanFields;

/* One span attribute: key and text appended to the map's columns. */
static int span_attribute(Decoder *d, SpanFields *s, Reader r)
{
    Pair kv;
    Value v = {V_NONE, {NULL, NULL}, 0, 0.0};
    TRY(parse_pair(r, &kv));
    if (kv.has_value)
        TRY(parse_value(kv.value, &v));
    StrCol *keys = &d->str[C_KEYS], *values = &d->str[C_VALUES];
    size_t index = keys->rows;
    TRY(str_append(keys, kv.key.p, (size_t)(kv.key.end - kv.key.p)));
    TRY(append_text(d, &values->data, &v));
    TRY(str_close_row(values, 1));
    TRY(keyset_make_room(d, s->first_attr, index));
    if (keyset_insert(d, index))
        return DECLINE; /* a dict keeps the first position and the last value: Python's job */
    size_t len = (size_t)(kv.key.end - kv.key.p);
    for (int a = 0; a < A_COUNT; a++)
        if (SPECIAL_KEYS[a].len == len && memcmp(kv.key.p, SPECIAL_KEYS[a].text, len) == 0)
            s->special[a] = (long)index;
    return OK;
}

static int parse_status(SpanFields *s, Reader r, int depth)
{
    if (s->status_seen++)
        return DECLINE; /* protobuf merges a repeated status */
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        if (number == 3 && wire == WT_VARINT)
            TRY(read_varint(&r, &s->code));
        else
            TRY(check_field(M_STATUS, number, wire, &r, depth));
    }
    return OK;
}

static int parse_span_field(Decoder *d, SpanFields *s, Reader *r, int depth)
{
    uint32_t number;
    int wire;
    TRY(read_tag(r, &number, &wire));
    Reader sub;
    if (wire == WT_LEN && (number == 1 || number == 2 || number == 4 || number == 5)) {
        TRY(number == 5 ? read_string(r, &sub) : read_len(r, &sub));
        *(number == 1 ? &s->trace : number == 2 ? &s->span : number == 4 ? &s->parent : &s->name) =
            sub;
    } else if (number == 6 && wire == WT_VARINT) {
        TRY(read_varint(r, &s->kind));
    } else if ((number == 7 || number == 8) && wire == WT_I64) {
        TRY(read_fixed64(r, number == 7 ? &s->start : &s->end));
    } else if (number == 9 && wire == WT_LEN) {
        TRY(read_len(r, &sub));
        TRY(span_attribute(d, s, sub));
    } else if (number == 15 && wire == WT_LEN) {
        TRY(read_len(r, &sub));
        TRY(parse_status(s, sub, depth + 1));
    } else {
        TRY(check_field(M_SPAN, number, wire, r, depth));
    }
    return OK;
}

static const char HEX[] = "0123456789abcdef";

static int append_hex(StrCol *c, Reader raw)
{
    size_t n = (size_t)(raw.end - raw.p);
    if (n == 0)
        return str_close_row(c, 1);
    TRY(buf_reserve(&c->data, 2 * n));
    char *out = c->data.data + c->data.len;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[raw.p[i] >> 4];
        out[2 * i + 1] = HEX[raw.p[i] & 15];
    }
    c->data.len += 2 * n;
    return str_close_row(c, 1);
}

static size_t reader_len(Reader r) { return (size_t)(r.end - r.p); }

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

/* The row of a parsed span, after the checks otlp_proto.decode_request makes. */
static int emit_span(Decoder *d, const SpanFields *s)
{
    size_t parent = reader_len(s->parent);
    if (reader_len(s->trace) != 16 || reader_len(s->span) != 8 || (parent != 0 && parent != 8) ||
        s->kind > MAX_KIND || s->code > MAX_STATUS || s->start > MAX_NANOS || s->end > MAX_NANOS)
        return DECLINE; /* Python names the field in its 400 */
    TRY(append_hex(&d->str[C_TRACE], s->trace));
    TRY(append_hex(&d->str[C_SPAN], s->span));
    TRY(append_hex(&d->str[C_PARENT], s->parent));
    TRY(str_append(&d->str[C_SERVICE], d->service.data, d->service.len));
    TRY(str_append(&d->str[C_NAME], s->name.p, reader_len(s->name)));
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

static int parse_span(Decoder *d, Reader r, int depth)
{
    if (depth > MAX_DEPTH)
        return DECLINE;
    SpanFields s;
    memset(&s, 0, sizeof s);
    s.trace.p = s.trace.end = s.span.p = s.span.end = r.p;
    s.parent = s.name = s.trace;
    s.first_attr = d->str[C_KEYS].rows;
    for (int a = 0; a < A_COUNT; a++)
        s.special[a] = -1;
    keyset_clear(d);
    while (r.p < r.end)
        TRY(parse_span_field(d, &s, &r, depth));
    return emit_span(d, &s);
}

static int parse_scope_spans(Decoder *d, Reader r, int depth)
{
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        Reader sub;
        if (number == 2 && wire == WT_LEN) {
            TRY(read_len(&r, &sub));
            TRY(parse_span(d, sub, depth + 1));
        } else {
            TRY(check_field(M_SCOPE_SPANS, number, wire, &r, depth));
        }
    }
    return OK;
}

/* A resource: service is the text of its last service.name; the rest only checked. */
static int parse_resource(Decoder *d, Reader r, int depth)
{
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        Reader sub;
        if (number != 1 || wire != WT_LEN) {
            TRY(check_field(M_RESOURCE, number, wire, &r, depth));
            continue;
        }
        TRY(read_len(&r, &sub));
        Pair kv;
        TRY(parse_pair(sub, &kv));
        if (!key_is(&kv.key, "service.name")) {
            if (kv.has_value)
                TRY(validate(M_ANY_VALUE, kv.value, depth + 2));
            continue;
        }
        Value v = {V_NONE, {NULL, NULL}, 0, 0.0};
        if (kv.has_value)
            TRY(parse_value(kv.value, &v));
        d->service.len = 0;
        TRY(append_text(d, &d->service, &v));
    }
    return OK;
}

/* The resource first (its service applies to spans wherever it sits), then the spans. */
static int parse_resource_spans(Decoder *d, Reader r, int depth)
{
    static const char unknown[] = "unknown_service";
    d->service.len = 0;
    TRY(buf_put(&d->service, unknown, sizeof unknown - 1));
    Reader scan = r, sub;
    int resources = 0;
    while (scan.p < scan.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&scan, &number, &wire));
        if (number == 1 && wire == WT_LEN) {
            if (resources++)
                return DECLINE; /* protobuf merges a repeated resource */
            TRY(read_len(&scan, &sub));
            TRY(parse_resource(d, sub, depth + 1));
        } else if (number == 2 && wire == WT_LEN) {
            TRY(read_len(&scan, &sub));
        } else {
            TRY(check_field(M_RESOURCE_SPANS, number, wire, &scan, depth));
        }
    }
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        if (number == 2 && wire == WT_LEN) {
            TRY(read_len(&r, &sub));
            TRY(parse_scope_spans(d, sub, depth + 1));
        } else {
            TRY(skip_unknown(&r, wire)); /* checked in the first pass */
        }
    }
    return OK;
}

static int parse_request(Decoder *d, Reader r)
{
    while (r.p < r.end) {
        uint32_t number;
        int wire;
        TRY(read_tag(&r, &number, &wire));
        if (number == 1 && wire == WT_LEN) {
            Reader sub;
            TRY(read_len(&r, &sub));
            TRY(parse_resource_spans(d, sub, 1));
        } else {
            TRY(check_field(M_REQUEST, number, wire, &r, 0));
        }
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
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "flowsight.telemetry._otlp_wire.Buffer",
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

static PyObject *decode(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Decoder d;
    int status = decoder_init(&d);
    if (status == OK) {
        Reader r = {(const uint8_t *)view.buf, (const uint8_t *)view.buf + view.len};
        d.thread = PyEval_SaveThread();
        status = parse_request(&d, r);
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

/* The field table, for otlp_native.py to hold against the installed descriptors. */
static PyObject *schema(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    PyObject *rows = PyList_New(0);
    for (int m = 0; rows != NULL && m < M_COUNT; m++) {
        for (size_t i = 0; i < MESSAGES[m].count; i++) {
            const Field *f = &MESSAGES[m].fields[i];
            const char *sub = f->kind == K_MESSAGE ? MESSAGES[f->message].name : NULL;
            PyObject *row = Py_BuildValue("(sIsOz)", MESSAGES[m].name, f->number,
                                          KIND_NAMES[f->kind], f->repeated ? Py_True : Py_False,
                                          sub);
            if (row == NULL || PyList_Append(rows, row) < 0) {
                Py_XDECREF(row);
                Py_CLEAR(rows);
                break;
            }
            Py_DECREF(row);
        }
    }
    return rows;
}

static PyMethodDef METHODS[] = {
    {"decode", decode, METH_O,
     "decode(body) -> (rows, clamped, columns) or None when declined (run the Python path)."},
    {"schema", schema, METH_NOARGS,
     "schema() -> [(message, number, kind, repeated, message type or None)] this module knows."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT, "flowsight.telemetry._otlp_wire",
    "OTLP trace requests (protobuf wire format) into Arrow column buffers; exact or declined.",
    -1, METHODS, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__otlp_wire(void)
{
    if (PyType_Ready(&BufferType) < 0)
        return NULL;
    return PyModule_Create(&MODULE);
}
