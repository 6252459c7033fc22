/*
 * fuzz_anchor.c - libFuzzer target for the trust anchor file of
 * resolve.c (--dns-anchor: DS and DNSKEY records in zone file form,
 * comments, records over several lines in parentheses), read by the one
 * file reader and handed to libunbound record by record in mx_vres_new.
 *
 * What the validator reads from libunbound's answers (ub_result) is
 * copied as it is, record by record, with the lengths libunbound gives:
 * the records are parsed by dane.c and mtasts.c (fuzz_tlsa, fuzz_mtasts).
 *
 * Input: the file. The target writes it to a temporary file and makes a
 * validator from it, with 127.0.0.1 as its server (nothing is asked).
 * Besides the sanitizers, the target aborts when a failure is not USAGE
 * or INTERNAL with a message, or a validator does not name its file.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void
remove_file(void)
{
    unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mx_vresolver *r;
    struct mx_error err;
    int fd;

    if (path[0] == '\0') {
        snprintf(path, sizeof(path), "/tmp/mxtls-fuzz-anchor.XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            abort();
        close(fd);
        atexit(remove_file);
    }
    fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) ||
        close(fd) != 0)
        abort();
    mx_error_clear(&err);
    r = mx_vres_new(path, "127.0.0.1", &err);
    if (r == NULL) {
        if ((err.code != MX_E_USAGE && err.code != MX_E_INTERNAL) ||
            err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (strcmp(mx_vres_anchor(r), path) != 0 ||
        strcmp(mx_vres_server(r), "127.0.0.1") != 0)
        abort();
    mx_vres_free(r);
    return 0;
}
