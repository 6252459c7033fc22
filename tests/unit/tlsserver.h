/*
 * tlsserver.h - TLS servers for the unit tests, made in the test itself:
 * certificates generated with the OpenSSL API (RSA, ECDSA, Ed25519; self
 * signed or issued by a test CA) and an OpenSSL server on an ephemeral
 * port of 127.0.0.1, forked, one process per connection, implicit TLS
 * (the dialect "none": no STARTTLS).
 *
 * A server is configured the way an administrator configures one (version
 * range, cipher lists, whose order decides, groups, certificates), or
 * made to misbehave: close at once, close after the ClientHello, reset,
 * answer with text that is not TLS, or never answer. What the server saw
 * (connections, completed and failed handshakes) is counted in memory
 * shared with the test.
 *
 * Functions return 0 or -1 and print a TAP diagnostic ("# ...") on
 * failure; nothing here exits the test.
 */
#ifndef MX_TEST_TLSSERVER_H
#define MX_TEST_TLSSERVER_H

#include <sys/types.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A key and its certificate; ca is the issuer's certificate (sent as the
 * chain's second element), or NULL when self-signed. */
struct ts_cert {
    EVP_PKEY *key;
    X509 *cert;
    X509 *ca;
};

/*
 * Make a key ("RSA" with bits, "EC" with curve such as "P-256", or
 * "ED25519") and a certificate for cn, valid from yesterday for 30 days.
 * issuer NULL: self-signed; else signed by issuer (whose cert becomes
 * c->ca). 0 or -1.
 */
int ts_cert_make(struct ts_cert *c, const char *alg, int bits,
                 const char *curve, const char *cn,
                 const struct ts_cert *issuer);
void ts_cert_free(struct ts_cert *c);

enum ts_mode {
    TS_TLS = 0,      /* an OpenSSL server as configured */
    TS_TLS_NOALERT,  /* the same, but a failed handshake ends with a close
                        instead of its alert (as Dovecot does) */
    TS_CLOSE,        /* read the ClientHello, then close */
    TS_RESET,        /* read the ClientHello, then reset (RST) */
    TS_GARBAGE,      /* read the ClientHello, answer with an SMTP line */
    TS_SILENT,       /* read the ClientHello, never answer */
    TS_CLOSE_AT_ONCE /* close before reading anything */
};

#define TS_MAX_CERTS 4

struct ts_config {
    enum ts_mode mode;
    int min_version, max_version; /* TLS1_VERSION ...; 0: library's */
    const char *ciphers;          /* TLS 1.2 and below; NULL: "DEFAULT" */
    const char *ciphersuites;     /* TLS 1.3; NULL: the library's default */
    int server_pref;              /* the server's suite order decides */
    const char *groups;           /* NULL: the library's default */
    const struct ts_cert *certs[TS_MAX_CERTS]; /* one per key type */
    size_t ncerts;
};

struct ts_counts {
    int connections; /* accepted */
    int completed;   /* handshakes that completed */
    int failed;      /* handshakes that did not */
    int active;      /* connections being served now */
};

struct ts_server {
    pid_t pid; /* the listener (leader of its process group) */
    int port;
    struct ts_counts *counts; /* shared with the server's processes */
};

/* Fork a server for cfg; 0 once it listens, -1 when it could not start
 * (the configuration was refused: the diagnostic says why). */
int ts_start(struct ts_server *s, const struct ts_config *cfg);

/* Wait until no connection is being served (bounded: at most 10 s) so
 * that the counts are final. 0, or -1 when some still run. */
int ts_settle(struct ts_server *s);

/* Stop the listener and every connection's process; free the counts. */
void ts_stop(struct ts_server *s);

/* A target of implicit TLS on 127.0.0.1:port, resolved, with a deadline
 * secs from now (a resolution error is a TAP diagnostic). */
struct mx_target;
void ts_target(struct mx_target *t, int port, double secs);

#endif
