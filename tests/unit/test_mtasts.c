/*
 * test_mtasts.c - the MTA-STS parsers (common/mtasts.c): TXT records,
 * policy files (RFC 8461 sections 3.1 and 3.2), MX patterns.
 */
#include <stdio.h>
#include <string.h>

#include "mtasts.h"
#include "tap.h"

static int
txt(const char *text, char *id)
{
    char why[200];

    return mx_sts_txt_parse(text, id, why, sizeof(why));
}

static int
policy(const char *text, struct mx_sts_policy *p, char *why, size_t cap)
{
    return mx_sts_policy_parse(text, strlen(text), p, why, cap);
}

/* mx values and whether a policy holding one parses */
static const struct {
    const char *mx;
    int want;
    const char *name;
} mxes[] = {
    {"mail.example-", -1, "policy: an mx whose last label ends in '-'"},
    {"mail-.example", -1, "policy: an mx whose first label ends in '-'"},
    {"*.mx-1.example", 0, "policy: '-' inside labels"},
};

int
main(void)
{
    struct mx_sts_policy p;
    char id[33], why[200], text[200];
    size_t i;

    /* TXT */
    tap_is_int(txt("v=STSv1; id=20240101T000000", id), 0, "TXT: plain");
    tap_is_str(id, "20240101T000000", "TXT: the id");
    tap_is_int(txt("v=STSv1;id=abc;", id), 0, "TXT: no blanks, final ';'");
    tap_is_int(txt("v=STSv1; id=abc; ext_1=x", id), 0, "TXT: an extension");
    tap_is_int(txt("v=spf1 -all", id), 1, "TXT: another record is ignored");
    tap_is_int(txt("v=STSv10; id=1", id), 1, "TXT: v=STSv10 is not STSv1");
    tap_is_int(txt("v=STSv1", id), -1, "TXT: no id");
    tap_is_int(txt("v=STSv1; id=", id), -1, "TXT: empty id");
    tap_is_int(txt("v=STSv1; id=a-b", id), -1, "TXT: id with '-'");
    tap_is_int(txt("v=STSv1; id=123456789012345678901234567890123", id), -1,
               "TXT: id of 33 characters");
    tap_is_int(txt("v=STSv1; id=1; id=2", id), -1, "TXT: id twice");
    tap_is_int(txt("v=STSv1 id=1", id), -1, "TXT: ';' missing");
    tap_is_int(txt("v=STSv1; id=1; =x", id), -1, "TXT: field without name");

    /* policies */
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: mail.example.org\n"
                      "mx: *.example.net\nmax_age: 604800\n",
                      &p, why, sizeof(why)),
               0, "policy: enforce");
    tap_ok(p.mode == MX_STS_ENFORCE && p.max_age == 604800 && p.nmx == 2 &&
               strcmp(p.mx[1], "*.example.net") == 0,
           "policy: fields read");
    tap_is_int(policy("version: STSv1\r\nmode: testing\r\nmx: a.example\r\n"
                      "max_age: 86400",
                      &p, why, sizeof(why)),
               0, "policy: CRLF, no final line ending");
    tap_is_int(policy("version: STSv1\nmode: none\nmax_age: 0\n", &p, why,
                      sizeof(why)),
               0, "policy: none without mx");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmax_age: 10\n", &p, why,
                      sizeof(why)),
               -1, "policy: enforce without mx");
    tap_is_str(why, "policy: mode enforce without an mx field",
               "policy: says mx is missing");
    tap_is_int(policy("version: STSv1\nmode: Enforce\nmx: a.example\n"
                      "max_age: 10\n",
                      &p, why, sizeof(why)),
               -1, "policy: mode is case-sensitive");
    tap_is_int(policy("mode: enforce\nmx: a.example\nmax_age: 10\n", &p, why,
                      sizeof(why)),
               -1, "policy: no version");
    tap_is_str(why, "policy: no version field", "policy: says no version");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: a.example\n"
                      "max_age: 31557601\n",
                      &p, why, sizeof(why)),
               -1, "policy: max_age above a year");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: a.example\n"
                      "max_age: -1\n",
                      &p, why, sizeof(why)),
               -1, "policy: negative max_age");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmode: none\n"
                      "mx: a.example\nmax_age: 1\n",
                      &p, why, sizeof(why)),
               -1, "policy: mode twice");
    tap_is_int(policy("version: STSv1\n\nmode: enforce\nmx: a.example\n"
                      "max_age: 1\n",
                      &p, why, sizeof(why)),
               -1, "policy: an empty line");
    tap_is_str(why, "policy line 2: empty", "policy: names the line");
    tap_is_int(policy("<html>\n", &p, why, sizeof(why)), -1,
               "policy: HTML is no policy");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: *.*.example\n"
                      "max_age: 1\n",
                      &p, why, sizeof(why)),
               -1, "policy: two stars");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: example\n"
                      "max_age: 1\n",
                      &p, why, sizeof(why)),
               -1, "policy: a single label");
    tap_is_int(policy("version: STSv1\nmode: enforce\nmx: a.example\n"
                      "max_age: 1\nfuture_field: some value\n",
                      &p, why, sizeof(why)),
               0, "policy: unknown fields are ignored");
    for (i = 0; i < sizeof(mxes) / sizeof(mxes[0]); i++) {
        snprintf(text, sizeof(text),
                 "version: STSv1\nmode: enforce\nmx: %s\nmax_age: 1\n",
                 mxes[i].mx);
        tap_is_int(policy(text, &p, why, sizeof(why)), mxes[i].want,
                   mxes[i].name);
    }

    /* MX patterns */
    tap_ok(mx_sts_mx_match("mail.example.org", "MAIL.example.org."),
           "mx: exact, case-insensitive, final dot");
    tap_ok(mx_sts_mx_match("*.example.org", "mx1.example.org"),
           "mx: star matches one label");
    tap_ok(!mx_sts_mx_match("*.example.org", "a.b.example.org"),
           "mx: star matches no more than one label");
    tap_ok(!mx_sts_mx_match("*.example.org", "example.org"),
           "mx: star needs a label");
    tap_ok(!mx_sts_mx_match("mail.example.org", "mail.example.org.evil"),
           "mx: no suffix match");
    return tap_done();
}
