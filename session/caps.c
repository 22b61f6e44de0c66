/*
 * caps.c: read the server's EHLO reply into a struct caps.
 *
 * The first line names the server; each further line is a keyword and its parameters
 * (RFC 5321 4.1.1.1). Keywords match case-insensitively. AUTH may come twice, as
 * "AUTH mech..." and in the legacy "AUTH=mech..." form some clients still need: both are
 * merged into one list of mechanisms, each name kept once. Anything not known is kept
 * as the line was sent, up to CAPS_UNKNOWN_MAX lines of CAPS_KEYWORD_MAX bytes.
 */
#include "caps.h"

#include <string.h>
#include <strings.h>

/* Forget everything (before EHLO, and after STARTTLS). */
void
caps_clear(struct caps *c)
{
	memset(c, 0, sizeof(*c));
}

/* Copy the first word of s[0..len) into out (capped, NUL-terminated); its length in s. */
static size_t
caps_word(const char *s, size_t len, char *out, size_t outcap)
{
	size_t n = 0, k;

	while (n < len && s[n] != ' ')
		n++;
	k = n < outcap - 1 ? n : outcap - 1;
	memcpy(out, s, k);
	out[k] = '\0';
	return n;
}

/* Parse a SIZE value: digits only, no overflow; 0 when absent or not a number. */
static unsigned long long
caps_size_value(const char *s, size_t len)
{
	unsigned long long v = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return 0;
		d = (unsigned)(s[i] - '0');
		if (v > (~0ULL - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

/* Add one mechanism name to the list (once, case-insensitively) and to the bit set. */
static void
caps_add_mech(struct caps *c, const char *name, size_t len)
{
	char one[CAPS_KEYWORD_MAX];
	size_t have = strlen(c->auth_names), pos = 0;
	enum sasl_mech mech;

	if (len == 0 || len >= sizeof(one))
		return;
	memcpy(one, name, len);
	one[len] = '\0';
	if (sasl_mech_from_name(one, &mech) == 0)
		c->auth_mechs |= 1u << mech;
	while (pos < have) {
		size_t end = pos;

		while (end < have && c->auth_names[end] != ' ')
			end++;
		if (end - pos == len && strncasecmp(c->auth_names + pos, one, len) == 0)
			return;
		pos = end + 1;
	}
	if (have + (have > 0) + len + 1 > sizeof(c->auth_names))
		return;
	if (have > 0)
		c->auth_names[have++] = ' ';
	memcpy(c->auth_names + have, one, len + 1);
}

/* Read the mechanisms of an AUTH line: names separated by spaces. */
static void
caps_parse_auth(struct caps *c, const char *s, size_t len)
{
	size_t i = 0;

	c->auth = true;
	while (i < len) {
		size_t start;

		while (i < len && s[i] == ' ')
			i++;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		caps_add_mech(c, s + start, i - start);
	}
}

/* Keep a line nobody here knows, as sent, capped. */
static void
caps_keep_unknown(struct caps *c, const char *s, size_t len)
{
	size_t n = len < CAPS_KEYWORD_MAX - 1 ? len : CAPS_KEYWORD_MAX - 1;

	if (c->nunknown >= CAPS_UNKNOWN_MAX)
		return;
	memcpy(c->unknown[c->nunknown], s, n);
	c->unknown[c->nunknown][n] = '\0';
	c->nunknown++;
}

/* Read one keyword line. */
static void
caps_parse_line(struct caps *c, const char *s, size_t len)
{
	char kw[CAPS_KEYWORD_MAX];
	size_t kwlen, plen;
	const char *params;
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
		{"PIPELINING", offsetof(struct caps, pipelining)},
		{"STARTTLS", offsetof(struct caps, starttls)},
		{"8BITMIME", offsetof(struct caps, eightbitmime)},
		{"SMTPUTF8", offsetof(struct caps, smtputf8)},
		{"CHUNKING", offsetof(struct caps, chunking)},
		{"BINARYMIME", offsetof(struct caps, binarymime)},
		{"DSN", offsetof(struct caps, dsn)},
		{"ENHANCEDSTATUSCODES", offsetof(struct caps, enhancedstatuscodes)},
		{"REQUIRETLS", offsetof(struct caps, requiretls)},
	};

	while (len > 0 && s[0] == ' ') {
		s++;
		len--;
	}
	if (len == 0)
		return;
	/* The legacy form glues the first mechanism to the keyword. */
	if (len >= 5 && strncasecmp(s, "AUTH=", 5) == 0) {
		c->auth_legacy = true;
		caps_parse_auth(c, s + 5, len - 5);
		return;
	}
	kwlen = caps_word(s, len, kw, sizeof(kw));
	params = s + kwlen;
	plen = len - kwlen;
	while (plen > 0 && params[0] == ' ') {
		params++;
		plen--;
	}
	if (kwlen >= sizeof(kw)) {
		caps_keep_unknown(c, s, len);
		return;
	}
	if (strcasecmp(kw, "AUTH") == 0) {
		caps_parse_auth(c, params, plen);
		return;
	}
	if (strcasecmp(kw, "SIZE") == 0) {
		size_t vlen = 0;

		while (vlen < plen && params[vlen] != ' ')
			vlen++;
		c->size = true;
		c->size_max = caps_size_value(params, vlen);
		return;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcasecmp(kw, flags[i].name) == 0) {
			*(bool *)((char *)c + flags[i].offset) = true;
			return;
		}
	}
	caps_keep_unknown(c, s, len);
}

/* Read a 250 reply to EHLO. Lines after the first are keywords with parameters. */
void
caps_parse(struct caps *c, const struct reply *r)
{
	caps_clear(c);
	if (r == NULL || r->code != 250 || r->nlines == 0)
		return;
	c->valid = true;
	caps_word(r->lines[0].text, r->lines[0].len, c->domain, sizeof(c->domain));
	for (size_t i = 1; i < r->nlines; i++)
		caps_parse_line(c, r->lines[i].text, r->lines[i].len);
}

/* True when mech was advertised. */
bool
caps_has_mech(const struct caps *c, enum sasl_mech mech)
{
	if ((unsigned)mech >= SASL_MECH_COUNT)
		return false;
	return (c->auth_mechs & (1u << mech)) != 0;
}
