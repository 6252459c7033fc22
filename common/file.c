/*
 * file.c - the one reader of files named from outside (see file.h).
 *
 * stat (lstat with MX_FILE_NOFOLLOW) comes first, so that nothing but a
 * regular file is ever opened (opening a device can have effects, and
 * opening a FIFO without O_NONBLOCK waits for a writer); the descriptor is
 * checked again with fstat, because the path may have changed in between.
 * O_NONBLOCK makes the open itself return at once whatever the path has
 * become by then. A regular file never blocks a read, so reading needs no
 * deadline. Ownership (MX_FILE_OWNED) is the effective user's or root's,
 * or that of the file's directory when no one else may write to it.
 *
 * Error contract: see file.h. Nothing here prints.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

/* What a file that is not a regular file is, for messages. */
static const char *
kind(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISLNK(m))
        return "a symbolic link";
    return "not a regular file";
}

static void
fail(struct mx_error *err, const char *path, const char *what,
     const char *problem, const char *detail)
{
    mx_error_set(err, MX_E_USAGE, "%s%s: %s%s%s", what != NULL ? what : "",
                 path, problem, detail != NULL ? ": " : "",
                 detail != NULL ? detail : "");
}

/*
 * 1 when the directory that holds path belongs to uid and no one else may
 * write to it (no group or other write bit): then only uid (and root)
 * could have put a file there, and a file of uid's is as trustworthy as
 * the directory itself. This is the cache directory a cron job fills as
 * its own user (nagios) while root runs the plugin by hand.
 */
static int
dir_owner_only(const char *path, uid_t uid)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    size_t n;
    struct stat ds;

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else {
        n = slash == path ? 1 : (size_t)(slash - path);
        if (n >= sizeof(dir))
            return 0;
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return stat(dir, &ds) == 0 && S_ISDIR(ds.st_mode) && ds.st_uid == uid &&
           (ds.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* 0 if st is a regular file we may read, else -1 with err. */
static int
check_stat(const struct stat *st, const char *path, const char *what,
           unsigned flags, struct mx_error *err)
{
    char why[160];

    if (!S_ISREG(st->st_mode)) {
        snprintf(why, sizeof(why), "%s, not a regular file", kind(st->st_mode));
        fail(err, path, what, why, NULL);
        return -1;
    }
    if ((flags & MX_FILE_OWNED) && st->st_uid != geteuid() && st->st_uid != 0 &&
        !dir_owner_only(path, st->st_uid)) {
        snprintf(why, sizeof(why),
                 "owned by uid %lu, neither this user (uid %lu), root, nor "
                 "the sole writer of its directory",
                 (unsigned long)st->st_uid, (unsigned long)geteuid());
        fail(err, path, what, why, NULL);
        return -1;
    }
    return 0;
}

int
mx_file_open(const char *path, const char *what, unsigned flags,
             struct mx_error *err)
{
    struct stat st;
    int fd, rc, oflags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;

    if (path == NULL || *path == '\0') {
        mx_error_set(err, MX_E_USAGE, "%sno file name",
                     what != NULL ? what : "");
        return -1;
    }
    if (flags & MX_FILE_NOFOLLOW)
        oflags |= O_NOFOLLOW;
    rc = (flags & MX_FILE_NOFOLLOW) ? lstat(path, &st) : stat(path, &st);
    if (rc != 0) {
        if (errno == ENOENT && (flags & MX_FILE_ABSENT_OK))
            return -2;
        fail(err, path, what, "cannot open", strerror(errno));
        return -1;
    }
    if (check_stat(&st, path, what, flags, err) != 0)
        return -1;
    fd = open(path, oflags);
    if (fd < 0) {
        if (errno == ELOOP && (flags & MX_FILE_NOFOLLOW))
            fail(err, path, what, "a symbolic link, not a regular file", NULL);
        else if (errno == ENOENT && (flags & MX_FILE_ABSENT_OK))
            return -2;
        else
            fail(err, path, what, "cannot open", strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        fail(err, path, what, "cannot open", strerror(errno));
        close(fd);
        return -1;
    }
    if (check_stat(&st, path, what, flags, err) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int
mx_file_read(const char *path, const char *what, size_t cap, unsigned flags,
             char **out, size_t *len, struct mx_error *err)
{
    char *buf = NULL, limit[48];
    size_t have = 0;
    ssize_t got;
    int fd, rc = -1;

    *out = NULL;
    *len = 0;
    fd = mx_file_open(path, what, flags, err);
    if (fd == -2)
        return 1;
    if (fd < 0)
        return -1;
    buf = malloc(cap + 2);
    if (buf == NULL) {
        mx_error_set(err, MX_E_INTERNAL, "out of memory");
        goto out;
    }
    while (have <= cap) {
        got = read(fd, buf + have, cap + 1 - have);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            fail(err, path, what, "cannot read", strerror(errno));
            goto out;
        }
        if (got == 0)
            break;
        have += (size_t)got;
    }
    if (have > cap) {
        if (cap % (1024 * 1024) == 0)
            snprintf(limit, sizeof(limit), "larger than %zu MiB",
                     cap / (1024 * 1024));
        else if (cap % 1024 == 0)
            snprintf(limit, sizeof(limit), "larger than %zu KiB", cap / 1024);
        else
            snprintf(limit, sizeof(limit), "larger than %zu bytes", cap);
        fail(err, path, what, limit, NULL);
        goto out;
    }
    buf[have] = '\0';
    *out = buf;
    *len = have;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}
