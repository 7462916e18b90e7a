/*
 * Where things are: the runtime, the tapsets, the loader tools and the
 * VM script, found relative to the stap binary (build tree or install
 * prefix), and the target kernel with its build tree.
 */
#ifndef STAP_PATHS_H
#define STAP_PATHS_H

#include "session.h"

void find_paths(struct session *s);
/* Sets kernel_release/kernel_build_tree/arch; false (with a message)
 * when -r names something unusable. */
bool find_target_kernel(struct session *s);
/* True when this machine's kernel can load modules. */
bool local_modules_supported(void);
/* Where the built-in VM keeps its kernels ($STAP_VM_DIR, else
 * <cache>/stap/vm): KVER/boot/vmlinuz, KVER/modules/. */
const char *vm_dir(void);
/* The newest kernel release the built-in VM has fetched, or NULL. */
const char *vm_default_release(void);

#endif
