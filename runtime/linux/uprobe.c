/*
 * Uprobes for process("PATH").function(...)[.return]: each entry is a
 * uprobe consumer on PATH's inode at a file offset (the translator
 * found the offset in PATH's symbol table).  A uprobe is armed in
 * every process that maps the file, those running when it is
 * registered and those started later; disarming removes it from all.
 * Included by process.c (the family's runtime).
 *
 * Handlers run in the probed task, in its breakpoint (or return
 * trampoline) exception, with interrupts on; stap_run_probe_regs()
 * gives them the user registers.  With -c or -x, a hit outside the
 * target's process tree is ignored, and so is one of a .library point
 * outside the processes running its program (exe), and one of a
 * process(PID) point in another process (pid).
 *
 * process("PATH").mark("NAME") entries are uprobes at SDT markers,
 * registered with the marker's semaphore (ref_ctr_offset: the kernel
 * counts it up in every process while the uprobe is armed, so the
 * program's STAP_PROBE_ENABLED tests see it); $argN read the argument
 * specs (a register, user memory at a register plus an offset, or a
 * constant), $$name and $$provider the entry's strings.
 *
 * A .return entry whose handler uses @entry has a table of records
 * (STP_UPROBE_ENTRIES of them, allocated at arm): the uprobe's entry
 * handler claims one for the calling task, stamps it with a sequence
 * number and fills it; the return handler runs on the task's newest
 * (recursive calls return in the reverse order) and frees it.  A return
 * with no record (the table was full, the entry could not run, or the
 * call began before the probe was armed) is skipped, as a kretprobe's
 * missed entry is; a task that never returns (it exited, or longjmp'ed
 * out) leaves its record, which the next task at the same address
 * takes over.
 *
 * Kernels differ in how a uprobe is unregistered: 6.12 returns a
 * struct uprobe from uprobe_register() and unregisters it with
 * uprobe_unregister_nosync() and one uprobe_unregister_sync() for all
 * (STAP_HAVE_UPROBE_UNREGISTER_NOSYNC); 6.1 unregisters by inode and
 * offset.
 */
#include <linux/uprobes.h>
#include <linux/namei.h>
#include <linux/vmalloc.h>
#include <linux/hash.h>

#ifndef STP_UPROBE_ENTRIES
#define STP_UPROBE_ENTRIES 256
#endif

/* A task's entry record of one .return uprobe: task NULL is free;
 * seq orders one task's nested calls. */
struct stap_uprobe_slot {
	struct task_struct *task;
	unsigned long seq;
	bool filled;
};

/* Where an SDT argument is (the translator's struct sdt_arg): size
 * bytes (negative: signed) of register reg (a pt_regs offset) of which
 * the name reads reg_bytes, of user memory at reg + offset (+ register
 * index * scale when scale > 0), or the constant offset. */
enum stap_sdt_kind { STAP_SDT_REG, STAP_SDT_MEM, STAP_SDT_IMM, STAP_SDT_NONE };

struct stap_sdt_arg {
	enum stap_sdt_kind kind;
	int size;
	unsigned short reg;
	unsigned char reg_bytes;
	s64 offset;
	unsigned short index;
	unsigned char scale;
};

/* One uprobe: kpath holds PATH's inode while armed.  A marker's has
 * its semaphore (ref_ctr_offset, 0: none), provider and arguments. */
struct stap_uprobe {
	const struct stap_probe_info *info;
	loff_t offset;
	loff_t ref_ctr_offset;
	bool is_return;
	const char *path;
	const char *name;	/* the function or marker */
	const char *provider;
	int nargs;
	const struct stap_sdt_arg *args;
	const char *exe;	/* .library: only in processes running it */
	int pid;		/* process(PID): only in it; 0: any */
	struct path kexe;
	struct path kpath;
	struct uprobe_consumer uc;
	struct uprobe *uprobe;	/* 6.12: what uprobe_register returned */
	struct stap_uprobe_slot *slots;	/* .return with @entry: the
					 * slots, their records after them
					 * (info->entry_size bytes each) */
	bool armed;
};

static bool stap_process_in_target(struct task_struct *task);

/* Whether the current process runs u->exe.  The probed task's
 * context. */
static bool stap_uprobe_in_exe(const struct stap_uprobe *u)
{
	struct mm_struct *mm = current->mm;
	struct file *f;
	bool in;

	rcu_read_lock();
	f = mm ? rcu_dereference(mm->exe_file) : NULL;
	in = f && file_inode(f) == d_inode(u->kexe.dentry);
	rcu_read_unlock();
	return in;
}

/* Whether a hit of u in the current task runs its probe: the pid of
 * a process(PID) point, the program of a .library point, the -c/-x
 * target's tree.  The probed task's context. */
static bool stap_uprobe_wanted(const struct stap_uprobe *u)
{
	return (!u->pid || current->tgid == u->pid) &&
	       (!u->exe || stap_uprobe_in_exe(u)) &&
	       stap_process_in_target(current);
}

static int stap_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stap_uprobe *u = container_of(uc, struct stap_uprobe, uc);

	if (stap_uprobe_wanted(u))
		stap_run_probe_hit(u->info, STAP_SESSION_RUNNING, u, regs);
	return 0;
}

/* $argN (n from 1) of the marker hit: 0 when it has fewer arguments,
 * or after a fault reading user memory (reported as the probe's
 * error).  The probed task's context. */
static s64 stap_sdt_arg(struct context *c, int n)
{
	const struct stap_uprobe *u = c->probe_data;
	const struct stap_sdt_arg *a;
	u64 v = 0;
	int size;

	if (!u || !c->regs || n > u->nargs)
		return 0;
	a = &u->args[n - 1];
	size = a->size < 0 ? -a->size : a->size;
	switch (a->kind) {
	case STAP_SDT_REG:
		v = *(unsigned long *)((char *)c->regs + a->reg);
		if (a->reg_bytes < 8)
			v &= (1ULL << (8 * a->reg_bytes)) - 1;
		break;
	case STAP_SDT_MEM: {
		unsigned long addr = *(unsigned long *)((char *)c->regs + a->reg)
				     + a->offset;

		if (a->scale)
			addr += *(unsigned long *)((char *)c->regs + a->index)
				* a->scale;

		if (size > 8 || copy_from_user_nofault(&v,
				(const void __user *)addr, size)) {
			stap_errorf(c, NULL, "cannot read SDT argument %d "
				    "at user address 0x%lx", n, addr);
			return 0;
		}
		break;
	}
	case STAP_SDT_IMM:
		return a->offset;
	default:
		return 0;
	}
	switch (a->size) {
	case -1: return (s8)v;
	case -2: return (s16)v;
	case -4: return (s32)v;
	case 1: return (u8)v;
	case 2: return (u16)v;
	case 4: return (u32)v;
	default: return (s64)v;
	}
}

#define STAP_SDT_ARG(n) \
	static inline s64 stap_sdt_arg##n(struct context *c) \
	{ return stap_sdt_arg(c, n); }
STAP_SDT_ARG(1) STAP_SDT_ARG(2) STAP_SDT_ARG(3) STAP_SDT_ARG(4)
STAP_SDT_ARG(5) STAP_SDT_ARG(6) STAP_SDT_ARG(7) STAP_SDT_ARG(8)
STAP_SDT_ARG(9) STAP_SDT_ARG(10) STAP_SDT_ARG(11) STAP_SDT_ARG(12)

static inline const char *stap_sdt_name(struct context *c)
{
	const struct stap_uprobe *u = c->probe_data;

	return u && u->name ? u->name : "";
}

static inline const char *stap_sdt_provider(struct context *c)
{
	const struct stap_uprobe *u = c->probe_data;

	return u && u->provider ? u->provider : "";
}

/* The armed uprobes, for checking a hit's c->probe_data. */
static struct stap_uprobe *stap_uprobes_armed;
static size_t stap_uprobes_narmed;

/* Where file path is mapped in the current process: the start of its
 * mapping at file offset 0 (the translator relocates a program's
 * static addresses by it: tvar.h's tloc.user), or 0 with the error set
 * when there is none.  Only in a uprobe hit on that file (the probed
 * task's process context); the mm is only tried, never waited for. */
static unsigned long stap_uprobe_base(struct context *c, const char *path)
{
	const struct stap_uprobe *u = c->probe_data;
	struct mm_struct *mm = current->mm;
	struct vm_area_struct *vma;
	unsigned long base = 0;

	if (!stap_uprobes_armed || u < stap_uprobes_armed ||
	    u >= stap_uprobes_armed + stap_uprobes_narmed ||
	    strcmp(u->path, path)) {
		stap_errorf(c, NULL, "the static variables of %s are read "
			    "only in probes on it", path);
		return 0;
	}
	if (!mm || !mmap_read_trylock(mm)) {
		stap_errorf(c, NULL, "cannot find where %s is mapped", path);
		return 0;
	}
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma)
			if (vma->vm_file && vma->vm_pgoff == 0 &&
			    file_inode(vma->vm_file) ==
			    d_inode(u->kpath.dentry)) {
				base = vma->vm_start;
				break;
			}
	}
	mmap_read_unlock(mm);
	if (!base)
		stap_errorf(c, NULL, "%s is not mapped in this process", path);
	return base;
}

static void *stap_uprobe_record(const struct stap_uprobe *u, unsigned int i)
{
	return (char *)(u->slots + STP_UPROBE_ENTRIES) +
	       (size_t)i * ALIGN(u->info->entry_size, 8);
}

static atomic_long_t stap_uprobe_seq;

/* The entry of a .return uprobe using @entry: a record for the
 * current task's call, filled.  The probed task's context. */
static int stap_uprobe_entry(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stap_uprobe *u = container_of(uc, struct stap_uprobe, uc);
	unsigned int start = hash_ptr(current, 8), i;

	if (!stap_uprobe_wanted(u))
		return 0;
	for (i = 0; i < STP_UPROBE_ENTRIES; i++) {
		unsigned int k = (start + i) % STP_UPROBE_ENTRIES;
		struct stap_uprobe_slot *sl = &u->slots[k];

		if (READ_ONCE(sl->task) || cmpxchg(&sl->task, NULL, current))
			continue;
		sl->seq = atomic_long_inc_return(&stap_uprobe_seq);
		sl->filled = stap_run_fn(u->info, STAP_SESSION_RUNNING, u,
					 regs, stap_uprobe_record(u, k),
					 u->info->entry);
		if (!sl->filled)
			WRITE_ONCE(sl->task, NULL);
		return 0;
	}
	return 0;
}

/* The return of a .return uprobe using @entry: the handler on the
 * current task's newest record, which is then free. */
static void stap_uprobe_return(struct stap_uprobe *u, struct pt_regs *regs)
{
	struct stap_uprobe_slot *best = NULL;
	unsigned int i, k = 0;

	for (i = 0; i < STP_UPROBE_ENTRIES; i++) {
		struct stap_uprobe_slot *sl = &u->slots[i];

		if (READ_ONCE(sl->task) == current && sl->filled &&
		    (!best || sl->seq > best->seq)) {
			best = sl;
			k = i;
		}
	}
	if (!best)
		return;
	stap_run_fn(u->info, STAP_SESSION_RUNNING, u, regs,
		    stap_uprobe_record(u, k), u->info->handler);
	best->filled = false;
	WRITE_ONCE(best->task, NULL);
}

static int stap_uprobe_ret(struct uprobe_consumer *uc, unsigned long func,
			   struct pt_regs *regs)
{
	struct stap_uprobe *u = container_of(uc, struct stap_uprobe, uc);

	if (u->slots) {
		stap_uprobe_return(u, regs);
		return 0;
	}
	return stap_uprobe_hit(uc, regs);
}

static void stap_uprobe_report(const struct stap_uprobe *u, int rc)
{
	char line[300];
	int n = scnprintf(line, sizeof(line), "ERROR: cannot probe %s "
			  "'%s' of %s (%s): error %d\n",
			  u->provider ? "marker" : "function", u->name,
			  u->path, u->info->pp, rc);

	stap_data_write(STAP_STREAM_STDERR, line, n);
}

static int stap_uprobe_register(struct stap_uprobe *u)
{
	struct inode *inode = d_inode(u->kpath.dentry);
#ifdef STAP_HAVE_UPROBE_UNREGISTER_NOSYNC
	u->uprobe = uprobe_register(inode, u->offset, u->ref_ctr_offset,
				    &u->uc);
	return IS_ERR(u->uprobe) ? PTR_ERR(u->uprobe) : 0;
#else
	return uprobe_register_refctr(inode, u->offset, u->ref_ctr_offset,
				      &u->uc);
#endif
}

static void stap_uprobe_unregister(struct stap_uprobe *u)
{
#ifdef STAP_HAVE_UPROBE_UNREGISTER_NOSYNC
	uprobe_unregister_nosync(u->uprobe, &u->uc);
#else
	uprobe_unregister(d_inode(u->kpath.dentry), u->offset, &u->uc);
#endif
}

static void stap_uprobes_disarm(struct stap_uprobe *ups, size_t n);

/* Process context.  All or nothing. */
static int stap_uprobes_arm(struct stap_uprobe *ups, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		struct stap_uprobe *u = &ups[i];

		rc = kern_path(u->path, LOOKUP_FOLLOW, &u->kpath);
		if (rc) {
			stap_uprobe_report(u, rc);
			goto fail;
		}
		if (u->exe) {
			rc = kern_path(u->exe, LOOKUP_FOLLOW, &u->kexe);
			if (rc) {
				path_put(&u->kpath);
				stap_uprobe_report(u, rc);
				goto fail;
			}
		}
		rc = 0;
		if (u->is_return && u->info->entry) {
			u->slots = vzalloc(STP_UPROBE_ENTRIES *
					   (sizeof(*u->slots) +
					    ALIGN(u->info->entry_size, 8)));
			rc = u->slots ? 0 : -ENOMEM;
		}
		if (u->is_return)
			u->uc.ret_handler = stap_uprobe_ret;
		else
			u->uc.handler = stap_uprobe_hit;
		if (u->slots)
			u->uc.handler = stap_uprobe_entry;
		if (!rc)
			rc = stap_uprobe_register(u);
		if (rc) {
			path_put(&u->kpath);
			if (u->exe)
				path_put(&u->kexe);
			vfree(u->slots);
			u->slots = NULL;
			stap_uprobe_report(u, rc);
			goto fail;
		}
		u->armed = true;
	}
	stap_uprobes_armed = ups;
	stap_uprobes_narmed = n;
	return 0;
fail:
	stap_uprobes_disarm(ups, n);
	return rc;
}

/* Process context; after it no handler runs. */
static void stap_uprobes_disarm(struct stap_uprobe *ups, size_t n)
{
	bool any = false;
	size_t i;

	stap_uprobes_armed = NULL;
	for (i = 0; i < n; i++)
		if (ups[i].armed) {
			stap_uprobe_unregister(&ups[i]);
			any = true;
		}
#ifdef STAP_HAVE_UPROBE_UNREGISTER_NOSYNC
	if (any)
		uprobe_unregister_sync();
#endif
	for (i = 0; i < n; i++)
		if (ups[i].armed) {
			path_put(&ups[i].kpath);
			if (ups[i].exe)
				path_put(&ups[i].kexe);
			vfree(ups[i].slots);
			ups[i].slots = NULL;
			ups[i].armed = false;
		}
}
