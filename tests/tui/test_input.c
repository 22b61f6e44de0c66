/*
 * test_input.c: unit tests of what the user types, with no terminal: the key table, slash
 * command parsing, completion candidates, the explorer's command line options, host:port
 * splitting, and the history file (its place, its mode, secrets kept out).
 */
#include <criterion/criterion.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>

#include "cmd.h"
#include "drive.h"
#include "hist.h"
#include "keys.h"
#include "tui.h"

Test(keys, function_keys_and_edit_keys)
{
	cr_assert_eq(keys_map(KEY_F(1), true, false, false), KEYS_HELP);
	cr_assert_eq(keys_map(KEY_F(2), true, false, false), KEYS_PREV_REPLY);
	cr_assert_eq(keys_map(KEY_F(3), true, false, false), KEYS_NEXT_REPLY);
	cr_assert_eq(keys_map(KEY_F(4), true, false, false), KEYS_FOLLOW);
	cr_assert_eq(keys_map(KEY_PPAGE, true, false, false), KEYS_PAGE_UP);
	cr_assert_eq(keys_map(KEY_SNEXT, true, false, false), KEYS_EXPLAIN_DOWN);
	cr_assert_eq(keys_map(KEY_RESIZE, true, false, false), KEYS_RESIZE);
	cr_assert_eq(keys_map('a', false, false, false), KEYS_EDIT);
	cr_assert_eq(keys_map(KEY_LEFT, true, false, false), KEYS_EDIT, "arrows edit the line");
	cr_assert_eq(keys_map(27, false, true, false), KEYS_FOLLOW, "Esc alone");
	cr_assert_eq(keys_map(27, false, false, false), KEYS_EDIT, "Esc then a key is Meta");
	cr_assert_eq(keys_map(12, false, false, false), KEYS_REDRAW);
	/* With the help screen open any key closes it, but a resize is still a resize. */
	cr_assert_eq(keys_map('x', false, false, true), KEYS_CLOSE);
	cr_assert_eq(keys_map(KEY_RESIZE, true, false, true), KEYS_RESIZE);
	cr_assert_eq(keys_map(KEY_NPAGE, true, false, true), KEYS_PAGE_DOWN);
}

Test(keys, readline_sequences)
{
	cr_assert_str_eq(keys_readline_seq(KEY_UP), "\033[A");
	cr_assert_str_eq(keys_readline_seq(KEY_BACKSPACE), "\177");
	cr_assert_str_neq(keys_readline_seq(KEY_DC), "\004", "Delete must not be Ctrl-D (quit)");
	cr_assert_null(keys_readline_seq(KEY_F(9)));
}

Test(cmd, slash_commands)
{
	const char *arg;

	cr_assert_eq(cmd_parse("EHLO x", &arg), CMD_NONE);
	cr_assert_eq(cmd_parse("/auth PLAIN", &arg), CMD_AUTH);
	cr_assert_str_eq(arg, "PLAIN");
	cr_assert_eq(cmd_parse("/save  /tmp/x.json", &arg), CMD_SAVE);
	cr_assert_str_eq(arg, "/tmp/x.json");
	cr_assert_eq(cmd_parse("/QUIT", &arg), CMD_QUIT);
	cr_assert_eq(cmd_parse("/explain 5.7.26", &arg), CMD_EXPLAIN);
	cr_assert_eq(cmd_parse("/starttlsx", &arg), CMD_UNKNOWN);
	cr_assert_eq(cmd_parse("/", &arg), CMD_UNKNOWN);
}

/* All completions of text at start in line. */
static size_t
tc_all(const char *line, size_t start, const char *text, const struct caps *caps, char out[][64])
{
	size_t n = 0;
	char *m;

	while ((m = cmd_complete(line, start, text, (int)n, caps)) != NULL) {
		snprintf(out[n], 64, "%s", m);
		free(m);
		n++;
		cr_assert_lt(n, 32u);
	}
	return n;
}

Test(cmd, completion)
{
	char got[32][64];
	struct caps c;

	cr_assert_eq(tc_all("MA", 0, "MA", NULL, got), 1u);
	cr_assert_str_eq(got[0], "MAIL FROM:<>");
	cr_assert_eq(tc_all("r", 0, "r", NULL, got), 2u); /* RCPT TO:<>, RSET */
	cr_assert_eq(tc_all("/re", 0, "/re", NULL, got), 1u);
	cr_assert_str_eq(got[0], "/reconnect");
	memset(&c, 0, sizeof(c));
	c.valid = true;
	c.auth = true;
	snprintf(c.auth_names, sizeof(c.auth_names), "PLAIN LOGIN XYZ-NEW");
	cr_assert_eq(tc_all("AUTH ", 5, "", &c, got), 3u, "the mechanisms advertised");
	cr_assert_str_eq(got[2], "XYZ-NEW");
	cr_assert_eq(tc_all("/auth P", 6, "P", &c, got), 1u);
	cr_assert_str_eq(got[0], "PLAIN");
	cr_assert_eq(tc_all("AUTH S", 5, "S", NULL, got), 1u, "ours when none advertised");
	cr_assert_str_eq(got[0], "SCRAM-SHA-256");
}

Test(options, explorer_command_lines)
{
	struct tui_options o;
	char err[256];
	char *a1[] = {"ehlo", NULL};
	char *a2[] = {"ehlo",	    "--plain", "mx.example.org:587", "--tls", "--ehlo",
		      "me.example", NULL};
	char *a3[] = {"ehlo", "practice", "--scenario", "auth-required", NULL};
	char *a4[] = {"ehlo", "[::1]:2525", "--tls-on-connect", "--cafile=/x.pem", NULL};
	char *a5[] = {"ehlo", "h", "--tls", "--tls-on-connect", NULL};
	char *a6[] = {"ehlo", "h:99999", NULL};
	char *a7[] = {"ehlo", "--bogus", NULL};
	char *a8[] = {"ehlo", "h", "--scenario", "x", NULL};

	cr_assert_eq(tui_parse(1, a1, &o, err, sizeof(err)), 0);
	cr_assert(o.practice && !o.plain);
	cr_assert_eq(tui_parse(6, a2, &o, err, sizeof(err)), 0);
	cr_assert(o.plain && o.starttls && !o.practice);
	cr_assert_str_eq(o.host, "mx.example.org");
	cr_assert_str_eq(o.port, "587");
	cr_assert_str_eq(o.ehlo_name, "me.example");
	cr_assert_eq(tui_parse(4, a3, &o, err, sizeof(err)), 0);
	cr_assert(o.practice);
	cr_assert_str_eq(o.scenario, "auth-required");
	cr_assert_eq(tui_parse(4, a4, &o, err, sizeof(err)), 0);
	cr_assert_str_eq(o.host, "::1");
	cr_assert_str_eq(o.port, "2525");
	cr_assert_str_eq(o.cafile, "/x.pem");
	cr_assert(o.tls_on_connect);
	cr_assert_eq(tui_parse(4, a5, &o, err, sizeof(err)), -1);
	cr_assert_eq(tui_parse(2, a6, &o, err, sizeof(err)), -1);
	cr_assert_eq(tui_parse(2, a7, &o, err, sizeof(err)), -1);
	cr_assert(strstr(err, "--bogus") != NULL);
	cr_assert_eq(tui_parse(4, a8, &o, err, sizeof(err)), -1);
}

Test(options, host_port_split)
{
	char h[64], p[16];

	cr_assert_eq(drive_split_hostport("localhost", h, sizeof(h), p, sizeof(p)), 0);
	cr_assert_str_eq(h, "localhost");
	cr_assert_str_eq(p, "");
	cr_assert_eq(drive_split_hostport("::1", h, sizeof(h), p, sizeof(p)), 0);
	cr_assert_str_eq(h, "::1");
	cr_assert_eq(drive_split_hostport("[::1]", h, sizeof(h), p, sizeof(p)), 0);
	cr_assert_eq(drive_split_hostport("a:", h, sizeof(h), p, sizeof(p)), -1);
	cr_assert_eq(drive_split_hostport(":25", h, sizeof(h), p, sizeof(p)), -1);
	cr_assert_eq(drive_split_hostport("a:2x", h, sizeof(h), p, sizeof(p)), -1);
	cr_assert_eq(drive_split_hostport("[::1]x", h, sizeof(h), p, sizeof(p)), -1);
}

Test(history, place_mode_and_secrets)
{
	char dir[] = "/tmp/ehlo-hist-XXXXXX";
	char path[1024], line[256];
	struct stat st;

	cr_assert_not_null(mkdtemp(dir));
	setenv("XDG_STATE_HOME", dir, 1);
	cr_assert_eq(hist_path(path, sizeof(path)), 0);
	cr_assert(strncmp(path, dir, strlen(dir)) == 0);
	cr_assert(strstr(path, "/ehlo/history") != NULL);

	cr_assert(hist_is_secret("AUTH PLAIN AGFsaWNlAHNlY3JldA=="));
	cr_assert(hist_is_secret("auth login dXNlcg=="));
	cr_assert(!hist_is_secret("AUTH LOGIN"));
	cr_assert(!hist_is_secret("EHLO x"));

	clear_history();
	hist_add("EHLO me.example");
	hist_add("EHLO me.example"); /* a repeat is kept once */
	hist_add("AUTH PLAIN AGFsaWNlAHNlY3JldA==");
	hist_add("MAIL FROM:<a@b>");
	cr_assert_eq(history_length, 2);
	cr_assert_eq(hist_save(path), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);

	/* A secret planted in the file by hand is dropped when it is read. */
	FILE *f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("AUTH PLAIN c2VjcmV0\n", f);
	fclose(f);
	chmod(path, 0644);
	clear_history();
	hist_load(path);
	cr_assert_eq(history_length, 2);
	cr_assert_eq(hist_save(path), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "saving makes the mode 0600 again");
	f = fopen(path, "r");
	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		cr_assert(strstr(line, "AUTH") == NULL, "a secret reached the history: %s", line);
	fclose(f);
	unlink(path);
}
