/*
 * test_caps.c: unit tests of session/caps.c: EHLO replies from real-looking servers, both
 * AUTH forms merged, SIZE with and without a value, unknown keywords kept and capped,
 * case-insensitive keywords, clearing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"

/* Parse s (one whole reply) into caps. */
static void
tc_parse(const char *s, struct caps *c)
{
	struct reply_parser rp;
	struct reply r;
	size_t used = 0;

	reply_parser_init(&rp);
	cr_assert_eq(reply_parser_feed(&rp, s, strlen(s), &used, &r), REPLY_DONE, "%s",
		     reply_parser_error(&rp));
	reply_parser_free(&rp);
	memset(c, 0x5a, sizeof(*c)); /* caps_parse must not rely on a cleared struct */
	caps_parse(c, &r);
	reply_free(&r);
}

Test(caps, postfix_like)
{
	struct caps c;

	tc_parse("250-mx.example.com Hello client.example.org [192.0.2.1]\r\n"
		 "250-PIPELINING\r\n"
		 "250-SIZE 10240000\r\n"
		 "250-VRFY\r\n"
		 "250-ETRN\r\n"
		 "250-STARTTLS\r\n"
		 "250-ENHANCEDSTATUSCODES\r\n"
		 "250-8BITMIME\r\n"
		 "250-DSN\r\n"
		 "250-SMTPUTF8\r\n"
		 "250 CHUNKING\r\n",
		 &c);
	cr_assert(c.valid);
	cr_assert_str_eq(c.domain, "mx.example.com");
	cr_assert(c.pipelining);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 10240000ULL);
	cr_assert(c.starttls);
	cr_assert(c.enhancedstatuscodes);
	cr_assert(c.eightbitmime);
	cr_assert(c.dsn);
	cr_assert(c.smtputf8);
	cr_assert(c.chunking);
	cr_assert_not(c.binarymime);
	cr_assert_not(c.requiretls);
	cr_assert_not(c.auth);
	cr_assert_eq(c.auth_mechs, 0);
	cr_assert_str_eq(c.auth_names, "");
	cr_assert_eq(c.nunknown, 2);
	cr_assert_str_eq(c.unknown[0], "VRFY");
	cr_assert_str_eq(c.unknown[1], "ETRN");
}

Test(caps, auth_both_forms_merged)
{
	struct caps c;

	tc_parse("250-smtp.example.com\r\n"
		 "250-AUTH LOGIN PLAIN CRAM-MD5\r\n"
		 "250-AUTH=LOGIN PLAIN XOAUTH2\r\n"
		 "250 BINARYMIME\r\n",
		 &c);
	cr_assert(c.auth);
	cr_assert(c.auth_legacy);
	cr_assert_str_eq(c.auth_names, "LOGIN PLAIN CRAM-MD5 XOAUTH2");
	cr_assert(caps_has_mech(&c, SASL_LOGIN));
	cr_assert(caps_has_mech(&c, SASL_PLAIN));
	cr_assert(caps_has_mech(&c, SASL_CRAM_MD5));
	cr_assert(caps_has_mech(&c, SASL_XOAUTH2));
	cr_assert_not(caps_has_mech(&c, SASL_SCRAM_SHA_256));
	cr_assert_not(caps_has_mech(&c, SASL_MECH_COUNT));
	cr_assert(c.binarymime);
	cr_assert_eq(c.nunknown, 0);
}

Test(caps, auth_modern_only_and_unknown_mechs)
{
	struct caps c;

	tc_parse("250-x\r\n250 auth  scram-sha-256 GSSAPI  login\r\n", &c);
	cr_assert(c.auth);
	cr_assert_not(c.auth_legacy);
	cr_assert_str_eq(c.auth_names, "scram-sha-256 GSSAPI login");
	cr_assert(caps_has_mech(&c, SASL_SCRAM_SHA_256));
	cr_assert(caps_has_mech(&c, SASL_LOGIN));
	cr_assert_not(caps_has_mech(&c, SASL_PLAIN));

	/* Legacy form alone. */
	tc_parse("250-x\r\n250 AUTH=PLAIN\r\n", &c);
	cr_assert(c.auth);
	cr_assert(c.auth_legacy);
	cr_assert_str_eq(c.auth_names, "PLAIN");
	cr_assert_eq(c.auth_mechs, 1u << SASL_PLAIN);

	/* AUTH with no mechanism at all is still AUTH. */
	tc_parse("250-x\r\n250 AUTH\r\n", &c);
	cr_assert(c.auth);
	cr_assert_str_eq(c.auth_names, "");
	cr_assert_eq(c.auth_mechs, 0);
}

Test(caps, size_with_and_without_value)
{
	struct caps c;

	tc_parse("250-x\r\n250 SIZE\r\n", &c);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 0);

	tc_parse("250-x\r\n250 SIZE 0\r\n", &c);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 0);

	tc_parse("250-x\r\n250 size 35882577\r\n", &c);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 35882577ULL);

	tc_parse("250-x\r\n250 SIZE 18446744073709551615\r\n", &c);
	cr_assert_eq(c.size_max, 18446744073709551615ULL);

	/* Overflow and junk give no limit, not a wrong one. */
	tc_parse("250-x\r\n250 SIZE 18446744073709551616\r\n", &c);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 0);
	tc_parse("250-x\r\n250 SIZE 12ab\r\n", &c);
	cr_assert(c.size);
	cr_assert_eq(c.size_max, 0);

	tc_parse("250-x\r\n250 PIPELINING\r\n", &c);
	cr_assert_not(c.size);
}

Test(caps, keywords_case_insensitive)
{
	struct caps c;

	tc_parse("250-x\r\n250-pipelining\r\n250-StartTLS\r\n250-8bitmime\r\n250-requiretls\r\n"
		 "250 EnhancedStatusCodes\r\n",
		 &c);
	cr_assert(c.pipelining);
	cr_assert(c.starttls);
	cr_assert(c.eightbitmime);
	cr_assert(c.requiretls);
	cr_assert(c.enhancedstatuscodes);
	cr_assert_eq(c.nunknown, 0);
}

Test(caps, unknown_keywords_kept_and_capped)
{
	char buf[8192];
	size_t n = 0;
	struct caps c;

	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-mx\r\n");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-XCLIENT NAME ADDR PROTO\r\n");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-X-%0100d\r\n", 7);
	for (int i = 0; i < CAPS_UNKNOWN_MAX + 5; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250-XK%d\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "250 DSN\r\n");
	tc_parse(buf, &c);
	cr_assert_eq(c.nunknown, CAPS_UNKNOWN_MAX);
	cr_assert_str_eq(c.unknown[0], "XCLIENT NAME ADDR PROTO");
	cr_assert_eq(strlen(c.unknown[1]), CAPS_KEYWORD_MAX - 1);
	cr_assert(strncmp(c.unknown[1], "X-0000", 6) == 0);
	cr_assert_str_eq(c.unknown[2], "XK0");
	cr_assert_str_eq(c.unknown[CAPS_UNKNOWN_MAX - 1], "XK29");
	/* Known keywords after the cap still count. */
	cr_assert(c.dsn);
}

Test(caps, domain_is_capped)
{
	char buf[1024];
	struct caps c;

	snprintf(buf, sizeof(buf), "250 %0400d greets you\r\n", 1);
	tc_parse(buf, &c);
	cr_assert(c.valid);
	cr_assert_eq(strlen(c.domain), sizeof(c.domain) - 1);
	cr_assert_eq(c.nunknown, 0);
}

Test(caps, single_line_and_not_250)
{
	struct caps c;

	tc_parse("250 mail.example.net\r\n", &c);
	cr_assert(c.valid);
	cr_assert_str_eq(c.domain, "mail.example.net");
	cr_assert_not(c.pipelining);

	tc_parse("502 5.5.2 EHLO not implemented\r\n", &c);
	cr_assert_not(c.valid);
	cr_assert_str_eq(c.domain, "");
	cr_assert_eq(c.nunknown, 0);
}

Test(caps, clear_forgets_everything)
{
	struct caps c, zero;

	tc_parse("250-x\r\n250-STARTTLS\r\n250-AUTH PLAIN\r\n250 SIZE 100\r\n", &c);
	cr_assert(c.starttls && c.auth && c.size);
	caps_clear(&c);
	memset(&zero, 0, sizeof(zero));
	cr_assert_eq(memcmp(&c, &zero, sizeof(c)), 0);
	cr_assert_not(c.valid);
	cr_assert_not(caps_has_mech(&c, SASL_PLAIN));
}
