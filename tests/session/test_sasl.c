/*
 * test_sasl.c: unit tests of session/sasl.c against the RFC vectors (RFC 4954, 4616, 2195,
 * 7677), the LOGIN and XOAUTH2 exchanges as servers run them, and strict base64.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sasl.h"

/* Decode base64 text that the test knows to be valid, as a NUL-terminated string. */
static char *
decode(const char *b64, size_t *len)
{
	size_t n = 0;
	unsigned char *d = b64_decode(b64, strlen(b64), &n);

	cr_assert_not_null(d, "not base64: %s", b64);
	if (len != NULL)
		*len = n;
	return (char *)d;
}

/* Base64 of a string, for building challenges. */
static char *
encode(const char *s)
{
	char *b = b64_encode(s, strlen(s));

	cr_assert_not_null(b);
	return b;
}

Test(sasl, plain_rfc4954_with_authzid)
{
	struct sasl *s = sasl_new(SASL_PLAIN, "test", "1234", "test");
	char *ir = NULL;

	cr_assert_not_null(s);
	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_str_eq(ir, "dGVzdAB0ZXN0ADEyMzQ=");
	free(ir);
	sasl_free(s);
}

Test(sasl, plain_rfc4616_without_authzid)
{
	struct sasl *s = sasl_new(SASL_PLAIN, "tim", "tanstaaftanstaaf", NULL);
	char *ir = NULL, *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_not_null(s);
	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_str_eq(ir, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(ir);
	/* A second challenge after the credentials is a protocol error, not a resend. */
	cr_assert_eq(sasl_step(s, "", 0, &resp, err, sizeof(err)), -1);
	cr_assert_null(resp);
	cr_assert(strstr(err, "tanstaaf") == NULL);
	sasl_free(s);
}

Test(sasl, plain_answers_empty_challenge_when_no_initial_response)
{
	struct sasl *s = sasl_new(SASL_PLAIN, "tim", "tanstaaftanstaaf", NULL);
	char *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, "", 0, &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
	free(resp);
	sasl_free(s);
}

Test(sasl, cram_md5_rfc2195)
{
	const char *ch = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	struct sasl *s = sasl_new(SASL_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL);
	char *ir = (char *)1, *resp = NULL, *plain, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_null(ir, "CRAM-MD5 has no initial response");
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	plain = decode(resp, NULL);
	cr_assert_str_eq(plain, "tim b913a602c7eda7a495b4e6e7334d3890");
	free(plain);
	free(resp);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	sasl_free(s);
}

Test(sasl, cram_md5_rejects_empty_and_bad_base64)
{
	struct sasl *s = sasl_new(SASL_CRAM_MD5, "tim", "tanstaaftanstaaf", NULL);
	char *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, "", 0, &resp, err, sizeof(err)), -1);
	cr_assert_null(resp);
	cr_assert_eq(sasl_step(s, "PDE4*", 5, &resp, err, sizeof(err)), -1);
	cr_assert(strstr(err, "base64") != NULL, "err: %s", err);
	sasl_free(s);
}

/* The RFC 7677 section 3 exchange, driven step by step. */
static const char scram_server_first[] =
	"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
static const char scram_client_final[] =
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

/* A SCRAM exchange at the point where the client-final message was sent. */
static struct sasl *
scram_to_final(void)
{
	struct sasl *s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL);
	char *ir = NULL, *resp = NULL, *plain, *ch, err[SASL_ERROR_MAX];

	cr_assert_not_null(s);
	sasl_set_client_nonce(s, "rOprNGfwEbeRWgbNEkqO");
	cr_assert_eq(sasl_initial(s, &ir), 0);
	plain = decode(ir, NULL);
	cr_assert_str_eq(plain, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
	free(plain);
	free(ir);
	ch = encode(scram_server_first);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0, "%s", err);
	free(ch);
	plain = decode(resp, NULL);
	cr_assert_str_eq(plain, scram_client_final);
	free(plain);
	free(resp);
	cr_assert_not(sasl_server_verified(s));
	return s;
}

Test(sasl, scram_sha256_rfc7677_proof_and_server_signature)
{
	struct sasl *s = scram_to_final();
	char *ch = encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), *resp = NULL;
	char err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "", "the server-final 334 is answered with an empty line");
	cr_assert(sasl_server_verified(s));
	free(resp);
	free(ch);
	sasl_free(s);
}

Test(sasl, scram_wrong_server_signature_is_refused)
{
	struct sasl *s = scram_to_final();
	/* One bit off in the last byte of the real signature. */
	char *ch = encode("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5="), *resp = NULL;
	char err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	cr_assert_null(resp);
	cr_assert_not(sasl_server_verified(s));
	cr_assert(strstr(err, "signature") != NULL, "err: %s", err);
	cr_assert(strstr(err, "pencil") == NULL);
	free(ch);
	sasl_free(s);
}

Test(sasl, scram_server_error_reported)
{
	struct sasl *s = scram_to_final();
	char *ch = encode("e=invalid-proof"), *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	cr_assert(strstr(err, "invalid-proof") != NULL, "err: %s", err);
	cr_assert_not(sasl_server_verified(s));
	free(ch);
	sasl_free(s);
}

Test(sasl, scram_nonce_must_extend_ours)
{
	struct sasl *s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL);
	char *ir = NULL, *resp = NULL, err[SASL_ERROR_MAX];
	char *ch = encode("r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");

	sasl_set_client_nonce(s, "rOprNGfwEbeRWgbNEkqO");
	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	cr_assert(strstr(err, "nonce") != NULL, "err: %s", err);
	free(ch);
	free(ir);
	sasl_free(s);
}

Test(sasl, scram_huge_iteration_count_refused)
{
	struct sasl *s = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL);
	char *ir = NULL, *resp = NULL, err[SASL_ERROR_MAX];
	char *ch = encode("r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=999999999");

	sasl_set_client_nonce(s, "rOprNGfwEbeRWgbNEkqO");
	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	free(ch);
	free(ir);
	sasl_free(s);
}

Test(sasl, scram_escapes_user_name)
{
	struct sasl *s = sasl_new(SASL_SCRAM_SHA_256, "a=b,c", "pencil", NULL);
	char *ir = NULL, *plain;

	sasl_set_client_nonce(s, "abc");
	cr_assert_eq(sasl_initial(s, &ir), 0);
	plain = decode(ir, NULL);
	cr_assert_str_eq(plain, "n,,n=a=3Db=2Cc,r=abc");
	free(plain);
	free(ir);
	sasl_free(s);
}

Test(sasl, scram_random_nonce_differs)
{
	struct sasl *a = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL);
	struct sasl *b = sasl_new(SASL_SCRAM_SHA_256, "user", "pencil", NULL);
	char *ia = NULL, *ib = NULL, *pa;

	cr_assert_eq(sasl_initial(a, &ia), 0);
	cr_assert_eq(sasl_initial(b, &ib), 0);
	cr_assert_str_neq(ia, ib);
	pa = decode(ia, NULL);
	cr_assert(strncmp(pa, "n,,n=user,r=", 12) == 0, "%s", pa);
	cr_assert(strlen(pa) > 12 + 16, "nonce too short: %s", pa);
	cr_assert(strchr(pa + 12, ',') == NULL);
	free(pa);
	free(ia);
	free(ib);
	sasl_free(a);
	sasl_free(b);
}

Test(sasl, login_username_then_password)
{
	struct sasl *s = sasl_new(SASL_LOGIN, "alice", "s3cret", NULL);
	char *ir = (char *)1, *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_initial(s, &ir), 0);
	cr_assert_null(ir);
	cr_assert_eq(sasl_step(s, "VXNlcm5hbWU6", 12, &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "YWxpY2U=");
	free(resp);
	cr_assert_eq(sasl_step(s, "UGFzc3dvcmQ6\r\n", 14, &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "czNjcmV0");
	free(resp);
	cr_assert_eq(sasl_step(s, "UGFzc3dvcmQ6", 12, &resp, err, sizeof(err)), 0,
		     "asked again for the password, answer again");
	free(resp);
	sasl_free(s);
}

Test(sasl, login_follows_challenge_not_order)
{
	struct sasl *s = sasl_new(SASL_LOGIN, "alice", "s3cret", NULL);
	char *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, "UGFzc3dvcmQ6", 12, &resp, err, sizeof(err)), 0);
	cr_assert_str_eq(resp, "czNjcmV0");
	free(resp);
	cr_assert_eq(sasl_step(s, "VXNlcm5hbWU6", 12, &resp, err, sizeof(err)), 0);
	cr_assert_str_eq(resp, "YWxpY2U=");
	free(resp);
	sasl_free(s);
}

Test(sasl, login_unknown_prompts_fall_back_on_order)
{
	struct sasl *s = sasl_new(SASL_LOGIN, "alice", "s3cret", NULL);
	char *ch = encode("Who are you?"), *resp = NULL, err[SASL_ERROR_MAX];

	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0);
	cr_assert_str_eq(resp, "YWxpY2U=");
	free(resp);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0);
	cr_assert_str_eq(resp, "czNjcmV0");
	free(resp);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	cr_assert_null(resp);
	cr_assert(strstr(err, "s3cret") == NULL);
	free(ch);
	sasl_free(s);
}

Test(sasl, xoauth2_initial_and_error_challenge)
{
	struct sasl *s =
		sasl_new(SASL_XOAUTH2, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3", NULL);
	char *ir = NULL, *resp = NULL, *plain, err[SASL_ERROR_MAX];
	char *ch = encode("{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"https://"
			  "mail.google.com/\"}");
	size_t n;

	cr_assert_eq(sasl_initial(s, &ir), 0);
	plain = decode(ir, &n);
	cr_assert_eq(
		n,
		strlen("user=someuser@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3\001\001"));
	cr_assert_str_eq(plain,
			 "user=someuser@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3\001\001");
	free(plain);
	free(ir);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(resp, "", "the JSON error is answered with an empty line");
	free(resp);
	cr_assert_eq(sasl_step(s, ch, strlen(ch), &resp, err, sizeof(err)), -1);
	free(ch);
	sasl_free(s);
}

Test(sasl, new_refuses_line_breaks)
{
	cr_assert_null(sasl_new(SASL_PLAIN, "a\r\nQUIT", "x", NULL));
	cr_assert_null(sasl_new(SASL_PLAIN, "a", "x\n", NULL));
	cr_assert_null(sasl_new(SASL_PLAIN, "a", "x", "z\r"));
	cr_assert_null(sasl_new(SASL_PLAIN, NULL, "x", NULL));
	cr_assert_null(sasl_new(SASL_MECH_COUNT, "a", "x", NULL));
}

Test(sasl, mech_names)
{
	enum sasl_mech m;

	for (int i = 0; i < SASL_MECH_COUNT; i++) {
		cr_assert_eq(sasl_mech_from_name(sasl_mech_name((enum sasl_mech)i), &m), 0);
		cr_assert_eq((int)m, i);
	}
	cr_assert_eq(sasl_mech_from_name("cram-md5", &m), 0);
	cr_assert_eq(m, SASL_CRAM_MD5);
	cr_assert_eq(sasl_mech_from_name("Scram-Sha-256", &m), 0);
	cr_assert_eq(m, SASL_SCRAM_SHA_256);
	cr_assert_str_eq(sasl_mech_name(SASL_XOAUTH2), "XOAUTH2");
	cr_assert_eq(sasl_mech_from_name("GSSAPI", &m), -1);
	cr_assert_eq(sasl_mech_from_name("PLAINX", &m), -1);
	cr_assert_eq(sasl_mech_from_name("", &m), -1);
}

Test(sasl, decode_challenge_for_display)
{
	char out[64];
	size_t n = 99;

	cr_assert_eq(sasl_decode_challenge("VXNlcm5hbWU6", 12, out, sizeof(out), &n), 0);
	cr_assert_eq(n, 9);
	cr_assert_str_eq(out, "Username:");
	cr_assert_eq(sasl_decode_challenge("UGFzc3dvcmQ6", 12, out, 5, &n), 0);
	cr_assert_str_eq(out, "Pass", "truncated to the buffer");
	cr_assert_eq(n, 4);
	cr_assert_eq(sasl_decode_challenge("", 0, out, sizeof(out), &n), 0);
	cr_assert_eq(n, 0);
	cr_assert_eq(sasl_decode_challenge("Hello there", 11, out, sizeof(out), &n), -1);
}

Test(b64, round_trips_every_length)
{
	unsigned char in[300];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 131 + 7);
	for (size_t len = 0; len <= sizeof(in); len++) {
		char *e = b64_encode(in, len);
		size_t n = 12345;
		unsigned char *d;

		cr_assert_not_null(e);
		cr_assert_eq(strlen(e), (len + 2) / 3 * 4);
		d = b64_decode(e, strlen(e), &n);
		cr_assert_not_null(d, "len %zu: %s", len, e);
		cr_assert_eq(n, len);
		cr_assert(memcmp(d, in, len) == 0);
		cr_assert_eq(d[n], 0);
		free(d);
		free(e);
	}
}

Test(b64, known_values)
{
	char *e = b64_encode("Man", 3);
	size_t n;
	unsigned char *d;

	cr_assert_str_eq(e, "TWFu");
	free(e);
	e = b64_encode("Ma", 2);
	cr_assert_str_eq(e, "TWE=");
	free(e);
	e = b64_encode("M", 1);
	cr_assert_str_eq(e, "TQ==");
	free(e);
	e = b64_encode("", 0);
	cr_assert_str_eq(e, "");
	free(e);
	d = b64_decode("", 0, &n);
	cr_assert_not_null(d, "empty input is valid");
	cr_assert_eq(n, 0);
	free(d);
	d = b64_decode("+/+/", 4, &n);
	cr_assert_not_null(d);
	cr_assert_eq(n, 3);
	cr_assert_eq(d[0], 0xfb);
	cr_assert_eq(d[1], 0xff);
	cr_assert_eq(d[2], 0xbf);
	free(d);
}

Test(b64, rejects)
{
	static const char *const bad[] = {
		"A",	    "AB",   "ABC",  "QQ=",   "QQ=A", "Q===", "====",  "QR==",	  "TWF=",
		"QQ==QQ==", "ab!d", "AB C", "AB\nC", "TW-u", "TW_u", "TWFu=", "TWFu====",
	};
	size_t n;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_null(b64_decode(bad[i], strlen(bad[i]), &n), "accepted \"%s\"", bad[i]);
	/* An embedded NUL is not base64 either. */
	cr_assert_null(b64_decode("TW\0u", 4, &n));
}
