/*
 * The target variables of a probe on a kernel function's entry or
 * return, from its BTF prototype (debuginfo/btf.h), for the families
 * that probe kernel functions without DWARF (kprobe.function, and
 * kernel.function when there is no debuginfo).
 *
 * At entry each parameter is a $name located by the x86-64 calling
 * convention: the first six integer-class words in rdi rsi rdx rcx r8
 * r9, the rest on the stack above the return address (sp + 8, ...).
 * In a .return probe there is $return (rax, typed by the prototype);
 * the parameters there are those at entry, read through @entry.  Descriptions are
 * interned: the same name, type and place is the same struct
 * target_var for every function, so that the points of one wildcard
 * share a handler's variables (elaborate/targets.c compares them by
 * address).
 */
#ifndef STAP_KFUNC_BTF_H
#define STAP_KFUNC_BTF_H

#include "probes.h"

struct session;

/* The variables of func's entry (is_return false) or return, computed
 * once per point; NULL when BTF has no prototype of func, with *why
 * (static) saying so. */
struct kfunc_vars;
const struct kfunc_vars *kfunc_btf_vars(struct session *s, const char *func,
					bool is_return, const char **why);

/* The variable `name` ("$count") of vars, or NULL. */
const struct target_var *kfunc_btf_var(const struct kfunc_vars *vars,
				       const char *name);
/* Every variable: the parameters in order, or $return. */
void kfunc_btf_list(const struct kfunc_vars *vars, struct vec *out);

/* Why `name` is not a variable of func (vars may be NULL): a new
 * message completing "unresolved target variable '$x' in probe P: ". */
char *kfunc_btf_missing(struct session *s, const struct kfunc_vars *vars,
			const char *func, bool is_return, const char *why,
			const char *name);

#endif
