/*
 * text.c - blanks, trimming, bounded copies, hex digits, code lists (see
 * text.h).
 *
 * Cannot fail.
 */
#include <string.h>

#include "text.h"

int
mx_is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
           c == '\f';
}

char *
mx_trim(char *s)
{
    size_t n;

    while (mx_is_blank((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && mx_is_blank((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int
mx_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void
mx_censor(char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

int
mx_code_listed(const uint16_t *list, size_t n, uint16_t code)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (list[i] == code)
            return 1;
    return 0;
}

void
mx_code_add(uint16_t *list, size_t *n, size_t cap, uint16_t code)
{
    if (*n < cap && !mx_code_listed(list, *n, code))
        list[(*n)++] = code;
}

void
mx_copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = strlen(s);

    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}
