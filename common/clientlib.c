/*
 * clientlib.c - the client library (see clientlib.h): its directory, its
 * MANIFEST, and a client's recording found by name.
 *
 * MANIFEST is read by the one ini reader; a section names a client, its
 * keys describe it (unknown keys are kept for later versions of the
 * script and ignored here). A section without NAME.hex beside it is left
 * out (a library being regenerated, or a client described only by
 * documented lists). Names follow the peers file's rule (letters,
 * digits, '.', '_', '-'), so that a name can never leave the directory.
 *
 * Error contract: every function that can fail returns -1 with a USAGE
 * (or INTERNAL) error of one line; nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "buf.h"
#include "clientlib.h"
#include "file.h"
#include "ini.h"
#include "text.h"
#include "peers.h"

#ifndef MXTLS_CLIENTSDIR
#define MXTLS_CLIENTSDIR "/usr/local/share/mxtls/clients"
#endif

#define MANIFEST_CAP (256 * 1024)

const char *
mx_clientlib_dir(void)
{
    const char *d = getenv("MXTLS_CLIENTS_DIR");

    return d != NULL && d[0] != '\0' ? d : MXTLS_CLIENTSDIR;
}

/* 1 when DIR/NAME.hex is a regular file. */
static int
has_hex(const char *dir, const char *name)
{
    struct mx_buf b = MX_BUF_INIT;
    struct stat st;
    int ok;

    mx_buf_printf(&b, "%s/%s.hex", dir, name);
    ok = !mx_buf_failed(&b) && stat(mx_buf_str(&b), &st) == 0 &&
         S_ISREG(st.st_mode);
    mx_buf_free(&b);
    return ok;
}

static void
set_key(struct mx_client *c, const char *key, const char *value)
{
    static const struct {
        const char *key;
        size_t off, cap;
    } keys[] = {
        {"program", offsetof(struct mx_client, program),
         sizeof(((struct mx_client *)0)->program)},
        {"version", offsetof(struct mx_client, version),
         sizeof(((struct mx_client *)0)->version)},
        {"library", offsetof(struct mx_client, library),
         sizeof(((struct mx_client *)0)->library)},
        {"settings", offsetof(struct mx_client, settings),
         sizeof(((struct mx_client *)0)->settings)},
        {"recorded", offsetof(struct mx_client, recorded),
         sizeof(((struct mx_client *)0)->recorded)},
    };
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcasecmp(key, keys[i].key) == 0)
            mx_copy_str((char *)c + keys[i].off, keys[i].cap, value);
}

static const struct mx_ini_syntax manifest_syntax = {
    MANIFEST_CAP, 4096, "#;", MX_INI_SECTIONS | MX_INI_NO_CONTROL};

/* The sections of the MANIFEST text into out (kept only with a .hex). */
static int
parse_manifest(const char *text, size_t len, const char *path,
               struct mx_clients *out, struct mx_error *err)
{
    struct mx_ini ini;
    struct mx_ini_line l;
    struct mx_client *cur = NULL;
    int rc;

    if (mx_ini_open(&ini, text, len, path, &manifest_syntax, err) != 0)
        return -1;
    out->v = calloc(MX_CLIENTS_MAX, sizeof(*out->v));
    if (out->v == NULL) {
        mx_ini_close(&ini);
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        return -1;
    }
    while ((rc = mx_ini_next(&ini, &l)) > 0) {
        if (l.kind == MX_INI_BAD_SECTION) {
            rc = mx_ini_fail(&ini, "bad section line '%.64s'", l.text);
            break;
        }
        if (l.kind == MX_INI_SECTION) {
            if (!mx_ini_name_ok(l.name)) {
                rc = mx_ini_fail(&ini, "bad client name '%.64s'", l.name);
                break;
            }
            if (mx_clientlib_find(out, l.name) != NULL) {
                rc = mx_ini_fail(&ini, "client [%s] twice", l.name);
                break;
            }
            if (out->n == MX_CLIENTS_MAX) {
                rc = mx_ini_fail(&ini, "more than %d clients", MX_CLIENTS_MAX);
                break;
            }
            cur = &out->v[out->n++];
            mx_copy_str(cur->name, sizeof(cur->name), l.name);
            continue;
        }
        if (cur == NULL || l.value == NULL) {
            rc = mx_ini_fail(&ini, "expected [name] or key = value");
            break;
        }
        set_key(cur, l.name, l.value);
    }
    mx_ini_close(&ini);
    return rc < 0 ? -1 : 0;
}

int
mx_clientlib_load(const char *dir, struct mx_clients *out, struct mx_error *err)
{
    struct mx_buf path = MX_BUF_INIT;
    char *text = NULL;
    size_t len = 0, i, k;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (dir == NULL)
        dir = mx_clientlib_dir();
    mx_copy_str(out->dir, sizeof(out->dir), dir);
    mx_buf_printf(&path, "%s/MANIFEST", dir);
    if (mx_buf_failed(&path)) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    if (mx_file_read(mx_buf_str(&path), "client library: ", MANIFEST_CAP, 0,
                     &text, &len, err) != 0)
        goto out;
    if (parse_manifest(text, len, mx_buf_str(&path), out, err) != 0)
        goto out;
    for (i = 0, k = 0; i < out->n; i++)
        if (has_hex(dir, out->v[i].name))
            out->v[k++] = out->v[i];
    out->n = k;
    rc = 0;
out:
    free(text);
    mx_buf_free(&path);
    if (rc != 0)
        mx_clientlib_free(out);
    return rc;
}

const struct mx_client *
mx_clientlib_find(const struct mx_clients *c, const char *name)
{
    size_t i;

    for (i = 0; c->v != NULL && i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return &c->v[i];
    return NULL;
}

int
mx_clientlib_path(const char *dir, const char *name, char *path, size_t cap,
                  struct mx_error *err)
{
    struct mx_clients lib;
    struct mx_buf known = MX_BUF_INIT;
    size_t i;
    int n, rc = -1;

    if (mx_clientlib_load(dir, &lib, err) != 0)
        return -1;
    if (!mx_ini_name_ok(name) || mx_clientlib_find(&lib, name) == NULL) {
        for (i = 0; i < lib.n; i++)
            mx_buf_printf(&known, "%s%s", i > 0 ? ", " : "", lib.v[i].name);
        mx_error_set(err, MX_E_USAGE, "unknown client '%.64s' (known: %s)",
                     name, lib.n == 0 ? "none" : mx_buf_str(&known));
        goto out;
    }
    n = snprintf(path, cap, "%s/%s.hex", lib.dir, name);
    if (n < 0 || (size_t)n >= cap) {
        mx_error_set(err, MX_E_USAGE, "client library path too long: %.64s",
                     lib.dir);
        goto out;
    }
    rc = 0;
out:
    mx_buf_free(&known);
    mx_clientlib_free(&lib);
    return rc;
}

void
mx_clientlib_free(struct mx_clients *c)
{
    if (c == NULL)
        return;
    free(c->v);
    c->v = NULL;
    c->n = 0;
}
