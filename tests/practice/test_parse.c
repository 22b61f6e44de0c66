/*
 * test_parse.c: the practice server's parsers: line splitting, verbs, MAIL/RCPT paths and
 * parameters, address syntax, numbers, and the DATA decoder (unstuffing, the only real
 * terminator, bare CR/LF/NUL counts, every smuggling sequence of SMTP-FACTS.md).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "parse.h"

/* Decode a whole buffer in one call; returns bytes used. */
static size_t
decode(const char *in, size_t len, struct parse_data *d, char *out, size_t *outlen, bool *done)
{
	parse_data_init(d);
	*outlen = 0;
	return parse_data_feed(d, in, len, out, outlen, done);
}

Test(line, splits_crlf_and_bare_lf)
{
	size_t linelen, used;
	cr_assert(parse_line("EHLO x\r\nNOOP\r\n", 14, &linelen, &used));
	cr_assert_eq(linelen, 6);
	cr_assert_eq(used, 8);
	cr_assert(parse_line("QUIT\n", 5, &linelen, &used));
	cr_assert_eq(linelen, 4);
	cr_assert_eq(used, 5);
	cr_assert_not(parse_line("HELO partial", 12, &linelen, &used));
}

Test(verb, case_insensitive_with_argument)
{
	const char *arg;
	size_t arglen;
	cr_assert_eq(parse_verb("mail FROM:<a@b>", 15, &arg, &arglen), PARSE_VERB_MAIL);
	cr_assert_eq(arglen, 10);
	cr_assert(strncmp(arg, "FROM:<a@b>", arglen) == 0);
	cr_assert_eq(parse_verb("STARTTLS", 8, &arg, &arglen), PARSE_VERB_STARTTLS);
	cr_assert_eq(arglen, 0);
	cr_assert_eq(parse_verb("DATA  ", 6, &arg, &arglen), PARSE_VERB_DATA);
	cr_assert_eq(arglen, 0);
	cr_assert_eq(parse_verb("MAILX", 5, &arg, &arglen), PARSE_VERB_UNKNOWN);
	cr_assert_eq(parse_verb("", 0, &arg, &arglen), PARSE_VERB_EMPTY);
	cr_assert_eq(parse_verb("\x01\xff garbage", 10, &arg, &arglen), PARSE_VERB_UNKNOWN);
	cr_assert_str_eq(parse_verb_name(PARSE_VERB_BDAT), "BDAT");
}

Test(path, mail_with_parameters)
{
	struct parse_path p;
	const char *a = "FROM:<alice@example.com> SIZE=1000 BODY=8BITMIME SMTPUTF8";
	cr_assert_eq(parse_path(a, strlen(a), "FROM:", &p), PARSE_OK);
	cr_assert_str_eq(p.addr, "alice@example.com");
	cr_assert_eq(p.at, 5);
	cr_assert_eq(p.nparams, 3);
	const struct parse_param *size = parse_param_find(&p, "size");
	cr_assert_not_null(size);
	cr_assert(size->has_value);
	cr_assert_str_eq(size->value, "1000");
	const struct parse_param *utf8 = parse_param_find(&p, "SMTPUTF8");
	cr_assert_not_null(utf8);
	cr_assert_not(utf8->has_value);
	cr_assert_null(parse_param_find(&p, "RET"));
}

Test(path, null_sender_and_space_after_colon)
{
	struct parse_path p;
	cr_assert_eq(parse_path("FROM:<>", 7, "FROM:", &p), PARSE_OK);
	cr_assert(p.null_path);
	cr_assert_eq(p.addr_len, 0);
	cr_assert_eq(parse_path("from: <b@c.d>", 13, "FROM:", &p), PARSE_OK);
	cr_assert_str_eq(p.addr, "b@c.d");
}

Test(path, source_route_dropped_and_quoted_local)
{
	struct parse_path p;
	const char *a = "TO:<@relay.example,@other.example:joe@example.com>";
	cr_assert_eq(parse_path(a, strlen(a), "TO:", &p), PARSE_OK);
	cr_assert_str_eq(p.addr, "joe@example.com");
	const char *q = "TO:<\"odd > name\"@example.com>";
	cr_assert_eq(parse_path(q, strlen(q), "TO:", &p), PARSE_OK);
	cr_assert_str_eq(p.addr, "\"odd > name\"@example.com");
}

Test(path, syntax_errors)
{
	struct parse_path p;
	cr_assert_eq(parse_path("FROM:alice@example.com", 22, "FROM:", &p), PARSE_ERR_SYNTAX);
	cr_assert_eq(parse_path("TO:<a@b.c>", 10, "FROM:", &p), PARSE_ERR_SYNTAX);
	cr_assert_eq(parse_path("FROM:<a@b.c", 11, "FROM:", &p), PARSE_ERR_SYNTAX);
	cr_assert_eq(parse_path("FROM:<a@b.c>x", 13, "FROM:", &p), PARSE_ERR_SYNTAX);
	cr_assert_eq(parse_path("FROM:<a..b@c.d>", 15, "FROM:", &p), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_path("FROM:<a@-c.d>", 13, "FROM:", &p), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_path("FROM:<a@c..d>", 13, "FROM:", &p), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_path("FROM:<a b@c.d>", 14, "FROM:", &p), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_path("FROM:<a@b.c> SIZE=", 18, "FROM:", &p), PARSE_ERR_PARAM);
	cr_assert_eq(parse_path("FROM:<a@b.c> =1", 15, "FROM:", &p), PARSE_ERR_PARAM);
	const char *many = "FROM:<a@b.c> A B C D E F G H I";
	cr_assert_eq(parse_path(many, strlen(many), "FROM:", &p), PARSE_ERR_PARAM);
}

Test(path, too_long)
{
	char arg[600] = "FROM:<";
	memset(arg + 6, 'a', 70);
	strcpy(arg + 76, "@example.com>");
	struct parse_path p;
	cr_assert_eq(parse_path(arg, strlen(arg), "FROM:", &p), PARSE_ERR_TOO_LONG);
	memset(arg + 6, 'a', 300);
	strcpy(arg + 306, "@x.y>");
	cr_assert_eq(parse_path(arg, strlen(arg), "FROM:", &p), PARSE_ERR_TOO_LONG);
}

Test(address, literals_utf8_and_local_only)
{
	bool eight = false;
	cr_assert_eq(parse_address("a@[127.0.0.1]", 13, false, &eight), PARSE_OK);
	cr_assert_eq(parse_address("a@[IPv6:::1]", 12, false, &eight), PARSE_OK);
	cr_assert_eq(parse_address("a@[x.y]", 7, false, &eight), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_address("postmaster", 10, false, &eight), PARSE_ERR_ADDRESS);
	cr_assert_eq(parse_address("postmaster", 10, true, &eight), PARSE_OK);
	cr_assert_not(eight);
	const char *u = "j\xc3\xb6rg@b\xc3\xbc"
			"cher.example";
	cr_assert_eq(parse_address(u, strlen(u), false, &eight), PARSE_OK);
	cr_assert(eight);
}

Test(number, digits_only)
{
	unsigned long long n;
	cr_assert_eq(parse_number("12345", 5, &n), 0);
	cr_assert_eq(n, 12345);
	cr_assert_eq(parse_number("12a", 3, &n), -1);
	cr_assert_eq(parse_number("", 0, &n), -1);
	cr_assert_eq(parse_number("-1", 2, &n), -1);
	cr_assert_eq(parse_number("1234567890123456789", 19, &n), -1);
}

Test(data, unstuffs_and_stops_at_the_terminator)
{
	const char in[] = "line\r\n..\r\n.x\r\n...y\r\n.\r\nRSET\r\n";
	struct parse_data d;
	char out[sizeof in + 2];
	size_t outlen;
	bool done;
	size_t used = decode(in, sizeof in - 1, &d, out, &outlen, &done);
	cr_assert(done);
	cr_assert_eq(used, sizeof in - 1 - 6, "stops right after the dot line");
	const char want[] = "line\r\n.\r\nx\r\n..y\r\n";
	cr_assert_eq(outlen, sizeof want - 1);
	cr_assert(memcmp(out, want, outlen) == 0);
	cr_assert_eq(d.bare_lf + d.bare_cr + d.nul + d.fake_ends, 0);
	cr_assert_eq(d.lines, 4);
}

Test(data, empty_message)
{
	struct parse_data d;
	char out[8];
	size_t outlen;
	bool done;
	cr_assert_eq(decode(".\r\n", 3, &d, out, &outlen, &done), 3);
	cr_assert(done);
	cr_assert_eq(outlen, 0);
}

Test(data, byte_by_byte_equals_whole)
{
	const char in[] = "a\r\n.b\r\n\r\n..\r\nc\rd\ne\r\n.\r\n";
	struct parse_data whole, bytes;
	char out1[64], out2[64];
	size_t n1, n2 = 0;
	bool done;
	decode(in, sizeof in - 1, &whole, out1, &n1, &done);
	cr_assert(done);
	parse_data_init(&bytes);
	size_t i = 0;
	done = false;
	while (!done && i < sizeof in - 1)
		i += parse_data_feed(&bytes, in + i, 1, out2, &n2, &done);
	cr_assert(done);
	cr_assert_eq(i, sizeof in - 1);
	cr_assert_eq(n1, n2);
	cr_assert(memcmp(out1, out2, n1) == 0);
	cr_assert_eq(whole.bare_cr, 1);
	cr_assert_eq(whole.bare_lf, 1);
	cr_assert_eq(bytes.bare_cr, 1);
	cr_assert_eq(bytes.bare_lf, 1);
}

/* True when needle occurs in buf[0..len) (no memmem under _POSIX_C_SOURCE). */
static bool
contains(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

/* Each smuggling sequence from SMTP-FACTS.md, inside a message that really ends later. */
static const char *const smuggle[] = {
	"\n.\n",   "\r.\r",   "\r.\n",	 "\n.\r",	"\n.\r\n",
	"\r\n.\n", "\r.\r\n", "\r\n.\r", "\r\n\0.\r\n", "\r\n.\0\r\n",
};
static const size_t smuggle_len[] = {3, 3, 3, 3, 4, 4, 4, 4, 6, 6};

Test(data, smuggling_sequences_never_end_the_message)
{
	for (size_t k = 0; k < sizeof smuggle / sizeof smuggle[0]; k++) {
		char in[128];
		size_t n = 0;
		memcpy(in + n, "Subject: x\r\n\r\nhello", 19);
		n += 19;
		memcpy(in + n, smuggle[k], smuggle_len[k]);
		n += smuggle_len[k];
		const char *tail = "MAIL FROM:<evil@x.y>\r\n.\r\n";
		memcpy(in + n, tail, strlen(tail));
		n += strlen(tail);
		struct parse_data d;
		char out[160];
		size_t outlen;
		bool done;
		size_t used = decode(in, n, &d, out, &outlen, &done);
		cr_assert(done, "sequence %zu", k);
		cr_assert_eq(used, n, "sequence %zu ended the message early at %zu of %zu", k, used,
			     n);
		cr_assert(d.bare_lf + d.bare_cr + d.nul > 0, "sequence %zu not noticed", k);
		/* The smuggled command stays inside the message body. */
		cr_assert(contains(out, outlen, "MAIL FROM:<evil@x.y>\r\n"), "sequence %zu", k);
	}
}

Test(data, lone_dot_after_bare_lf_counts_as_fake_end)
{
	const char in[] = "a\n.\nb\r\n.\r\n";
	struct parse_data d;
	char out[32];
	size_t outlen;
	bool done;
	decode(in, sizeof in - 1, &d, out, &outlen, &done);
	cr_assert(done);
	cr_assert_eq(d.bare_lf, 2);
	cr_assert_eq(d.fake_ends, 1);
}

Test(data, state_names)
{
	cr_assert_str_eq(parse_data_state_name(PARSE_DATA_BOL), "start of line");
	cr_assert_str_eq(parse_data_state_name(PARSE_DATA_END), "end of data");
}
