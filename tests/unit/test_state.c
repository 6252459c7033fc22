/*
 * test_state.c - state names, parsing, ranks and the worst-state rule;
 * also err.c, the one place where a failure becomes a state.
 */
#include <stddef.h>

#include "err.h"
#include "state.h"
#include "tap.h"

static void
test_names(void)
{
    tap_is_str(mx_state_name(MX_OK), "OK", "name OK");
    tap_is_str(mx_state_name(MX_WARNING), "WARNING", "name WARNING");
    tap_is_str(mx_state_name(MX_CRITICAL), "CRITICAL", "name CRITICAL");
    tap_is_str(mx_state_name(MX_UNKNOWN), "UNKNOWN", "name UNKNOWN");
    tap_is_str(mx_state_name(MX_STATE_INVALID), "INVALID", "name INVALID");
    tap_is_str(mx_state_name((enum mx_state)4), "INVALID", "name of 4");
    tap_is_int(MX_OK, 0, "OK exits 0");
    tap_is_int(MX_WARNING, 1, "WARNING exits 1");
    tap_is_int(MX_CRITICAL, 2, "CRITICAL exits 2");
    tap_is_int(MX_UNKNOWN, 3, "UNKNOWN exits 3");
}

static void
test_parse(void)
{
    static const struct {
        const char *in;
        enum mx_state want;
    } cases[] = {
        {"ok", MX_OK},
        {"OK", MX_OK},
        {"Ok", MX_OK},
        {"warning", MX_WARNING},
        {"WARNING", MX_WARNING},
        {"warn", MX_WARNING},
        {"WaRn", MX_WARNING},
        {"critical", MX_CRITICAL},
        {"Critical", MX_CRITICAL},
        {"crit", MX_CRITICAL},
        {"CRIT", MX_CRITICAL},
        {"unknown", MX_UNKNOWN},
        {"UNKNOWN", MX_UNKNOWN},
        {"0", MX_OK},
        {"1", MX_WARNING},
        {"2", MX_CRITICAL},
        {"3", MX_UNKNOWN},
        {"", MX_STATE_INVALID},
        {"4", MX_STATE_INVALID},
        {"-1", MX_STATE_INVALID},
        {"01", MX_STATE_INVALID},
        {"+1", MX_STATE_INVALID},
        {"1 ", MX_STATE_INVALID},
        {" ok", MX_STATE_INVALID},
        {"ok ", MX_STATE_INVALID},
        {"okay", MX_STATE_INVALID},
        {"w", MX_STATE_INVALID},
        {"unk", MX_STATE_INVALID},
        {"invalid", MX_STATE_INVALID},
        {"INVALID", MX_STATE_INVALID},
        {"bogus", MX_STATE_INVALID},
    };
    char name[64];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "parse \"%s\"", cases[i].in);
        tap_is_int(mx_state_parse(cases[i].in), cases[i].want, name);
    }
    tap_is_int(mx_state_parse(NULL), MX_STATE_INVALID, "parse NULL");
}

static void
test_rank_worst(void)
{
    static const enum mx_state all[] = {MX_OK, MX_WARNING, MX_CRITICAL,
                                        MX_UNKNOWN};
    /* want[a][b] for a, b in the order of all[] */
    static const enum mx_state want[4][4] = {
        {MX_OK, MX_WARNING, MX_CRITICAL, MX_UNKNOWN},
        {MX_WARNING, MX_WARNING, MX_CRITICAL, MX_WARNING},
        {MX_CRITICAL, MX_CRITICAL, MX_CRITICAL, MX_CRITICAL},
        {MX_UNKNOWN, MX_WARNING, MX_CRITICAL, MX_UNKNOWN},
    };
    char name[64];
    size_t a, b;

    tap_is_int(mx_state_rank(MX_OK), 0, "rank OK");
    tap_is_int(mx_state_rank(MX_UNKNOWN), 1, "rank UNKNOWN");
    tap_is_int(mx_state_rank(MX_WARNING), 2, "rank WARNING");
    tap_is_int(mx_state_rank(MX_CRITICAL), 3, "rank CRITICAL");
    tap_is_int(mx_state_rank(MX_STATE_INVALID), -1, "rank INVALID");

    for (a = 0; a < 4; a++) {
        for (b = 0; b < 4; b++) {
            snprintf(name, sizeof(name), "worst(%s, %s)", mx_state_name(all[a]),
                     mx_state_name(all[b]));
            tap_is_int(mx_state_worst(all[a], all[b]), want[a][b], name);
        }
    }
    tap_is_int(mx_state_worst(MX_OK, MX_STATE_INVALID), MX_UNKNOWN,
               "an invalid state never passes for OK");
    tap_is_int(mx_state_worst(MX_STATE_INVALID, MX_OK), MX_UNKNOWN,
               "an invalid state never passes for OK (first argument)");
    tap_is_int(mx_state_worst(MX_STATE_INVALID, MX_WARNING), MX_WARNING,
               "an invalid state does not hide a WARNING");
    tap_is_int(mx_state_worst(MX_CRITICAL, (enum mx_state)9), MX_CRITICAL,
               "an out-of-range state does not hide a CRITICAL");
}

static void
test_err(void)
{
    static const struct {
        enum mx_err code;
        const char *name;
        enum mx_state state;
    } cases[] = {
        {MX_E_OK, "ok", MX_OK},
        {MX_E_USAGE, "usage", MX_UNKNOWN},
        {MX_E_INTERNAL, "internal", MX_UNKNOWN},
        {MX_E_RESOLVE, "resolve", MX_UNKNOWN},
        {MX_E_CONNECT, "connect", MX_CRITICAL},
        {MX_E_CLOSED, "closed", MX_CRITICAL},
        {MX_E_PROTOCOL, "protocol", MX_CRITICAL},
        {MX_E_REFUSED, "refused", MX_CRITICAL},
        {MX_E_NO_STARTTLS, "no-starttls", MX_CRITICAL},
        {MX_E_TLS, "tls", MX_CRITICAL},
    };
    static const enum mx_state timeout_states[] = {MX_OK, MX_WARNING,
                                                   MX_CRITICAL, MX_UNKNOWN};
    struct mx_error e;
    char name[96], big[600];
    size_t i, j;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(name, sizeof(name), "err name %s", cases[i].name);
        tap_is_str(mx_err_name(cases[i].code), cases[i].name, name);
        for (j = 0; j < 4; j++) {
            snprintf(name, sizeof(name), "%s is %s (timeout state %s)",
                     cases[i].name, mx_state_name(cases[i].state),
                     mx_state_name(timeout_states[j]));
            tap_is_int(mx_err_state(cases[i].code, timeout_states[j]),
                       cases[i].state, name);
        }
    }
    tap_is_str(mx_err_name(MX_E_TIMEOUT), "timeout", "err name timeout");
    for (j = 0; j < 4; j++) {
        snprintf(name, sizeof(name), "timeout is the timeout state %s",
                 mx_state_name(timeout_states[j]));
        tap_is_int(mx_err_state(MX_E_TIMEOUT, timeout_states[j]),
                   timeout_states[j], name);
    }
    tap_is_int(mx_err_state(MX_E_TIMEOUT, MX_STATE_INVALID), MX_CRITICAL,
               "timeout with an invalid timeout state is CRITICAL");
    tap_is_str(mx_err_name((enum mx_err)99), "invalid", "err name of 99");
    tap_is_int(mx_err_state((enum mx_err)99, MX_OK), MX_UNKNOWN,
               "an unknown failure is UNKNOWN");

    mx_error_set(&e, MX_E_REFUSED, "greeting %d %s", 554, "go away");
    tap_is_int(e.code, MX_E_REFUSED, "mx_error_set: code");
    tap_is_str(e.msg, "greeting 554 go away", "mx_error_set: message");
    mx_error_clear(&e);
    tap_is_int(e.code, MX_E_OK, "mx_error_clear: code");
    tap_is_str(e.msg, "", "mx_error_clear: message");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    mx_error_set(&e, MX_E_PROTOCOL, "%s", big);
    tap_is_int((long long)strlen(e.msg), (long long)sizeof(e.msg) - 1,
               "a long message is cut to the buffer");
    mx_error_set(NULL, MX_E_TLS, "ignored");
    mx_error_clear(NULL);
    tap_ok(1, "a NULL error is ignored");
}

int
main(void)
{
    test_names();
    test_parse();
    test_rank_worst();
    test_err();
    /* tap.h defines every helper static; this file compares no doubles. */
    (void)tap_is_num;
    return tap_done();
}
