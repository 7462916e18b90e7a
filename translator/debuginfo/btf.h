/*
 * The target kernel's BTF, in the type model (ctype.h): struct layouts,
 * function prototypes and tracepoint prototypes, with no debuginfo
 * installed.  Every kernel we support carries BTF (/sys/kernel/btf/
 * vmlinux and /sys/kernel/btf/MODULE, the .BTF section of its image).
 *
 * Where it comes from (target_btf): this machine's /sys/kernel/btf when
 * the script runs here; a remote's stapsh ("btf" request) otherwise; a
 * local image of the -r kernel when no target runs (-p2 for another
 * kernel).  It is cached per kernel build like the symbol list
 * (symbols.h) and read with libbpf's BTF API.  Module BTF is split BTF
 * over the kernel's, loaded when a name asks for that module.
 *
 * Types are converted to struct ctype on demand, once per BTF type id:
 * typedefs and qualifiers resolved away, as ctype.h wants.
 */
#ifndef STAP_BTF_H
#define STAP_BTF_H

#include "ctype.h"
#include "session.h"

struct kbtf;

/* The target kernel's BTF (vmlinux), loaded on the first call; NULL
 * when there is none, btf_missing_reason() then says why. */
struct kbtf *target_btf(struct session *s);
const char *btf_missing_reason(struct session *s);

/* The BTF of module `name` of the target (split over the kernel's), or
 * NULL when the target has no such module BTF. */
struct kbtf *target_module_btf(struct session *s, const char *name);

/* The type a script names, as @cast and pretty printing spell it:
 * "task_struct" or "struct task_struct" (then union, enum and typedef
 * names are tried), "unsigned long", "char *".  NULL if none. */
const struct ctype *kbtf_type_named(struct kbtf *b, const char *name);

/* One parameter of a prototype. */
struct kbtf_param {
	const char *name;	/* NULL when BTF has none (a typedef'd
				 * function pointer's prototype) */
	const struct ctype *type;
	char *spelling;		/* the type as upstream's -L spells it
				 * ("struct file*", "size_t", "char const*") */
};

/* The prototype of kernel function `func`: *ret its return type
 * (ctype_void_type for void), params gets struct kbtf_param *.  False
 * when BTF has no such function. */
bool kbtf_func(struct kbtf *b, const char *func, const struct ctype **ret,
	       struct vec *params);

/* The spelling of func's return type as upstream's -L gives it ("long
 * int"), new; NULL when BTF has no such function. */
char *kbtf_func_ret_spelling(struct kbtf *b, const char *func);

/* The prototype of a typedef'd function pointer (btf_trace_<event>):
 * as kbtf_func, the parameters unnamed.  False when there is none. */
bool kbtf_func_typedef(struct kbtf *b, const char *typedef_name,
		       const struct ctype **ret, struct vec *params);

/* Appends to out (const char *, sorted, each once) the names of the
 * BTF functions that start with prefix ("__bpf_trace_",
 * "__probestub_", "btf_trace_" typedefs included). */
void kbtf_names_with_prefix(struct kbtf *b, const char *prefix,
			    struct vec *out);

/* ---- for btf.c: the loaded BTF and its conversion (btf_types.c) ---- */
struct btf;
/* Takes over btf; base: the kernel's, when btf is a module's (split). */
struct kbtf *kbtf_new(struct btf *btf, struct kbtf *base);
struct btf *kbtf_libbpf(struct kbtf *b);
/* The type of BTF id `id`, converted on first use. */
const struct ctype *kbtf_type(struct kbtf *b, uint32_t id);

#endif
