/*
 * procfs probes: files under /proc/systemtap/MODULE/ whose reads and
 * writes run the script's procfs("PATH").read / .write probes.
 *
 * Arming creates /proc/systemtap if no other module made it, then
 * /proc/systemtap/MODULE, the subdirectories the translator listed
 * (parents first), and the files; disarming removes MODULE's whole
 * tree, then /proc/systemtap if no other module has a directory
 * there.  proc_remove() waits for reads and writes in progress and
 * releases files still open, so no file operation runs once disarm
 * returns: that is what makes reads and writes racing with unload safe.
 *
 * A read probe runs at an open file's first read, filling a buffer of
 * the file's maxsize that this and later reads of the same open file
 * return; a write probe runs once per write(2), on at most
 * MAXSTRINGLEN - 1 bytes (a longer write is a short write).  Both run
 * in the reader's or writer's process context, through
 * stap_run_probe_data(), only while the session is RUNNING: a read
 * before then or after it returns an empty file.
 *
 * A procfs hit's c->probe_data is a struct stap_procfs_buf: in a read
 * probe the text the reader will get, which `$value = ...` and
 * `$value .= ...` fill up to the file's maxsize (bytes beyond it are
 * dropped); in a write probe the bytes written, NUL-terminated.
 *
 * The module includes this file before its handlers (they call the
 * $value functions below); its table is stap_procfs_files[], which arm
 * and disarm get from stap_families[].
 */
#include <linux/proc_fs.h>
#include <linux/namei.h>
#include <linux/uaccess.h>
#include <linux/stat.h>
#include <linux/mutex.h>

#ifndef STP_PROCFS_BUFSIZE
#define STP_PROCFS_BUFSIZE MAXSTRINGLEN	/* read probes' $value without
					 * .maxsize(N), NUL included */
#endif

struct stap_procfs_buf {
	char *buf;
	size_t len;		/* bytes in buf; buf[len] == '\0' */
	size_t cap;		/* bytes buf holds, the NUL included */
};

/* One file under /proc/systemtap/MODULE/, with its read and/or write
 * probe, or one of its subdirectories (dir; listed before what they
 * hold).  mode: 0400 read, 0200 write, 0600 both, unless umask(N). */
struct stap_procfs_file {
	const char *path;		/* "dir/file", relative */
	bool dir;
	const struct stap_probe_info *read, *write;
	size_t maxsize;			/* read buffer, the NUL included */
	umode_t mode;
};

/* $value in a write probe.  Probe context. */
static inline const char *stap_procfs_value(struct context *c)
{
	return ((struct stap_procfs_buf *)c->probe_data)->buf;
}

/* $value .= s in a read probe.  Probe context. */
static inline const char *stap_procfs_append(struct context *c, const char *s)
{
	struct stap_procfs_buf *b = c->probe_data;
	size_t n = strnlen(s, b->cap - 1 - b->len);

	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return b->buf;
}

/* $value = s in a read probe.  Probe context. */
static inline const char *stap_procfs_set(struct context *c, const char *s)
{
	struct stap_procfs_buf *b = c->probe_data;

	b->len = 0;
	b->buf[0] = '\0';
	return stap_procfs_append(c, s);
}

#define STAP_PROCFS_ROOT "systemtap"
#define STAP_PROCFS_MODDIR STAP_PROCFS_ROOT "/" KBUILD_MODNAME

static struct proc_dir_entry *stap_procfs_moddir;

/* An open file of a read probe: its buffer, filled at the first read. */
struct stap_procfs_open {
	struct mutex lock;
	bool filled;
	struct stap_procfs_buf b;
	char data[];
};

/*
 * Process context.  Whether /proc/PATH exists; *nlink gets its link
 * count (2 + its subdirectories, for a proc directory).  Proc entries
 * cannot be looked up by name without the kernel warning when they are
 * missing, so this goes through the file system.
 */
static bool stap_procfs_exists(const char *path, unsigned int *nlink)
{
	struct path p;
	struct kstat st;

	if (kern_path(path, LOOKUP_FOLLOW, &p))
		return false;
	if (nlink)
		*nlink = vfs_getattr(&p, &st, STATX_NLINK,
				     AT_STATX_SYNC_AS_STAT) ? 0 : st.nlink;
	path_put(&p);
	return true;
}

static int stap_procfs_open(struct inode *inode, struct file *file)
{
	struct stap_procfs_file *f = pde_data(inode);
	struct stap_procfs_open *o;

	if (!(file->f_mode & FMODE_READ) || !f->read)
		return 0;
	o = kvzalloc(sizeof(*o) + f->maxsize, GFP_KERNEL);
	if (!o)
		return -ENOMEM;
	mutex_init(&o->lock);
	o->b.buf = o->data;
	o->b.cap = f->maxsize;
	file->private_data = o;
	return 0;
}

static int stap_procfs_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

/* Process context (the reader's). */
static ssize_t stap_procfs_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct stap_procfs_file *f = pde_data(file_inode(file));
	struct stap_procfs_open *o = file->private_data;
	ssize_t rc;

	if (!f->read || !o)
		return -EINVAL;
	mutex_lock(&o->lock);
	if (!o->filled) {
		stap_run_probe_data(f->read, STAP_SESSION_RUNNING, &o->b);
		o->filled = true;
	}
	rc = simple_read_from_buffer(ubuf, count, ppos, o->b.buf, o->b.len);
	mutex_unlock(&o->lock);
	return rc;
}

/* Process context (the writer's). */
static ssize_t stap_procfs_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct stap_procfs_file *f = pde_data(file_inode(file));
	struct stap_procfs_buf b;
	size_t n = min_t(size_t, count, MAXSTRINGLEN - 1);

	if (!f->write)
		return -EINVAL;
	if (!n)
		return 0;
	b.buf = kmalloc(n + 1, GFP_KERNEL);
	if (!b.buf)
		return -ENOMEM;
	if (copy_from_user(b.buf, ubuf, n)) {
		kfree(b.buf);
		return -EFAULT;
	}
	b.buf[n] = '\0';
	b.len = n;
	b.cap = n + 1;
	stap_run_probe_data(f->write, STAP_SESSION_RUNNING, &b);
	kfree(b.buf);
	return n;
}

static const struct proc_ops stap_procfs_ops = {
	.proc_open = stap_procfs_open,
	.proc_read = stap_procfs_read,
	.proc_write = stap_procfs_write,
	.proc_release = stap_procfs_release,
	.proc_lseek = default_llseek,
};

static void stap_procfs_report(const char *path, const char *why)
{
	char line[300];
	int n = scnprintf(line, sizeof(line), "ERROR: cannot create "
			  "/proc/" STAP_PROCFS_MODDIR "%s%s: %s\n",
			  path ? "/" : "", path ? path : "", why);

	stap_data_write(STAP_STREAM_STDERR, line, n);
}

static void stap_procfs_disarm(void *points, size_t n);

/* Process context.  All or nothing: a failure removes what was made. */
static int stap_procfs_arm(void *points, size_t n)
{
	struct stap_procfs_file *files = points;
	size_t i;

	if (!stap_procfs_exists("/proc/" STAP_PROCFS_ROOT, NULL) &&
	    !proc_mkdir(STAP_PROCFS_ROOT, NULL)) {
		stap_procfs_report(NULL, "cannot create /proc/" STAP_PROCFS_ROOT);
		return -ENOMEM;
	}
	if (stap_procfs_exists("/proc/" STAP_PROCFS_MODDIR, NULL)) {
		stap_procfs_report(NULL, "it exists already (another module "
				   "of the same name?)");
		stap_procfs_disarm(points, n);
		return -EEXIST;
	}
	stap_procfs_moddir = proc_mkdir(STAP_PROCFS_MODDIR, NULL);
	if (!stap_procfs_moddir)
		goto fail;
	for (i = 0; i < n; i++) {
		struct stap_procfs_file *f = &files[i];

		if (f->dir ? !proc_mkdir(f->path, stap_procfs_moddir)
			   : !proc_create_data(f->path, f->mode,
					       stap_procfs_moddir,
					       &stap_procfs_ops, f)) {
			stap_procfs_report(f->path, "out of memory");
			goto fail;
		}
	}
	return 0;
fail:
	if (!stap_procfs_moddir)
		stap_procfs_report(NULL, "out of memory");
	stap_procfs_disarm(points, n);
	return -ENOMEM;
}

/* Process context; waits for reads and writes in progress. */
static void stap_procfs_disarm(void *points, size_t n)
{
	unsigned int nlink;

	if (stap_procfs_moddir) {
		proc_remove(stap_procfs_moddir);
		stap_procfs_moddir = NULL;
	}
	if (stap_procfs_exists("/proc/" STAP_PROCFS_ROOT, &nlink) && nlink == 2)
		remove_proc_entry(STAP_PROCFS_ROOT, NULL);
}
