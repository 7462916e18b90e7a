/*
 * Where the target kernel's BTF comes from (btf.h), and its cache.
 * btf_types.c turns it into the type model.
 *
 * target_btf() picks the source, as symbols.c does for kallsyms:
 *   - this machine's kernel: /sys/kernel/btf/vmlinux (no cache: the
 *     kernel serves it from memory);
 *   - a remote: its stapsh, asked "btf NAME HAVE" (protocol version 3),
 *     which sends the bytes only when our cached copy (HAVE, the build
 *     identity of symbols.h) is not the target's build;
 *   - a kernel no target runs (-p2 -r KVER): the .BTF section of a local
 *     image of it: the built-in VM's vmlinuz (bzImage: the payload is an
 *     xz or zstd compressed vmlinux), /boot/vmlinuz-KVER, the debug
 *     vmlinux, the build tree's vmlinux; else the newest copy cached
 *     from a target of that release.  A module's: cached from a target,
 *     or the built-in VM's copy of the module.
 * The cache keeps raw BTF in <cache>/btf/RELEASE-IDENT/NAME (NAME is
 * vmlinux or a module); an image's IDENT is "image" and a hash of its
 * path, size and time.  Parsing is libbpf's (btf__parse_raw,
 * btf__parse_elf, btf__parse_raw_split).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <utime.h>
#include <bpf/btf.h>
#include "btf.h"
#include "symbols.h"
#include "ksyms.h"
#include "paths.h"
#include "run/connection.h"
#include "run/remote.h"

/* The loaded BTF of this run: the kernel's, and its modules' by name. */
static struct kbtf *kernel_btf;
static bool kernel_tried;
static char *missing_reason;
static char *kernel_ident;	/* the cache directory's IDENT, if cached */
static struct hash module_btf;	/* name -> struct kbtf *, or &no_module */
static char no_module;

const char *btf_missing_reason(struct session *s)
{
	(void)s;
	return missing_reason ? missing_reason : "no BTF";
}

static void set_reason(char *why)
{
	free(missing_reason);
	missing_reason = why;
}

/* ---- the cache -------------------------------------------------------- */

static char *cache_path(struct session *s, const char *ident,
			const char *name)
{
	return xasprintf("%s/btf/%s-%s%s%s", s->cache_dir, s->kernel_release,
			 ident, name ? "/" : "", name ? name : "");
}

static struct btf *parse_raw(const char *path, struct kbtf *base)
{
	struct btf *btf = base ? btf__parse_raw_split(path, kbtf_libbpf(base))
			       : btf__parse_raw(path);

	return btf;
}

/* The cached BTF NAME of build ident (marked as just used), or NULL. */
static struct btf *load_cached(struct session *s, const char *ident,
			       const char *name, struct kbtf *base)
{
	char *path = cache_path(s, ident, name);
	struct btf *btf = access(path, R_OK) == 0 ? parse_raw(path, base)
						  : NULL;

	if (btf) {
		char *dir = cache_path(s, ident, NULL);
		utime(dir, NULL);
		free(dir);
	}
	free(path);
	return btf;
}

static void store_cached(struct session *s, const char *ident,
			 const char *name, const void *data, size_t len)
{
	char *dir = cache_path(s, ident, NULL);
	char *path = cache_path(s, ident, name);

	if (!s->disable_cache && mkdir_p(dir))
		write_file_atomic(path, data, len);
	free(path);
	free(dir);
}

/* The identity of the most recently used cached BTF of this release that
 * came from a target (not an image), or NULL. */
static char *newest_cached(struct session *s)
{
	char *dir = xasprintf("%s/btf", s->cache_dir);
	char *best = cache_newest_ident(dir, s->kernel_release, "vmlinux");

	free(dir);
	return best;
}

/* The kernel's identity if its module `name`'s BTF is cached, or NULL
 * (then the target sends it). */
static char *cached_module_ident(struct session *s, const char *name)
{
	char *path = kernel_ident ? cache_path(s, kernel_ident, name) : NULL;
	bool have = path && access(path, R_OK) == 0;

	free(path);
	return have ? xstrdup(kernel_ident) : NULL;
}

/* ---- this machine ----------------------------------------------------- */

static bool target_is_local(struct session *s)
{
	struct utsname u;

	return !target_url(s) && uname(&u) == 0 &&
	       strcmp(u.release, s->kernel_release) == 0;
}

static struct btf *local_btf(const char *name, struct kbtf *base)
{
	char *path = xasprintf("/sys/kernel/btf/%s", name);
	struct btf *btf = parse_raw(path, base);

	if (!btf && !base)
		set_reason(xasprintf("cannot read %s: %s", path,
				     strerror(errno)));
	free(path);
	return btf;
}

/* ---- a local image of a kernel no target runs ------------------------- */

/* The decompressor for a bzImage payload, by its magic; strip: bytes at
 * the end that are not part of the stream (the kernel appends the
 * uncompressed size). */
static const char *decompressor(const unsigned char *p, size_t len,
				size_t *strip)
{
	*strip = 0;
	if (len > 6 && !memcmp(p, "\xfd" "7zXZ", 5))
		return "xz -dcq --single-stream";
	if (len > 4 && !memcmp(p, "\x28\xb5\x2f\xfd", 4)) {
		*strip = 4;
		return "zstd -dcq";
	}
	if (len > 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "gzip -dcq";
	return NULL;
}

/* The vmlinux inside bzImage data, written to a temporary file whose
 * name is returned (NULL with a reason). */
static char *unpack_bzimage(const unsigned char *d, size_t len,
			    const char *image)
{
	uint32_t setup, off, plen;
	size_t strip;
	const char *cmd;
	char *tmp, *line;
	FILE *p;
	int fd, rc;

	if (len < 0x250 || memcmp(d + 0x202, "HdrS", 4) != 0)
		return NULL;	/* not a bzImage: maybe an ELF */
	setup = d[0x1f1] ? d[0x1f1] : 4;
	memcpy(&off, d + 0x248, 4);
	memcpy(&plen, d + 0x24c, 4);
	off += (setup + 1) * 512;
	if (off > len || plen > len - off ||
	    !(cmd = decompressor(d + off, plen, &strip))) {
		set_reason(xasprintf("%s: unknown kernel image payload",
				     image));
		return NULL;
	}
	tmp = xasprintf("%s/stap-vmlinux-XXXXXX", getenv("TMPDIR") ?
			getenv("TMPDIR") : "/tmp");
	if ((fd = mkstemp(tmp)) < 0) {
		set_reason(xasprintf("cannot create %s: %s", tmp,
				     strerror(errno)));
		free(tmp);
		return NULL;
	}
	close(fd);
	line = xasprintf("%s > '%s'", cmd, tmp);
	p = popen(line, "w");
	rc = p ? (fwrite(d + off, 1, plen - strip, p) == plen - strip ? 0 : -1)
	       : -1;
	if (p && pclose(p) != 0)
		rc = -1;
	if (rc) {
		set_reason(xasprintf("%s: '%s' failed on its payload", image,
				     cmd));
		unlink(tmp);
		free(tmp);
		tmp = NULL;
	}
	free(line);
	return tmp;
}

/* The BTF of image path (a bzImage or an ELF vmlinux), cached under an
 * identity of the file. */
static struct btf *image_btf(struct session *s, const char *path,
			     const char **from)
{
	struct stat st;
	char ident[64], *elf = NULL, *hkey;
	struct btf *btf;
	size_t len;
	unsigned char *data;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	hkey = xasprintf("%s %lld %lld", path, (long long)st.st_size,
			 (long long)st.st_mtime);
	snprintf(ident, sizeof(ident), "image%016llx",
		 (unsigned long long)hash_bytes(hkey, strlen(hkey), 0));
	free(hkey);
	if ((btf = load_cached(s, ident, "vmlinux", NULL))) {
		*from = "the cache (of a local image)";
		kernel_ident = xstrdup(ident);
		return btf;
	}
	if (!(data = (unsigned char *)read_file(path, &len)))
		return NULL;
	elf = unpack_bzimage(data, len, path);
	free(data);
	btf = btf__parse_elf(elf ? elf : path, NULL);
	if (elf) {
		unlink(elf);
		free(elf);
	}
	if (!btf) {
		if (!missing_reason)
			set_reason(xasprintf("%s has no BTF", path));
		return NULL;
	}
	const void *raw = btf__raw_data(btf, (uint32_t *)&len);
	store_cached(s, ident, "vmlinux", raw, len);
	kernel_ident = xstrdup(ident);
	*from = xstrdup(path);
	return btf;
}

static struct btf *offline_btf(struct session *s, const char **from)
{
	const char *r = s->kernel_release;
	char *paths[] = {
		xasprintf("%s/%s/boot/vmlinuz", vm_dir(), r),
		xasprintf("/boot/vmlinuz-%s", r),
		xasprintf("/usr/lib/debug/boot/vmlinux-%s", r),
		xasprintf("/usr/lib/debug/lib/modules/%s/vmlinux", r),
		s->kernel_build_tree ? xasprintf("%s/vmlinux",
						 s->kernel_build_tree) : NULL,
	};
	struct btf *btf = NULL;
	char *ident;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!btf && paths[i])
			btf = image_btf(s, paths[i], from);
		free(paths[i]);
	}
	if (btf)
		return btf;
	if ((ident = newest_cached(s)) &&
	    (btf = load_cached(s, ident, "vmlinux", NULL))) {
		*from = "the cache (the target was not contacted)";
		kernel_ident = ident;
		return btf;
	}
	free(ident);
	if (!missing_reason)
		set_reason(xasprintf("no image of kernel %s was found (the "
			"built-in VM's, /boot/vmlinuz-%s, a debug vmlinux) and "
			"no --remote reaches it", r, r));
	return NULL;
}

/* A module of a kernel no target runs: its BTF cached from a target, or
 * the .BTF section of the built-in VM's copy of the module. */
static struct btf *offline_module_btf(struct session *s, const char *name,
				      struct kbtf *base)
{
	struct btf *btf = kernel_ident ? load_cached(s, kernel_ident, name,
						    base) : NULL;
	char *ko;

	if (btf)
		return btf;
	ko = xasprintf("%s/%s/modules/%s.ko", vm_dir(), s->kernel_release,
		       name);
	if (access(ko, R_OK) == 0)
		btf = btf__parse_split(ko, kbtf_libbpf(base));
	free(ko);
	return btf;
}

/* ---- a remote --------------------------------------------------------- */

/* The BTF NAME of the remote's kernel through stapsh, which sends it only
 * when the cached copy of the newest cached build is not current. */
static struct btf *remote_btf_of(struct session *s, const char *name,
				 struct kbtf *base, const char **from)
{
	struct remote *r = open_target(s);
	char *have, *ident = NULL, *data = NULL;
	size_t len = 0;
	struct btf *btf = NULL;
	int rc;

	if (!r) {
		set_reason(xasprintf("cannot connect to %s", target_url(s)));
		return NULL;
	}
	have = base ? cached_module_ident(s, name) : newest_cached(s);
	rc = remote_btf(r, name, have, &ident, &data, &len);
	if (rc == 0) {
		if (!base)
			set_reason(remote_peer_version(r) < 3 ?
				xasprintf("the target's stapsh is older "
					"(protocol version %d): BTF not "
					"available; update stapsh on the target",
					remote_peer_version(r)) :
				xstrdup("this stap's stapsh protocol is older "
					"than version 3: BTF not available"));
	} else if (rc < 0) {
		if (!base)
			set_reason(xasprintf("fetching %s's BTF failed", name));
	} else if (rc == 2) {
		if (!base)
			set_reason(xasprintf("the target has no BTF "
					     "(/sys/kernel/btf/%s)", name));
	} else if (!data) {
		btf = load_cached(s, ident, name, base);
		*from = "the cache (current for the target's build)";
		if (!btf && !base)
			set_reason(xasprintf("the cached BTF of %s is "
					     "unreadable", s->kernel_release));
	} else {
		store_cached(s, ident, name, data, len);
		btf = load_cached(s, ident, name, base);
		*from = "the target";
		if (!btf && !base)	/* not cacheable: from memory */
			btf = btf__new(data, len);
	}
	if (btf && !base) {
		free(kernel_ident);
		kernel_ident = ident;
		ident = NULL;
	}
	free(ident);
	free(data);
	free(have);
	return btf;
}

/* ---- the entry points ------------------------------------------------- */

struct kbtf *target_btf(struct session *s)
{
	const char *from = NULL;
	struct btf *btf = NULL;
	uint64_t t0 = now_us();

	if (kernel_tried)
		return kernel_btf;
	kernel_tried = true;
	if (target_is_local(s)) {
		btf = local_btf("vmlinux", NULL);
		from = "/sys/kernel/btf/vmlinux";
	} else if (target_url(s)) {
		btf = remote_btf_of(s, "vmlinux", NULL, &from);
	} else {
		btf = offline_btf(s, &from);
	}
	if (btf)
		kernel_btf = kbtf_new(btf, NULL);
	if (s->verbose && btf)
		fprintf(stderr, "Pass 2: BTF of %s from %s: %u types in "
			"%llu ms\n", s->kernel_release, from,
			btf__type_cnt(btf) - 1,
			(unsigned long long)(now_us() - t0) / 1000);
	else if (s->verbose)
		fprintf(stderr, "Pass 2: no BTF of %s: %s\n",
			s->kernel_release, btf_missing_reason(s));
	return kernel_btf;
}

struct kbtf *target_module_btf(struct session *s, const char *name)
{
	struct kbtf *base = target_btf(s), *b;
	const char *from = NULL;
	struct btf *btf = NULL;

	if (!base || !strcmp(name, "vmlinux") || !strcmp(name, "kernel"))
		return base;
	if ((b = hash_get(&module_btf, name)))
		return b == (void *)&no_module ? NULL : b;
	if (target_is_local(s))
		btf = local_btf(name, base);
	else if (target_url(s))
		btf = remote_btf_of(s, name, base, &from);
	else
		btf = offline_module_btf(s, name, base);
	b = btf ? kbtf_new(btf, base) : NULL;
	hash_put(&module_btf, name, b ? (void *)b : (void *)&no_module);
	return b;
}
