/*
 * fuzz_capture.c - libFuzzer target for capture*.c: a recorded ClientHello
 * from the bytes of a file, as mx_hello_from_file reads it once the one
 * file reader has read it: hex text, or a pcap or pcapng capture (read by
 * libpcap from memory), with IPv4/IPv6, TCP reassembly and the SMTP,
 * LMTP, IMAP and POP3 dialogue analysis behind it.
 *
 * Input: the whole file. Besides the sanitizers, the target aborts when a
 * success returns no bytes, more than MX_RECORDED_MAX bytes, bytes that
 * mx_hello_decode refuses or no origin, or when a failure leaves bytes
 * behind or has no message.
 *
 * Build and run: see tests/fuzz/README.md.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct mx_hello_view view;
    struct mx_recorded_hello h;
    struct mx_error err;
    int rc;

    mx_error_clear(&err);
    rc = mx_hello_from_bytes(data, size, "fuzz.input", &h, &err);
    if (rc == 0) {
        if (h.bytes == NULL || h.len == 0 || h.len > MX_RECORDED_MAX + 5 ||
            h.origin[0] == '\0' ||
            memchr(h.origin, '\0', sizeof(h.origin)) == NULL)
            abort();
        /* a hello over several records is decoded joined by capture.c;
         * one record must decode as it is */
        if (h.len >= 5 && h.bytes[0] == 0x16 &&
            (size_t)(h.bytes[3] << 8 | h.bytes[4]) + 5 == h.len &&
            mx_hello_decode(h.bytes, h.len, &view, &err) != 0)
            abort();
    } else {
        if (rc != -1 || h.bytes != NULL || h.len != 0 || err.msg[0] == '\0')
            abort();
        if (err.code != MX_E_USAGE && err.code != MX_E_INTERNAL)
            abort();
    }
    mx_recorded_hello_free(&h);
    return 0;
}
