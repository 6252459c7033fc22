/*
 * ini.h - the one reader of line-based "key = value" files: the
 * --extra-opts ini file (opts.c), the peers file (peers.c) and the learned
 * profiles (profile.c).
 *
 * The reader splits the text into lines, counts them, drops blank and
 * comment lines and the blanks around keys, values and section names, and
 * hands out each remaining line as a section header ("[name]") or a key
 * with its value. What a key means, which keys a file may hold, and the
 * messages about them are the caller's; the reader only checks what every
 * such file shares (its size, the length of a line, NUL bytes, control
 * characters) as the syntax says.
 *
 * Error contract: mx_ini_open and mx_ini_next return -1 with a USAGE error
 * "PATH: what" (the file as a whole) or "PATH:LINE: what", INTERNAL for
 * memory. mx_ini_fail gives the caller the same "PATH:LINE: what" form.
 * Nothing here prints.
 */
#ifndef MX_INI_H
#define MX_INI_H

#include <stddef.h>

#include "err.h"

enum {
    MX_INI_SECTIONS = 1,  /* "[name]" lines are section headers */
    MX_INI_BOM = 2,       /* a UTF-8 byte order mark at the start is
                             skipped */
    MX_INI_NUL_FILE = 4,  /* a NUL byte anywhere fails the file as a whole
                             ("PATH: NUL byte in the file"); without it,
                             the line that holds it */
    MX_INI_NO_CONTROL = 8 /* a control character in a line is an error */
};

struct mx_ini_syntax {
    size_t file_cap;      /* most bytes in the file */
    size_t line_cap;      /* most bytes in one line; 0: no limit */
    const char *comments; /* characters that start a comment line */
    unsigned flags;
};

enum mx_ini_kind {
    MX_INI_SECTION,     /* "[name]": name is set (trimmed, maybe empty) */
    MX_INI_BAD_SECTION, /* starts with '[' but does not end with ']' */
    MX_INI_PAIR         /* "key = value" or "key": name is the key (trimmed,
                           maybe empty), value NULL when there is no '=' */
};

struct mx_ini_line {
    enum mx_ini_kind kind;
    char *text;  /* the whole line, trimmed, for messages: set for
                    MX_INI_BAD_SECTION and a key without '=' (then name
                    is text), NULL for the rest (the line is cut up) */
    char *name;  /* the section name or the key */
    char *value; /* the value, trimmed, or NULL */
};

struct mx_ini {
    const char *path;     /* for messages */
    int line;             /* the line last handed out, 1-based; a caller
                             may point it at another line before
                             mx_ini_fail */
    struct mx_error *err; /* where failures go */
    /* private */
    const struct mx_ini_syntax *syn;
    char *buf;
    size_t len, off;
};

/* Start reading text (len bytes; a copy is taken). 0 or -1. */
int mx_ini_open(struct mx_ini *ini, const char *text, size_t len,
                const char *path, const struct mx_ini_syntax *syn,
                struct mx_error *err);

/* The next line that is not blank or a comment: 1, 0 at the end, -1. */
int mx_ini_next(struct mx_ini *ini, struct mx_ini_line *out);

void mx_ini_close(struct mx_ini *ini);

/* "PATH:LINE: what" for the current line into ini->err; returns -1. */
int mx_ini_fail(struct mx_ini *ini, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "PATH:LINE: key: msg" from a value parser's error (INTERNAL stays
 * INTERNAL, anything else is USAGE); returns -1. */
int mx_ini_fail_value(struct mx_ini *ini, const char *key,
                      const struct mx_error *e);

/* "PATH: what" about the file as a whole; returns -1. */
int mx_ini_fail_file(struct mx_ini *ini, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* 1 when s holds a control character (below 0x20, or DEL): what a line
 * may not hold with MX_INI_NO_CONTROL. */
int mx_ini_has_control(const char *s);

/* 1 when c may be in a name: a letter, a digit, '.', '_' or '-'. */
int mx_ini_name_char(char c);

/* 1 when s is a name: 1..63 such characters. A section's name (a peer,
 * a client of the library) also names a file of its own (a profile, a
 * recording, NAME.profile or NAME.hex), so it holds no '/'. */
int mx_ini_name_ok(const char *s);

#endif
