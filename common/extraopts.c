/*
 * extraopts.c - --extra-opts=[section][@file]: options read from an ini
 * file (monitoring-plugins semantics, see opts.h) put before the command
 * line's.
 *
 * Error contract: as opts.c (0, or -1 with USAGE naming the file and
 * line, INTERNAL for memory). Nothing here prints or exits.
 *
 * Decisions the header leaves open:
 *   - mx_extra_opts recognises exactly "--extra-opts" and
 *     "--extra-opts=ARG" (no abbreviations) before a "--" argument. The
 *     whole ini file is checked, not only the requested section; a section
 *     named more than once contributes all its lines, in file order;
 *     "section@" (empty file name) is an error; "key =" gives "--key=" or
 *     "-k" "". A default location counts as found when it exists.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "ini.h"
#include "opts.h"

#define INI_FILE_CAP (1024 * 1024) /* most bytes in an --extra-opts file */
#define INI_LINE_CAP 4096          /* most bytes in one of its lines */

/* A growing NULL-terminated argument vector of owned strings. */
struct argvec {
    char **v;
    int n;
    int cap;
};

/* Append s (taking ownership; freed on failure). 0 or -1. */
static int
vec_take(struct argvec *a, char *s)
{
    char **v;
    int cap, rc = -1;

    if (s == NULL)
        goto out;
    if (a->n + 1 >= a->cap) {
        if (a->cap > INT_MAX / 2 - 1)
            goto out;
        cap = a->cap == 0 ? 16 : a->cap * 2;
        v = realloc(a->v, (size_t)cap * sizeof(*v));
        if (v == NULL)
            goto out;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
    s = NULL;
    rc = 0;
out:
    free(s);
    return rc;
}

static int
vec_add(struct argvec *a, const char *s)
{
    return vec_take(a, strdup(s));
}

/* Take the text of an mx_buf (freeing it on failure). */
static char *
buf_take(struct mx_buf *b)
{
    char *s = NULL;

    if (!mx_buf_failed(b) && b->s != NULL) {
        s = b->s;
        b->s = NULL;
    }
    mx_buf_free(b);
    return s;
}

static void
oom(struct mx_error *err)
{
    mx_error_set(err, MX_E_INTERNAL, "out of memory");
}

static int
key_ok(const char *k)
{
    const char *p;

    for (p = k; *p != '\0'; p++) {
        int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9');

        if (!alnum && (p == k || (*p != '-' && *p != '_')))
            return 0;
    }
    return p != k;
}

/* Append the options one "key[=value]" line stands for. */
static int
add_ini_option(struct argvec *a, const char *key, const char *val)
{
    struct mx_buf b = MX_BUF_INIT;

    if (key[1] == '\0') {
        mx_buf_printf(&b, "-%s", key);
        if (vec_take(a, buf_take(&b)) < 0)
            return -1;
        return val != NULL ? vec_add(a, val) : 0;
    }
    mx_buf_printf(&b, "--%s%s%s", key, val != NULL ? "=" : "",
                  val != NULL ? val : "");
    return vec_take(a, buf_take(&b));
}

static const struct mx_ini_syntax ini_syntax = {INI_FILE_CAP, INI_LINE_CAP,
                                                "#;", MX_INI_SECTIONS};

/* Append the options of section in the ini text (len bytes) to a; path
 * is for messages. */
static int
parse_ini(const char *text, size_t len, const char *path, const char *section,
          struct argvec *a, struct mx_error *err)
{
    struct mx_ini ini;
    struct mx_ini_line l;
    int rc, seen_section = 0, in_section = 0, found = 0;

    if (mx_ini_open(&ini, text, len, path, &ini_syntax, err) != 0)
        return -1;
    while ((rc = mx_ini_next(&ini, &l)) > 0) {
        if (l.kind == MX_INI_BAD_SECTION)
            rc = mx_ini_fail(&ini, "section header without ']'");
        else if (l.kind == MX_INI_SECTION) {
            if (l.name[0] == '\0')
                rc = mx_ini_fail(&ini, "empty section name");
            seen_section = 1;
            in_section = strcmp(l.name, section) == 0;
            found |= in_section;
        } else if (!seen_section)
            rc = mx_ini_fail(&ini, "text before the first [section]");
        else if (l.name[0] == '\0')
            rc = mx_ini_fail(&ini, "no option name before '='");
        else if (!key_ok(l.name))
            rc = mx_ini_fail(&ini, "bad option name \"%.40s\"", l.name);
        else if (in_section && add_ini_option(a, l.name, l.value) < 0) {
            oom(err);
            rc = -1;
        }
        if (rc < 0)
            break;
    }
    if (rc == 0 && !found)
        rc = mx_ini_fail_file(&ini, "no section [%s]", section);
    mx_ini_close(&ini);
    return rc < 0 ? -1 : 0;
}

int
mx_extra_opts_parse(const char *text, size_t len, const char *path,
                    const char *section, int *nargc, char ***nargv,
                    struct mx_error *err)
{
    struct argvec a = {NULL, 0, 0};

    *nargc = 0;
    *nargv = NULL;
    if ((text == NULL && len > 0) || path == NULL || section == NULL) {
        mx_error_set(err, MX_E_USAGE, "no ini text");
        return -1;
    }
    if (vec_add(&a, "") < 0) {
        oom(err);
        goto fail;
    }
    if (parse_ini(text != NULL ? text : "", len, path, section, &a, err) != 0)
        goto fail;
    *nargc = a.n;
    *nargv = a.v;
    return 0;
fail:
    mx_argv_free(a.n, a.v);
    return -1;
}

/* Read section from the ini file path and append its options to a. */
static int
read_ini(const char *path, const char *section, struct argvec *a,
         struct mx_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    if (mx_file_read(path, "--extra-opts: ", INI_FILE_CAP, 0, &text, &len,
                     err) != 0)
        return -1;
    rc = parse_ini(text, len, path, section, a, err);
    free(text);
    return rc;
}

static const char *const default_files[] = {
    "/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
    "/etc/monitoring-plugins/monitoring-plugins.ini",
    "/usr/local/etc/monitoring-plugins.ini",
    "/etc/monitoring-plugins.ini",
    "/etc/nagios/plugins.ini",
    "/usr/local/nagios/etc/plugins.ini",
    "/usr/local/etc/nagios/plugins.ini",
    "/etc/opt/nagios/plugins.ini",
    "/etc/nagios-plugins.ini",
    "/usr/local/etc/nagios-plugins.ini",
    "/etc/opt/nagios-plugins.ini",
};

#define NDEFAULT_FILES (sizeof(default_files) / sizeof(default_files[0]))

static const char *const config_path_names[] = {"plugins.ini",
                                                "nagios-plugins.ini"};

#define NCONFIG_PATH_NAMES \
    (sizeof(config_path_names) / sizeof(config_path_names[0]))

/* The first default ini file that exists, allocated; NULL with err set. */
static char *
find_default_file(struct mx_error *err)
{
    const char *env, *dir, *end;
    struct mx_buf b = MX_BUF_INIT;
    char *path = NULL;
    size_t i;
    int found = 0;

    env = getenv("MP_CONFIG_FILE");
    if (env != NULL && *env != '\0' && access(env, F_OK) == 0) {
        mx_buf_append(&b, env);
        found = 1;
        goto out;
    }
    env = getenv("NAGIOS_CONFIG_PATH");
    for (dir = env; dir != NULL && *dir != '\0'; dir = end) {
        end = strchr(dir, ':');
        if (end == NULL)
            end = dir + strlen(dir);
        for (i = 0; end > dir && i < NCONFIG_PATH_NAMES; i++) {
            mx_buf_reset(&b);
            mx_buf_appendn(&b, dir, (size_t)(end - dir));
            mx_buf_printf(&b, "/%s", config_path_names[i]);
            /* Out of memory also ends the search; buf_take reports it. */
            if (mx_buf_failed(&b) || access(mx_buf_str(&b), F_OK) == 0) {
                found = 1;
                goto out;
            }
        }
        if (*end == ':')
            end++;
    }
    mx_buf_reset(&b);
    for (i = 0; i < NDEFAULT_FILES; i++) {
        if (access(default_files[i], F_OK) == 0) {
            mx_buf_append(&b, default_files[i]);
            found = 1;
            goto out;
        }
    }
out:
    if (!found)
        mx_error_set(err, MX_E_USAGE,
                     "--extra-opts: no ini file found in the default "
                     "locations");
    else if ((path = buf_take(&b)) == NULL)
        oom(err);
    mx_buf_free(&b);
    return path;
}

/* Handle one --extra-opts argument ("", "section", "section@file", ...). */
static int
expand_one(const char *spec, const char *default_section, struct argvec *a,
           struct mx_error *err)
{
    const char *at = strchr(spec, '@');
    char *section = NULL, *file = NULL;
    int rc = -1;

    if (at != NULL && at[1] == '\0') {
        mx_error_set(err, MX_E_USAGE, "--extra-opts=%s: no file name after '@'",
                     spec);
        goto out;
    }
    if (at == NULL)
        at = spec + strlen(spec);
    section = at > spec ? strndup(spec, (size_t)(at - spec))
                        : strdup(default_section);
    if (section == NULL) {
        oom(err);
        goto out;
    }
    if (*at == '@') {
        file = strdup(at + 1);
        if (file == NULL) {
            oom(err);
            goto out;
        }
    } else {
        file = find_default_file(err);
        if (file == NULL)
            goto out;
    }
    rc = read_ini(file, section, a, err);
out:
    free(section);
    free(file);
    return rc;
}

static const char *
extra_opts_arg(const char *s)
{
    static const char name[] = "--extra-opts";

    if (strncmp(s, name, sizeof(name) - 1) != 0)
        return NULL;
    s += sizeof(name) - 1;
    if (*s == '\0')
        return s;
    return *s == '=' ? s + 1 : NULL;
}

int
mx_extra_opts(int argc, char *const argv[], const char *default_section,
              int *nargc, char ***nargv, struct mx_error *err)
{
    struct argvec a = {NULL, 0, 0};
    const char *spec, *section = default_section, *slash;
    int i, rc = -1;

    *nargc = 0;
    *nargv = NULL;
    if (argc < 1 || argv == NULL || argv[0] == NULL) {
        mx_error_set(err, MX_E_USAGE, "no program name in the arguments");
        goto out;
    }
    if (section == NULL || *section == '\0') {
        slash = strrchr(argv[0], '/');
        section = slash != NULL ? slash + 1 : argv[0];
    }
    if (vec_add(&a, argv[0]) < 0) {
        oom(err);
        goto out;
    }
    /* First the ini options, in the order the --extra-opts were given. */
    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        spec = extra_opts_arg(argv[i]);
        if (spec == NULL)
            continue;
        if (*section == '\0' && (*spec == '\0' || *spec == '@')) {
            mx_error_set(err, MX_E_USAGE,
                         "--extra-opts: no section and no plugin name");
            goto out;
        }
        if (expand_one(spec, section, &a, err) < 0)
            goto out;
    }
    /* Then the command line without them. */
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (extra_opts_arg(argv[i]) == NULL && vec_add(&a, argv[i]) < 0) {
            oom(err);
            goto out;
        }
    }
    for (; i < argc; i++) {
        if (vec_add(&a, argv[i]) < 0) {
            oom(err);
            goto out;
        }
    }
    *nargc = a.n;
    *nargv = a.v;
    a.v = NULL;
    rc = 0;
out:
    mx_argv_free(a.n, a.v);
    return rc;
}

void
mx_argv_free(int argc, char **argv)
{
    int i;

    if (argv == NULL)
        return;
    for (i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
}
