/*
 * test_smtpreply.c - the SMTP reply parser: single and multi-line
 * replies, codes, keywords, censoring, and every malformed form.
 */
#include <string.h>

#include "smtpreply.h"
#include "tap.h"

static int
feed(struct mx_reply *r, const char *line)
{
    return mx_reply_feed(r, line, strlen(line));
}

int
main(void)
{
    struct mx_reply r;
    char big[MX_REPLY_TEXT + 100];
    int i, rc = 0;

    mx_reply_init(&r);
    tap_is_int(feed(&r, "220 mail.example.test ESMTP Postfix"), 1,
               "single-line greeting is complete");
    tap_is_int(r.code, 220, "greeting code");
    tap_is_str(r.first, "220 mail.example.test ESMTP Postfix",
               "first line kept");
    tap_is_str(r.text, "mail.example.test ESMTP Postfix", "text without code");

    mx_reply_init(&r);
    tap_is_int(feed(&r, "250-mail.example.test"), 0, "continuation line");
    tap_is_int(feed(&r, "250-PIPELINING"), 0, "second continuation");
    tap_is_int(feed(&r, "250-starttls"), 0, "lower-case keyword");
    tap_is_int(feed(&r, "250-SIZE 10240000"), 0, "keyword with argument");
    tap_is_int(feed(&r, "250 8BITMIME"), 1, "last line ends the reply");
    tap_is_int(r.nlines, 5, "five lines");
    tap_ok(mx_reply_has_keyword(&r, "STARTTLS"), "STARTTLS found (any case)");
    tap_ok(mx_reply_has_keyword(&r, "SIZE"), "SIZE found with argument");
    tap_ok(mx_reply_has_keyword(&r, "8BITMIME"), "last line keyword found");
    tap_ok(!mx_reply_has_keyword(&r, "STARTTL"), "no prefix match");
    tap_ok(!mx_reply_has_keyword(&r, "mail.example.test"),
           "the first line is not a keyword");
    tap_ok(!mx_reply_has_keyword(&r, "CHUNKING"), "absent keyword");
    tap_is_str(r.first, "250 mail.example.test",
               "first line shown with a blank after the code");
    tap_is_int(feed(&r, "250 again"), -1, "feeding after completion fails");

    mx_reply_init(&r);
    tap_is_int(feed(&r, "250"), 1, "bare code is a complete reply");
    tap_is_int(r.code, 250, "bare code parsed");

    mx_reply_init(&r);
    tap_is_int(feed(&r, "421 4.3.2 Service not available"), 1, "421 parsed");
    tap_is_int(r.code, 421, "421 code");

    mx_reply_init(&r);
    feed(&r, "250-first");
    tap_is_int(feed(&r, "251 other"), -1, "code change is malformed");
    tap_ok(r.error != NULL && strstr(r.error, "code") != NULL,
           "error names the code change");

    mx_reply_init(&r);
    tap_is_int(feed(&r, "hello there"), -1, "text is not a reply");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "25"), -1, "two digits are not a reply");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "2500 x"), -1, "four digits are not a reply");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "150 x"), -1, "1xx is not an SMTP reply");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "600 x"), -1, "6xx is out of range");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "2x0 x"), -1, "non-digit in code");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "260 x"), -1, "second digit above 5");
    mx_reply_init(&r);
    tap_is_int(feed(&r, "250_x"), -1, "bad separator");
    mx_reply_init(&r);
    tap_is_int(mx_reply_feed(&r, "", 0), -1, "empty line");

    mx_reply_init(&r);
    for (i = 0; i < MX_REPLY_MAX_LINES - 1; i++)
        rc = feed(&r, "250-x");
    tap_is_int(rc, 0, "99 continuation lines accepted");
    tap_is_int(feed(&r, "250-x"), 0, "the 100th line accepted");
    tap_is_int(feed(&r, "250 x"), -1, "the 101st line is too many");

    mx_reply_init(&r);
    tap_is_int(mx_reply_feed(&r, "220 a\x01\x7f\xffz", 9), 1,
               "control bytes accepted");
    tap_is_str(r.first, "220 a???z", "control and 8-bit bytes censored");

    memset(big, 'A', sizeof(big));
    memcpy(big, "250-", 4);
    mx_reply_init(&r);
    mx_reply_feed(&r, big, sizeof(big) - 1);
    big[3] = ' ';
    tap_is_int(mx_reply_feed(&r, big, 10), 1, "long reply completes");
    tap_ok(r.truncated, "long text marked truncated");
    tap_ok(r.len < MX_REPLY_TEXT, "text stays within its buffer");
    tap_is_int((long long)strlen(r.first), 255, "first line capped");

    return tap_done();
}
