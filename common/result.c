/*
 * result.c - the result tree of a plugin run and its rendering.
 *
 * Nodes are kept twice: in the tree (for the long output) and in one list
 * in the order they were added (for the summary and for freeing). A node's
 * [STATE] is its own state; a parent is not raised by its children (use
 * mx_node_raise for that). The summary of a check that is not OK lists the
 * non-OK nodes CRITICAL first, then WARNING, then UNKNOWN, each group in
 * the order the nodes were added. An empty summary is left out together
 * with its " - ", so an empty check renders as "LABEL OK\n".
 *
 * Error contract: functions that cannot allocate mark the check as out of
 * memory; such a check has the state UNKNOWN and renders as the single
 * line "LABEL UNKNOWN - out of memory". mx_check_add returns NULL then,
 * and the mx_node_* functions ignore a NULL node, so callers need not check
 * every call. mx_check_perf returns -1 for an item mx_perf_format refuses.
 * Texts are stored as given and censored when rendered ('|' -> '/',
 * control characters -> '?'). Nothing here prints.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

struct mx_node {
    struct mx_check *check;
    struct mx_node *parent;
    struct mx_node *first_child;
    struct mx_node *last_child;
    struct mx_node *next_sibling;
    struct mx_node *next_added; /* all nodes, in the order they were added */
    int depth;
    enum mx_state state;
    char *text;
    char *summary; /* NULL: use text */
};

struct mx_check {
    char *label;
    struct mx_node *first_top;
    struct mx_node *last_top;
    struct mx_node *first_added;
    struct mx_node *last_added;
    char *ok_summary;     /* NULL: top-level texts */
    char *forced_summary; /* NULL: not forced */
    enum mx_state forced_state;
    struct mx_buf perf; /* formatted items, separated by ' ' */
    int oom;
};

static const enum mx_state problem_order[] = {MX_CRITICAL, MX_WARNING,
                                              MX_UNKNOWN};

#define NPROBLEMS (sizeof(problem_order) / sizeof(problem_order[0]))

/* A freshly allocated formatted string, or NULL when out of memory. */
static char *
vformat(const char *fmt, va_list ap)
{
    struct mx_buf b = MX_BUF_INIT;
    char *s = NULL;

    mx_buf_vprintf(&b, fmt != NULL ? fmt : "", ap);
    if (mx_buf_failed(&b) || b.s == NULL)
        goto out;
    s = b.s;
    b.s = NULL;
out:
    mx_buf_free(&b);
    return s;
}

static enum mx_state
valid_state(enum mx_state st)
{
    return mx_state_rank(st) < 0 ? MX_UNKNOWN : st;
}

struct mx_check *
mx_check_new(const char *label)
{
    struct mx_check *c;

    c = calloc(1, sizeof(*c));
    if (c == NULL)
        goto out;
    c->forced_state = MX_OK;
    c->perf = (struct mx_buf)MX_BUF_INIT;
    c->label = strdup(label != NULL ? label : "");
    if (c->label == NULL) {
        free(c);
        c = NULL;
    }
out:
    return c;
}

void
mx_check_free(struct mx_check *c)
{
    struct mx_node *n, *next;

    if (c == NULL)
        return;
    for (n = c->first_added; n != NULL; n = next) {
        next = n->next_added;
        free(n->text);
        free(n->summary);
        free(n);
    }
    free(c->label);
    free(c->ok_summary);
    free(c->forced_summary);
    mx_buf_free(&c->perf);
    free(c);
}

struct mx_node *
mx_check_add(struct mx_check *c, struct mx_node *parent, enum mx_state st,
             const char *fmt, ...)
{
    struct mx_node *n = NULL;
    va_list ap;

    if (c == NULL || (parent != NULL && parent->check != c))
        return NULL;
    n = calloc(1, sizeof(*n));
    if (n == NULL)
        goto out;
    va_start(ap, fmt);
    n->text = vformat(fmt, ap);
    va_end(ap);
    if (n->text == NULL) {
        free(n);
        n = NULL;
        goto out;
    }
    n->check = c;
    n->parent = parent;
    n->depth = parent != NULL ? parent->depth + 1 : 0;
    n->state = valid_state(st);

    if (parent != NULL) {
        if (parent->last_child != NULL)
            parent->last_child->next_sibling = n;
        else
            parent->first_child = n;
        parent->last_child = n;
    } else {
        if (c->last_top != NULL)
            c->last_top->next_sibling = n;
        else
            c->first_top = n;
        c->last_top = n;
    }
    if (c->last_added != NULL)
        c->last_added->next_added = n;
    else
        c->first_added = n;
    c->last_added = n;
out:
    if (n == NULL)
        c->oom = 1;
    return n;
}

void
mx_node_summary(struct mx_node *n, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (n == NULL)
        return;
    va_start(ap, fmt);
    s = vformat(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        n->check->oom = 1;
        return;
    }
    free(n->summary);
    n->summary = s;
}

void
mx_node_raise(struct mx_node *n, enum mx_state st)
{
    if (n != NULL)
        n->state = mx_state_worst(n->state, st);
}

void
mx_check_ok_summary(struct mx_check *c, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (c == NULL)
        return;
    va_start(ap, fmt);
    s = vformat(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        c->oom = 1;
        return;
    }
    free(c->ok_summary);
    c->ok_summary = s;
}

void
mx_check_summary(struct mx_check *c, enum mx_state st, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (c == NULL)
        return;
    va_start(ap, fmt);
    s = vformat(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        c->oom = 1;
        return;
    }
    free(c->forced_summary);
    c->forced_summary = s;
    c->forced_state = valid_state(st);
}

int
mx_check_perf(struct mx_check *c, const struct mx_perf *p)
{
    struct mx_buf item = MX_BUF_INIT;
    int rc = -1;

    if (c == NULL)
        goto out;
    if (mx_perf_format(&item, p) < 0)
        goto out;
    if (mx_buf_failed(&item)) {
        c->oom = 1;
        goto out;
    }
    if (c->perf.len > 0)
        mx_buf_append(&c->perf, " ");
    mx_buf_append(&c->perf, mx_buf_str(&item));
    if (mx_buf_failed(&c->perf)) {
        c->oom = 1;
        goto out;
    }
    rc = 0;
out:
    mx_buf_free(&item);
    return rc;
}

enum mx_state
mx_check_state(const struct mx_check *c)
{
    const struct mx_node *n;
    enum mx_state st = MX_OK;

    if (c == NULL || c->oom)
        return MX_UNKNOWN;
    for (n = c->first_added; n != NULL; n = n->next_added)
        st = mx_state_worst(st, n->state);
    if (c->forced_summary != NULL)
        st = mx_state_worst(st, c->forced_state);
    return st;
}

/* Append s with '|' written as '/' and control characters as '?'. */
static void
put_clean(struct mx_buf *out, const char *s)
{
    const char *p;

    for (p = s; *p != '\0'; p++) {
        unsigned char u = (unsigned char)*p;
        char c = *p;

        if (c == '|')
            c = '/';
        else if (u < 0x20 || u == 0x7f)
            c = '?';
        mx_buf_appendn(out, &c, 1);
    }
}

static void
put_summary(const struct mx_check *c, enum mx_state st, struct mx_buf *sum)
{
    const struct mx_node *n;
    size_t i;

    if (c->forced_summary != NULL) {
        mx_buf_append(sum, c->forced_summary);
        return;
    }
    if (st == MX_OK) {
        if (c->ok_summary != NULL) {
            mx_buf_append(sum, c->ok_summary);
            return;
        }
        for (n = c->first_top; n != NULL; n = n->next_sibling) {
            if (n != c->first_top)
                mx_buf_append(sum, "; ");
            mx_buf_append(sum, n->text);
        }
        return;
    }
    for (i = 0; i < NPROBLEMS; i++) {
        for (n = c->first_added; n != NULL; n = n->next_added) {
            if (n->state != problem_order[i])
                continue;
            if (sum->len > 0)
                mx_buf_append(sum, "; ");
            mx_buf_append(sum, n->summary != NULL ? n->summary : n->text);
        }
    }
}

static void
put_nodes(const struct mx_node *n, struct mx_buf *out)
{
    int i;

    for (; n != NULL; n = n->next_sibling) {
        for (i = 0; i < n->depth; i++)
            mx_buf_append(out, "  ");
        mx_buf_printf(out, "[%s] ", mx_state_name(n->state));
        put_clean(out, n->text);
        mx_buf_append(out, "\n");
        put_nodes(n->first_child, out);
    }
}

enum mx_state
mx_check_render(const struct mx_check *c, struct mx_buf *out)
{
    struct mx_buf sum = MX_BUF_INIT;
    enum mx_state st = mx_check_state(c);
    int oom;

    if (c == NULL) {
        mx_buf_append(out, "UNKNOWN - out of memory\n");
        goto out;
    }
    oom = c->oom;
    if (!oom) {
        put_summary(c, st, &sum);
        oom = mx_buf_failed(&sum);
    }
    if (oom) {
        /* Say so rather than print a cut or partial result. */
        st = MX_UNKNOWN;
        mx_buf_reset(&sum);
        mx_buf_append(&sum, "out of memory");
    }
    put_clean(out, c->label);
    if (c->label[0] != '\0')
        mx_buf_append(out, " ");
    mx_buf_append(out, mx_state_name(st));
    if (sum.len > 0) {
        mx_buf_append(out, " - ");
        put_clean(out, mx_buf_str(&sum));
    }
    if (!oom && c->perf.len > 0) {
        mx_buf_append(out, " | ");
        mx_buf_append(out, mx_buf_str(&c->perf));
    }
    mx_buf_append(out, "\n");
    if (!oom)
        put_nodes(c->first_top, out);
out:
    mx_buf_free(&sum);
    return st;
}
