#!/bin/bash
#
# openssl-certs.sh - the loop a mail administrator would write to learn
# every certificate of a mail server with nothing but the openssl command
# line tool: one STARTTLS handshake per signature algorithm, each
# restricted with -sigalgs so that a multi-certificate server has to
# present the certificate of that key type, then the key of whatever
# certificate came back.
#
#   tests/bench/openssl-certs.sh HOST PORT
#
# Prints one line per handshake: "SIGALG TYPE", TYPE being "RSA 2048",
# "RSA-PSS 2048", "ECDSA P-256", "ECDSA P-384", "ECDSA P-521", "Ed25519",
# "Ed448" or "DSA 2048", or "-" when the handshake failed (no certificate
# for that algorithm).  Exits 0 when every handshake was tried, 2 on a
# usage error.
#
# The algorithms are the TLS 1.3 ones (sigalgs of RFC 8446, Sect. 4.2.3):
# a DSA certificate (TLS 1.2 only, DHE-DSS suites) or a server without
# TLS 1.3 is not covered, as it would not be by such a loop.

set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 HOST PORT" >&2
    exit 2
fi
host=$1
port=$2
openssl=${OPENSSL:-openssl}

SIGALGS="rsa_pss_rsae_sha256 rsa_pss_pss_sha256 ecdsa_secp256r1_sha256
ecdsa_secp384r1_sha384 ecdsa_secp521r1_sha512 ed25519 ed448"

# keytype: read "openssl x509 -noout -text" on stdin, print the key type.
keytype() {
    local line alg='' bits='' curve=''
    local re_bits='Public-Key: \(([0-9]+) bit\)'
    while IFS= read -r line; do
        case $line in
        *"Public Key Algorithm:"*)
            [ -n "$alg" ] || alg=${line##*: }
            ;;
        *"NIST CURVE:"*) curve=${line##*: } ;;
        *"ASN1 OID:"*)
            case ${line##*: } in
            prime256v1) [ -n "$curve" ] || curve=P-256 ;;
            secp384r1) [ -n "$curve" ] || curve=P-384 ;;
            secp521r1) [ -n "$curve" ] || curve=P-521 ;;
            esac
            ;;
        *)
            if [ -z "$bits" ] && [[ $line =~ $re_bits ]]; then
                bits=${BASH_REMATCH[1]}
            fi
            ;;
        esac
    done
    case $alg in
    rsaEncryption) echo "RSA $bits" ;;
    rsassaPss) echo "RSA-PSS $bits" ;;
    id-ecPublicKey) echo "ECDSA ${curve:-$bits-bit}" ;;
    ED25519) echo Ed25519 ;;
    ED448) echo Ed448 ;;
    dsaEncryption) echo "DSA $bits" ;;
    "") echo - ;;
    *) echo "$alg" ;;
    esac
}

for alg in $SIGALGS; do
    type=$("$openssl" s_client -starttls smtp -connect "$host:$port" \
        -sigalgs "$alg" </dev/null 2>/dev/null |
        "$openssl" x509 -noout -text 2>/dev/null | keytype)
    echo "$alg ${type:--}"
done
exit 0
