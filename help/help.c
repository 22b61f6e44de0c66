/*
 * help.c: the language of the process (gettext set-up that works without a generated
 * Spanish locale), command names, the reply and argument parsers, and a small base64
 * decoder for 334 challenges. The tables live in help-*.c.
 */
#include <ctype.h>
#include <libintl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "help-int.h"

static enum help_lang help_cur = HELP_LANG_EN;

/* Map a tag ("es", "es_MX.UTF-8", "en") to a language; -1 when we have none for it. */
static int
help_lang_from_tag(const char *tag, enum help_lang *out)
{
	if (tag == NULL)
		return -1;
	if (strncasecmp(tag, "es", 2) == 0 &&
	    (tag[2] == '\0' || tag[2] == '_' || tag[2] == '-' || tag[2] == '.' || tag[2] == '@')) {
		*out = HELP_LANG_ES;
		return 0;
	}
	if (strncasecmp(tag, "en", 2) == 0 &&
	    (tag[2] == '\0' || tag[2] == '_' || tag[2] == '-' || tag[2] == '.' || tag[2] == '@')) {
		*out = HELP_LANG_EN;
		return 0;
	}
	if (strcmp(tag, "C") == 0 || strcmp(tag, "POSIX") == 0 || strncmp(tag, "C.", 2) == 0) {
		*out = HELP_LANG_EN;
		return 0;
	}
	return -1;
}

/* The language the environment asks for, in gettext's order of precedence. */
static enum help_lang
help_lang_from_env(void)
{
	const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	enum help_lang l = HELP_LANG_EN;
	const char *locale = NULL;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		if (v != NULL && *v != '\0') {
			locale = v;
			break;
		}
	}
	/* gettext ignores LANGUAGE when the locale is C; so do we. */
	const char *language = getenv("LANGUAGE");
	if (language != NULL && *language != '\0' && locale != NULL && strcmp(locale, "C") != 0 &&
	    strcmp(locale, "POSIX") != 0) {
		char first[32];
		size_t n = strcspn(language, ":");
		if (n < sizeof first) {
			memcpy(first, language, n);
			first[n] = '\0';
			if (help_lang_from_tag(first, &l) == 0)
				return l;
		}
	}
	if (locale != NULL && help_lang_from_tag(locale, &l) == 0)
		return l;
	return HELP_LANG_EN;
}

/* Where the message catalogues are: $EHLO_LOCALEDIR, the build tree, or the install. */
static const char *
help_localedir(void)
{
	const char *env = getenv("EHLO_LOCALEDIR");
	if (env != NULL && *env != '\0')
		return env;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		const char *build_po = EHLO_BUILD_LOCALEDIR;
		const char *slash = strrchr(build_po, '/');
		size_t rootlen = slash != NULL ? (size_t)(slash - build_po) : 0;
		if (rootlen > 0 && (size_t)n > rootlen && strncmp(exe, build_po, rootlen) == 0 &&
		    exe[rootlen] == '/')
			return EHLO_BUILD_LOCALEDIR;
	}
	return EHLO_LOCALEDIR;
}

/* Make LC_MESSAGES a locale under which gettext honours LANGUAGE (C does not). */
static void
help_messages_locale(void)
{
	const char *cur = setlocale(LC_MESSAGES, NULL);
	if (cur != NULL && strcmp(cur, "C") != 0 && strcmp(cur, "POSIX") != 0)
		return;
	const char *tries[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};
	for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++)
		if (setlocale(LC_MESSAGES, tries[i]) != NULL)
			return;
}

/* Set up the language; see help.h. */
int
help_locale_init(const char *lang)
{
	enum help_lang want;
	if (lang != NULL) {
		if (help_lang_from_tag(lang, &want) != 0 || strncmp(lang, "C", 1) == 0)
			return -1;
	} else {
		want = help_lang_from_env();
	}
	setlocale(LC_ALL, "");
	/* Numbers stay C everywhere: JSON and SMTP need "1.5", never "1,5". */
	setlocale(LC_NUMERIC, "C");
	help_cur = want;
	if (want == HELP_LANG_ES) {
		help_messages_locale();
		if (setenv("LANGUAGE", "es", 1) != 0)
			return -1;
	}
	if (bindtextdomain(HELP_DOMAIN, help_localedir()) == NULL)
		return -1;
	bind_textdomain_codeset(HELP_DOMAIN, "UTF-8");
	/* Setting the text domain again tells gettext to drop what it cached. */
	const char *dom = textdomain(NULL);
	textdomain(dom != NULL ? dom : "messages");
	return 0;
}

/* Remove argv[i] .. argv[i+n-1], keeping the array NULL-terminated. */
static void
help_args_drop(int *argc, char **argv, int i, int n)
{
	for (int j = i; j + n <= *argc; j++)
		argv[j] = argv[j + n];
	*argc -= n;
}

/* The --lang hook for main(); see help.h. */
int
help_locale_args(int *argc, char **argv)
{
	const char *lang = NULL;
	int missing = 0;
	for (int i = 1; i < *argc;) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--lang") == 0) {
			if (i + 1 >= *argc) {
				missing = 1;
				help_args_drop(argc, argv, i, 1);
				break;
			}
			lang = argv[i + 1];
			help_args_drop(argc, argv, i, 2);
			continue;
		}
		if (strncmp(argv[i], "--lang=", 7) == 0) {
			lang = argv[i] + 7;
			help_args_drop(argc, argv, i, 1);
			continue;
		}
		i++;
	}
	if (missing) {
		help_locale_init(NULL);
		fprintf(stderr, "ehlo: %s\n", _("--lang needs a value: en or es"));
		return -1;
	}
	if (help_locale_init(lang) != 0) {
		help_locale_init(NULL);
		fprintf(stderr, "ehlo: ");
		fprintf(stderr, _("unknown language '%s' (use en or es)"), lang);
		fputc('\n', stderr);
		return -1;
	}
	return 0;
}

/* The language in use. */
enum help_lang
help_lang(void)
{
	return help_cur;
}

/* The language tag in use. */
const char *
help_lang_tag(void)
{
	return help_cur == HELP_LANG_ES ? "es" : "en";
}

/* Translate a msgid of ours. */
const char *
help_tr(const char *msgid)
{
	if (help_cur == HELP_LANG_EN || msgid == NULL || *msgid == '\0')
		return msgid;
	return dgettext(HELP_DOMAIN, msgid);
}

/* Command words, in enum order; NULL for the pseudo-commands. */
static const char *const help_cmd_words[HELP_CMD_COUNT] = {
	[HELP_CMD_HELO] = "HELO", [HELP_CMD_EHLO] = "EHLO",	    [HELP_CMD_MAIL] = "MAIL",
	[HELP_CMD_RCPT] = "RCPT", [HELP_CMD_DATA] = "DATA",	    [HELP_CMD_BDAT] = "BDAT",
	[HELP_CMD_RSET] = "RSET", [HELP_CMD_VRFY] = "VRFY",	    [HELP_CMD_EXPN] = "EXPN",
	[HELP_CMD_HELP] = "HELP", [HELP_CMD_NOOP] = "NOOP",	    [HELP_CMD_QUIT] = "QUIT",
	[HELP_CMD_AUTH] = "AUTH", [HELP_CMD_STARTTLS] = "STARTTLS",
};

/* Parse a command word; see help.h. */
enum help_cmd
help_cmd_parse(const char *word, size_t len)
{
	static const struct {
		const char *word;
		enum help_cmd cmd;
	} extra[] = {
		{"greeting", HELP_CMD_GREETING}, {"connect", HELP_CMD_GREETING},
		{"banner", HELP_CMD_GREETING},	 {"end", HELP_CMD_DATA_END},
		{"dot", HELP_CMD_DATA_END},	 {".", HELP_CMD_DATA_END},
		{"eod", HELP_CMD_DATA_END},	 {"data-end", HELP_CMD_DATA_END},
	};
	if (word == NULL || len == 0)
		return HELP_CMD_UNKNOWN;
	for (int c = 0; c < HELP_CMD_COUNT; c++) {
		const char *w = help_cmd_words[c];
		if (w != NULL && strlen(w) == len && strncasecmp(w, word, len) == 0)
			return (enum help_cmd)c;
	}
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (strlen(extra[i].word) == len && strncasecmp(extra[i].word, word, len) == 0)
			return extra[i].cmd;
	return HELP_CMD_UNKNOWN;
}

/* A command's display name. */
const char *
help_cmd_name(enum help_cmd cmd)
{
	switch (cmd) {
	case HELP_CMD_GREETING:
		return _(N_("the greeting (on connect)"));
	case HELP_CMD_DATA_END:
		return _(N_("the end of data (the final dot)"));
	case HELP_CMD_UNKNOWN:
	case HELP_CMD_COUNT:
		return _(N_("any command"));
	default:
		return help_cmd_words[cmd];
	}
}

/* Read n decimal digits at s; -1 unless all are digits. */
static int
help_digits(const char *s, size_t n)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/*
 * Parse "C.SSS.DDD" at s[0..len): returns the characters used (0 when it is not one).
 * Class is not checked here.
 */
static size_t
help_enhanced_scan(const char *s, size_t len, int *cls, int *subject, int *detail)
{
	size_t i = 0;
	if (len < 5 || !isdigit((unsigned char)s[0]) || s[1] != '.')
		return 0;
	*cls = s[0] - '0';
	i = 2;
	size_t start = i;
	while (i < len && isdigit((unsigned char)s[i]) && i - start < 4)
		i++;
	if (i == start || i - start > 3 || i >= len || s[i] != '.')
		return 0;
	*subject = help_digits(s + start, i - start);
	i++;
	start = i;
	while (i < len && isdigit((unsigned char)s[i]) && i - start < 4)
		i++;
	if (i == start || i - start > 3)
		return 0;
	if (i < len && !isspace((unsigned char)s[i]))
		return 0;
	*detail = help_digits(s + start, i - start);
	return i;
}

/* Parse a reply line; see help.h. */
enum help_parse
help_reply_parse(const char *line, size_t len, struct help_reply *out)
{
	memset(out, 0, sizeof *out);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return HELP_PARSE_EMPTY;
	if (len < 3 || help_digits(line, 3) < 0)
		return HELP_PARSE_NOT_CODE;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return HELP_PARSE_NOT_CODE;
	int code = help_digits(line, 3);
	/* Unknown second digits are read by the first digit (RFC 5321 4.2), so only it counts. */
	if (line[0] < '2' || line[0] > '5')
		return HELP_PARSE_BAD_CODE;
	out->code = code;
	out->more = len > 3 && line[3] == '-';
	const char *t = len > 3 ? line + 4 : line + len;
	size_t tl = len > 3 ? len - 4 : 0;
	int cls, subject, detail;
	size_t used = help_enhanced_scan(t, tl, &cls, &subject, &detail);
	if (used > 0 && cls == code / 100 && cls != 3) {
		out->enh_class = cls;
		out->enh_subject = subject;
		out->enh_detail = detail;
		t += used;
		tl -= used;
		while (tl > 0 && *t == ' ') {
			t++;
			tl--;
		}
	}
	out->text = t;
	out->text_len = tl;
	return HELP_PARSE_OK;
}

/* Parse a command-line argument; see help.h. */
enum help_parse
help_arg_parse(const char *arg, size_t len, struct help_reply *out)
{
	memset(out, 0, sizeof *out);
	while (len > 0 && isspace((unsigned char)*arg)) {
		arg++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)arg[len - 1]))
		len--;
	if (len == 0)
		return HELP_PARSE_EMPTY;
	int cls, subject, detail;
	size_t used = help_enhanced_scan(arg, len, &cls, &subject, &detail);
	if (used == len) {
		if (cls != 2 && cls != 4 && cls != 5)
			return HELP_PARSE_BAD_ENHANCED;
		out->enh_class = cls;
		out->enh_subject = subject;
		out->enh_detail = detail;
		out->text = arg + len;
		return HELP_PARSE_OK;
	}
	if (memchr(arg, '.', len) != NULL && help_digits(arg, 1) >= 0 && len > 1 && arg[1] == '.' &&
	    memchr(arg, ' ', len) == NULL)
		return HELP_PARSE_BAD_ENHANCED;
	return help_reply_parse(arg, len, out);
}

/* Explain a parse error. */
const char *
help_parse_error(enum help_parse err)
{
	switch (err) {
	case HELP_PARSE_OK:
		return "";
	case HELP_PARSE_EMPTY:
		return _(N_("nothing to explain"));
	case HELP_PARSE_NOT_CODE:
		return _(N_("not a reply code: a code is three digits (like 250), optionally "
			    "followed by an enhanced code and text"));
	case HELP_PARSE_BAD_CODE:
		return _(N_("not a valid reply code: the first digit must be 2 (success), 3 "
			    "(intermediate), 4 (temporary failure) or 5 (permanent failure)"));
	case HELP_PARSE_BAD_ENHANCED:
		return _(N_("not a valid enhanced status code: it looks like class.subject.detail "
			    "with class 2, 4 or 5 and up to three digits in each other part"));
	}
	return "";
}

/* The value of one base64 character, or -1. */
static int
help_b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64; see help.h. Padding is optional; nothing may follow it. */
long
help_base64_decode(const char *in, size_t len, unsigned char *out, size_t outcap)
{
	unsigned long acc = 0;
	int bits = 0;
	size_t n = 0, pad = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == '=') {
			pad++;
			continue;
		}
		int v = help_b64val(c);
		if (v < 0 || pad > 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= outcap)
				return -1;
			out[n++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6)
		return -1;
	return (long)n;
}
