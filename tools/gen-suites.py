#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""gen-suites.py - generate common/suites_table.h from the IANA registry.

Usage:
    python3 tools/gen-suites.py iana-tls-cipher-suites.csv \
        > common/suites_table.h

Input: the CSV export of the IANA "TLS Cipher Suites" registry (Transport
Layer Security (TLS) Parameters, https://www.iana.org/assignments/
tls-parameters/tls-parameters-4.csv): columns Value ("0xC0,0x30"),
Description (the suite name), DTLS-OK, Recommended, Reference.

Output (stdout): one C initializer of struct mx_suite (common/suites.h) per
named suite, in code order. The output depends only on the bytes of the CSV
(whose SHA-256 it records), so running the generator again on the same file
gives a byte-identical header. The OpenSSL name is left NULL: suites.c
fills it in at run time from the linked library, or from its own table of
legacy names.

Rows skipped: code ranges ("0x00,0x1C-1D", "0x01-09,*") and the names
"Unassigned", "Reserved ..." (GREASE values, private use, conflicts).
Anything else the rules below cannot read stops the generator with an
error, so a new kind of suite in a future registry is never guessed at.

Derivation rules, from the IANA name alone:

  Shape. TLS_<KX>[_EXPORT]_WITH_<CIPHER>_<MAC> is a suite of TLS 1.2 and
  below; TLS_<CIPHER>_<HASH> (no _WITH_) is a TLS 1.3 suite; the two
  signalling values (TLS_EMPTY_RENEGOTIATION_INFO_SCSV, TLS_FALLBACK_SCSV)
  are flagged MX_SUITE_SCSV.

  Key exchange / authentication (the <KX> part):
    NULL              NULL / NULL      (TLS_NULL_WITH_NULL_NULL only)
    RSA               RSA / RSA        (RSA_EXPORT too)
    DH_DSS, DH_RSA    DH / DSS, RSA    (static DH)
    DH_anon           DH / NULL        (suites.h puts anon under DH)
    DHE_DSS, DHE_RSA  DHE / DSS, RSA
    ECDH_ECDSA, ECDH_RSA   ECDH / ECDSA, RSA
    ECDH_anon         ECDH / NULL      (suites.h puts anon under ECDH)
    ECDHE_ECDSA, ECDHE_RSA ECDHE / ECDSA, RSA
    PSK, DHE_PSK, PSK_DHE, ECDHE_PSK   PSK / PSK
    RSA_PSK           PSK / RSA        (the server proves itself with RSA)
    SRP_SHA, SRP_SHA_RSA, SRP_SHA_DSS  SRP / SRP, RSA, DSS
    KRB5              KRB5 / KRB5
    ECCPWD            ECCPWD / ECCPWD
    GOSTR341112_256   GOST / GOST
    (TLS 1.3 suites)  TLS13 / TLS13

  Bulk cipher and key size (the <CIPHER> part):
    NULL 0; RC4_40 RC4 40; RC4_128 RC4 128; RC2_CBC_40 RC2 40;
    IDEA_CBC IDEA 128; DES40_CBC and DES_CBC_40 DES 40; DES_CBC DES 56;
    3DES_EDE_CBC 3DES 168; SEED_CBC SEED 128;
    AES_n_CBC AES n; AES_n_GCM AESGCM n; AES_n_CCM AESCCM n;
    AES_n_CCM_8 AESCCM8 n; CAMELLIA_n_CBC CAMELLIA n;
    CAMELLIA_n_GCM CAMELLIAGCM n; ARIA_n_CBC ARIA n; ARIA_n_GCM ARIAGCM n;
    CHACHA20_POLY1305 CHACHA20 256; SM4_GCM SM4GCM 128; SM4_CCM SM4CCM 128;
    AEGIS_256 AEGIS256 256; AEGIS_128L AEGIS128L 128;
    KUZNYECHIK_CTR KUZNYECHIK 256; MAGMA_CTR MAGMA 256;
    28147_CNT GOST89 256; KUZNYECHIK_MGM_L/S KUZNYECHIKMGM 256;
    MAGMA_MGM_L/S MAGMAMGM 256.

  MAC: "AEAD" for GCM, CCM, CCM_8, POLY1305, MGM, AEGIS and every TLS 1.3
  AEAD suite (their trailing hash is the HKDF hash, not a MAC); otherwise
  the name's last part: MD5, SHA (written SHA1), SHA256, SHA384; OMAC and
  IMIT for the RFC 9189 GOST suites; for TLS_SHA256_SHA256 and
  TLS_SHA384_SHA384 (RFC 9150, integrity only) SHA256 and SHA384.

  Versions (min..max):
    TLS 1.3 suites (no _WITH_, and the RFC 9367 GOST MGM suites)
                                          TLS1.3..TLS1.3
    ECCPWD (RFC 8492 defines the exchange for TLS 1.2 and TLS 1.3; its
      extensions are registered for TLS 1.3 ClientHello/ServerHello)
                                          TLS1.2..TLS1.3
    GCM, CCM, CHACHA20, or a SHA256/SHA384 MAC (RFC 5246 and later,
      which need the TLS 1.2 PRF), and the RFC 9189 GOST suites
                                          TLS1.2..TLS1.2
    EXPORT suites: RFC 4346 (TLS 1.1) says they MUST NOT be negotiated in
      TLS 1.1 mode                        SSLv3..TLS1.0
    everything else (as OpenSSL and the SSLv3 spec list them)
                                          SSLv3..TLS1.2
    the two SCSVs: the versions whose ClientHello may carry them
                                          SSLv3..TLS1.3

  Flags: MX_SUITE_EXPORT for _EXPORT_ in the name; MX_SUITE_SCSV for the
  two signalling values; MX_SUITE_REC when the Recommended column is "Y".
"""

import csv
import hashlib
import re
import sys

KX = {
    "NULL": ("NULL", "NULL"),
    "RSA": ("RSA", "RSA"),
    "DH_DSS": ("DH", "DSS"),
    "DH_RSA": ("DH", "RSA"),
    "DH_anon": ("DH", "NULL"),
    "DHE_DSS": ("DHE", "DSS"),
    "DHE_RSA": ("DHE", "RSA"),
    "ECDH_ECDSA": ("ECDH", "ECDSA"),
    "ECDH_RSA": ("ECDH", "RSA"),
    "ECDH_anon": ("ECDH", "NULL"),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA"),
    "ECDHE_RSA": ("ECDHE", "RSA"),
    "PSK": ("PSK", "PSK"),
    "DHE_PSK": ("PSK", "PSK"),
    "PSK_DHE": ("PSK", "PSK"),
    "ECDHE_PSK": ("PSK", "PSK"),
    "RSA_PSK": ("PSK", "RSA"),
    "SRP_SHA": ("SRP", "SRP"),
    "SRP_SHA_RSA": ("SRP", "RSA"),
    "SRP_SHA_DSS": ("SRP", "DSS"),
    "KRB5": ("KRB5", "KRB5"),
    "ECCPWD": ("ECCPWD", "ECCPWD"),
    "GOSTR341112_256": ("GOST", "GOST"),
}

# (pattern for the cipher part, enc, bits, AEAD?). A pattern matches the
# whole cipher part without the MAC; a named group "n" gives the key size
# when bits is None.
CIPHERS = [
    (r"NULL", "NULL", 0, False),
    (r"RC4_40", "RC4", 40, False),
    (r"RC4_128", "RC4", 128, False),
    (r"RC2_CBC_40", "RC2", 40, False),
    (r"IDEA_CBC", "IDEA", 128, False),
    (r"DES40_CBC", "DES", 40, False),
    (r"DES_CBC_40", "DES", 40, False),
    (r"DES_CBC", "DES", 56, False),
    (r"3DES_EDE_CBC", "3DES", 168, False),
    (r"SEED_CBC", "SEED", 128, False),
    (r"AES_(?P<n>128|256)_CBC", "AES", None, False),
    (r"AES_(?P<n>128|256)_GCM", "AESGCM", None, True),
    (r"AES_(?P<n>128|256)_CCM", "AESCCM", None, True),
    (r"AES_(?P<n>128|256)_CCM_8", "AESCCM8", None, True),
    (r"CAMELLIA_(?P<n>128|256)_CBC", "CAMELLIA", None, False),
    (r"CAMELLIA_(?P<n>128|256)_GCM", "CAMELLIAGCM", None, True),
    (r"ARIA_(?P<n>128|256)_CBC", "ARIA", None, False),
    (r"ARIA_(?P<n>128|256)_GCM", "ARIAGCM", None, True),
    (r"CHACHA20_POLY1305", "CHACHA20", 256, True),
    (r"SM4_GCM", "SM4GCM", 128, True),
    (r"SM4_CCM", "SM4CCM", 128, True),
    (r"AEGIS_256", "AEGIS256", 256, True),
    (r"AEGIS_128L", "AEGIS128L", 128, True),
    (r"KUZNYECHIK_CTR", "KUZNYECHIK", 256, False),
    (r"MAGMA_CTR", "MAGMA", 256, False),
    (r"28147_CNT", "GOST89", 256, False),
    (r"KUZNYECHIK_MGM_[LS]", "KUZNYECHIKMGM", 256, True),
    (r"MAGMA_MGM_[LS]", "MAGMAMGM", 256, True),
]

MACS = {"MD5": "MD5", "SHA": "SHA1", "SHA256": "SHA256",
        "SHA384": "SHA384", "SM3": "SM3", "OMAC": "OMAC", "IMIT": "IMIT"}

SCSVS = ("TLS_EMPTY_RENEGOTIATION_INFO_SCSV", "TLS_FALLBACK_SCSV")


class GenError(Exception):
    pass


def cipher(part):
    """Split "<CIPHER>[_<MAC>]" into (enc, bits, aead, mac or None)."""
    for pat, enc, bits, aead in CIPHERS:
        m = re.fullmatch("(?:" + pat + ")(?:_(?P<mac>[A-Z0-9]+))?", part)
        if m is None:
            continue
        mac = m.group("mac")
        if mac is not None and mac not in MACS:
            continue
        size = bits if bits is not None else int(m.group("n"))
        return enc, size, aead, mac
    raise GenError("cannot read cipher part %r" % part)


def derive(name):
    """Return (kx, auth, enc, bits, mac, minv, maxv, flags) for a name."""
    if name in SCSVS:
        return ("OTHER", "OTHER", "NULL", 0, "NULL", "MX_SSL3", "MX_TLS13",
                ["MX_SUITE_SCSV"])
    if not name.startswith("TLS_"):
        raise GenError("not a TLS suite name: %r" % name)
    body = name[4:]
    flags = []
    if body in ("SHA256_SHA256", "SHA384_SHA384"):
        h = body.split("_")[0]
        return ("TLS13", "TLS13", "NULL", 0, h, "MX_TLS13", "MX_TLS13",
                flags)
    if "_WITH_" not in body:
        enc, bits, aead, mac = cipher(body)
        if not aead or mac is None:
            raise GenError("unexpected TLS 1.3 suite %r" % name)
        return ("TLS13", "TLS13", enc, bits, "AEAD", "MX_TLS13", "MX_TLS13",
                flags)
    kxpart, cpart = body.split("_WITH_", 1)
    export = kxpart.endswith("_EXPORT")
    if export:
        kxpart = kxpart[: -len("_EXPORT")]
        flags.append("MX_SUITE_EXPORT")
    if kxpart not in KX:
        raise GenError("unknown key exchange %r in %r" % (kxpart, name))
    kx, auth = KX[kxpart]
    if name == "TLS_NULL_WITH_NULL_NULL":
        return ("NULL", "NULL", "NULL", 0, "NULL", "MX_SSL3", "MX_TLS12",
                flags)
    enc, bits, aead, mac = cipher(cpart)
    if enc in ("KUZNYECHIKMGM", "MAGMAMGM"):
        return ("TLS13", "TLS13", enc, bits, "AEAD", "MX_TLS13", "MX_TLS13",
                flags)
    if aead:
        macname = "AEAD"
    elif mac is None:
        raise GenError("no MAC in %r" % name)
    else:
        macname = MACS[mac]
    if kx == "ECCPWD":
        minv, maxv = "MX_TLS12", "MX_TLS13"
    elif aead or mac in ("SHA256", "SHA384") or kx == "GOST":
        minv, maxv = "MX_TLS12", "MX_TLS12"
    elif export:
        minv, maxv = "MX_SSL3", "MX_TLS10"
    else:
        minv, maxv = "MX_SSL3", "MX_TLS12"
    if export and minv != "MX_SSL3":
        raise GenError("export suite beyond TLS 1.0: %r" % name)
    return (kx, auth, enc, bits, macname, minv, maxv, flags)


def code_of(value):
    """"0xC0,0x30" -> 0xC030; None for ranges and wildcards."""
    m = re.fullmatch(r"0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})", value)
    if m is None:
        return None
    return int(m.group(1), 16) << 8 | int(m.group(2), 16)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: gen-suites.py iana-tls-cipher-suites.csv\n")
        return 2
    with open(argv[1], "rb") as f:
        raw = f.read()
    digest = hashlib.sha256(raw).hexdigest()
    rows = list(csv.reader(raw.decode("utf-8").splitlines(True)))
    if not rows or rows[0][:5] != ["Value", "Description", "DTLS-OK",
                                   "Recommended", "Reference"]:
        raise GenError("unexpected CSV header %r" % (rows[:1],))
    out = {}
    refs = set()
    for row in rows[1:]:
        if len(row) < 5:
            raise GenError("short row %r" % (row,))
        value, name, rec, ref = row[0], row[1].strip(), row[3], row[4]
        code = code_of(value)
        if code is None or name == "Unassigned" or name.startswith("Reserved"):
            continue
        if code in out:
            raise GenError("duplicate code 0x%04X" % code)
        kx, auth, enc, bits, mac, minv, maxv, flags = derive(name)
        if rec == "Y":
            flags = flags + ["MX_SUITE_REC"]
        for r in re.findall(r"\[([^\]]+)\]", ref):
            refs.add(r)
        out[code] = (name, kx, auth, enc, bits, mac, minv, maxv, flags)

    w = sys.stdout.write
    w("/*\n")
    w(" * suites_table.h - GENERATED by tools/gen-suites.py; do not edit.\n")
    w(" *\n")
    w(" * Source: IANA \"TLS Cipher Suites\" registry (Transport Layer\n")
    w(" * Security (TLS) Parameters), CSV export iana-tls-cipher-suites.csv,\n")
    w(" * SHA-256 %s.\n" % digest[:32])
    w(" *         %s\n" % digest[32:])
    rfcs = sorted(int(r[3:]) for r in refs if re.fullmatch(r"RFC\d+", r))
    drafts = sorted(r for r in refs if not re.fullmatch(r"RFC\d+", r)
                    and r.startswith(("draft-", "RFC-")))
    w(" * The CSV carries no date of its own. Highest RFC it cites: RFC %d;\n"
      % rfcs[-1])
    w(" * drafts it cites:\n")
    for d in drafts:
        w(" *   %s\n" % d)
    w(" * %d named suites.\n" % len(out))
    w(" *\n")
    w(" * Regenerate (output is byte-identical for the same CSV):\n")
    w(" *   python3 tools/gen-suites.py iana-tls-cipher-suites.csv \\\n")
    w(" *       > common/suites_table.h\n")
    w(" * The derivation rules are documented in the generator.\n")
    w(" *\n")
    w(" * Fields: code, IANA name, OpenSSL name (filled in by suites.c), key\n")
    w(" * exchange, authentication, cipher, key bits, MAC, lowest and highest\n")
    w(" * version, flags. Included by suites.c inside an array initializer.\n")
    w(" */\n")
    w("/* One line per suite; clang-format is off to the end of the file. */\n")
    w("/* clang-format off */\n")
    for code in sorted(out):
        name, kx, auth, enc, bits, mac, minv, maxv, flags = out[code]
        fl = " | ".join(flags) if flags else "0"
        w('{0x%04X, "%s", NULL, MX_KX_%s, MX_SAUTH_%s, "%s", %d, "%s", '
          "%s, %s, %s},\n" % (code, name, kx, auth, enc, bits, mac, minv,
                              maxv, fl))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except GenError as e:
        sys.stderr.write("gen-suites.py: %s\n" % e)
        sys.exit(1)
