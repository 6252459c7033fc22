/*
 * perfdata.h - performance data in the guideline's format.
 *
 *   'label'=value[UOM];[warn];[crit];[min];[max]
 *
 * The label is quoted when it contains anything but letters, digits, '_',
 * '-', '.', '/' or ':'; a single quote inside it is written as two single
 * quotes; '=' (which no parser can read back) becomes '_'. Values are
 * written without exponent and without locale. Trailing empty fields are
 * dropped. mx_perf_format returns -1 (and appends nothing) for a unit that
 * is not one of the guideline's: "", s, ms, us, %, B, KB, MB, TB, c.
 */
#ifndef MX_PERFDATA_H
#define MX_PERFDATA_H

#include "buf.h"
#include "range.h"

struct mx_perf {
    const char *label;
    double value;
    const char *uom;             /* NULL or "" for none */
    const struct mx_range *warn; /* NULL: empty field */
    const struct mx_range *crit; /* NULL: empty field */
    int has_min;
    double min;
    int has_max;
    double max;
};

int mx_perf_format(struct mx_buf *b, const struct mx_perf *p);

/* A number as perfdata wants it: plain decimal, at most 6 fraction
 * digits, trailing zeros and a trailing '.' removed, "-0" written as "0". */
void mx_fmt_num(struct mx_buf *b, double v);

#endif
