/*
 * result.h - the result tree of one plugin run, and its rendering.
 *
 * A check holds nodes (sub-results), each with a state and one line of
 * text, optionally nested. The check's state is the worst state in the
 * tree (see mx_state_worst). Rendering gives what Nagios, Icinga and NRPE
 * expect on stdout:
 *
 *   LABEL STATE - summary | perfdata perfdata ...
 *   [STATE] node text
 *     [STATE] child text
 *
 * The summary is, when the state is not OK, the short texts of every
 * non-OK node, worst first (insertion order within a state), joined by
 * "; "; when the state is OK, the text given to mx_check_ok_summary (or
 * the top-level node texts joined by "; " when none was given). A summary
 * set with mx_check_summary replaces all of this. '|' in any text is
 * written as '/', control characters as '?', so that no text can be taken
 * for perfdata. Nothing here prints; the plugin writes the rendered text.
 */
#ifndef MX_RESULT_H
#define MX_RESULT_H

#include "buf.h"
#include "perfdata.h"
#include "state.h"

struct mx_check;
struct mx_node;

/* NULL on allocation failure. label is e.g. "TLS CERT". */
struct mx_check *mx_check_new(const char *label);
void mx_check_free(struct mx_check *c);

/*
 * Add a node under parent (NULL: top level). Returns the node, or NULL on
 * allocation failure (the check then renders as UNKNOWN with an "out of
 * memory" summary).
 */
struct mx_node *mx_check_add(struct mx_check *c, struct mx_node *parent,
                             enum mx_state st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Short text for the summary line when this node is a problem. */
void mx_node_summary(struct mx_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Raise (never lower) a node's own state. */
void mx_node_raise(struct mx_node *n, enum mx_state st);

void mx_check_ok_summary(struct mx_check *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Force the state and the summary line (e.g. for a run that failed early).
 * The forced state is combined with the tree's state (worst wins). */
void mx_check_summary(struct mx_check *c, enum mx_state st, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

/* Copy a perfdata item into the check. 0 on success, -1 on a bad unit or
 * allocation failure. */
int mx_check_perf(struct mx_check *c, const struct mx_perf *p);

enum mx_state mx_check_state(const struct mx_check *c);

/* Append the whole output (ending in a newline) to out. Returns the state
 * that goes with it (which is the exit code). */
enum mx_state mx_check_render(const struct mx_check *c, struct mx_buf *out);

#endif
