/*
 * text.h - small helpers the parsers share: blanks, trimming, hex digits,
 * and membership in a list of codes. No errors, no allocation.
 */
#ifndef MX_TEXT_H
#define MX_TEXT_H

#include <stddef.h>
#include <stdint.h>

/* ' ', tab, CR, LF, vertical tab, form feed (not locale-dependent). */
int mx_is_blank(int c);

/* Copy s into dst (cap bytes, cap > 0), cut if it does not fit. */
void mx_copy_str(char *dst, size_t cap, const char *s);

/* Cut blanks off both ends of the string s, in place; returns the new
 * start (inside s). */
char *mx_trim(char *s);

/* The value of a hex digit (0..15), or -1. */
int mx_hexval(int c);

/* Replace every control character (below 0x20, and 0x7f) in s by '?', in
 * place: text from outside (arguments, files, servers) must not make a
 * second output line or reach a terminal as an escape sequence. */
void mx_censor(char *s);

/* Is code one of the n codes of list? */
int mx_code_listed(const uint16_t *list, size_t n, uint16_t code);

/* Append code to list (*n codes, room for cap) unless it is listed
 * already or the list is full. */
void mx_code_add(uint16_t *list, size_t *n, size_t cap, uint16_t code);

#endif
