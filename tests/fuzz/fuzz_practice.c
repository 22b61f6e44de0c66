/*
 * fuzz_practice.c: arbitrary bytes into the practice server's session (smtpd.h) and
 * parsers (parse.h), with no sockets. The first bytes pick the scenario and how the input
 * is cut into chunks; TLS, held replies and output are handled as server.c does.
 *
 * Checked on every run: the session never reads past what it was given, its output is
 * always whole CRLF lines of at most 512 octets with no bare CR, bare LF or NUL, a kept
 * message is never over the size limit, and the DATA decoder gives the same bytes and
 * counts whether fed whole or one byte at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "smtpd.h"

static const struct smtpd_account fuzz_accounts[] = {{"student", "practice"}, {"tim", "x"}};
static const char *const fuzz_domains[] = {"example.com", "localhost"};

/* Stop the run loudly: libFuzzer records the input. */
static void
fuzz_fail(void)
{
	abort();
}

/* Deliver hook: the body must respect the limit. */
static int
fuzz_deliver(void *ctx, const struct smtpd_envelope *env, const char *body, size_t len, char *id,
	     size_t idcap)
{
	const struct smtpd_config *cfg = ctx;
	if (len > cfg->size_limit || env->nrcpts == 0 || env->nrcpts > SMTPD_RCPT_MAX)
		fuzz_fail();
	if (len > 0 && (body[0] == '\x7f' && body[len - 1] == '\x7f'))
		return -1;
	memcpy(id, "FUZZ", idcap < 5 ? idcap : 5);
	if (idcap > 0)
		id[idcap - 1] = '\0';
	return 0;
}

/* Greylist hook: let the key decide. */
static long
fuzz_grey(void *ctx, const char *key, size_t len)
{
	(void)ctx;
	(void)key;
	return len % 3 == 0 ? -1 : (long)(len % 5);
}

/* Log hook: touch every byte so ASan sees a bad length. */
static void
fuzz_log(void *ctx, unsigned long id, enum smtpd_log kind, const char *text, size_t len)
{
	(void)ctx;
	(void)id;
	(void)kind;
	volatile unsigned char sum = 0;
	for (size_t i = 0; i < len; i++)
		sum ^= (unsigned char)text[i];
	(void)sum;
}

/* Check the output is whole, clean reply lines, then drop it. */
static void
fuzz_drain(struct smtpd *s)
{
	size_t len;
	const char *out = smtpd_output(s, &len);
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		char c = out[i];
		if (c == '\0')
			fuzz_fail();
		if (c == '\r' && (i + 1 >= len || out[i + 1] != '\n'))
			fuzz_fail();
		if (c == '\n') {
			if (i == 0 || out[i - 1] != '\r' || i + 1 - start > PARSE_LINE_MAX)
				fuzz_fail();
			if (i + 1 - start < 5)
				fuzz_fail();
			start = i + 1;
		}
	}
	if (start != len)
		fuzz_fail();
	smtpd_output_consume(s, len);
}

/* The DATA decoder whole versus byte by byte. */
static void
fuzz_data(const uint8_t *data, size_t size)
{
	char *a = malloc(size + 2), *b = malloc(size + 2);
	if (a == NULL || b == NULL) {
		free(a);
		free(b);
		return;
	}
	struct parse_data d1, d2;
	parse_data_init(&d1);
	parse_data_init(&d2);
	size_t n1 = 0, n2 = 0, used2 = 0;
	bool done1, done2 = false;
	size_t used1 = parse_data_feed(&d1, (const char *)data, size, a, &n1, &done1);
	while (!done2 && used2 < size)
		used2 += parse_data_feed(&d2, (const char *)data + used2, 1, b, &n2, &done2);
	if (used1 != used2 || done1 != done2 || n1 != n2 || memcmp(a, b, n1) != 0 ||
	    d1.bare_lf != d2.bare_lf || d1.bare_cr != d2.bare_cr || d1.nul != d2.nul ||
	    d1.fake_ends != d2.fake_ends || n1 > used1 + 1)
		fuzz_fail();
	free(a);
	free(b);
}

/* The path parser on the raw input. */
static void
fuzz_path(const uint8_t *data, size_t size)
{
	struct parse_path p;
	if (parse_path((const char *)data, size, "FROM:", &p) == PARSE_OK) {
		if (p.addr_len > PARSE_ADDR_MAX || p.addr[p.addr_len] != '\0' ||
		    p.nparams > PARSE_PARAMS_MAX || p.at > p.addr_len)
			fuzz_fail();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One run. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_data(data, size);
	fuzz_path(data, size);
	if (size < 2)
		return 0;
	struct smtpd_config cfg = {
		.scenario = (enum scenario_id)(data[0] % SCENARIO_COUNT),
		.hostname = "fuzz.example",
		.accounts = fuzz_accounts,
		.naccounts = 2,
		.local_domains = fuzz_domains,
		.nlocal_domains = 2,
		.size_limit = (data[0] & 0x80) ? 300 : 10240,
		.delay_ms = (data[0] & 0x40) ? 5 : 0,
		.tls_available = (data[1] & 1) != 0,
		.log_lines = (data[1] & 2) != 0,
		.seed = data[1],
	};
	size_t mem_used = 0;
	cfg.mem_used = &mem_used;
	cfg.mem_cap = 1 << 20;
	struct smtpd_hooks hooks = {
		.log = fuzz_log, .deliver = fuzz_deliver, .greylist = fuzz_grey, .ctx = &cfg};
	struct smtpd *s = smtpd_new(&cfg, &hooks, data[1], "127.0.0.1");
	if (s == NULL)
		return 0;
	size_t chunk = (size_t)(data[1] >> 2) + 1;
	const char *in = (const char *)data + 2;
	size_t left = size - 2;
	smtpd_greet(s);
	for (int guard = 0; left > 0 && guard < 100000; guard++) {
		if (smtpd_paused(s))
			smtpd_resume(s);
		fuzz_drain(s);
		if (smtpd_dropped(s) || smtpd_closing(s))
			break;
		size_t n = left < chunk ? left : chunk;
		size_t used = smtpd_feed(s, in, n);
		if (used > n)
			fuzz_fail();
		if (smtpd_want_tls(s)) {
			/* As server.c: what followed STARTTLS is thrown away. */
			fuzz_drain(s);
			smtpd_tls_started(s);
			used = n;
		}
		in += used;
		left -= used;
	}
	fuzz_drain(s);
	smtpd_timeout(s);
	fuzz_drain(s);
	smtpd_free(s);
	if (mem_used != 0)
		fuzz_fail();
	return 0;
}
