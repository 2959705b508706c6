/*
 * twin_cert.h: twin-cert, keys, requests, composite PEM files and a small
 * site CA, on OpenSSL's API.
 */
#ifndef TWIN_CERT_H
#define TWIN_CERT_H

#include <sys/types.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TC_MAXSAN	100	/* subjectAltNames in one request */

/* twin_cert.c */
void	 tc_die(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 tc_fail(char *) __attribute__((noreturn));
void	 tc_note(const char *, ...) __attribute__((format(printf, 1, 2)));
BIO	*tc_mem(void);
void	 tc_write(const char *, BIO *, mode_t, int);
EVP_PKEY *tc_keygen(const char *, int);
EVP_PKEY *tc_key_read(const char *, const char *);
char	*tc_pass_read(const char *);
void	 tc_key_desc(EVP_PKEY *, char *, size_t);
int	 tc_key_weak(EVP_PKEY *);
int	 tc_days(const char *, int, int);
void	 tc_ext(X509 *, X509 *, int, const char *);
void	 tc_serial_rand(ASN1_INTEGER *);
X509_NAME *tc_name_parse(const char *);
X509_REQ *tc_req_make(X509_NAME *, EVP_PKEY *, GENERAL_NAMES *);
int	 tc_dns_valid(const char *);
void	 tc_san_add(GENERAL_NAMES *, const char *);

/* twin_cert_ca.c */
int	 tc_ca(int, char **);

/* twin_cert_dist.c */
int	 tc_dist(int, char **);

#endif
