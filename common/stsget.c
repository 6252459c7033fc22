/*
 * stsget.c - MTA-STS policy discovery and retrieval (see stsget.h): the
 * DNS lookups through the validating resolver, the fetch and the parser
 * of mtasts.c.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "stsget.h"

enum { S_TXT, S_A, S_AAAA, S_COUNT };

/* A TXT rdata's character-strings joined into out (non-printables as
 * '?'). */
static void
txt_join(const unsigned char *rd, size_t len, char *out, size_t cap)
{
    size_t i = 0, o = 0, n, k;

    while (i < len) {
        n = rd[i++];
        if (n > len - i)
            n = len - i;
        for (k = 0; k < n && o + 1 < cap; k++)
            out[o++] =
                rd[i + k] >= 0x20 && rd[i + k] < 0x7f ? (char)rd[i + k] : '?';
        i += n;
    }
    out[o] = '\0';
}

static void broken(struct mx_sts_lookup *l, enum mx_sts_outcome o,
                   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
broken(struct mx_sts_lookup *l, enum mx_sts_outcome o, const char *fmt, ...)
{
    va_list ap;

    l->outcome = o;
    va_start(ap, fmt);
    vsnprintf(l->why, sizeof(l->why), fmt, ap);
    va_end(ap);
}

int
mx_sts_discover(struct mx_vresolver *vr, const char *domain,
                struct mx_deadline dl, struct mx_sts_lookup *l,
                struct mx_error *err)
{
    struct mx_vquery q[S_COUNT];
    char text[600], id[33], why[300];
    size_t i;
    int rc, found = 0, ret = -1;

    memset(l, 0, sizeof(*l));
    memset(q, 0, sizeof(q));
    snprintf(l->domain, sizeof(l->domain), "%s", domain);
    snprintf(l->txt_name, sizeof(l->txt_name), "_mta-sts.%s", domain);
    snprintf(l->web_name, sizeof(l->web_name), "mta-sts.%s", domain);
    mx_vquery_set(&q[S_TXT], l->txt_name, MX_RR_TXT);
    mx_vquery_set(&q[S_A], l->web_name, MX_RR_A);
    mx_vquery_set(&q[S_AAAA], l->web_name, MX_RR_AAAA);
    if (mx_vres_run(vr, q, S_COUNT, dl, err) != 0)
        goto out;
    ret = 0;
    switch (q[S_TXT].status) {
    case MX_VRES_FAILED:
    case MX_VRES_PENDING:
        broken(l, MX_STS_NO_ANSWER, "MTA-STS: TXT lookup of %s failed: %s",
               l->txt_name, q[S_TXT].why);
        goto out;
    case MX_VRES_BOGUS:
        broken(l, MX_STS_BROKEN,
               "MTA-STS: TXT %s is bogus (%s): validating senders see no "
               "policy",
               l->txt_name, q[S_TXT].why);
        goto out;
    default:
        break;
    }
    for (i = 0; i < q[S_TXT].n; i++) {
        txt_join(q[S_TXT].rr[i], q[S_TXT].len[i], text, sizeof(text));
        rc = mx_sts_txt_parse(text, id, why, sizeof(why));
        if (rc == 1)
            continue;
        if (rc < 0) {
            broken(l, MX_STS_BROKEN, "MTA-STS: %s %s", l->txt_name, why);
            goto out;
        }
        if (found++ == 0)
            snprintf(l->id, sizeof(l->id), "%s", id);
    }
    if (found == 0) {
        l->outcome = MX_STS_ABSENT;
        goto out;
    }
    if (found > 1) {
        broken(l, MX_STS_BROKEN,
               "MTA-STS: %d STSv1 TXT records at %s: senders see no policy",
               found, l->txt_name);
        goto out;
    }
    for (i = S_A; i <= S_AAAA && l->addr[0] == '\0'; i++)
        if ((q[i].status == MX_VRES_SECURE ||
             q[i].status == MX_VRES_INSECURE) &&
            q[i].n > 0 && q[i].len[0] == (i == S_A ? 4u : 16u))
            inet_ntop(i == S_A ? AF_INET : AF_INET6, q[i].rr[0], l->addr,
                      sizeof(l->addr));
    if (l->addr[0] == '\0')
        broken(l, MX_STS_BROKEN,
               "MTA-STS: %s has no address (A: %s, AAAA: %s): senders "
               "cannot fetch the policy",
               l->web_name, mx_vres_status_name(q[S_A].status),
               mx_vres_status_name(q[S_AAAA].status));
out:
    for (i = 0; i < S_COUNT; i++)
        mx_vquery_free(&q[i]);
    return ret;
}

void
mx_sts_retrieve(struct mx_sts_lookup *l, const char *cafile,
                struct mx_deadline dl)
{
    char why[300], *body = NULL;
    size_t len = 0;
    int rc;

    if (l->outcome != MX_STS_GOT || l->fetched)
        return;
    l->fetched = 1;
    if (mx_sts_fetch(l->domain, l->addr, cafile, dl, &body, &len, why,
                     sizeof(why)) != 0) {
        broken(l, MX_STS_BROKEN, "MTA-STS: policy not fetched: %s", why);
        return;
    }
    rc = mx_sts_policy_parse(body, len, &l->pol, why, sizeof(why));
    free(body);
    if (rc != 0)
        broken(l, MX_STS_BROKEN,
               "MTA-STS: https://%s/.well-known/mta-sts.txt: %s", l->web_name,
               why);
}
