/*
 * staprun's privilege model; see privilege.h.  The caller's privilege
 * comes from its real uid and groups, never from the effective ones, so
 * that a setuid-root staprun grants nothing by itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "privilege.h"

/* The gid of group name from /etc/group, or -1. */
static long group_id(const char *name)
{
	char line[4096], *colon, *gid;
	size_t n = strlen(name);
	FILE *f = fopen("/etc/group", "re");
	long id = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* name:password:gid:members */
		if (strncmp(line, name, n) != 0 || line[n] != ':')
			continue;
		colon = strchr(line + n + 1, ':');
		if (!colon)
			continue;
		gid = colon + 1;
		id = strtol(gid, &colon, 10);
		if (colon == gid || *colon != ':')
			id = -1;
		break;
	}
	fclose(f);
	return id;
}

/* Is the caller (real gid or a supplementary group) in group name? */
static int in_group(const char *name)
{
	gid_t groups[NGROUPS_MAX];
	long gid = group_id(name);
	int n, i;

	if (gid < 0)
		return 0;
	if (getgid() == (gid_t)gid)
		return 1;
	n = getgroups(NGROUPS_MAX, groups);
	for (i = 0; i < n; i++)
		if (groups[i] == (gid_t)gid)
			return 1;
	return 0;
}

enum privilege caller_privilege(void)
{
	if (getuid() == 0)
		return PRIV_ROOT;
	if (in_group("stapdev"))
		return PRIV_STAPDEV;
	if (in_group("stapusr"))
		return PRIV_STAPUSR;
	fprintf(stderr, "ERROR: You are trying to run systemtap as a normal "
		"user.\nYou should either be root, or be part of the group "
		"\"stapusr\" and possibly the group \"stapdev\".\n");
	return PRIV_NONE;
}

const char *systemtap_module_dir(void)
{
	static char dir[PATH_MAX];
	struct utsname u;

	if (!dir[0] && uname(&u) == 0)
		snprintf(dir, sizeof(dir), "/lib/modules/%s/systemtap",
			 u.release);
	return dir;
}

/* The directory part of path (which is absolute), in dir. */
static void dir_of(const char *path, char *dir, size_t size)
{
	char *slash;

	snprintf(dir, size, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
}

/* The module's directory: nobody but its owner may write to it, unless
 * it is root's and sticky (only a file's owner may replace it). */
static int check_dir(const char *dir, const char *path)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		fprintf(stderr, "ERROR: cannot check directory %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(st.st_uid == 0 && (st.st_mode & S_ISVTX))) {
		fprintf(stderr, "ERROR: module %s is in %s, which others than "
			"its owner may write to: move it to a directory only "
			"you (or root) can write\n", path, dir);
		return -1;
	}
	return 0;
}

/* stapusr: the systemtap directory must be root's, written by root only. */
static int check_systemtap_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0) {
		fprintf(stderr, "ERROR: cannot check %s: %s\n", dir,
			strerror(errno));
		return -1;
	}
	if (st.st_uid != 0) {
		fprintf(stderr, "ERROR: %s is not owned by root\n", dir);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		fprintf(stderr, "ERROR: %s is writable by others than root\n",
			dir);
		return -1;
	}
	return 0;
}

int check_module_file(enum privilege priv, int fd, const char *path)
{
	char link[64], real[PATH_MAX], dir[PATH_MAX], sysdir[PATH_MAX];
	const char *mdir = systemtap_module_dir();
	struct stat st;
	ssize_t n;
	size_t len;

	if (priv == PRIV_ROOT)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "ERROR: module %s is not a regular file\n",
			path);
		return -1;
	}
	/* The file actually opened, whatever links and ".." led to it. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/') {
		fprintf(stderr, "ERROR: cannot tell where module %s is (%s)\n",
			path, link);
		return -1;
	}
	real[n] = '\0';
	dir_of(real, dir, sizeof(dir));
	if (check_dir(dir, path) < 0)
		return -1;
	if (priv == PRIV_STAPDEV)
		return 0;
	if (!realpath(mdir, sysdir))
		snprintf(sysdir, sizeof(sysdir), "%s", mdir);
	len = strlen(sysdir);
	if (strncmp(real, sysdir, len) != 0 || real[len] != '/') {
		fprintf(stderr, "ERROR: members of the group \"stapusr\" may "
			"only load modules from %s (not %s); root and members "
			"of \"stapdev\" may load any\n", mdir, real);
		return -1;
	}
	return check_systemtap_dir(sysdir);
}
