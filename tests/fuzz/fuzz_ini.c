/*
 * fuzz_ini.c - libFuzzer target for the --extra-opts ini reader
 * (mx_extra_opts_parse in extraopts.c over ini.c: the text after the one
 * file reader).
 *
 * Input: the first line is the section to read (at most 64 bytes), the
 * rest the file. Besides the sanitizers, the target aborts when the
 * options given back are not what opts.h says (no line ends inside one,
 * "--key" or "--key=value" with a key of letters, digits, '-' and '_'),
 * or when a failure has no one-line message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "--key" or "--key=value" */
static int
long_ok(const char *s)
{
    size_t k =
        strspn(s + 2, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789-_");

    return k > 0 && s[2] != '-' && s[2] != '_' &&
           (s[2 + k] == '\0' || s[2 + k] == '=');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size < 65 ? size : 65);
    char section[65], **v = NULL;
    struct mx_error err;
    size_t k = nl != NULL ? (size_t)(nl - data) : 0;
    int n = 0, i;

    if (nl == NULL || memchr(data, '\0', k) != NULL)
        return 0;
    memcpy(section, data, k);
    section[k] = '\0';
    mx_error_clear(&err);
    if (mx_extra_opts_parse((const char *)nl + 1, size - k - 1, "fuzz.ini",
                            section, &n, &v, &err) != 0) {
        if (v != NULL || n != 0 || err.msg[0] == '\0' ||
            strchr(err.msg, '\n') != NULL)
            abort();
        return 0;
    }
    if (n < 1 || v == NULL || v[n] != NULL || strcmp(v[0], "") != 0)
        abort();
    for (i = 1; i < n; i++) {
        if (strchr(v[i], '\n') != NULL)
            abort();
        if (i > 1 && strlen(v[i - 1]) == 2 && v[i - 1][1] != '-')
            continue; /* may be the value of "-k" */
        if (v[i][0] != '-' || (v[i][1] == '-' && !long_ok(v[i])))
            abort();
    }
    mx_argv_free(n, v);
    return 0;
}
