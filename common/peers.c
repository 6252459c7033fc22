/*
 * peers.c - the peers file and the command-line peer.
 *
 * The file format is described in peers.h and, with an example of every
 * key, in contrib/peers.conf.example. What this file adds to peers.h:
 *  - Keys and severity values are case-insensitive; section names keep
 *    their case, but two sections that differ only in case are duplicates
 *    (a peer's name is also the name of its profile file).
 *  - A value runs to the end of its line ('#' inside it is part of it);
 *    blanks around keys and values are dropped; CRLF line ends and a
 *    UTF-8 byte order mark at the start of the file are fine.
 *  - A relative clienthello path is taken from the directory of the peers
 *    file, so that a configuration directory can be moved as a whole.
 *  - max-age belongs to the mx way (it is an error without mx); it accepts
 *    1 second to 3650 days.
 *  - A section without keys is a peer that looks like the typical MTA.
 *  - Each peer's client is one struct mx_offer (offer.h), its lists
 *    allocated to their length. A peer given by lists gets the typical
 *    MTA's lists for the lists it left out (mx_offer_defaults); a
 *    recorded hello is kept in the offer and decoded into its lists; an mx
 *    peer's offer stays empty until its learned profile is applied
 *    (mx_profile_offer, profile.h). The versions are the range the
 *    protocols list spans.
 *
 * A recorded ClientHello is decoded by peer_hello.c.
 *
 * The typical MTA's lists, which fill what a peer leaves out, are in
 * peer_mta.c.
 *
 * Error contract: mx_peers_load and mx_peer_from_options return 0, or -1
 * with a struct mx_error: USAGE with "FILE:LINE: what is wrong" ("FILE:
 * what" for the file as a whole, "--peer-OPTION: what" for options),
 * INTERNAL for memory. On failure nothing stays allocated. Nothing here
 * prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "clientlib.h"
#include "file.h"
#include "ini.h"
#include "opts.h"
#include "peers.h"
#include "fromspec.h"
#include "registry.h"
#include "strnum.h"
#include "suites.h"
#include "text.h"

#define FILE_CAP        (1024 * 1024) /* most bytes in a peers file */
#define LINE_CAP        4096          /* most bytes in one line */
#define DEFAULT_MAX_AGE (30L * 86400)

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- */
/* Small text helpers.                                              */

static int
is_sep(char c)
{
    return c == ':' || c == ',' || c == ' ' || c == '\t';
}

/* ---------------------------------------------------------------- */
/* Values.                                                          */

/* A list of protocol version names, kept highest first. */
static int
parse_versions(const char *list, uint16_t *out, size_t *n, struct mx_error *err)
{
    const char *s = list, *start;
    char word[32];
    size_t len, i, j;
    uint16_t v;

    *n = 0;
    while (*s != '\0') {
        while (is_sep(*s))
            s++;
        if (*s == '\0')
            break;
        start = s;
        while (*s != '\0' && !is_sep(*s))
            s++;
        len = (size_t)(s - start);
        v = 0;
        if (len < sizeof(word)) {
            memcpy(word, start, len);
            word[len] = '\0';
            v = mx_version_parse(word);
        }
        if (v == 0) {
            mx_error_set(err, MX_E_USAGE, "unknown protocol version '%.*s'",
                         (int)(len > 64 ? 64 : len), start);
            return -1;
        }
        for (i = 0; i < *n && out[i] != v; i++)
            ;
        if (i < *n)
            continue; /* said twice */
        /* Insert, highest first (there are at most six versions). */
        for (i = 0; i < *n && out[i] > v; i++)
            ;
        for (j = *n; j > i; j--)
            out[j] = out[j - 1];
        out[i] = v;
        (*n)++;
    }
    if (*n == 0) {
        mx_error_set(err, MX_E_USAGE, "empty protocol list");
        return -1;
    }
    return 0;
}

/* critical | warning. */
static int
parse_severity(const char *s, enum mx_state *out, struct mx_error *err)
{
    if (strcasecmp(s, "critical") == 0)
        *out = MX_CRITICAL;
    else if (strcasecmp(s, "warning") == 0)
        *out = MX_WARNING;
    else {
        mx_error_set(err, MX_E_USAGE, "'%.64s' is not critical or warning", s);
        return -1;
    }
    return 0;
}

int
mx_peer_auth_parse(const char *s, unsigned *out, struct mx_error *err)
{
    if (strcasecmp(s, "dane") == 0)
        *out = MX_PEER_AUTH_DANE;
    else if (strcasecmp(s, "mta-sts") == 0)
        *out = MX_PEER_AUTH_MTASTS;
    else if (strcasecmp(s, "none") == 0)
        *out = 0;
    else {
        mx_error_set(err, MX_E_USAGE, "'%.64s' is not dane, mta-sts or none",
                     s);
        return -1;
    }
    return 0;
}

static int
host_char(char c, int bracketed)
{
    return mx_ini_name_char(c) || (bracketed && c == ':');
}

/* host, domain, host:port or [host]:port. */
static int
mx_ok(const char *s)
{
    const char *p = s, *host, *port = NULL;
    size_t hlen;
    long long v;
    int br = *p == '[';

    if (br)
        p++;
    host = p;
    while (*p != '\0' && host_char(*p, br))
        p++;
    hlen = (size_t)(p - host);
    if (hlen == 0 || hlen > 253 || host[0] == '.' || host[0] == '-')
        return 0;
    if (br) {
        if (*p++ != ']')
            return 0;
    }
    if (*p == ':')
        port = ++p;
    else if (*p != '\0')
        return 0;
    if (port != NULL && mx_strtonum(port, 1, 65535, &v, NULL) != 0)
        return 0;
    return port == NULL || (port[0] >= '0' && port[0] <= '9');
}

/* ---------------------------------------------------------------- */
/* The peers file.                                                  */

enum way { WAY_NONE = 0, WAY_LISTS, WAY_HELLO, WAY_MX, WAY_CLIENT };

enum key {
    K_DESCRIPTION,
    K_SEVERITY,
    K_PROTOCOLS,
    K_CIPHERS,
    K_GROUPS,
    K_SIGALGS,
    K_CLIENTHELLO,
    K_MX,
    K_MAX_AGE,
    K_AUTHENTICATES,
    K_CLIENT,
    K_FROM,
    NKEYS
};

static const struct {
    const char *name;
    enum way way;
} keys[NKEYS] = {
    {"description", WAY_NONE},  {"severity", WAY_NONE},
    {"protocols", WAY_LISTS},   {"ciphers", WAY_LISTS},
    {"groups", WAY_LISTS},      {"sigalgs", WAY_LISTS},
    {"clienthello", WAY_HELLO}, {"mx", WAY_MX},
    {"max-age", WAY_MX},        {"authenticates", WAY_NONE},
    {"client", WAY_CLIENT},     {"from", WAY_NONE},
};

struct loader {
    struct mx_ini ini;
    struct mx_peers *peers;
    size_t cap;      /* peers->v allocated */
    int in_section;  /* the last peer is being read */
    int seen[NKEYS]; /* line of each key in the current section, or 0 */
};

/* The end of a section: the peer's kind, and its missing lists. */
static int
finish_section(struct loader *ld)
{
    struct mx_peer *p;

    if (!ld->in_section)
        return 0;
    ld->in_section = 0;
    p = &ld->peers->v[ld->peers->n - 1];
    if (ld->seen[K_CLIENTHELLO] || ld->seen[K_CLIENT]) {
        p->kind = MX_PEER_HELLO;
    } else if (ld->seen[K_MX]) {
        p->kind = MX_PEER_MX;
    } else if (ld->seen[K_MAX_AGE]) {
        ld->ini.line = ld->seen[K_MAX_AGE];
        return mx_ini_fail(&ld->ini,
                           "max-age needs mx (it says when the profile learned "
                           "from the MX is stale)");
    } else {
        p->kind = MX_PEER_LISTS;
        if (mx_offer_defaults(&p->offer, ld->ini.err) != 0)
            return -1;
    }
    return 0;
}

static int
section(struct loader *ld, const char *name)
{
    struct mx_peer *p, *nv;
    size_t i, ncap;

    if (!mx_ini_name_ok(name))
        return mx_ini_fail(&ld->ini,
                           "bad section name '%.64s': 1 to 63 letters, digits, "
                           "'.', '_' or '-'",
                           name);
    if (finish_section(ld) != 0)
        return -1;
    for (i = 0; i < ld->peers->n; i++)
        if (strcasecmp(ld->peers->v[i].name, name) == 0)
            return mx_ini_fail(&ld->ini,
                               "duplicate section [%s] (first at line %d)",
                               name, ld->peers->v[i].line);
    if (ld->peers->n >= MX_PEERS_MAX)
        return mx_ini_fail(&ld->ini, "more than %d peers", MX_PEERS_MAX);
    if (ld->peers->n == ld->cap) {
        ncap = ld->cap == 0 ? 16 : ld->cap * 2;
        if (ncap > MX_PEERS_MAX)
            ncap = MX_PEERS_MAX;
        nv = realloc(ld->peers->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            mx_error_set(ld->ini.err, MX_E_INTERNAL, "out of memory");
            return -1;
        }
        ld->peers->v = nv;
        ld->cap = ncap;
    }
    p = &ld->peers->v[ld->peers->n++];
    memset(p, 0, sizeof(*p));
    mx_copy_str(p->name, sizeof(p->name), name);
    p->severity = MX_CRITICAL;
    p->kind = MX_PEER_LISTS;
    p->max_age = DEFAULT_MAX_AGE;
    mx_copy_str(p->file, sizeof(p->file), ld->ini.path);
    p->line = ld->ini.line;
    memset(ld->seen, 0, sizeof(ld->seen));
    ld->in_section = 1;
    return 0;
}

/* A relative clienthello path, from the directory of the peers file. */
static int
hello_path(const char *file, const char *value, struct mx_buf *b)
{
    const char *slash = strrchr(file, '/');

    if (value[0] != '/' && slash != NULL)
        mx_buf_appendn(b, file, (size_t)(slash - file) + 1);
    mx_buf_append(b, value);
    return mx_buf_failed(b) ? -1 : 0;
}

/* One of the lists that describe a peer's client into p's offer (the
 * versions as the range they span). 0 or -1. */
static int
parse_list(struct mx_peer *p, enum key k, const char *value, struct mx_error *e)
{
    uint16_t codes[MX_PEER_MAX_SUITES];
    size_t n = 0;
    int rc;

    switch (k) {
    case K_PROTOCOLS:
        if (parse_versions(value, codes, &n, e) != 0)
            return -1;
        p->offer.max_version = codes[0];
        p->offer.min_version = codes[n - 1];
        return 0;
    case K_CIPHERS:
        rc = mx_suites_parse(value, codes, MX_PEER_MAX_SUITES, &n, e);
        return rc != 0 ? -1
                       : mx_offer_set(&p->offer, MX_OFFER_SUITES, codes, n, e);
    case K_GROUPS:
        rc = mx_groups_parse(value, codes, MX_PEER_MAX_LIST, &n, e);
        return rc != 0 ? -1
                       : mx_offer_set(&p->offer, MX_OFFER_GROUPS, codes, n, e);
    case K_SIGALGS:
        rc = mx_sigalgs_parse(value, codes, MX_PEER_MAX_LIST, &n, e);
        return rc != 0 ? -1
                       : mx_offer_set(&p->offer, MX_OFFER_SIGALGS, codes, n, e);
    default:
        mx_error_set(e, MX_E_INTERNAL, "not a list");
        return -1;
    }
}

static int
apply_key(struct loader *ld, enum key k, const char *value)
{
    struct mx_peer *p = &ld->peers->v[ld->peers->n - 1];
    struct mx_buf path = MX_BUF_INIT;
    struct mx_error e;
    int rc = 0;

    mx_error_clear(&e);
    switch (k) {
    case K_DESCRIPTION:
        if (strlen(value) >= sizeof(p->description))
            return mx_ini_fail(&ld->ini, "description is longer than %d bytes",
                               (int)sizeof(p->description) - 1);
        mx_copy_str(p->description, sizeof(p->description), value);
        return 0;
    case K_SEVERITY:
        rc = parse_severity(value, &p->severity, &e);
        break;
    case K_PROTOCOLS:
    case K_CIPHERS:
    case K_GROUPS:
    case K_SIGALGS:
        rc = parse_list(p, k, value, &e);
        break;
    case K_CLIENTHELLO:
        if (hello_path(ld->ini.path, value, &path) != 0) {
            mx_buf_free(&path);
            mx_error_set(ld->ini.err, MX_E_INTERNAL, "out of memory");
            return -1;
        }
        rc = mx_peer_load_hello(p, mx_buf_str(&path), &e);
        mx_buf_free(&path);
        break;
    case K_MX:
        if (strlen(value) >= sizeof(p->mx) || !mx_ok(value))
            return mx_ini_fail(&ld->ini,
                               "mx '%.64s' is not a host, domain, host:port or "
                               "[host]:port",
                               value);
        mx_copy_str(p->mx, sizeof(p->mx), value);
        return 0;
    case K_MAX_AGE:
        rc = mx_parse_duration(value, NULL, &p->max_age, &e);
        break;
    case K_AUTHENTICATES:
        rc = mx_peer_auth_parse(value, &p->auth, &e);
        break;
    case K_CLIENT: { /* a recording of the client library (clientlib.h) */
        char lib[1100];
        rc = mx_clientlib_path(NULL, value, lib, sizeof(lib), &e) != 0 ||
                     mx_peer_load_hello(p, lib, &e) != 0
                 ? -1
                 : 0;
        break;
    }
    case K_FROM: /* where its mail comes from (traffic.h) */
        if (strlen(value) >= sizeof(p->from))
            return mx_ini_fail(&ld->ini, "from is longer than %d bytes",
                               (int)sizeof(p->from) - 1);
        rc = mx_from_check(value, &e);
        if (rc == 0)
            mx_copy_str(p->from, sizeof(p->from), value);
        break;
    case NKEYS:
        break;
    }
    if (rc != 0)
        return mx_ini_fail_value(&ld->ini, keys[k].name, &e);
    return 0;
}

static int
key_line(struct loader *ld, const char *key, const char *value)
{
    size_t k, j;

    if (key[0] == '\0')
        return mx_ini_fail(&ld->ini, "no key before '='");
    for (k = 0; k < NKEYS && strcasecmp(key, keys[k].name) != 0; k++)
        ;
    if (k == NKEYS)
        return mx_ini_fail(&ld->ini, "unknown key '%.64s'", key);
    if (!ld->in_section)
        return mx_ini_fail(&ld->ini,
                           "key '%s' outside a section (start one with [name])",
                           keys[k].name);
    if (ld->seen[k])
        return mx_ini_fail(&ld->ini, "duplicate key '%s' (first at line %d)",
                           keys[k].name, ld->seen[k]);
    if (value[0] == '\0')
        return mx_ini_fail(&ld->ini, "empty value for '%s'", keys[k].name);
    for (j = 0; j < NKEYS; j++)
        if (ld->seen[j] && keys[j].way != WAY_NONE && keys[k].way != WAY_NONE &&
            keys[j].way != keys[k].way)
            return mx_ini_fail(&ld->ini,
                               "'%s' cannot be combined with '%s' (line %d): a "
                               "peer is described by lists, by a recorded "
                               "ClientHello or by its MX",
                               keys[k].name, keys[j].name, ld->seen[j]);
    ld->seen[k] = ld->ini.line;
    return apply_key(ld, (enum key)k, value);
}

static const struct mx_ini_syntax peers_syntax = {FILE_CAP, LINE_CAP, "#;",
                                                  MX_INI_SECTIONS | MX_INI_BOM};

static int
load_lines(struct loader *ld)
{
    struct mx_ini_line l;
    int rc;

    while ((rc = mx_ini_next(&ld->ini, &l)) > 0) {
        if (l.kind == MX_INI_BAD_SECTION)
            rc = mx_ini_fail(&ld->ini,
                             "bad section line '%.64s': a section is [name]",
                             l.text);
        else if (l.kind == MX_INI_SECTION)
            rc = section(ld, l.name);
        else if (l.value == NULL)
            rc = mx_ini_fail(
                &ld->ini,
                "expected [name], key = value or a comment, not '%.64s'",
                l.text);
        else
            rc = key_line(ld, l.name, l.value);
        if (rc != 0)
            return -1;
    }
    return rc < 0 ? -1 : finish_section(ld);
}

int
mx_peers_parse(const char *text, size_t len, const char *path,
               struct mx_peers *peers, struct mx_error *err)
{
    struct loader ld;
    int rc;

    if (peers == NULL || path == NULL || (text == NULL && len > 0)) {
        mx_error_set(err, MX_E_USAGE, "no peers file");
        return -1;
    }
    peers->v = NULL;
    peers->n = 0;
    memset(&ld, 0, sizeof(ld));
    ld.peers = peers;
    if (mx_ini_open(&ld.ini, text, len, path, &peers_syntax, err) != 0)
        return -1;
    rc = load_lines(&ld);
    if (rc == 0 && peers->n == 0)
        rc = mx_ini_fail_file(&ld.ini,
                              "no peer defined (a peer starts with [name])");
    mx_ini_close(&ld.ini);
    if (rc != 0)
        mx_peers_free(peers);
    return rc;
}

int
mx_peers_load(const char *path, struct mx_peers *peers, struct mx_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    if (peers == NULL || path == NULL) {
        mx_error_set(err, MX_E_USAGE, "no peers file");
        return -1;
    }
    peers->v = NULL;
    peers->n = 0;
    if (mx_file_read(path, "-f: ", FILE_CAP, 0, &buf, &len, err) != 0)
        return -1;
    rc = mx_peers_parse(buf, len, path, peers, err);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- */
/* The command-line peer.                                           */

static int
opt_blank(const char *s)
{
    while (mx_is_blank(*s) || *s == '\n')
        s++;
    return *s == '\0';
}

static int
opt_fail(const char *opt, const struct mx_error *e, struct mx_error *err)
{
    mx_error_set(err, e->code == MX_E_INTERNAL ? MX_E_INTERNAL : MX_E_USAGE,
                 "--peer-%s: %s", opt, e->msg);
    return -1;
}

int
mx_peer_from_options(struct mx_peer *p, const char *name, const char *protocols,
                     const char *ciphers, const char *groups,
                     const char *sigalgs, const char *clienthello,
                     struct mx_error *err)
{
    static const char *const names[] = {"protocols", "ciphers", "groups",
                                        "sigalgs", "clienthello"};
    static const enum key lists[] = {K_PROTOCOLS, K_CIPHERS, K_GROUPS,
                                     K_SIGALGS};
    const char *vals[5];
    struct mx_error e;
    size_t i;

    if (p == NULL) {
        mx_error_set(err, MX_E_USAGE, "no peer to fill");
        return -1;
    }
    memset(p, 0, sizeof(*p));
    if (!mx_ini_name_ok(name)) {
        mx_error_set(err, MX_E_USAGE,
                     "peer name '%.64s' is not 1 to 63 letters, digits, "
                     "'.', '_' or '-'",
                     name != NULL ? name : "");
        return -1;
    }
    vals[0] = protocols;
    vals[1] = ciphers;
    vals[2] = groups;
    vals[3] = sigalgs;
    vals[4] = clienthello;
    for (i = 0; i < NELEM(vals); i++)
        if (vals[i] != NULL && opt_blank(vals[i])) {
            mx_error_set(err, MX_E_USAGE, "--peer-%s: empty value", names[i]);
            return -1;
        }
    for (i = 0; clienthello != NULL && i < 4; i++)
        if (vals[i] != NULL) {
            mx_error_set(err, MX_E_USAGE,
                         "--peer-clienthello cannot be combined with "
                         "--peer-%s: a peer is described by lists or by a "
                         "recorded ClientHello",
                         names[i]);
            return -1;
        }
    mx_copy_str(p->name, sizeof(p->name), name);
    p->severity = MX_CRITICAL;
    p->max_age = DEFAULT_MAX_AGE;
    mx_copy_str(p->file, sizeof(p->file), "-");
    p->line = 0;
    mx_error_clear(&e);
    if (clienthello != NULL) {
        p->kind = MX_PEER_HELLO;
        if (mx_peer_load_hello(p, clienthello, &e) != 0) {
            mx_peer_free(p);
            return opt_fail("clienthello", &e, err);
        }
        return 0;
    }
    p->kind = MX_PEER_LISTS;
    for (i = 0; i < NELEM(lists); i++)
        if (vals[i] != NULL && parse_list(p, lists[i], vals[i], &e) != 0) {
            mx_peer_free(p);
            return opt_fail(names[i], &e, err);
        }
    if (mx_offer_defaults(&p->offer, err) != 0) {
        mx_peer_free(p);
        return -1;
    }
    return 0;
}

void
mx_peer_free(struct mx_peer *p)
{
    if (p != NULL)
        mx_offer_free(&p->offer);
}

void
mx_peers_free(struct mx_peers *peers)
{
    size_t i;

    if (peers == NULL)
        return;
    for (i = 0; i < peers->n; i++)
        mx_peer_free(&peers->v[i]);
    free(peers->v);
    peers->v = NULL;
    peers->n = 0;
}
