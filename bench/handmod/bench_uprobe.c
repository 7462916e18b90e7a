// SPDX-License-Identifier: GPL-2.0
/*
 * bench/uprobe's hand-written uprobe: what a kernel developer would
 * write to count the hits of one user-space instruction, to compare
 * a process(...).function or .mark probe with.  insmod bench_uprobe.ko
 * path=FILE offset=OFF registers a uprobe at file offset OFF of FILE
 * whose handler counts; refctr=OFF2 also names the file offset of the
 * probe point's semaphore (an SDT marker's), which the kernel then
 * counts up in every process that maps FILE while the uprobe is armed.
 * rmmod unregisters it and logs the count.  Both run in process context
 * (module init and exit), where uprobe registration may sleep.
 */
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/uprobes.h>
#include <linux/version.h>

static char *path;
static unsigned long offset;
static unsigned long refctr;	/* 0: no semaphore */
module_param(path, charp, 0444);
module_param(offset, ulong, 0444);
module_param(refctr, ulong, 0444);

static struct path bench_path;
static unsigned long bench_hits;
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
static struct uprobe *bench_uprobe;
#endif

static int bench_hit(struct uprobe_consumer *uc, struct pt_regs *regs)
{
	bench_hits++;
	return 0;
}

static struct uprobe_consumer bench_uc = { .handler = bench_hit };

static int __init bench_init(void)
{
	struct inode *inode;
	int rc;

	if (!path)
		return -EINVAL;
	rc = kern_path(path, LOOKUP_FOLLOW, &bench_path);
	if (rc)
		return rc;
	inode = d_inode(bench_path.dentry);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	bench_uprobe = uprobe_register(inode, offset, refctr, &bench_uc);
	rc = IS_ERR(bench_uprobe) ? PTR_ERR(bench_uprobe) : 0;
#else
	rc = uprobe_register_refctr(inode, offset, refctr, &bench_uc);
#endif
	if (rc)
		path_put(&bench_path);
	return rc;
}

static void __exit bench_exit(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	uprobe_unregister_nosync(bench_uprobe, &bench_uc);
	uprobe_unregister_sync();
#else
	uprobe_unregister(d_inode(bench_path.dentry), offset, &bench_uc);
#endif
	path_put(&bench_path);
	pr_info("bench_uprobe: %lu hits\n", bench_hits);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
