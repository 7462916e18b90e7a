/*
 * Path discovery.  An uninstalled stap (its binary in the configured
 * build directory) uses the source tree's runtime/ and tapsets/ and the
 * build tree's tools; an installed one looks under its own prefix.
 * SYSTEMTAP_RUNTIME and SYSTEMTAP_TAPSET override, as upstream.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "paths.h"
#include "util/diag.h"

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n <= 0)
		return xstrdup(".");
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return xstrdup(buf);
}

static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 &&
	       sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void find_paths(struct session *s)
{
	char *dir = exe_dir();

	if (same_dir(dir, ABS_BUILDDIR)) {
		s->runtime_dir = ABS_SRCDIR "/runtime";
		s->tapset_dir = ABS_SRCDIR "/tapsets";
		s->libexec_dir = ABS_BUILDDIR "/bin";
		s->bin_dir = ABS_BUILDDIR "/bin";
	} else {
		s->runtime_dir = xasprintf("%s/../share/stap/runtime", dir);
		s->tapset_dir = xasprintf("%s/../share/stap/tapsets", dir);
		s->libexec_dir = xasprintf("%s/../libexec/stap", dir);
		s->bin_dir = dir;
		if (!is_dir(s->runtime_dir)) {	/* moved binary: trust configure */
			s->runtime_dir = PKGDATADIR "/runtime";
			s->tapset_dir = PKGDATADIR "/tapsets";
			s->libexec_dir = PKGLIBEXECDIR;
			s->bin_dir = BINDIR;
		}
	}
	if (getenv("SYSTEMTAP_RUNTIME"))
		s->runtime_dir = getenv("SYSTEMTAP_RUNTIME");
	if (getenv("SYSTEMTAP_TAPSET"))
		s->tapset_dir = getenv("SYSTEMTAP_TAPSET");

	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (getenv("SYSTEMTAP_DIR"))
		s->cache_dir = xasprintf("%s/cache", getenv("SYSTEMTAP_DIR"));
	else if (cache && *cache)
		s->cache_dir = xasprintf("%s/stap", cache);
	else
		s->cache_dir = xasprintf("%s/.cache/stap", home ? home : "/tmp");
}

bool local_modules_supported(void)
{
	return access("/proc/modules", F_OK) == 0;
}

/* Compares kernel releases as versions: "6.12.117+deb12" > "6.1.0-56". */
static int release_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			long x = strtol(a, (char **)&a, 10);
			long y = strtol(b, (char **)&b, 10);
			if (x != y)
				return x < y ? -1 : 1;
		} else if (*a != *b) {
			return (unsigned char)*a - (unsigned char)*b;
		} else {
			a++, b++;
		}
	}
	return (unsigned char)*a - (unsigned char)*b;
}

const char *vm_dir(void)
{
	const char *d = getenv("STAP_VM_DIR");
	if (d)
		return d;
	const char *cache = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (cache && *cache)
		return xasprintf("%s/stap/vm", cache);
	return xasprintf("%s/.cache/stap/vm", home ? home : "/tmp");
}

const char *vm_default_release(void)
{
	const char *dir = vm_dir();
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	char *best = NULL;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strstr(de->d_name, "-rt-"))
			continue;
		char *img = xasprintf("%s/%s/boot/vmlinuz", dir, de->d_name);
		bool ok = access(img, R_OK) == 0;
		free(img);
		if (ok && (!best || release_cmp(de->d_name, best) > 0)) {
			free(best);
			best = xstrdup(de->d_name);
		}
	}
	closedir(d);
	return best;
}

bool find_target_kernel(struct session *s)
{
	struct utsname u;
	uname(&u);
	s->arch = xstrdup(u.machine);

	const char *r = s->kernel_release;
	if (r && strchr(r, '/')) {
		/* -r /path/to/build-tree: its release is in include/config */
		char *f = xasprintf("%s/include/config/kernel.release", r);
		char *rel = read_file(f, NULL);
		free(f);
		if (!rel) {
			fatal_msg("-r %s: not a kernel build tree (no include/config/kernel.release)", r);
			return false;
		}
		rel[strcspn(rel, "\n")] = '\0';
		s->kernel_build_tree = r;
		s->kernel_release = rel;
		return true;
	}
	if (!r)
		s->kernel_release = xstrdup(u.release);
	s->kernel_build_tree = xasprintf("/lib/modules/%s/build",
					 s->kernel_release);
	return true;
}
