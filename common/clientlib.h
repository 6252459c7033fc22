/*
 * clientlib.h - the client library: ClientHellos of real mail clients,
 * recorded by tools/record-clients.sh (make clients) and installed with
 * the plugins, so that a peer that never sent us mail can be described
 * by the client it runs ("client = postfix-default" in a peers file,
 * --peer-client on the command line).
 *
 * The library is a directory: MANIFEST (one "[NAME]" section per client
 * with program, version, library, settings, recorded and how, read by
 * common/ini.c) and NAME.hex beside it (the recorded records, as
 * --peer-clienthello reads them). A client is one whose section is in
 * MANIFEST and whose NAME.hex exists. The directory is
 * $MXTLS_CLIENTS_DIR when that is set (the tests use the source tree's
 * data/clients), else the one configure chose ($(pkgdatadir)/clients).
 *
 * Errors are USAGE with one line ("unknown client 'x' (known: a, b)",
 * "no client library: DIR/MANIFEST: ..."), INTERNAL for memory. Nothing
 * here prints.
 */
#ifndef MX_CLIENTLIB_H
#define MX_CLIENTLIB_H

#include <stddef.h>

#include "err.h"

#define MX_CLIENTS_MAX 128 /* most clients in one library */

struct mx_client {
    char name[64];
    char program[200];
    char version[200];
    char library[200];
    char settings[400];
    char recorded[32];
};

struct mx_clients {
    char dir[1024]; /* where the library is */
    struct mx_client *v;
    size_t n;
};

/* The library's directory: $MXTLS_CLIENTS_DIR, else the installed one. */
const char *mx_clientlib_dir(void);

/* Read the library in dir (NULL: mx_clientlib_dir()). 0 or -1. */
int mx_clientlib_load(const char *dir, struct mx_clients *out,
                      struct mx_error *err);

/* The client called name, or NULL. */
const struct mx_client *mx_clientlib_find(const struct mx_clients *c,
                                          const char *name);

/* The path of name's recording into path (cap bytes), from the library
 * in dir (NULL: mx_clientlib_dir()): 0, or -1 with "unknown client 'x'
 * (known: a, b, ...)" and the like. */
int mx_clientlib_path(const char *dir, const char *name, char *path, size_t cap,
                      struct mx_error *err);

void mx_clientlib_free(struct mx_clients *c);

#endif
