/*
 * The type model of target variables: the C types a $var can have,
 * whichever source described them (a family's own variables, such as
 * a /proc file's $value, today; DWARF and BTF next), and how each maps to a
 * script type.  tvar.h says where a value lives and how a $var->a[3]
 * chain walks these types.
 *
 * Types are built once by their source (ctype.c's constructors) and
 * shared read-only afterwards; they live until the translator exits.
 * There are no typedefs or qualifiers here: a source resolves them to
 * the type they stand for.
 */
#ifndef STAP_CTYPE_H
#define STAP_CTYPE_H

#include <stdbool.h>
#include <stdint.h>
#include "parse/ast.h"

enum ctype_kind {
	CT_VOID,	/* no value: only behind a pointer */
	CT_INT,		/* size 1, 2, 4 or 8 bytes; is_signed */
	CT_BOOL,	/* _Bool, size 1 */
	CT_ENUM,	/* base: the underlying CT_INT (size, signedness);
			 * items: struct cenum * */
	CT_POINTER,	/* base: the pointee (CT_VOID for void *,
			 * CT_FUNC for a function pointer); size 8 */
	CT_ARRAY,	/* base: the element; count elements (0: unknown
			 * or flexible); size = count * base->size */
	CT_STRUCT,	/* name (NULL: anonymous), size; items: struct
			 * cmember *, in declaration order */
	CT_UNION,	/* the same, its members at offset 0 */
	CT_FUNC,	/* a function's type, behind a pointer only; base:
			 * the return type */
	CT_STRING,	/* a value the script already sees as a string,
			 * e.g. a /proc file's $value; read and written only
			 * through a family accessor (TL_ACCESSOR) */
};

/* A struct or union member.  A bitfield has bit_size > 0: it is bits
 * [bit_offset, bit_offset + bit_size) of the type->size bytes at
 * offset, counted from the least significant bit (x86-64 is little
 * endian).  An anonymous struct/union member has name NULL; its own
 * members are found through it (ctype_member). */
struct cmember {
	const char *name;
	const struct ctype *type;
	uint64_t offset;	/* bytes from the start of the enclosing type */
	unsigned bit_offset, bit_size;
};

/* One enumerator of a CT_ENUM. */
struct cenum {
	const char *name;
	int64_t value;
};

struct ctype {
	enum ctype_kind kind;
	const char *name;	/* struct/union/enum tag, or NULL */
	uint64_t size;		/* bytes; 0 for CT_VOID, CT_FUNC, CT_STRING
				 * and incomplete types */
	bool is_signed;		/* CT_INT, CT_ENUM */
	const struct ctype *base;	/* see the kinds */
	uint64_t count;		/* CT_ARRAY */
	struct vec items;	/* CT_STRUCT/CT_UNION: struct cmember *;
				 * CT_ENUM: struct cenum *; read them through
				 * ctype_items() (they may come lazily) */
	/* A source that builds records on first use (DWARF: a struct's
	 * members pull in whole type graphs) sets fill: ctype_complete()
	 * calls it once to add the items and set the size, then clears
	 * it. */
	void (*fill)(struct ctype *t);
	void *fill_arg;
};

/* t with its items and size, filled now if its source deferred them. */
const struct ctype *ctype_complete(const struct ctype *t);
/* t's items (completing it first). */
const struct vec *ctype_items(const struct ctype *t);

/* The types every source shares. */
extern const struct ctype ctype_void_type, ctype_bool_type,
	ctype_string_type;

/* Constructors.  A struct, union or enum gets its items added after
 * (a struct may then point to itself through a pointer member). */
const struct ctype *ctype_int(unsigned bytes, bool is_signed);
const struct ctype *ctype_pointer(const struct ctype *to);
const struct ctype *ctype_array(const struct ctype *elem, uint64_t count);
const struct ctype *ctype_func(const struct ctype *ret);
struct ctype *ctype_record(enum ctype_kind kind, const char *name,
			   uint64_t size);	/* CT_STRUCT or CT_UNION */
void ctype_add_member(struct ctype *rec, const char *name,
		      const struct ctype *type, uint64_t offset,
		      unsigned bit_offset, unsigned bit_size);
struct ctype *ctype_enum(const char *name, const struct ctype *base);
void ctype_add_enumerator(struct ctype *en, const char *name,
			  int64_t value);

/* The member `name` of struct/union t, looking into anonymous members;
 * *offset gets its offset from the start of t.  NULL when t has none. */
const struct cmember *ctype_member(const struct ctype *t, const char *name,
				   uint64_t *offset);

/* The script type of a value of t: long for integers, enums, pointers
 * and arrays (an array's value is its address), string for CT_STRING;
 * TYPE_UNKNOWN when t has no script value (void, struct, union,
 * function). */
enum type ctype_script_type(const struct ctype *t);

/* t as C spells it, for messages: "int", "unsigned char", "struct
 * task_struct *", "long[4]", "string".  Returns a new string. */
char *ctype_describe(const struct ctype *t);

#endif
