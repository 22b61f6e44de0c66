/*
 * test_draft.c: unit tests of the composer's draft store: where it lives (XDG_STATE_HOME,
 * else ~/.local/state), the save/load round trip, the atomic write (no temporary file left,
 * an old draft replaced whole), mode 0600 and 0700 directories, the size cap, removal.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "draft.h"

static char td_dir[256];

/* A fresh temporary directory for each test. */
static void
td_setup(void)
{
	snprintf(td_dir, sizeof(td_dir), "/tmp/ehlo-draft-test-XXXXXX");
	cr_assert_not_null(mkdtemp(td_dir));
}

/* Remove what a test left (a few levels deep at most). */
static void
td_teardown(void)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", td_dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(draft, .init = td_setup, .fini = td_teardown);

Test(draft, path_prefers_xdg_state_home)
{
	char want[512], got[512];

	snprintf(want, sizeof(want), "%s/state", td_dir);
	setenv("XDG_STATE_HOME", want, 1);
	setenv("HOME", "/nonexistent-home", 1);
	cr_assert_eq(draft_path(got, sizeof(got)), 0);
	snprintf(want, sizeof(want), "%s/state/ehlo/draft.eml", td_dir);
	cr_assert_str_eq(got, want);
}

Test(draft, path_falls_back_to_home)
{
	char got[512], want[512];

	unsetenv("XDG_STATE_HOME");
	setenv("HOME", td_dir, 1);
	cr_assert_eq(draft_path(got, sizeof(got)), 0);
	snprintf(want, sizeof(want), "%s/.local/state/ehlo/draft.eml", td_dir);
	cr_assert_str_eq(got, want);
	/* A relative XDG_STATE_HOME is invalid per the spec: ignored. */
	setenv("XDG_STATE_HOME", "relative/dir", 1);
	cr_assert_eq(draft_path(got, sizeof(got)), 0);
	cr_assert_str_eq(got, want);
	unsetenv("HOME");
	unsetenv("XDG_STATE_HOME");
	cr_assert_eq(draft_path(got, sizeof(got)), -1);
}

Test(draft, round_trip_mode_0600_and_dirs_0700)
{
	char path[512], dir[512];
	const char text[] = "From: a@b\nSubject: hi\n\nline one\n.\n..two\n";
	struct stat st;
	char *got = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/x/y/ehlo/draft.eml", td_dir);
	cr_assert_eq(draft_exists(path), false);
	cr_assert_eq(draft_load(path, &got, &len), -1);
	cr_assert_eq(draft_save(path, text, strlen(text)), 0);
	cr_assert(draft_exists(path));
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", (unsigned)(st.st_mode & 0777));
	snprintf(dir, sizeof(dir), "%s/x/y/ehlo", td_dir);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(draft_load(path, &got, &len), 0);
	cr_assert_eq(len, strlen(text));
	cr_assert_eq(memcmp(got, text, len), 0);
	cr_assert_eq(got[len], '\0');
	free(got);
	cr_assert_eq(draft_remove(path), 0);
	cr_assert_eq(draft_exists(path), false);
	cr_assert_eq(draft_remove(path), 0, "removing no draft is fine");
}

Test(draft, save_replaces_whole_and_leaves_no_temporary)
{
	char path[512], dir[512];
	char *got = NULL;
	size_t len = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/ehlo/draft.eml", td_dir);
	cr_assert_eq(draft_save(path, "a much longer first draft\n", 26), 0);
	/* A file made by someone else with a wide mode is replaced by ours, 0600. */
	cr_assert_eq(chmod(path, 0644), 0);
	cr_assert_eq(draft_save(path, "short\n", 6), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(draft_load(path, &got, &len), 0);
	cr_assert_eq(len, 6);
	cr_assert_str_eq(got, "short\n");
	free(got);
	snprintf(dir, sizeof(dir), "%s/ehlo", td_dir);
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			files++;
	closedir(d);
	cr_assert_eq(files, 1, "only draft.eml is left, no temporary file");
}

Test(draft, save_fails_where_it_cannot_write)
{
	char path[512], block[512];

	/* A regular file where the directory should be: no partial draft anywhere. */
	snprintf(block, sizeof(block), "%s/ehlo", td_dir);
	FILE *f = fopen(block, "w");
	cr_assert_not_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/ehlo/draft.eml", td_dir);
	cr_assert_eq(draft_save(path, "x\n", 2), -1);
	cr_assert_eq(draft_exists(path), false);
}

Test(draft, too_large_is_refused)
{
	char path[512];
	size_t n = DRAFT_MAX + 1;
	char *big = malloc(n);
	char *got = NULL;
	size_t len = 0;

	cr_assert_not_null(big);
	memset(big, 'a', n);
	snprintf(path, sizeof(path), "%s/ehlo/draft.eml", td_dir);
	cr_assert_eq(draft_save(path, big, n), -1);
	cr_assert_eq(draft_exists(path), false);
	/* One written behind our back is not loaded either. */
	cr_assert_eq(draft_save(path, "x", 1), 0);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(big, 1, n, f), n);
	fclose(f);
	cr_assert_eq(draft_load(path, &got, &len), -1);
	free(big);
}
