/*
 * opts.c - the options every mxtls plugin shares, and --extra-opts.
 *
 * Error contract: every function returns 0 (mx_std_option: 1 or 0) on
 * success and -1 on failure, with err (when not NULL) holding MX_E_USAGE
 * and a one-line message that names the option or the file and line; an
 * allocation failure is MX_E_INTERNAL. Nothing here prints or exits, and
 * the strings stored in struct mx_std point into the caller's argv.
 *
 * Decisions the header leaves open:
 *   - -H is used verbatim. It gets SNI by default only when it is a name:
 *     anything containing ':' (IPv6, also "[::1]" or "fe80::1%eth0") and
 *     anything made of digits and dots only (IPv4, also "127.1") is an
 *     address literal and gets no SNI. --no-sni wins over --sni.
 *   - --ehlo and --sni refuse empty values, blanks and control characters
 *     (they end up in the SMTP dialogue and the handshake), and, like -H,
 *     values longer than 255 bytes (MX_NAME_MAX: no DNS name is longer,
 *     RFC 1035 2.3.4, and OpenSSL refuses a longer SNI).
 *   - -4 and -6: the last one given wins.
 *   - --extra-opts reaching mx_std_option means the plugin did not call
 *     mx_extra_opts first; that is an error rather than silently ignored.
 *   - mx_extra_opts recognises exactly "--extra-opts" and
 *     "--extra-opts=ARG" (no abbreviations) before a "--" argument. The
 *     whole ini file is checked, not only the requested section; a section
 *     named more than once contributes all its lines, in file order;
 *     "section@" (empty file name) is an error; "key =" gives "--key=" or
 *     "-k" "". A default location counts as found when it exists.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "file.h"
#include "ini.h"
#include "opts.h"
#include "strnum.h"
#include "text.h"

#define INI_FILE_CAP (1024 * 1024) /* most bytes in an --extra-opts file */
#define INI_LINE_CAP 4096          /* most bytes in one of its lines */

void
mx_std_init(struct mx_std *std, const char *progname)
{
    memset(std, 0, sizeof(*std));
    std->progname = progname;
    std->timeout = MX_DEFAULT_TIMEOUT;
    std->timeout_state = MX_CRITICAL;
    std->family = AF_UNSPEC;
    std->dialect = MX_DIALECT_INVALID;
}

int
mx_parse_timeout(const char *s, double *secs, enum mx_state *st,
                 struct mx_error *err)
{
    char num[64];
    const char *colon, *why;
    enum mx_state state = MX_STATE_INVALID;
    size_t n;
    double v;

    if (s == NULL) {
        mx_error_set(err, MX_E_USAGE, "timeout is missing");
        return -1;
    }
    colon = strchr(s, ':');
    n = colon != NULL ? (size_t)(colon - s) : strlen(s);
    if (n >= sizeof(num)) {
        mx_error_set(err, MX_E_USAGE, "timeout \"%s\" is invalid", s);
        return -1;
    }
    memcpy(num, s, n);
    num[n] = '\0';
    if (mx_strtod(num, 0, MX_MAX_TIMEOUT, &v, &why) < 0) {
        mx_error_set(err, MX_E_USAGE, "timeout \"%s\" %s (0 < seconds <= %g)",
                     num, why, MX_MAX_TIMEOUT);
        return -1;
    }
    if (v <= 0) {
        mx_error_set(err, MX_E_USAGE,
                     "timeout \"%s\" must be more than 0 seconds", num);
        return -1;
    }
    if (colon != NULL) {
        state = mx_state_parse(colon + 1);
        if (state == MX_STATE_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "timeout state \"%s\" is invalid (use ok, warning, "
                         "critical or unknown)",
                         colon + 1);
            return -1;
        }
    }
    *secs = v;
    if (state != MX_STATE_INVALID && st != NULL)
        *st = state;
    return 0;
}

int
mx_parse_port(const char *s, int *port, struct mx_error *err)
{
    long long v;
    const char *why;

    if (mx_strtonum(s, 1, 65535, &v, &why) < 0) {
        mx_error_set(err, MX_E_USAGE, "port \"%s\" %s (1..65535)",
                     s != NULL ? s : "", why);
        return -1;
    }
    *port = (int)v;
    return 0;
}

/* A name that may go into EHLO or SNI: not empty, no blanks or controls. */
static int
name_ok(const char *s)
{
    const unsigned char *p;

    if (s == NULL || *s == '\0')
        return 0;
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p <= ' ' || *p == 0x7f)
            return 0;
    return 1;
}

/* An address literal (no SNI for it): see the comment at the top. */
static int
is_address_literal(const char *host)
{
    const char *p;

    if (strchr(host, ':') != NULL)
        return 1;
    for (p = host; *p != '\0'; p++)
        if (*p != '.' && (*p < '0' || *p > '9'))
            return 0;
    return 1;
}

int
mx_std_option(struct mx_std *std, int opt, const char *arg,
              struct mx_error *err)
{
    enum mx_state st;

    switch (opt) {
    case 'h':
        std->want_help = 1;
        return 1;
    case 'V':
        std->want_version = 1;
        return 1;
    case 'v':
        if (std->verbosity < 3)
            std->verbosity++;
        return 1;
    case '4':
        std->family = AF_INET;
        return 1;
    case '6':
        std->family = AF_INET6;
        return 1;
    case MX_OPT_NO_SNI:
        std->no_sni = 1;
        return 1;
    case MX_OPT_EXTRA_OPTS:
        mx_error_set(err, MX_E_USAGE,
                     "--extra-opts was not expanded (write it in full: "
                     "--extra-opts=[section][@file])");
        return -1;
    case 't':
    case MX_OPT_TIMEOUT_RESULT:
    case 'H':
    case 'p':
    case 'S':
    case MX_OPT_EHLO:
    case MX_OPT_SNI:
        break;
    default:
        return 0;
    }

    /* The options with a required argument. */
    if (arg == NULL) {
        mx_error_set(err, MX_E_USAGE, "an option needs an argument");
        return -1;
    }
    switch (opt) {
    case 't':
        if (mx_parse_timeout(arg, &std->timeout, &std->timeout_state, err) < 0)
            return -1;
        std->timeout_given = 1;
        break;
    case MX_OPT_TIMEOUT_RESULT:
        st = mx_state_parse(arg);
        if (st == MX_STATE_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "--timeout-result \"%s\" is invalid (use ok, "
                         "warning, critical or unknown)",
                         arg);
            return -1;
        }
        std->timeout_state = st;
        break;
    case 'H':
        if (*arg == '\0') {
            mx_error_set(err, MX_E_USAGE, "-H needs a host name or address");
            return -1;
        }
        if (strlen(arg) > MX_NAME_MAX) {
            mx_error_set(err, MX_E_USAGE,
                         "-H: longer than %d bytes (no host name is)",
                         MX_NAME_MAX);
            return -1;
        }
        std->host = arg;
        break;
    case 'p':
        if (mx_parse_port(arg, &std->port, err) < 0)
            return -1;
        break;
    case 'S':
        if (mx_dialect_parse(arg) == MX_DIALECT_INVALID) {
            mx_error_set(err, MX_E_USAGE,
                         "--starttls \"%s\" is invalid (use smtp, lmtp, "
                         "imap, pop3 or none)",
                         arg);
            return -1;
        }
        std->dialect = mx_dialect_parse(arg);
        std->dialect_given = 1;
        break;
    case MX_OPT_EHLO:
        if (!name_ok(arg)) {
            mx_error_set(err, MX_E_USAGE,
                         "--ehlo \"%s\" is invalid (empty or with blanks)",
                         arg);
            return -1;
        }
        if (strlen(arg) > MX_NAME_MAX) {
            mx_error_set(err, MX_E_USAGE,
                         "--ehlo: longer than %d bytes (RFC 5321 4.5.3.1.2)",
                         MX_NAME_MAX);
            return -1;
        }
        std->ehlo = arg;
        break;
    case MX_OPT_SNI:
        if (!name_ok(arg)) {
            mx_error_set(err, MX_E_USAGE,
                         "--sni \"%s\" is invalid (empty or with blanks)", arg);
            return -1;
        }
        if (strlen(arg) > MX_NAME_MAX) {
            mx_error_set(err, MX_E_USAGE,
                         "--sni: longer than %d bytes (no DNS name is)",
                         MX_NAME_MAX);
            return -1;
        }
        std->sni = arg;
        std->sni_given = 1;
        break;
    }
    return 1;
}

int
mx_std_finish(struct mx_std *std, struct mx_error *err)
{
    if (!std->dialect_given || std->dialect == MX_DIALECT_INVALID)
        std->dialect =
            std->port != 0 ? mx_dialect_for_port(std->port) : MX_DIALECT_SMTP;
    if (std->port == 0)
        std->port = mx_dialect_default_port(std->dialect);

    if (std->no_sni)
        std->sni = NULL;
    else if (!std->sni_given)
        std->sni = std->host != NULL && !is_address_literal(std->host)
                       ? std->host
                       : NULL;

    if (std->host == NULL && !std->want_help && !std->want_version &&
        !std->host_optional) {
        mx_error_set(err, MX_E_USAGE, "no host given (use -H)");
        return -1;
    }
    return 0;
}

int
mx_parse_duration(const char *s, const char *what, long *secs,
                  struct mx_error *err)
{
    static const struct {
        char suffix;
        long long factor;
    } units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
    char num[32];
    const char *errstr;
    long long v, factor = 1;
    size_t n = s != NULL ? strlen(s) : 0, i;

    if (n > 0 && n < sizeof(num)) {
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (s[n - 1] == units[i].suffix) {
                factor = units[i].factor;
                n--;
                break;
            }
        memcpy(num, s, n);
        num[n] = '\0';
        if (n > 0 &&
            mx_strtonum(num, 1, 315360000LL / factor, &v, &errstr) == 0) {
            *secs = (long)(v * factor);
            return 0;
        }
    }
    mx_error_set(err, MX_E_USAGE,
                 "%s%s'%.30s' is not a duration (seconds, or a number with "
                 "s, m, h, d or w; at most 10 years)",
                 what != NULL ? what : "", what != NULL ? ": " : "",
                 s != NULL ? s : "");
    return -1;
}

int
mx_parse_bounded(const char *s, const char *name, long long lo, long long hi,
                 long long *out, struct mx_error *err)
{
    const char *why;

    if (mx_strtonum(s, lo, hi, out, &why) != 0) {
        mx_error_set(err, MX_E_USAGE, "%s: '%.20s' %s (%lld..%lld)", name, s,
                     why, lo, hi);
        return -1;
    }
    return 0;
}

void
mx_std_help(struct mx_buf *b)
{
    mx_buf_append(b, " -h, --help\n"
                     "    Print detailed help screen\n"
                     " -V, --version\n"
                     "    Print version information\n"
                     " --extra-opts=[section][@file]\n"
                     "    Read options from an ini file (the section defaults "
                     "to the plugin name).\n"
                     "    See https://www.monitoring-plugins.org/doc/"
                     "extra-opts.html\n"
                     " -v, --verbose\n"
                     "    Show details for command-line debugging (up to three "
                     "times: -vvv)\n"
                     " -t, --timeout=SECONDS[:STATE]\n");
    mx_buf_printf(b,
                  "    Seconds before the check gives up (default: %g, at "
                  "most %g); STATE is\n"
                  "    the result on a timeout (default: CRITICAL)\n",
                  MX_DEFAULT_TIMEOUT, MX_MAX_TIMEOUT);
    mx_buf_append(b,
                  " --timeout-result=STATE\n"
                  "    Result on a timeout: OK, WARNING, CRITICAL or UNKNOWN "
                  "(default: CRITICAL)\n"
                  " -H, --hostname=ADDRESS\n"
                  "    Host name, IPv4 or IPv6 address of the server "
                  "(required)\n"
                  " -p, --port=INTEGER\n"
                  "    Port number (default: from --starttls: smtp 25, lmtp "
                  "24, imap 143,\n"
                  "    pop3 110, none 465)\n"
                  " -4, --ipv4\n"
                  "    Connect over IPv4 only\n"
                  " -6, --ipv6\n"
                  "    Connect over IPv6 only\n"
                  " -S, --starttls=smtp|lmtp|imap|pop3|none\n"
                  "    Protocol spoken before TLS; none (also smtps, "
                  "submissions) is TLS from\n"
                  "    the first byte (default: from --port: none for 465, "
                  "993 and 995, imap\n"
                  "    for 143, pop3 for 110, smtp for any other)\n"
                  " --ehlo=NAME\n"
                  "    Name sent with EHLO or LHLO (default: the local host "
                  "name)\n"
                  " --sni=NAME\n"
                  "    Server name sent in the TLS handshake (default: the -H "
                  "name; none for\n"
                  "    an IP address)\n"
                  " --no-sni\n"
                  "    Send no server name in the TLS handshake\n");
}

/* ---- --extra-opts ---------------------------------------------------- */

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
