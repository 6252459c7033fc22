/*
 * capture.h - a peer's recorded ClientHello, from a hex dump or from a
 * packet capture of an SMTP (LMTP, IMAP, POP3) session.
 *
 * Hex: the bytes as tshark or Wireshark's "Copy as Hex Stream" give them,
 * with or without blanks, line breaks, ':' separators or "0x" prefixes;
 * either whole TLS records (16 03 0x ...) or a bare handshake message
 * (01 xx xx xx ...), which is then wrapped in records; an SSLv2
 * CLIENT-HELLO (80 xx 01 ...) is kept as it is.
 *
 * pcap/pcapng (read with libpcap): the first TCP connection in the file in
 * which a client sends a ClientHello, either right after the server's
 * "220" answer to STARTTLS (SMTP/LMTP), "a OK" to STARTTLS (IMAP) or
 * "+OK" to STLS (POP3), or as its first bytes (implicit TLS). TCP
 * segments are put back together by sequence number (out of order,
 * retransmitted and overlapping segments included), so a ClientHello that
 * spans several segments or records (post-quantum key shares do) comes
 * out whole. Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback
 * link types; IPv4 and IPv6.
 *
 * Every function returns 0 or -1 with a struct mx_error: USAGE for input
 * that is not what it should be (the message says what and where: "no
 * ClientHello found in capture.pcap (3 TCP connections, none with
 * STARTTLS)", "hex at offset 12 is not a ClientHello: ..."), INTERNAL for
 * memory. The result is checked with mx_hello_decode before it is
 * returned. Nothing here prints.
 */
#ifndef MX_CAPTURE_H
#define MX_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MX_RECORDED_MAX 65536 /* most bytes a recorded hello may have */

struct mx_recorded_hello {
    uint8_t *bytes; /* TLS record(s) holding one ClientHello; malloc'd */
    size_t len;
    char origin[200]; /* "capture.pcap: 127.0.0.1:41234 -> 127.0.0.1:25"
                         or "hex file x.hex" */
};

/* From hex text (len bytes of it; need not be NUL-terminated). */
int mx_hello_from_hex(const char *text, size_t len,
                      struct mx_recorded_hello *out, struct mx_error *err);

/* From a capture file (pcap or pcapng). */
int mx_hello_from_pcap(const char *path, struct mx_recorded_hello *out,
                       struct mx_error *err);

/* From a file of either kind (a pcap/pcapng magic number decides). Only
 * a regular file is read (common/file.h): anything else is USAGE
 * "PATH: a FIFO, not a regular file" and the like. */
int mx_hello_from_file(const char *path, struct mx_recorded_hello *out,
                       struct mx_error *err);

/* The same from the n bytes of a file already in memory; name is for
 * messages (and the origin). */
int mx_hello_from_bytes(const uint8_t *b, size_t n, const char *name,
                        struct mx_recorded_hello *out, struct mx_error *err);

void mx_recorded_hello_free(struct mx_recorded_hello *h);

/*
 * Every ClientHello of a capture, as it comes (capture_each.c): the same
 * reading of links, IP, TCP and the STARTTLS dialogue as above, but each
 * connection is judged as soon as its hello is whole, and forgotten once
 * judged, so a capture of any length is read in bounded memory: at most
 * 256 connections followed at once (the one idle longest is judged early
 * when a new one needs its place), MX_RECORDED_MAX + 16 KiB kept per
 * direction, 32 MiB of segments in all.
 */
struct mx_seen_hello {
    const uint8_t *bytes; /* the records of the hello (valid in the call) */
    size_t len;
    int family; /* AF_INET or AF_INET6 */
    uint8_t src[16], dst[16];
    unsigned sport, dport;
    long long when;     /* seconds since the epoch, of the last packet */
    const char *source; /* the file, or "iface:NAME" */
};

/* Called for each hello; a non-zero return stops the reading (the
 * reader then fails with INTERNAL "out of memory"). */
typedef int (*mx_hello_fn)(void *arg, const struct mx_seen_hello *h);

/* "127.0.0.1:25" or "[::1]:25" into s (n bytes). */
void mx_capture_endpoint(char *s, size_t n, int family, const uint8_t *addr,
                         unsigned port);

/* What was read, summed over every call given the same struct. */
struct mx_capture_stats {
    unsigned long files, packets, tcp, hellos;
    unsigned long judged;              /* connections judged */
    unsigned long nohello;             /* ... of them without a ClientHello */
    unsigned long gap, cut_hello, bad; /* why, for some of those */
    unsigned long evicted;             /* judged early to free their place */
    unsigned long frags, cut, malformed;
    int capped;           /* segments dropped over the memory cap */
    char read_error[320]; /* the last file that ended early, and why */
};

/* Every hello of one pcap or pcapng file. 0, or -1 with err (USAGE: not
 * a capture, unsupported link type; INTERNAL: memory). A file that ends
 * early is read up to there and said so in st->read_error. */
int mx_capture_each(const char *path, mx_hello_fn fn, void *arg,
                    struct mx_capture_stats *st, struct mx_error *err);

/*
 * Every hello seen on interface iface for seconds seconds (libpcap, not
 * promiscuous), with the BPF filter "tcp port 25 or 465 or 587" and the
 * nports ports given. 0, or -1 with err: USAGE (UNKNOWN) when capturing
 * is not allowed, in one line ("capturing on lo needs CAP_NET_RAW: ..."),
 * for an interface that does not exist, and for a filter libpcap refuses;
 * INTERNAL for memory.
 */
int mx_capture_live(const char *iface, unsigned seconds, const unsigned *ports,
                    size_t nports, mx_hello_fn fn, void *arg,
                    struct mx_capture_stats *st, struct mx_error *err);

#endif
