/*
 * capture_link.c - link-layer frames and IPv4/IPv6 packets of a capture,
 * down to their TCP segments (capture_int.h).
 *
 * Captures are read with libpcap (pcap and pcapng):
 *  - Link types: Ethernet (with up to 4 VLAN tags, 802.1Q/802.1ad),
 *    Linux cooked SLL and SLL2, raw IP (DLT_RAW, DLT_IPV4, DLT_IPV6), BSD
 *    loopback (DLT_NULL, DLT_LOOP: the 4-byte family is skipped and the IP
 *    version nibble decides, as the family's byte order is the writer's).
 *    IPv4 options and IPv6 extension headers (hop-by-hop, routing,
 *    destination options, fragment with offset 0 and no more fragments,
 *    AH, mobility, HIP, shim6; at most 8) are skipped; IP fragments are
 *    not reassembled, only counted and mentioned in the error.
 *
 * Nothing here fails loudly: what cannot be read is counted in struct
 * cap (cut, malformed, frags, nonip) for the verdict.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <sys/socket.h>

#include "capture_int.h"

#define MAX_VLAN   4
#define MAX_V6_EXT 8

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static void
ipv4_packet(struct cap *c, const uint8_t *p, size_t n, unsigned long pkt)
{
    size_t ihl, tot;

    if (n < 20) {
        c->cut++;
        return;
    }
    ihl = (size_t)(p[0] & 0x0f) * 4;
    tot = be16(p + 2);
    if (tot == 0) /* segmentation offload: the length is not filled in */
        tot = n;
    if ((p[0] >> 4) != 4 || ihl < 20 || tot < ihl) {
        c->malformed++;
        return;
    }
    if (ihl > n) {
        c->cut++;
        return;
    }
    if ((be16(p + 6) & 0x3fff) != 0) { /* more fragments, or an offset */
        c->frags++;
        return;
    }
    if (p[9] != 6)
        return;
    mx_cap_tcp_segment(c, AF_INET, p + 12, p + 16, p + ihl,
                       (tot < n ? tot : n) - ihl, tot - ihl, pkt);
}

static void
ipv6_packet(struct cap *c, const uint8_t *p, size_t n, unsigned long pkt)
{
    size_t plen, claimed, avail, off = 40, len;
    unsigned nh, fo;
    int i;

    if (n < 40) {
        c->cut++;
        return;
    }
    if ((p[0] >> 4) != 6) {
        c->malformed++;
        return;
    }
    plen = be16(p + 4);
    claimed = plen == 0 ? n : 40 + plen; /* 0: jumbogram or offload */
    avail = claimed < n ? claimed : n;
    nh = p[6];
    for (i = 0;; i++) {
        if (nh == 6) {
            mx_cap_tcp_segment(c, AF_INET6, p + 8, p + 24, p + off, avail - off,
                               claimed - off, pkt);
            return;
        }
        if (i == MAX_V6_EXT) { /* a ninth extension header */
            c->malformed++;
            return;
        }
        if (off + 8 > avail) {
            if (off + 8 > claimed)
                c->malformed++;
            else
                c->cut++;
            return;
        }
        switch (nh) {
        case 0:   /* hop-by-hop options */
        case 43:  /* routing */
        case 60:  /* destination options */
        case 135: /* mobility */
        case 139: /* HIP */
        case 140: /* shim6 */
            len = ((size_t)p[off + 1] + 1) * 8;
            break;
        case 51: /* AH: length in 4-byte units, minus 2 */
            len = ((size_t)p[off + 1] + 2) * 4;
            break;
        case 44: /* fragment */
            fo = be16(p + off + 2);
            if ((fo & 0xfff8) != 0 || (fo & 1) != 0) {
                c->frags++;
                return;
            }
            len = 8;
            break;
        default: /* ESP, no next header, UDP, ICMPv6, ... */
            return;
        }
        nh = p[off];
        off += len;
        if (off > avail) {
            if (off > claimed)
                c->malformed++;
            else
                c->cut++;
            return;
        }
    }
}

int
mx_cap_dlt_supported(int dlt)
{
    return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
           dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6 ||
           dlt == DLT_NULL || dlt == DLT_LOOP;
}

/* One captured frame of link type dlt. */
void
mx_cap_frame(struct cap *c, int dlt, const uint8_t *p, size_t n,
             unsigned long pkt)
{
    size_t off = 0;
    unsigned et = 0;
    int tags = 0, by_version = 0;

    if (dlt == DLT_EN10MB) {
        off = 14;
        if (n >= off)
            et = be16(p + 12);
    } else if (dlt == DLT_LINUX_SLL) {
        off = 16;
        if (n >= off)
            et = be16(p + 14);
    } else if (dlt == DLT_LINUX_SLL2) {
        off = 20;
        if (n >= off)
            et = be16(p);
    } else if (dlt == DLT_NULL || dlt == DLT_LOOP) {
        off = 4; /* the address family, in the writer's byte order */
        by_version = 1;
    } else {
        by_version = 1; /* raw IP */
    }
    if (n < off) {
        c->cut++;
        return;
    }
    while (!by_version && (et == 0x8100 || et == 0x88a8 || et == 0x9100)) {
        if (++tags > MAX_VLAN || n < off + 4) {
            c->malformed++;
            return;
        }
        et = be16(p + off + 2);
        off += 4;
    }
    p += off;
    n -= off;
    if (by_version && n > 0 && (p[0] >> 4) == 4)
        et = 0x0800;
    else if (by_version && n > 0 && (p[0] >> 4) == 6)
        et = 0x86dd;
    if (et == 0x0800)
        ipv4_packet(c, p, n, pkt);
    else if (et == 0x86dd)
        ipv6_packet(c, p, n, pkt);
    else
        c->nonip++;
}
