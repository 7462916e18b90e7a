/*
 * User-space addresses to names, and user stacks unwound, for the
 * current task: an address is mapped to its file through the task's
 * VMAs (vm_file, vm_pgoff), to the file's ELF address through its
 * segments, then looked up in the tables the translator wrote
 * (ustack.h: stap_ufiles[], STAP_NUFILES of them).  The unwinder
 * applies the files' .eh_frame CFA rules to the user registers,
 * reading the user stack with copy_from_user_nofault; it stops at the
 * first frame without a rule (a file without tables, an address no FDE
 * covers, a rule shape the translator did not reduce).
 *
 * Any probe context: the mm lock is only tried (mmap_read_trylock:
 * contended, the address stays unnamed), user memory is read without
 * faulting, nothing sleeps.
 */
#include <linux/dcache.h>
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/uaccess.h>
#include <linux/sched/task_stack.h>

#ifndef MAXBACKTRACE
#define MAXBACKTRACE 20
#endif

/* Where a user address is: the file of stap_ufiles (or NULL when the
 * mapping is of no file we carry), the offset in that file, and the
 * address in the file's ELF terms. */
struct stap_uloc {
	const struct stap_ufile *file;
	unsigned long off, vaddr;
};

/* Whether file is the carried file f by its name and size: a file
 * may have other names on the target (/lib is /usr/lib, a copy in the
 * initramfs), and dentry names are read without locks. */
static bool stap_ufile_same(struct file *file, const struct stap_ufile *f)
{
	const char *base = strrchr(f->path, '/') + 1;
	struct dentry *d = file->f_path.dentry;
	bool same;

	if (i_size_read(file_inode(file)) != f->size)
		return false;
	rcu_read_lock();
	same = !strcmp(READ_ONCE(d->d_name.name), base);
	rcu_read_unlock();
	return same;
}

/* The carried file that file is: by its path, else by its name and
 * size. */
static const struct stap_ufile *stap_ufile_of(struct file *file)
{
	char buf[256];
	char *path;
	int i;

	path = d_path(&file->f_path, buf, sizeof(buf));
	for (i = 0; !IS_ERR(path) && i < STAP_NUFILES; i++)
		if (!strcmp(path, stap_ufiles[i].path))
			return &stap_ufiles[i];
	for (i = 0; i < STAP_NUFILES; i++)
		if (stap_ufile_same(file, &stap_ufiles[i]))
			return &stap_ufiles[i];
	return NULL;
}

/* The ELF address of file offset off of f, or false when no loaded
 * segment holds it. */
static bool stap_uvaddr(const struct stap_ufile *f, unsigned long off,
			unsigned long *vaddr)
{
	unsigned int i;

	for (i = 0; i < f->nsegs; i++) {
		const struct stap_useg *s = &f->segs[i];

		if (off >= s->off && off < s->off + s->filesz) {
			*vaddr = off - s->off + s->vaddr;
			return true;
		}
	}
	return false;
}

/* Locates addr in mm, whose lock the caller holds. */
static bool stap_ulocate_locked(struct mm_struct *mm, unsigned long addr,
				struct stap_uloc *loc)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (!vma || vma->vm_start > addr || !vma->vm_file)
		return false;
	loc->off = addr - vma->vm_start + (vma->vm_pgoff << PAGE_SHIFT);
	loc->file = stap_ufile_of(vma->vm_file);
	return loc->file && stap_uvaddr(loc->file, loc->off, &loc->vaddr);
}

/* Locates addr in the current task's address space. */
static bool stap_ulocate(unsigned long addr, struct stap_uloc *loc)
{
	struct mm_struct *mm = current->mm;
	bool found;

	if (!mm || !STAP_NUFILES || !mmap_read_trylock(mm))
		return false;
	found = stap_ulocate_locked(mm, addr, loc);
	mmap_read_unlock(mm);
	return found;
}

/* The function symbol of loc's file holding loc->vaddr, or NULL. */
static const struct stap_usym *stap_usym_at(const struct stap_uloc *loc)
{
	const struct stap_ufile *f = loc->file;
	unsigned int lo = 0, hi = f->nsyms;

	while (lo < hi) {	/* the last symbol at or before vaddr */
		unsigned int mid = lo + (hi - lo) / 2;

		if (f->syms[mid].addr <= loc->vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || loc->vaddr >= f->syms[lo - 1].addr + f->syms[lo - 1].size)
		return NULL;
	return &f->syms[lo - 1];
}

/* The CFA row of loc's file for loc->vaddr, or NULL when none applies. */
static const struct stap_ucfi *stap_ucfi_at(const struct stap_uloc *loc)
{
	const struct stap_ufile *f = loc->file;
	unsigned int lo = 0, hi = f->ncfi;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (f->cfi[mid].addr <= loc->vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !f->cfi[lo - 1].cfa_reg)
		return NULL;
	return &f->cfi[lo - 1];
}

/* The name of the function holding addr, else addr in hex, into out
 * (size bytes). */
static void stap_usymname(char *out, size_t size, unsigned long addr)
{
	struct stap_uloc loc;
	const struct stap_usym *s;

	if (stap_ulocate(addr, &loc) && (s = stap_usym_at(&loc)))
		strscpy(out, loc.file->names + s->name, size);
	else
		snprintf(out, size, "%#lx", addr);
}

/* addr as "name+0xoff/0xsize [path]", "0xaddr [path+0xoff]" when its
 * file has no symbol for it, "0xaddr" when no carried file holds it;
 * with brief, "name+0xoff" or "0xaddr". */
static void stap_usymdata(char *out, size_t size, unsigned long addr,
			  bool brief)
{
	struct stap_uloc loc;
	const struct stap_usym *s;

	if (!stap_ulocate(addr, &loc)) {
		snprintf(out, size, "%#lx", addr);
		return;
	}
	s = stap_usym_at(&loc);
	if (s && brief)
		snprintf(out, size, "%s+%#lx", loc.file->names + s->name,
			 loc.vaddr - s->addr);
	else if (s)
		snprintf(out, size, "%s+%#lx/%#lx [%s]",
			 loc.file->names + s->name, loc.vaddr - s->addr,
			 s->size, loc.file->path);
	else if (brief)
		snprintf(out, size, "%#lx", addr);
	else
		snprintf(out, size, "%#lx [%s+%#lx]", addr, loc.file->path,
			 loc.off);
}

/* The path of the carried file holding addr, or NULL. */
static const char *stap_umodname(unsigned long addr)
{
	struct stap_uloc loc;

	return stap_ulocate(addr, &loc) ? loc.file->path : NULL;
}

/* One frame line into sb: " 0xADDR : name+0xoff/0xsize [path]\n"
 * (" 0xADDR [path+0xoff]\n", " 0xADDR\n" for what has no symbol);
 * brief: "name+0xoff\n" or "0xADDR\n". */
static void stap_out_uframe(struct stap_sb *sb, unsigned long addr,
			    bool brief)
{
	char sym[384], line[448];
	struct stap_uloc loc;
	const struct stap_usym *s = NULL;
	bool known = stap_ulocate(addr, &loc);

	if (known)
		s = stap_usym_at(&loc);
	if (brief) {
		stap_usymdata(sym, sizeof(sym), addr, true);
		scnprintf(line, sizeof(line), "%s\n", sym);
	} else if (s) {
		stap_usymdata(sym, sizeof(sym), addr, false);
		scnprintf(line, sizeof(line), " %#lx : %s\n", addr, sym);
	} else if (known) {
		scnprintf(line, sizeof(line), " %#lx [%s+%#lx]\n", addr,
			  loc.file->path, loc.off);
	} else {
		scnprintf(line, sizeof(line), " %#lx\n", addr);
	}
	stap_out_str(sb, line);
}

/* The user registers a backtrace starts from: the probe's when it hit
 * user code, else those saved when the task entered the kernel; NULL
 * for a kernel thread. */
static struct pt_regs *stap_uregs(struct context *c)
{
	if (c->regs && user_mode(c->regs))
		return c->regs;
	if (!current->mm || (current->flags & PF_KTHREAD))
		return NULL;
	return task_pt_regs(current);
}

/* Reads the user word at addr; false when it cannot be read now. */
static bool stap_uword(unsigned long addr, unsigned long *v)
{
	return !copy_from_user_nofault(v, (const void __user *)addr,
				       sizeof(*v));
}

/* One step: from the frame at ip (a return address unless first) with
 * sp and bp, to its caller's; false at the end of what can be known. */
static bool stap_ustep(struct mm_struct *mm, unsigned long *ip,
		       unsigned long *sp, unsigned long *bp, bool *bp_ok,
		       bool first)
{
	struct stap_uloc loc;
	const struct stap_ucfi *r;
	unsigned long cfa, ra;

	/* a return address may be just past its function: look up the
	 * call instruction */
	if (!stap_ulocate_locked(mm, first ? *ip : *ip - 1, &loc) ||
	    !(r = stap_ucfi_at(&loc)))
		return false;
	if (r->cfa_reg == 6 && !*bp_ok)
		return false;
	cfa = (r->cfa_reg == 6 ? *bp : *sp) + (long)r->cfa_off;
	if (!stap_uword(cfa + r->ra_off, &ra) || !ra)
		return false;
	if (r->bp_rule == 1)
		*bp_ok = stap_uword(cfa + r->bp_off, bp);
	else if (r->bp_rule == 2)
		*bp_ok = false;
	*sp = cfa;
	*ip = ra;
	return true;
}

/* The user stack of the current task from ip, sp and bp, innermost
 * first, into addrs (at most max); how many. */
static int stap_user_stack_from(unsigned long ip, unsigned long sp,
				unsigned long bp, unsigned long *addrs, int max)
{
	struct mm_struct *mm = current->mm;
	bool bp_ok = true;
	int n = 0;

	if (!mm || max <= 0)
		return 0;
	addrs[n++] = ip;
	if (!STAP_NUFILES || !mmap_read_trylock(mm))
		return n;
	while (n < max && stap_ustep(mm, &ip, &sp, &bp, &bp_ok, n == 1))
		addrs[n++] = ip;
	mmap_read_unlock(mm);
	return n;
}

/* The user stack of the current task where the probe found it. */
static int stap_user_stack(struct context *c, unsigned long *addrs, int max)
{
	struct pt_regs *regs = stap_uregs(c);

	if (!regs)
		return 0;
	return stap_user_stack_from(instruction_pointer(regs),
				    user_stack_pointer(regs), regs->bp,
				    addrs, max);
}

/* The addresses of addrs[from..n) as hex separated by spaces into out
 * (MAXSTRINGLEN bytes), cut at whole addresses. */
static void stap_uhex_stack(char *out, const unsigned long *addrs, int from,
			    int n)
{
	size_t len = 0;
	int i;

	out[0] = '\0';
	for (i = from; i < n; i++) {
		char one[24];
		int k = scnprintf(one, sizeof(one), "%s%#lx",
				  i > from ? " " : "", addrs[i]);

		if (len + k >= MAXSTRINGLEN) {
			stap_count_truncation();
			break;
		}
		memcpy(out + len, one, k + 1);
		len += k;
	}
}

/* Each address of a ubacktrace() string, one frame line each, into sb. */
static void stap_out_ustack(struct stap_sb *sb, const char *stk)
{
	while (*stk) {
		char *end;
		unsigned long addr = simple_strtoul(stk, &end, 16);

		if (end == stk)
			break;
		stap_out_uframe(sb, addr, false);
		stk = end + strspn(end, " ");
	}
}
