/*
 * parse.c: see parse.h. Pure functions over buffers: no allocation, no I/O, every
 * output capped by its PARSE_*_MAX.
 */
#include <string.h>
#include <strings.h>

#include "parse.h"

/* Verbs as SMTP spells them, in enum order. */
static const char *const parse_verb_names[] = {
	[PARSE_VERB_UNKNOWN] = "",  [PARSE_VERB_EMPTY] = "",	[PARSE_VERB_HELO] = "HELO",
	[PARSE_VERB_EHLO] = "EHLO", [PARSE_VERB_MAIL] = "MAIL", [PARSE_VERB_RCPT] = "RCPT",
	[PARSE_VERB_DATA] = "DATA", [PARSE_VERB_BDAT] = "BDAT", [PARSE_VERB_RSET] = "RSET",
	[PARSE_VERB_NOOP] = "NOOP", [PARSE_VERB_VRFY] = "VRFY", [PARSE_VERB_EXPN] = "EXPN",
	[PARSE_VERB_HELP] = "HELP", [PARSE_VERB_QUIT] = "QUIT", [PARSE_VERB_STARTTLS] = "STARTTLS",
	[PARSE_VERB_AUTH] = "AUTH",
};

/* Names of the DATA decoder states, for the log. */
static const char *const parse_data_state_names[] = {
	[PARSE_DATA_BOL] = "start of line",  [PARSE_DATA_TEXT] = "inside a line",
	[PARSE_DATA_CR] = "after CR",	     [PARSE_DATA_DOT] = "after a leading dot",
	[PARSE_DATA_DOTCR] = "after dot CR", [PARSE_DATA_END] = "end of data",
};

/* Find the end of the first line. */
bool
parse_line(const char *buf, size_t len, size_t *linelen, size_t *consumed)
{
	const char *lf = memchr(buf, '\n', len);
	if (lf == NULL)
		return false;
	size_t n = (size_t)(lf - buf);
	*consumed = n + 1;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	*linelen = n;
	return true;
}

/* Split a command line into verb and argument. */
enum parse_verb
parse_verb(const char *line, size_t len, const char **arg, size_t *arglen)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t start = i;
	while (i < len && line[i] != ' ')
		i++;
	size_t wlen = i - start;
	while (i < len && line[i] == ' ')
		i++;
	size_t end = len;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'))
		end--;
	*arg = line + i;
	*arglen = end - i;
	if (wlen == 0)
		return PARSE_VERB_EMPTY;
	for (size_t v = PARSE_VERB_HELO; v <= PARSE_VERB_AUTH; v++) {
		const char *name = parse_verb_names[v];
		if (strlen(name) == wlen && strncasecmp(name, line + start, wlen) == 0)
			return (enum parse_verb)v;
	}
	return PARSE_VERB_UNKNOWN;
}

/* The verb's spelling. */
const char *
parse_verb_name(enum parse_verb verb)
{
	if ((size_t)verb >= sizeof parse_verb_names / sizeof parse_verb_names[0])
		return "";
	return parse_verb_names[verb];
}

/* True for RFC 5322 atext, with UTF-8 bytes allowed (RFC 6531). */
static bool
parse_is_atext(unsigned char c)
{
	if (c >= 0x80)
		return true;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* True for a letter, digit or UTF-8 byte in a domain label. */
static bool
parse_is_letdig(unsigned char c)
{
	return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* Check a local part: dot-atom or quoted string. */
static enum parse_result
parse_local(const char *s, size_t len, bool *eight_bit)
{
	if (len == 0)
		return PARSE_ERR_ADDRESS;
	if (len > PARSE_LOCAL_MAX)
		return PARSE_ERR_TOO_LONG;
	if (s[0] == '"') {
		if (len < 2 || s[len - 1] != '"')
			return PARSE_ERR_ADDRESS;
		for (size_t i = 1; i + 1 < len; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '\\') {
				if (i + 2 >= len)
					return PARSE_ERR_ADDRESS;
				i++;
				c = (unsigned char)s[i];
				if (c < 32 || c == 127)
					return PARSE_ERR_ADDRESS;
				continue;
			}
			if (c == '"' || (c < 32 && c != '\t') || c == 127)
				return PARSE_ERR_ADDRESS;
			if (c >= 0x80)
				*eight_bit = true;
		}
		return PARSE_OK;
	}
	bool prev_dot = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (prev_dot)
				return PARSE_ERR_ADDRESS;
			prev_dot = true;
			continue;
		}
		if (!parse_is_atext(c))
			return PARSE_ERR_ADDRESS;
		if (c >= 0x80)
			*eight_bit = true;
		prev_dot = false;
	}
	return prev_dot ? PARSE_ERR_ADDRESS : PARSE_OK;
}

/* Check a domain: dot-separated labels, or an address literal in brackets. */
static enum parse_result
parse_domain(const char *s, size_t len, bool *eight_bit)
{
	if (len == 0)
		return PARSE_ERR_ADDRESS;
	if (len > PARSE_DOMAIN_MAX)
		return PARSE_ERR_TOO_LONG;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return PARSE_ERR_ADDRESS;
		size_t i = 1;
		bool v6 = len > 6 && strncasecmp(s + 1, "IPv6:", 5) == 0;
		if (v6)
			i += 5;
		if (i + 1 >= len)
			return PARSE_ERR_ADDRESS;
		for (; i + 1 < len; i++) {
			unsigned char c = (unsigned char)s[i];
			bool ok = (c >= '0' && c <= '9') || c == '.' ||
				  (v6 &&
				   (c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
			if (!ok)
				return PARSE_ERR_ADDRESS;
		}
		return PARSE_OK;
	}
	size_t label = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return PARSE_ERR_ADDRESS;
			label = 0;
			continue;
		}
		if (c == '-') {
			if (label == 0)
				return PARSE_ERR_ADDRESS;
		} else if (!parse_is_letdig(c)) {
			return PARSE_ERR_ADDRESS;
		}
		if (c >= 0x80)
			*eight_bit = true;
		if (++label > 63)
			return PARSE_ERR_TOO_LONG;
	}
	if (label == 0 || s[len - 1] == '-')
		return PARSE_ERR_ADDRESS;
	return PARSE_OK;
}

/* Find the '@' that separates local part and domain: the last one outside quotes. */
static size_t
parse_find_at(const char *addr, size_t len)
{
	bool quoted = false;
	size_t at = len;
	for (size_t i = 0; i < len; i++) {
		if (quoted && addr[i] == '\\') {
			i++;
			continue;
		}
		if (addr[i] == '"')
			quoted = !quoted;
		else if (addr[i] == '@' && !quoted)
			at = i;
	}
	return at;
}

/* Check an address. */
enum parse_result
parse_address(const char *addr, size_t len, bool allow_local_only, bool *eight_bit)
{
	bool eight = false;
	if (len > PARSE_ADDR_MAX)
		return PARSE_ERR_TOO_LONG;
	size_t at = parse_find_at(addr, len);
	enum parse_result r;
	if (at == len) {
		if (!allow_local_only)
			return PARSE_ERR_ADDRESS;
		r = parse_local(addr, len, &eight);
	} else {
		r = parse_local(addr, at, &eight);
		if (r == PARSE_OK)
			r = parse_domain(addr + at + 1, len - at - 1, &eight);
	}
	if (eight_bit != NULL)
		*eight_bit = eight;
	return r;
}

/* Parse one ESMTP parameter "KEY" or "KEY=VALUE". */
static enum parse_result
parse_one_param(const char *s, size_t len, struct parse_param *p)
{
	size_t i = 0;
	while (i < len && s[i] != '=') {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || (c == '-' && i > 0);
		if (!ok)
			return PARSE_ERR_PARAM;
		i++;
	}
	if (i == 0 || i > PARSE_KEY_MAX)
		return PARSE_ERR_PARAM;
	memcpy(p->key, s, i);
	p->key[i] = '\0';
	p->has_value = false;
	p->value[0] = '\0';
	if (i == len)
		return PARSE_OK;
	size_t vlen = len - i - 1;
	if (vlen == 0 || vlen > PARSE_VALUE_MAX)
		return PARSE_ERR_PARAM;
	for (size_t k = 0; k < vlen; k++) {
		unsigned char c = (unsigned char)s[i + 1 + k];
		if (c < 33 || c > 126 || c == '=')
			return PARSE_ERR_PARAM;
	}
	memcpy(p->value, s + i + 1, vlen);
	p->value[vlen] = '\0';
	p->has_value = true;
	return PARSE_OK;
}

/* Parse a MAIL or RCPT argument. */
enum parse_result
parse_path(const char *arg, size_t len, const char *keyword, struct parse_path *out)
{
	memset(out, 0, sizeof *out);
	size_t klen = strlen(keyword);
	if (len < klen || strncasecmp(arg, keyword, klen) != 0)
		return PARSE_ERR_SYNTAX;
	size_t i = klen;
	while (i < len && arg[i] == ' ')
		i++;
	if (i >= len || arg[i] != '<')
		return PARSE_ERR_SYNTAX;
	size_t open = ++i;
	bool quoted = false;
	while (i < len) {
		if (quoted && arg[i] == '\\' && i + 1 < len) {
			i += 2;
			continue;
		}
		if (arg[i] == '"')
			quoted = !quoted;
		else if (arg[i] == '>' && !quoted)
			break;
		i++;
	}
	if (i >= len)
		return PARSE_ERR_SYNTAX;
	size_t close = i;
	const char *path = arg + open;
	size_t plen = close - open;
	/* A source route (@a,@b:) is allowed and ignored (RFC 5321 4.1.2, C.). */
	if (plen > 0 && path[0] == '@') {
		const char *colon = memchr(path, ':', plen);
		if (colon == NULL)
			return PARSE_ERR_ADDRESS;
		plen -= (size_t)(colon + 1 - path);
		path = colon + 1;
	}
	if (plen > PARSE_ADDR_MAX)
		return PARSE_ERR_TOO_LONG;
	if (plen == 0) {
		out->null_path = true;
	} else {
		enum parse_result r = parse_address(path, plen, true, &out->eight_bit);
		if (r != PARSE_OK)
			return r;
	}
	memcpy(out->addr, path, plen);
	out->addr[plen] = '\0';
	out->addr_len = plen;
	out->at = parse_find_at(out->addr, plen);
	i = close + 1;
	if (i < len && arg[i] != ' ')
		return PARSE_ERR_SYNTAX;
	while (i < len) {
		while (i < len && arg[i] == ' ')
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && arg[i] != ' ')
			i++;
		if (out->nparams == PARSE_PARAMS_MAX)
			return PARSE_ERR_PARAM;
		enum parse_result r =
			parse_one_param(arg + start, i - start, &out->params[out->nparams]);
		if (r != PARSE_OK)
			return r;
		out->nparams++;
	}
	return PARSE_OK;
}

/* Find a parameter by key. */
const struct parse_param *
parse_param_find(const struct parse_path *p, const char *key)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (strcasecmp(p->params[i].key, key) == 0)
			return &p->params[i];
	return NULL;
}

/* Parse a decimal number. */
int
parse_number(const char *s, size_t len, unsigned long long *out)
{
	if (len == 0 || len > 18)
		return -1;
	unsigned long long n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = n;
	return 0;
}

/* Start decoding a message. */
void
parse_data_init(struct parse_data *d)
{
	memset(d, 0, sizeof *d);
	d->state = PARSE_DATA_BOL;
}

/* One byte inside a line: hold a CR, count bare LF and NUL, watch for dots after them. */
static void
parse_data_text(struct parse_data *d, unsigned char c, char *out, size_t *o)
{
	bool was_after_bare = d->after_bare;
	bool was_dot = d->dot_after_bare;
	d->after_bare = false;
	d->dot_after_bare = false;
	if (was_dot && (c == '\r' || c == '\n'))
		d->fake_ends++;
	if (c == '\r') {
		d->state = PARSE_DATA_CR;
		return;
	}
	d->state = PARSE_DATA_TEXT;
	if (c == '\n') {
		d->bare_lf++;
		d->after_bare = true;
	} else if (c == '\0') {
		d->nul++;
	} else if (c == '.' && was_after_bare) {
		d->dot_after_bare = true;
	}
	out[(*o)++] = (char)c;
}

/* Decode a chunk of message data. */
size_t
parse_data_feed(struct parse_data *d, const char *in, size_t len, char *out, size_t *outlen,
		bool *done)
{
	size_t i = 0;
	size_t o = *outlen;
	*done = d->state == PARSE_DATA_END;
	while (i < len && !*done) {
		unsigned char c = (unsigned char)in[i];
		switch (d->state) {
		case PARSE_DATA_TEXT:
			if (!d->after_bare && !d->dot_after_bare && c != '\r' && c != '\n' &&
			    c != '\0') {
				/* The common case: copy the run up to the next CR, LF or NUL. */
				size_t j = i + 1;
				while (j < len && in[j] != '\r' && in[j] != '\n' && in[j] != '\0')
					j++;
				memcpy(out + o, in + i, j - i);
				o += j - i;
				i = j;
				break;
			}
			parse_data_text(d, c, out, &o);
			i++;
			break;
		case PARSE_DATA_BOL:
			if (c == '.') {
				d->state = PARSE_DATA_DOT;
				i++;
			} else {
				d->state = PARSE_DATA_TEXT;
			}
			break;
		case PARSE_DATA_CR:
			if (c == '\n') {
				out[o++] = '\r';
				out[o++] = '\n';
				d->lines++;
				d->state = PARSE_DATA_BOL;
				i++;
			} else {
				/* A bare CR: keep it, and look at c again inside the line. */
				d->bare_cr++;
				out[o++] = '\r';
				d->state = PARSE_DATA_TEXT;
				d->after_bare = true;
				parse_data_text(d, c, out, &o);
				i++;
			}
			break;
		case PARSE_DATA_DOT:
			if (c == '\r') {
				d->state = PARSE_DATA_DOTCR;
				i++;
			} else {
				/* Unstuffing: the leading dot goes, c stays. "\r\n.\n" and
				 * "\r\n.\0" would end the data on a lax server. */
				if (c == '\n' || c == '\0')
					d->fake_ends++;
				d->state = PARSE_DATA_TEXT;
				parse_data_text(d, c, out, &o);
				i++;
			}
			break;
		case PARSE_DATA_DOTCR:
			if (c == '\n') {
				d->state = PARSE_DATA_END;
				*done = true;
				i++;
			} else {
				/* "\r\n.\r" then something else: a bare CR after a lone dot. */
				d->bare_cr++;
				d->fake_ends++;
				out[o++] = '\r';
				d->state = PARSE_DATA_TEXT;
				d->after_bare = true;
				parse_data_text(d, c, out, &o);
				i++;
			}
			break;
		case PARSE_DATA_END:
			*done = true;
			break;
		}
	}
	*outlen = o;
	return i;
}

/* A short name for a decoder state. */
const char *
parse_data_state_name(enum parse_data_state state)
{
	if ((size_t)state >= sizeof parse_data_state_names / sizeof parse_data_state_names[0])
		return "?";
	return parse_data_state_names[state];
}
