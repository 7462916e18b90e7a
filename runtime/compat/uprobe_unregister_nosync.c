/* STAP_HAVE_UPROBE_UNREGISTER_NOSYNC: uprobe_register() returns the
 * struct uprobe and takes a ref_ctr_offset; unregistering is
 * uprobe_unregister_nosync() + uprobe_unregister_sync() (6.12+),
 * instead of uprobe_unregister(inode, offset, consumer). */
#include <linux/uprobes.h>

void stap_compat_probe(struct uprobe *u, struct uprobe_consumer *uc);
void stap_compat_probe(struct uprobe *u, struct uprobe_consumer *uc)
{
	uprobe_unregister_nosync(u, uc);
	uprobe_unregister_sync();
}
