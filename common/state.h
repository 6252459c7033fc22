/*
 * state.h - monitoring plugin states and exit codes.
 *
 * The four states of the Monitoring Plugins Development Guidelines, their
 * names, and the rule that combines them ("worst wins"). Parsing a state
 * name returns MX_STATE_INVALID on anything it does not know; nothing here
 * prints or exits.
 */
#ifndef MX_STATE_H
#define MX_STATE_H

enum mx_state {
    MX_OK = 0,
    MX_WARNING = 1,
    MX_CRITICAL = 2,
    MX_UNKNOWN = 3,
    MX_STATE_INVALID = -1
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN"; "INVALID" for anything else. */
const char *mx_state_name(enum mx_state s);

/*
 * Parse a state given by name (case-insensitive: ok, warning, critical,
 * unknown; also the short forms warn, crit) or by number 0..3.
 * Returns MX_STATE_INVALID on anything else.
 */
enum mx_state mx_state_parse(const char *s);

/*
 * The worse of two states: CRITICAL > WARNING > UNKNOWN > OK. An UNKNOWN
 * part never hides a real problem found elsewhere, and never shows as OK.
 */
enum mx_state mx_state_worst(enum mx_state a, enum mx_state b);

/* Rank used by mx_state_worst: OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3. */
int mx_state_rank(enum mx_state s);

#endif
