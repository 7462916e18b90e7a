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
 * target's process tree is ignored.
 *
 * Kernels differ in how a uprobe is unregistered: 6.12 returns a
 * struct uprobe from uprobe_register() and unregisters it with
 * uprobe_unregister_nosync() and one uprobe_unregister_sync() for all
 * (STAP_HAVE_UPROBE_UNREGISTER_NOSYNC); 6.1 unregisters by inode and
 * offset.
 */
#include <linux/uprobes.h>
#include <linux/namei.h>

/* One uprobe: kpath holds PATH's inode while armed. */
struct stap_uprobe {
	const struct stap_probe_info *info;
	loff_t offset;
	bool is_return;
	const char *path;
	const char *name;	/* the function, for messages */
	struct path kpath;
	struct uprobe_consumer uc;
	struct uprobe *uprobe;	/* 6.12: what uprobe_register returned */
	bool armed;
};

static bool stap_process_in_target(struct task_struct *task);

static int stap_uprobe_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	struct stap_uprobe *u = container_of(uc, struct stap_uprobe, uc);

	if (stap_process_in_target(current))
		stap_run_probe_regs(u->info, STAP_SESSION_RUNNING, regs);
	return 0;
}

static int stap_uprobe_ret(struct uprobe_consumer *uc, unsigned long func,
			   struct pt_regs *regs)
{
	return stap_uprobe_hit(uc, regs);
}

static void stap_uprobe_report(const struct stap_uprobe *u, int rc)
{
	char line[300];
	int n = scnprintf(line, sizeof(line), "ERROR: cannot probe function "
			  "'%s' of %s (%s): error %d\n", u->name, u->path,
			  u->info->pp, rc);

	stap_data_write(STAP_STREAM_STDERR, line, n);
}

static int stap_uprobe_register(struct stap_uprobe *u)
{
	struct inode *inode = d_inode(u->kpath.dentry);
#ifdef STAP_HAVE_UPROBE_UNREGISTER_NOSYNC
	u->uprobe = uprobe_register(inode, u->offset, 0, &u->uc);
	return IS_ERR(u->uprobe) ? PTR_ERR(u->uprobe) : 0;
#else
	return uprobe_register(inode, u->offset, &u->uc);
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
		if (u->is_return)
			u->uc.ret_handler = stap_uprobe_ret;
		else
			u->uc.handler = stap_uprobe_hit;
		rc = stap_uprobe_register(u);
		if (rc) {
			path_put(&u->kpath);
			stap_uprobe_report(u, rc);
			goto fail;
		}
		u->armed = true;
	}
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
			ups[i].armed = false;
		}
}
