/*
 * mtasts.c - MTA-STS (RFC 8461): TXT record and policy parsers, MX
 * patterns, and the policy fetch over libcurl (see mtasts.h).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "certinfo.h"
#include "log.h"
#include "mtasts.h"

const char *
mx_sts_mode_name(enum mx_sts_mode m)
{
    switch (m) {
    case MX_STS_ENFORCE:
        return "enforce";
    case MX_STS_TESTING:
        return "testing";
    default:
        return "none";
    }
}

static int
is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static int
alnum(char c)
{
    return isalnum((unsigned char)c);
}

/* An extension name: (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
static int
ext_name(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 32 || !alnum(s[0]))
        return 0;
    for (i = 1; i < n; i++)
        if (!alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            return 0;
    return 1;
}

int
mx_sts_txt_parse(const char *text, char *id, char *why, size_t cap)
{
    const char *p = text, *f, *eq, *end;
    size_t n, i;
    int have_id = 0;

    id[0] = '\0';
    if (strncmp(p, "v=STSv1", 7) != 0 ||
        (p[7] != '\0' && p[7] != ';' && !is_wsp(p[7])))
        return 1;
    p += 7;
    for (;;) {
        while (is_wsp(*p))
            p++;
        if (*p == '\0')
            break;
        if (*p != ';') {
            snprintf(why, cap, "TXT record: ';' expected before '%.20s'", p);
            return -1;
        }
        p++;
        while (is_wsp(*p))
            p++;
        if (*p == '\0')
            break; /* a final delimiter */
        f = p;
        end = p + strcspn(p, "; \t");
        eq = memchr(f, '=', (size_t)(end - f));
        if (eq == NULL) {
            snprintf(why, cap, "TXT record: field '%.*s' has no '='",
                     (int)(end - f > 40 ? 40 : end - f), f);
            return -1;
        }
        if (eq - f == 2 && strncmp(f, "id", 2) == 0) {
            n = (size_t)(end - eq - 1);
            if (have_id) {
                snprintf(why, cap, "TXT record: id given twice");
                return -1;
            }
            if (n < 1 || n > 32) {
                snprintf(why, cap,
                         "TXT record: id of %zu characters (1 to 32 letters "
                         "and digits)",
                         n);
                return -1;
            }
            for (i = 0; i < n; i++)
                if (!alnum(eq[1 + i])) {
                    snprintf(why, cap,
                             "TXT record: id '%.*s' has a character other "
                             "than a letter or digit",
                             (int)n, eq + 1);
                    return -1;
                }
            memcpy(id, eq + 1, n);
            id[n] = '\0';
            have_id = 1;
        } else {
            if (!ext_name(f, (size_t)(eq - f)) || end == eq + 1 ||
                memchr(eq + 1, '=', (size_t)(end - eq - 1)) != NULL) {
                snprintf(why, cap, "TXT record: malformed field '%.*s'",
                         (int)(end - f > 40 ? 40 : end - f), f);
                return -1;
            }
        }
        p = end;
    }
    if (!have_id) {
        snprintf(why, cap, "TXT record: no id field (v=STSv1; id=...)");
        return -1;
    }
    return 0;
}

/* A domain pattern: ["*."] labels of letters, digits and hyphens. */
static int
mx_pattern_ok(const char *v)
{
    const char *p = v;
    size_t label = 0, labels = 0;

    if (strncmp(p, "*.", 2) == 0)
        p += 2;
    if (*p == '\0' || strlen(v) > 253)
        return 0;
    for (; *p != '\0'; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-')
                return 0;
            label = 0;
            labels++;
            continue;
        }
        if (!alnum(*p) && !(*p == '-' && label > 0))
            return 0;
        if (++label > 63)
            return 0;
    }
    /* the last label may no more end in '-' than the others */
    return label > 0 && p[-1] != '-' && labels >= 1;
}

int
mx_sts_policy_parse(const char *text, size_t len, struct mx_sts_policy *p,
                    char *why, size_t cap)
{
    char line[1024], *colon, *val;
    const char *s = text, *end = text + len, *nl;
    size_t n, lineno = 0;
    int have_version = 0, have_mode = 0, have_age = 0;
    long age;
    char *stop;

    memset(p, 0, sizeof(*p));
    if (memchr(text, '\0', len) != NULL) {
        snprintf(why, cap, "policy: a NUL byte");
        return -1;
    }
    while (s < end) {
        lineno++;
        nl = memchr(s, '\n', (size_t)(end - s));
        n = (size_t)((nl != NULL ? nl : end) - s);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n >= sizeof(line)) {
            snprintf(why, cap, "policy line %zu: longer than %zu bytes", lineno,
                     sizeof(line) - 1);
            return -1;
        }
        memcpy(line, s, n);
        line[n] = '\0';
        s = nl != NULL ? nl + 1 : end;
        if (n == 0) {
            if (s >= end)
                break; /* the final line ending */
            snprintf(why, cap, "policy line %zu: empty", lineno);
            return -1;
        }
        while (n > 0 && is_wsp(line[n - 1]))
            line[--n] = '\0';
        colon = strchr(line, ':');
        if (colon == NULL) {
            snprintf(why, cap, "policy line %zu: no ':' in '%.40s'", lineno,
                     line);
            return -1;
        }
        *colon = '\0';
        for (val = colon + 1; is_wsp(*val); val++)
            ;
        if (strcmp(line, "version") == 0) {
            if (have_version++) {
                snprintf(why, cap, "policy line %zu: version given twice",
                         lineno);
                return -1;
            }
            if (strcmp(val, "STSv1") != 0) {
                snprintf(why, cap,
                         "policy line %zu: version '%.20s' (only STSv1)",
                         lineno, val);
                return -1;
            }
        } else if (strcmp(line, "mode") == 0) {
            if (have_mode++) {
                snprintf(why, cap, "policy line %zu: mode given twice", lineno);
                return -1;
            }
            if (strcmp(val, "enforce") == 0)
                p->mode = MX_STS_ENFORCE;
            else if (strcmp(val, "testing") == 0)
                p->mode = MX_STS_TESTING;
            else if (strcmp(val, "none") == 0)
                p->mode = MX_STS_NONE;
            else {
                snprintf(why, cap,
                         "policy line %zu: mode '%.20s' (enforce, testing or "
                         "none)",
                         lineno, val);
                return -1;
            }
        } else if (strcmp(line, "max_age") == 0) {
            if (have_age++) {
                snprintf(why, cap, "policy line %zu: max_age given twice",
                         lineno);
                return -1;
            }
            n = strspn(val, "0123456789");
            if (n == 0 || n > 10 || val[n] != '\0') {
                snprintf(why, cap,
                         "policy line %zu: max_age '%.20s' is not 1 to 10 "
                         "digits",
                         lineno, val);
                return -1;
            }
            age = strtol(val, &stop, 10);
            if (age > MX_STS_MAX_AGE) {
                snprintf(why, cap,
                         "policy line %zu: max_age %ld above %ld (one year)",
                         lineno, age, MX_STS_MAX_AGE);
                return -1;
            }
            p->max_age = age;
        } else if (strcmp(line, "mx") == 0) {
            if (!mx_pattern_ok(val)) {
                snprintf(why, cap,
                         "policy line %zu: mx '%.60s' is no host "
                         "name pattern",
                         lineno, val);
                return -1;
            }
            if (p->nmx < MX_STS_MAX_MX)
                snprintf(p->mx[p->nmx++], sizeof(p->mx[0]), "%s", val);
        } else if (!ext_name(line, strlen(line))) {
            snprintf(why, cap, "policy line %zu: '%.40s' is no field name",
                     lineno, line);
            return -1;
        }
    }
    if (!have_version || !have_mode || !have_age) {
        snprintf(why, cap, "policy: no %s field",
                 !have_version ? "version"
                 : !have_mode  ? "mode"
                               : "max_age");
        return -1;
    }
    if (p->nmx == 0 && p->mode != MX_STS_NONE) {
        snprintf(why, cap, "policy: mode %s without an mx field",
                 mx_sts_mode_name(p->mode));
        return -1;
    }
    return 0;
}

int
mx_sts_mx_match(const char *pattern, const char *host)
{
    size_t hl = strlen(host), pl;
    const char *dot;

    if (hl > 0 && host[hl - 1] == '.')
        hl--;
    if (strncmp(pattern, "*.", 2) == 0) {
        dot = memchr(host, '.', hl);
        if (dot == NULL || dot == host)
            return 0;
        pl = strlen(pattern + 2);
        return (size_t)(host + hl - dot - 1) == pl &&
               strncasecmp(dot + 1, pattern + 2, pl) == 0;
    }
    return strlen(pattern) == hl && strncasecmp(pattern, host, hl) == 0;
}

int
mx_sts_listed(const struct mx_sts_policy *p, const char *host)
{
    size_t i;

    for (i = 0; i < p->nmx; i++)
        if (mx_sts_mx_match(p->mx[i], host))
            return 1;
    return 0;
}

int
mx_sts_chain_valid(STACK_OF(X509) * chain, const char *host, X509_STORE *store,
                   const char *store_name, time_t now, char *why, size_t cap)
{
    char v[200];
    X509 *leaf;
    int rc;

    if (chain == NULL || sk_X509_num(chain) < 1) {
        snprintf(why, cap, "no certificate");
        return 0;
    }
    leaf = sk_X509_value(chain, 0);
    rc = mx_cert_verify(store, chain, v, sizeof(v));
    if (rc < 0) {
        snprintf(why, cap, "the chain could not be verified");
        return -1;
    }
    if (rc == 0) {
        snprintf(why, cap, "not trusted by %s (%s)", store_name, v);
        return 0;
    }
    if (!mx_cert_matches(leaf, host)) {
        snprintf(why, cap, "does not cover %s", host);
        return 0;
    }
    if (X509_cmp_time(X509_get0_notAfter(leaf), &now) < 0) {
        snprintf(why, cap, "expired");
        return 0;
    }
    if (X509_cmp_time(X509_get0_notBefore(leaf), &now) > 0) {
        snprintf(why, cap, "not yet valid");
        return 0;
    }
    return 1;
}

enum mx_sts_verdict
mx_sts_judge(const struct mx_sts_policy *p, const char *host,
             STACK_OF(X509) * chain, X509_STORE *store, const char *store_name,
             time_t now, char *why, size_t cap)
{
    int rc;

    if (!mx_sts_listed(p, host)) {
        snprintf(why, cap, "%s matches no mx of the policy", host);
        return MX_STS_UNLISTED;
    }
    rc = mx_sts_chain_valid(chain, host, store, store_name, now, why, cap);
    return rc > 0 ? MX_STS_VALID : rc == 0 ? MX_STS_INVALID : MX_STS_ERROR;
}

struct sink {
    char *buf;
    size_t len;
    int too_large;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
    struct sink *s = arg;
    size_t n = size * nmemb;
    char *nb;

    if (s->len + n > MX_STS_MAX_POLICY) {
        s->too_large = 1;
        return 0;
    }
    nb = realloc(s->buf, s->len + n + 1);
    if (nb == NULL)
        return 0;
    s->buf = nb;
    memcpy(s->buf + s->len, data, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

int
mx_sts_fetch(const char *domain, const char *address, const char *cafile,
             struct mx_deadline dl, char **body, size_t *len, char *why,
             size_t cap)
{
    CURL *c = NULL;
    CURLcode rc;
    struct curl_slist *resolve = NULL;
    struct sink s = {NULL, 0, 0};
    char url[400], pin[400], errbuf[CURL_ERROR_SIZE] = "";
    char *ctype = NULL, *loc = NULL;
    long status = 0, left = mx_deadline_left_ms(dl);
    int ret = -1;
    size_t tl;

    *body = NULL;
    *len = 0;
    if (left <= 0) {
        snprintf(why, cap, "no time left for the policy (-t)");
        return -1;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(why, cap, "cannot set up libcurl");
        return -1;
    }
    snprintf(url, sizeof(url), "https://mta-sts.%s/.well-known/mta-sts.txt",
             domain);
    c = curl_easy_init();
    if (c == NULL) {
        snprintf(why, cap, "cannot set up libcurl");
        goto out;
    }
    if (address != NULL) {
        snprintf(pin, sizeof(pin), "mta-sts.%s:443:%s%s%s", domain,
                 strchr(address, ':') ? "[" : "", address,
                 strchr(address, ':') ? "]" : "");
        resolve = curl_slist_append(NULL, pin);
        if (resolve == NULL) {
            snprintf(why, cap, "out of memory");
            goto out;
        }
    }
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_USERAGENT, "mxtls check_tls_cert") !=
            CURLE_OK ||
        (resolve != NULL &&
         curl_easy_setopt(c, CURLOPT_RESOLVE, resolve) != CURLE_OK) ||
        (cafile != NULL &&
         curl_easy_setopt(c, CURLOPT_CAINFO, cafile) != CURLE_OK)) {
        snprintf(why, cap, "cannot set up libcurl");
        goto out;
    }
    mx_log(1, "MTA-STS: GET %s%s%s", url, address != NULL ? " at " : "",
           address != NULL ? address : "");
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        if (s.too_large)
            snprintf(why, cap, "%s is larger than %u KiB", url,
                     MX_STS_MAX_POLICY / 1024);
        else if (rc == CURLE_OPERATION_TIMEDOUT)
            snprintf(why, cap,
                     "%s: no complete answer before the deadline "
                     "(-t)",
                     url);
        else
            snprintf(why, cap, "%s: %s", url,
                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300 && status < 400) {
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc);
        snprintf(why, cap,
                 "%s: a redirect (HTTP %ld to %.100s), which senders do not "
                 "follow",
                 url, status, loc != NULL ? loc : "?");
        goto out;
    }
    if (status != 200) {
        snprintf(why, cap, "%s: HTTP status %ld", url, status);
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ctype);
    tl = ctype != NULL ? strcspn(ctype, "; \t") : 0;
    if (ctype == NULL || tl != 10 ||
        strncasecmp(ctype, "text/plain", 10) != 0) {
        snprintf(why, cap, "%s: Content-Type %.60s, not text/plain", url,
                 ctype != NULL ? ctype : "missing");
        goto out;
    }
    if (s.buf == NULL) {
        s.buf = calloc(1, 1);
        if (s.buf == NULL) {
            snprintf(why, cap, "out of memory");
            goto out;
        }
    }
    *body = s.buf;
    *len = s.len;
    s.buf = NULL;
    ret = 0;
out:
    free(s.buf);
    curl_slist_free_all(resolve);
    if (c != NULL)
        curl_easy_cleanup(c);
    curl_global_cleanup();
    return ret;
}
