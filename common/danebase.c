/*
 * danebase.c - the TLSA base domain after CNAMEs (RFC 7672 section
 * 2.2.2); see danebase.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "danebase.h"
#include "log.h"

/* Equal names, case-insensitive, a final dot ignored on either. */
static int
same_name(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    if (la > 0 && a[la - 1] == '.')
        la--;
    if (lb > 0 && b[lb - 1] == '.')
        lb--;
    return la == lb && strncasecmp(a, b, la) == 0;
}

static void
set_base(struct mx_tlsa_base *b, const char *name, int port)
{
    size_t n = strlen(name);

    if (n > 0 && name[n - 1] == '.')
        n--;
    snprintf(b->base, sizeof(b->base), "%.*s", (int)n, name);
    snprintf(b->owner, sizeof(b->owner), "_%d._tcp.%s", port, b->base);
}

int
mx_tlsa_base_alias(struct mx_tlsa_base *b, const char *host, int port,
                   const struct mx_vquery *addr, size_t naddr)
{
    size_t i, n;
    int alias = 0, secure = 1;

    memset(b, 0, sizeof(*b));
    snprintf(b->original, sizeof(b->original), "%s", host);
    set_base(b, host, port);
    for (i = 0; i < naddr; i++) {
        const struct mx_vquery *q = &addr[i];

        if (q->status != MX_VRES_SECURE && q->status != MX_VRES_INSECURE)
            continue;
        if (q->canon[0] == '\0' || same_name(q->canon, host))
            continue;
        if (!alias) {
            n = strlen(q->canon);
            if (n > 0 && q->canon[n - 1] == '.')
                n--;
            snprintf(b->expanded, sizeof(b->expanded), "%.*s", (int)n,
                     q->canon);
        }
        alias = 1;
        secure &= q->status == MX_VRES_SECURE;
    }
    b->secure_alias = alias && secure;
    return b->secure_alias;
}

int
mx_tlsa_base_final(const struct mx_vquery *q)
{
    return !(q->status == MX_VRES_SECURE && (q->nxdomain || q->nodata));
}

int
mx_tlsa_base_resolve(struct mx_vresolver *vr, const char *host, int port,
                     const struct mx_vquery *addr, size_t naddr,
                     struct mx_vquery *tlsa, struct mx_deadline dl,
                     struct mx_tlsa_base *b, struct mx_error *err)
{
    struct mx_vquery q;
    char owner[300];

    if (!mx_tlsa_base_alias(b, host, port, addr, naddr))
        return 0;
    snprintf(owner, sizeof(owner), "_%d._tcp.%s", port, b->expanded);
    mx_vquery_set(&q, owner, MX_RR_TLSA);
    if (mx_vres_run(vr, &q, 1, dl, err) != 0) {
        mx_vquery_free(&q);
        return -1;
    }
    if (!mx_tlsa_base_final(&q)) {
        mx_log(1, "DANE: no TLSA at %s (%s): the original name %s is used",
               owner, q.nxdomain ? "NXDOMAIN" : "NODATA", b->owner);
        b->fell_back = 1;
        mx_vquery_free(&q);
        return 0;
    }
    mx_vquery_free(tlsa);
    *tlsa = q;
    set_base(b, b->expanded, port);
    return 0;
}

void
mx_tlsa_base_text(const struct mx_tlsa_base *b, char *buf, size_t cap)
{
    if (b->expanded[0] == '\0')
        snprintf(buf, cap, "%s", "");
    else if (!b->secure_alias)
        snprintf(buf, cap,
                 "TLSA name %s: %s is an alias of %s through a CNAME chain "
                 "that is not DNSSEC-signed, so the original name is used "
                 "(RFC 7672 2.2.2)",
                 b->owner, b->original, b->expanded);
    else if (b->fell_back)
        snprintf(buf, cap,
                 "TLSA name %s: %s is an alias of %s (signed CNAME), which "
                 "has no TLSA records, so the original name is used (RFC "
                 "7672 2.2.2)",
                 b->owner, b->original, b->expanded);
    else
        snprintf(buf, cap,
                 "TLSA name %s: the CNAME-expanded name of %s (signed "
                 "CNAME), asked before the original name (RFC 7672 2.2.2)",
                 b->owner, b->original);
}
