/*
 * file.h - the one reader of every file named from outside: the peers
 * file (-f), --extra-opts=@FILE, recorded ClientHellos (--peer-clienthello,
 * clienthello = FILE) and cached profiles.
 *
 * A file is looked at before it is opened and opened without blocking, so
 * that a FIFO, a terminal or a device named where a file belongs cannot
 * stop a run that must end by its deadline: only regular files are read.
 * Reads are bounded by a size given by the caller.
 *
 * Errors are USAGE with one line "WHATPATH: what is wrong", where WHAT is
 * the caller's prefix naming the option or the kind of file ("-f: ",
 * "--extra-opts: ", "profile "; NULL for none), INTERNAL for memory.
 * Nothing here prints.
 */
#ifndef MX_FILE_H
#define MX_FILE_H

#include <stddef.h>

#include "err.h"

enum {
    MX_FILE_NOFOLLOW = 1, /* refuse a symbolic link (O_NOFOLLOW) */
    MX_FILE_OWNED = 2,    /* refuse a file owned by anyone but us, root, or
                             the sole writer of its directory */
    MX_FILE_ABSENT_OK = 4 /* a missing file is no error (see below) */
};

/*
 * Open path for reading: a regular file (checked before it is opened and
 * again on the open descriptor), opened with O_NONBLOCK, O_CLOEXEC and
 * O_NOCTTY. Returns the descriptor, -1 with err, or -2 without err when
 * the file does not exist and flags has MX_FILE_ABSENT_OK.
 */
int mx_file_open(const char *path, const char *what, unsigned flags,
                 struct mx_error *err);

/*
 * Read the whole file (at most cap bytes) into *out, malloc'd with a NUL
 * after the *len bytes. 0, -1 with err (a larger file is an error), or 1
 * for an absent file with MX_FILE_ABSENT_OK.
 */
int mx_file_read(const char *path, const char *what, size_t cap, unsigned flags,
                 char **out, size_t *len, struct mx_error *err);

#endif
