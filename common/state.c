/*
 * state.c - plugin state names, parsing and the "worst wins" rule.
 *
 * Table lookups only. mx_state_parse returns MX_STATE_INVALID for anything
 * it does not know (NULL, "", blanks, "4", "01"); mx_state_name returns
 * "INVALID" for a value outside the four states. mx_state_worst treats an
 * invalid state as UNKNOWN, so a bad value can never pass for OK.
 */
#include <stddef.h>
#include <strings.h>

#include "state.h"

static const struct {
    enum mx_state code;
    const char *name;
    int rank;
} states[] = {
    {MX_OK, "OK", 0},
    {MX_WARNING, "WARNING", 2},
    {MX_CRITICAL, "CRITICAL", 3},
    {MX_UNKNOWN, "UNKNOWN", 1},
    {MX_STATE_INVALID, "INVALID", -1},
};

#define NSTATES (sizeof(states) / sizeof(states[0]) - 1)

/* Short forms accepted by mx_state_parse besides the full names. */
static const struct {
    const char *name;
    enum mx_state code;
} aliases[] = {
    {"warn", MX_WARNING},
    {"crit", MX_CRITICAL},
};

#define NALIASES (sizeof(aliases) / sizeof(aliases[0]))

const char *
mx_state_name(enum mx_state s)
{
    size_t i;

    for (i = 0; i < NSTATES; i++)
        if (states[i].code == s)
            break;
    return states[i].name;
}

enum mx_state
mx_state_parse(const char *s)
{
    size_t i;

    if (s == NULL || *s == '\0')
        return MX_STATE_INVALID;
    /* A number: exactly one digit 0..3, nothing around it. */
    if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0')
        return (enum mx_state)(s[0] - '0');
    for (i = 0; i < NSTATES; i++)
        if (strcasecmp(s, states[i].name) == 0)
            return states[i].code;
    for (i = 0; i < NALIASES; i++)
        if (strcasecmp(s, aliases[i].name) == 0)
            return aliases[i].code;
    return MX_STATE_INVALID;
}

int
mx_state_rank(enum mx_state s)
{
    size_t i;

    for (i = 0; i < NSTATES; i++)
        if (states[i].code == s)
            break;
    return states[i].rank;
}

enum mx_state
mx_state_worst(enum mx_state a, enum mx_state b)
{
    if (mx_state_rank(a) < 0)
        a = MX_UNKNOWN;
    if (mx_state_rank(b) < 0)
        b = MX_UNKNOWN;
    return mx_state_rank(b) > mx_state_rank(a) ? b : a;
}
