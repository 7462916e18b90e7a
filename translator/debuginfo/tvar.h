/*
 * Where a target variable's value lives (struct tloc), and the typed
 * node pass 2 makes of each $var use (struct tvar_ref): the variable's
 * type and location with its ->member / [index] chain walked over the
 * type model (ctype.h).  Pass 3 lowers the node to C (tvar_emit_read,
 * tvar_emit_write) and never looks anything up again.
 *
 * tvar.c walks chains; tvar_emit.c writes the C.  Nothing here knows
 * which family or debuginfo source described the variable.
 */
#ifndef STAP_TVAR_H
#define STAP_TVAR_H

#include <stdio.h>
#include "ctype.h"

/* What a use does with a target variable: bits of a variable's
 * allowed accesses, and the one access of a use (0: another modifying
 * operator, which no variable allows). */
enum target_access { TARGET_READ = 1, TARGET_SET = 2, TARGET_APPEND = 4 };

/*
 * A location.  The memory kinds (TL_FRAME, TL_MEMORY, TL_COMPUTED,
 * TL_EXPR, TL_ARGUMENT) hold the value at an address: a start (a
 * register's value plus `offset` for TL_FRAME, `addr` + `offset` for
 * TL_MEMORY, the value of `base` + `offset` for TL_COMPUTED, the
 * script value of `value` + `offset` for TL_EXPR, the hit's argument
 * slot + `offset` for TL_ARGUMENT) plus each run-time index term of
 * `indexes`.  In the generated C, registers are the hit's struct
 * pt_regs at `c->regs` (set by a family that offers register or frame
 * locations), and memory is read and written through the kernel's
 * fault-tolerant copies.
 */
enum tloc_kind {
	TL_REGISTER,	/* the value is register regno, plus offset
			 * (DWARF's DW_OP_breg N stack_value) */
	TL_FRAME,	/* memory at register regno + offset: a frame
			 * slot, the frame base resolved by the source
			 * (e.g. the CFA at entry is sp + 8) */
	TL_MEMORY,	/* memory at addr + offset (a global) */
	TL_COMPUTED,	/* memory at (value of base) + offset: a member
			 * or element reached through a pointer */
	TL_EXPR,	/* memory at (the script value of expression
			 * `value`) + offset: @cast(value, "type"), the
			 * object an address computed by the script holds */
	TL_OPTIMIZED_OUT,	/* no value at this point */
	TL_ACCESSOR,	/* the family's runtime functions: read(c),
			 * set(c, v), append(c, v) */
	TL_CONSTANT,	/* the value is addr + offset itself (DWARF's
			 * implicit_value, a constant stack_value) */
	TL_ARGUMENT,	/* argument argno of the hit, as the family's
			 * handler received it: c->probe_data points at
			 * the hit's arguments, one u64 slot each (a
			 * narrower type in the low bytes, the rest
			 * undefined: the value is cut to its type).  A
			 * memory kind too: a struct of up to 8 bytes
			 * passed by value is in its slot, its members
			 * at offset (and indexes) from the slot */
};

/* A run-time index term of a memory location: index * stride bytes. */
struct tindex {
	const struct expr *index;	/* a script long */
	uint64_t stride;
};

/* The runtime functions of a TL_ACCESSOR location; NULL where the
 * variable does not allow that access. */
struct taccessor {
	const char *read, *set, *append;
};

struct tloc {
	enum tloc_kind kind;
	int regno;		/* TL_REGISTER, TL_FRAME: DWARF x86-64
				 * numbering (0 ax, 1 dx, 2 cx, 3 bx, 4 si,
				 * 5 di, 6 bp, 7 sp, 8-15 r8-r15, 16 ip) */
	uint64_t addr;		/* TL_MEMORY, TL_CONSTANT */
	/* TL_MEMORY, TL_CONSTANT: when anchor is set, addr is a link-time
	 * address of the kernel image, relocated at run time by where the
	 * exported symbol `anchor` (linked at anchor_addr) was loaded:
	 * addr - anchor_addr + &anchor (KASLR). */
	const char *anchor;
	uint64_t anchor_addr;
	const struct tloc *base;	/* TL_COMPUTED: holds a pointer */
	const struct expr *value;	/* TL_EXPR: a script long, the
					 * address; evaluated once per read */
	int64_t offset;		/* the memory kinds */
	struct vec indexes;	/* the memory kinds: struct tindex * */
	struct taccessor acc;	/* TL_ACCESSOR */
	const char *why;	/* TL_OPTIMIZED_OUT: why, for messages
				 * ("no location at 0x...", "DW_OP_piece"),
				 * or NULL */
	int argno;		/* TL_ARGUMENT: from 0 */
	unsigned shift;		/* TL_REGISTER: the value starts at this
				 * bit of the register (a member of a small
				 * struct or union held in a register) */
	/* The memory kinds: the address is in the probed process's user
	 * space (a uprobe's variables, @cast to a program's type), read
	 * and written through copy_{from,to}_user_nofault.  TL_MEMORY,
	 * TL_CONSTANT with an anchor: addr is a link-time address of the
	 * ELF file whose path is anchor, relocated at run time by where
	 * the probed process maps it: addr - anchor_addr + the start of
	 * its mapping at file offset 0 (anchor_addr: the first loaded
	 * segment's page). */
	bool user;
};

/* One step of a chain, as resolved. */
struct tvar_step {
	const struct comp *comp;	/* the script's ->name or [index] */
	bool deref;		/* went through a pointer first */
	int64_t offset;		/* bytes the step adds to the address (a
				 * member's offset, a constant index times
				 * the element size) */
	const struct ctype *type;	/* the type after the step */
};

/*
 * A resolved use of a target variable: what pass 3 prints.
 * Invariants: type == ctype_script_type(ctype) and is long or string;
 * a string is a TL_ACCESSOR; bit_size > 0 only for a bitfield member
 * reached last, whose unit ctype->size bytes at loc holds it.
 */
struct tvar_ref {
	const char *name;	/* "$value" */
	struct vec steps;	/* struct tvar_step * */
	const struct ctype *ctype;	/* the type of the last step */
	struct tloc loc;	/* the location of the last step */
	unsigned bit_offset, bit_size;
	enum type type;		/* the script type */
	unsigned access;	/* this use's enum target_access */
	bool addr_of;		/* &$var: the value is loc's address (a
				 * memory kind), type long */
};

/* Walks comps (struct comp *) from a variable of type t at loc into a
 * new ref (access left 0); suffix is the use's "$" or "$$" (pretty
 * printing: any type is accepted, pass 2 expands it into reads of
 * members), "&" (its address: addr_of) or NULL.  On failure returns NULL, with
 * *why a new message that completes "target variable '$v' of probe P"
 * and *bad the component it is about (NULL: the whole use). */
struct tvar_ref *tvar_resolve(const char *name, const struct ctype *t,
			      const struct tloc *loc, const struct vec *comps,
			      const char *suffix, char **why,
			      const struct comp **bad);

/* How pass 3 prints what a lowering needs from around it: a script
 * expression (an index, an assigned value), and the C string naming
 * the use's script location for run-time errors. */
struct tlower {
	FILE *out;
	void (*expr)(void *arg, const struct expr *e);
	void (*where)(void *arg);
	void *arg;
	int depth;		/* nesting, for unique temporaries */
};

/* A C expression of the value of ref: s64 for a long, const char *
 * for a string.  A fault sets the error and leaves the statement. */
void tvar_emit_read(struct tlower *tl, const struct tvar_ref *ref);
/* A C expression storing value into ref ('.=' when append). */
void tvar_emit_write(struct tlower *tl, const struct tvar_ref *ref,
		     bool append, const struct expr *value);

#endif
