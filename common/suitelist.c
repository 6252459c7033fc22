/*
 * suitelist.c - the lists of suites, groups and signature schemes people
 * type or paste (mx_suites_parse, mx_groups_parse, mx_sigalgs_parse,
 * suites.h): names, codes in every common form, and OpenSSL cipher
 * strings expanded by the linked library.
 *
 * Error contract: the parsers return -1 and fill a struct mx_error,
 * USAGE with a message that names the first entry they could not use
 * ("unknown suite 'FOO-BAR'"), or INTERNAL when the TLS library cannot be
 * set up or memory runs out. The OpenSSL error queue is left as it was
 * found. Nothing here prints or exits.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "buf.h"
#include "registry.h"
#include "strnum.h"
#include "suites.h"
#include "text.h"

/* Longest entry looked up; longer ones cannot be names. */
#define WORD_MAX 128

/* The codes collected so far: in order, each once, at most cap. */
struct codeset {
    uint16_t *out;
    size_t cap, n;
    int over; /* a code did not fit */
    unsigned char seen[65536 / 8];
};

static void
set_init(struct codeset *cs, uint16_t *out, size_t cap)
{
    memset(cs, 0, sizeof(*cs));
    cs->out = out;
    cs->cap = cap;
}

static void
set_add(struct codeset *cs, uint16_t code)
{
    unsigned char bit = (unsigned char)(1u << (code & 7));

    if (cs->seen[code >> 3] & bit)
        return;
    cs->seen[code >> 3] |= bit;
    if (cs->n < cs->cap)
        cs->out[cs->n++] = code;
    else
        cs->over = 1;
}

/* One entry of a list, and whether a ',' (and no ':') came before it. */
struct tok {
    const char *p;
    size_t len;
    int comma_before;
};

static int
is_sep(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t' || c == '\n' ||
           c == '\r';
}

/* Next entry of *sp; 0 at the end. */
static int
next_tok(const char **sp, struct tok *t)
{
    const char *s = *sp;
    int comma = 0, colon = 0;

    for (; *s != '\0' && is_sep(*s); s++) {
        if (*s == ',')
            comma = 1;
        else if (*s == ':')
            colon = 1;
    }
    *sp = s;
    if (*s == '\0')
        return 0;
    t->p = s;
    while (*s != '\0' && !is_sep(*s))
        s++;
    t->len = (size_t)(s - t->p);
    t->comma_before = comma && !colon;
    *sp = s;
    return 1;
}

/* Copy an entry into w (WORD_MAX bytes); 0 if it does not fit. */
static int
tok_word(const struct tok *t, char *w)
{
    if (t->len >= WORD_MAX)
        return 0;
    memcpy(w, t->p, t->len);
    w[t->len] = '\0';
    return 1;
}

/*
 * A hex number: "0x" and 1..maxd digits, or (when bare > 0) exactly bare
 * digits without the prefix. Its value, or -1.
 */
static long
hex_form(const char *p, size_t len, size_t maxd, size_t bare)
{
    long v = 0;
    size_t i;
    int d;

    if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        len -= 2;
        if (len > maxd)
            return -1;
    } else if (bare == 0 || len != bare) {
        return -1;
    }
    for (i = 0; i < len; i++) {
        if ((d = mx_hexval(p[i])) < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* One byte of a "C0,30" or "0xc0,0x30" pair: "0x" optional, 1-2 digits. */
static long
byte_form(const struct tok *t)
{
    long v = hex_form(t->p, t->len, 2, 0);

    if (v < 0 && (t->len == 1 || t->len == 2))
        v = hex_form(t->p, t->len, 2, t->len);
    return v;
}

/* A suite code: "0xC030" (1-4 digits after 0x) or "C030" (exactly 4). */
static long
code_form(const struct tok *t)
{
    return hex_form(t->p, t->len, 4, 4);
}

static void
usage(struct mx_error *err, const char *what, const struct tok *t)
{
    mx_error_set(err, MX_E_USAGE, "unknown %s '%.*s'", what,
                 (int)(t->len > 100 ? 100 : t->len), t->p);
}

/*
 * Literal reading of a suite list: every entry a code, a byte pair or a
 * name. 1 when all are, with the codes in cs; 0 as soon as one is not.
 */
static int
suites_literal(const char *list, struct codeset *cs)
{
    const char *s = list, *save;
    const struct mx_suite *st;
    struct tok t, u;
    char w[WORD_MAX];
    long a, b;
    int have = next_tok(&s, &t);

    while (have) {
        save = s;
        if ((a = byte_form(&t)) >= 0 && next_tok(&s, &u) && u.comma_before &&
            (b = byte_form(&u)) >= 0) {
            set_add(cs, (uint16_t)(a << 8 | b));
            have = next_tok(&s, &t);
            continue;
        }
        s = save;
        if ((a = code_form(&t)) >= 0)
            set_add(cs, (uint16_t)a);
        else if (tok_word(&t, w) && (st = mx_suite_by_name(w)) != NULL)
            set_add(cs, st->code);
        else
            return 0;
        have = next_tok(&s, &t);
    }
    return 1;
}

/*
 * OpenSSL cipher string keywords (ciphers(1), OpenSSL 1.0.2 and 3.0) that
 * an OpenSSL 3 build may know yet match no suite with: they are valid in a
 * cipher string even when the check below finds nothing for them.
 */
static const char *const quiet_keywords[] = {
    "LOW",       "MEDIUM",  "EXP",    "EXPORT",  "EXPORT40", "EXPORT56",
    "RC4",       "RC2",     "DES",    "3DES",    "IDEA",     "SEED",
    "MD5",       "KRB5",    "kKRB5",  "aKRB5",   "FZA",      "kFZA",
    "aFZA",      "eFZA",    "SSLv2",  "TLSv1.1", "kDH",      "kDHr",
    "kDHd",      "aDH",     "kECDH",  "kECDHr",  "kECDHe",   "aECDH",
    "kGOST",     "kGOST18", "aGOST",  "aGOST01", "aGOST12",  "GOST94",
    "GOST89MAC", "GOST12",  "GOST89",
};

/* Is w a keyword of the library's cipher string language? */
static int
keyword_ok(const char *w)
{
    SSL_CTX *ctx;
    size_t i;
    int ok = 0;

    for (i = 0; i < sizeof(quiet_keywords) / sizeof(quiet_keywords[0]); i++)
        if (strcmp(w, quiet_keywords[i]) == 0)
            return 1;
    ERR_set_mark();
    ctx = mx_suites_scratch_ctx();
    if (ctx != NULL)
        ok = SSL_CTX_set_cipher_list(ctx, w) == 1;
    SSL_CTX_free(ctx);
    ERR_pop_to_mark();
    return ok;
}

/*
 * Check one part of a cipher string entry (between '+'), and append what
 * the library should see for it to b. Returns 1 to keep the entry, 0 to
 * drop it (a removal of a suite the library lacks), -1 on error.
 */
static int
cs_part(const char *part, size_t len, char op, struct mx_buf *b,
        struct mx_error *err)
{
    char w[WORD_MAX];
    const struct mx_suite *s;
    struct tok t;

    t.p = part;
    t.len = len;
    if (len == 0 || !tok_word(&t, w)) {
        usage(err, "suite", &t);
        return -1;
    }
    if (code_form(&t) >= 0) {
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is a code: codes cannot be mixed with an OpenSSL "
                     "cipher string",
                     w);
        return -1;
    }
    s = mx_suite_by_name(w);
    if (s == NULL) {
        if (!keyword_ok(w)) {
            usage(err, "suite", &t);
            return -1;
        }
        mx_buf_append(b, w);
        return 1;
    }
    if (s->min_version < MX_TLS13 && !(s->flags & MX_SUITE_SCSV) &&
        mx_suite_in_library(s->code) && s->openssl != NULL) {
        mx_buf_append(b, s->openssl);
        return 1;
    }
    if (op != '\0')
        return 0; /* removing or moving a suite the string cannot hold */
    if (s->min_version >= MX_TLS13)
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is a TLS 1.3 suite: OpenSSL cipher strings select "
                     "TLS 1.2 and older suites; list suites by name or code",
                     w);
    else
        mx_error_set(err, MX_E_USAGE,
                     "'%s' is not in the TLS library, so a cipher string "
                     "cannot select it; list suites by name or code",
                     w);
    return -1;
}

/*
 * Rewrite a cipher string for the library: entries checked one by one,
 * suite names replaced by the library's spelling (so IANA names and any
 * letter case work), removals of suites the library lacks dropped.
 */
static int
cs_normalize(const char *list, struct mx_buf *b, struct mx_error *err)
{
    const char *s = list, *body, *at, *plus, *end;
    struct mx_buf word = MX_BUF_INIT;
    struct tok t;
    char op;
    int rc = 0, keep;

    while (rc == 0 && next_tok(&s, &t)) {
        mx_buf_reset(&word);
        body = t.p;
        end = t.p + t.len;
        op = (*body == '!' || *body == '-' || *body == '+') ? *body++ : '\0';
        at = memchr(body, '@', (size_t)(end - body));
        if (at == NULL)
            at = end;
        if (op != '\0')
            mx_buf_appendn(&word, &op, 1);
        keep = 1;
        while (body < at && keep == 1) {
            plus = memchr(body, '+', (size_t)(at - body));
            if (plus == NULL)
                plus = at;
            keep = cs_part(body, (size_t)(plus - body), op, &word, err);
            if (plus < at)
                mx_buf_append(&word, "+");
            body = plus < at ? plus + 1 : at;
        }
        if (keep < 0) {
            rc = -1;
            break;
        }
        if (keep == 0)
            continue;
        mx_buf_appendn(&word, at, (size_t)(end - at));
        if (b->len > 0)
            mx_buf_append(b, ":");
        mx_buf_append(b, mx_buf_str(&word));
    }
    if (rc == 0 && (mx_buf_failed(&word) || mx_buf_failed(b))) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        rc = -1;
    }
    mx_buf_free(&word);
    return rc;
}

/* Expand a cipher string with the library into cs. */
static int
suites_cipher_string(const char *list, struct codeset *cs, struct mx_error *err)
{
    struct mx_buf b = MX_BUF_INIT;
    STACK_OF(SSL_CIPHER) * sk;
    const SSL_CIPHER *c;
    SSL_CTX *ctx = NULL;
    int i, n, rc = -1;

    if (cs_normalize(list, &b, err) != 0)
        goto out;
    ERR_set_mark();
    ctx = mx_suites_scratch_ctx();
    if (ctx == NULL || SSL_CTX_set_ciphersuites(ctx, "") != 1) {
        mx_error_set(err, MX_E_INTERNAL,
                     "cannot set up the TLS library to read a cipher string");
        goto pop;
    }
    if (b.len == 0 || SSL_CTX_set_cipher_list(ctx, mx_buf_str(&b)) != 1) {
        mx_error_set(err, MX_E_USAGE,
                     "the TLS library selects no suite from '%.200s'", list);
        goto pop;
    }
    sk = SSL_CTX_get_ciphers(ctx);
    n = sk != NULL ? sk_SSL_CIPHER_num(sk) : 0;
    for (i = 0; i < n; i++) {
        c = sk_SSL_CIPHER_value(sk, i);
        if (SSL_CIPHER_get_kx_nid(c) == NID_kx_any)
            continue; /* a TLS 1.3 suite: not selected by cipher strings */
        set_add(cs, SSL_CIPHER_get_protocol_id(c));
    }
    rc = 0;
pop:
    SSL_CTX_free(ctx);
    ERR_pop_to_mark();
out:
    mx_buf_free(&b);
    return rc;
}

/* Common start of the parsers: arguments, an empty list. */
static int
parse_start(const char *list, uint16_t *out, size_t cap, size_t *n,
            const char *what, struct mx_error *err)
{
    const char *s = list;
    struct tok t;

    if (n != NULL)
        *n = 0;
    if (list == NULL || n == NULL || (out == NULL && cap > 0)) {
        mx_error_set(err, MX_E_USAGE, "no %s list", what);
        return -1;
    }
    if (!next_tok(&s, &t)) {
        mx_error_set(err, MX_E_USAGE, "empty %s list", what);
        return -1;
    }
    return 0;
}

static int
parse_end(const struct codeset *cs, size_t *n, const char *what,
          struct mx_error *err)
{
    if (cs->over) {
        mx_error_set(err, MX_E_USAGE, "too many %ss (more than %zu)", what,
                     cs->cap);
        return -1;
    }
    *n = cs->n;
    return 0;
}

/*
 * How lists are read (the forms are listed in suites.h):
 *  - Codes are taken as given, whether or not IANA has named them (a raw
 *    ClientHello may carry GREASE or unassigned values). "0x" takes one
 *    to four hex digits, a bare code exactly four ("C030"). Two entries of
 *    one or two hex digits joined by a comma ("C0,30", "0xc0, 0x30") are
 *    the two bytes of one code; a lone "0x2F" is 0x002F.
 *  - Names are IANA or OpenSSL names in any letter case, including the
 *    legacy names above.
 *  - Anything else makes the whole list an OpenSSL cipher string. Each of
 *    its words must be a suite name or a keyword the library knows (a word
 *    OpenSSL would silently ignore, such as a typo, is an error); suite
 *    names are handed to the library in its own spelling. A cipher string
 *    selects TLS 1.2 and older suites only, as SSL_CTX_set_cipher_list()
 *    does; it is read at security level 0 with the library's defaults and
 *    never sees the TLS 1.3 list, so naming a TLS 1.3 suite or one the
 *    library lacks in it is an error (removing one is ignored).
 */
int
mx_suites_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                struct mx_error *err)
{
    struct codeset cs;

    if (parse_start(list, out, cap, n, "suite", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    if (!suites_literal(list, &cs)) {
        set_init(&cs, out, cap);
        if (suites_cipher_string(list, &cs, err) != 0)
            return -1;
    }
    return parse_end(&cs, n, "suite", err);
}

/* A group code: "0x001d" (1-4 hex digits) or decimal "29". */
static long
group_code(const char *w, const struct tok *t)
{
    long long v;

    if (w[0] >= '0' && w[0] <= '9' && hex_form(t->p, t->len, 4, 0) < 0)
        return mx_strtonum(w, 0, 0xffff, &v, NULL) == 0 ? (long)v : -1;
    return hex_form(t->p, t->len, 4, 0);
}

int
mx_groups_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                struct mx_error *err)
{
    const struct mx_group *g;
    struct codeset cs;
    const char *s = list;
    struct tok t;
    char w[WORD_MAX];
    long code;

    if (parse_start(list, out, cap, n, "group", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    while (next_tok(&s, &t)) {
        if (!tok_word(&t, w)) {
            usage(err, "group", &t);
            return -1;
        }
        if ((code = group_code(w, &t)) >= 0) {
            set_add(&cs, (uint16_t)code);
        } else if ((g = mx_group_by_name(w)) != NULL) {
            set_add(&cs, g->code);
        } else {
            usage(err, "group", &t);
            return -1;
        }
    }
    return parse_end(&cs, n, "group", err);
}

int
mx_sigalgs_parse(const char *list, uint16_t *out, size_t cap, size_t *n,
                 struct mx_error *err)
{
    const struct mx_sigalg *sa;
    struct codeset cs;
    const char *s = list;
    struct tok t;
    char w[WORD_MAX];
    long code;

    if (parse_start(list, out, cap, n, "signature scheme", err) != 0)
        return -1;
    set_init(&cs, out, cap);
    while (next_tok(&s, &t)) {
        if (!tok_word(&t, w)) {
            usage(err, "signature scheme", &t);
            return -1;
        }
        if ((code = hex_form(t.p, t.len, 4, 0)) >= 0) {
            set_add(&cs, (uint16_t)code);
        } else if ((sa = mx_sigalg_by_name(w)) != NULL) {
            set_add(&cs, sa->code);
        } else {
            usage(err, "signature scheme", &t);
            return -1;
        }
    }
    return parse_end(&cs, n, "signature scheme", err);
}
