/*
 * The type model's constructors, member lookup and the mapping to
 * script types (ctype.h).  Each constructor call makes a new type;
 * the three shared ones are constants.
 */
#include <string.h>
#include "ctype.h"

const struct ctype ctype_void_type = { .kind = CT_VOID };
const struct ctype ctype_bool_type = { .kind = CT_BOOL, .size = 1 };
const struct ctype ctype_string_type = { .kind = CT_STRING };

static struct ctype *ctype_new(enum ctype_kind kind, uint64_t size)
{
	struct ctype *t = xcalloc(1, sizeof(*t));
	t->kind = kind;
	t->size = size;
	return t;
}

const struct ctype *ctype_int(unsigned bytes, bool is_signed)
{
	struct ctype *t = ctype_new(CT_INT, bytes);
	t->is_signed = is_signed;
	return t;
}

const struct ctype *ctype_pointer(const struct ctype *to)
{
	struct ctype *t = ctype_new(CT_POINTER, 8);
	t->base = to;
	return t;
}

const struct ctype *ctype_array(const struct ctype *elem, uint64_t count)
{
	struct ctype *t = ctype_new(CT_ARRAY, count * elem->size);
	t->base = elem;
	t->count = count;
	return t;
}

const struct ctype *ctype_func(const struct ctype *ret)
{
	struct ctype *t = ctype_new(CT_FUNC, 0);
	t->base = ret;
	return t;
}

struct ctype *ctype_record(enum ctype_kind kind, const char *name,
			   uint64_t size)
{
	struct ctype *t = ctype_new(kind, size);
	t->name = name;
	return t;
}

void ctype_add_member(struct ctype *rec, const char *name,
		      const struct ctype *type, uint64_t offset,
		      unsigned bit_offset, unsigned bit_size)
{
	struct cmember *m = xcalloc(1, sizeof(*m));
	m->name = name;
	m->type = type;
	m->offset = offset;
	m->bit_offset = bit_offset;
	m->bit_size = bit_size;
	vec_push(&rec->items, m);
}

struct ctype *ctype_enum(const char *name, const struct ctype *base)
{
	struct ctype *t = ctype_new(CT_ENUM, base->size);
	t->name = name;
	t->base = base;
	t->is_signed = base->is_signed;
	return t;
}

void ctype_add_enumerator(struct ctype *en, const char *name, int64_t value)
{
	struct cenum *e = xcalloc(1, sizeof(*e));
	e->name = name;
	e->value = value;
	vec_push(&en->items, e);
}

const struct ctype *ctype_complete(const struct ctype *t)
{
	if (t && t->fill) {
		struct ctype *w = (struct ctype *)t;
		void (*fill)(struct ctype *) = w->fill;
		w->fill = NULL;
		fill(w);
	}
	return t;
}

const struct vec *ctype_items(const struct ctype *t)
{
	return &ctype_complete(t)->items;
}

static bool is_record(const struct ctype *t)
{
	return t->kind == CT_STRUCT || t->kind == CT_UNION;
}

const struct cmember *ctype_member(const struct ctype *t, const char *name,
				   uint64_t *offset)
{
	if (!is_record(t))
		return NULL;
	const struct vec *items = ctype_items(t);
	for (size_t i = 0; i < items->len; i++) {
		const struct cmember *m = vec_at(items, i);
		if (m->name && !strcmp(m->name, name)) {
			*offset = m->offset;
			return m;
		}
		if (!m->name) {
			const struct cmember *in = ctype_member(m->type, name,
								offset);
			if (in) {
				*offset += m->offset;
				return in;
			}
		}
	}
	return NULL;
}

enum type ctype_script_type(const struct ctype *t)
{
	switch (t->kind) {
	case CT_INT:
	case CT_BOOL:
	case CT_ENUM:
	case CT_POINTER:
	case CT_ARRAY:
		return TYPE_LONG;
	case CT_STRING:
		return TYPE_STRING;
	default:
		return TYPE_UNKNOWN;
	}
}

static const char *int_name(const struct ctype *t)
{
	static const char *const names[2][4] = {
		{ "unsigned char", "unsigned short", "unsigned int",
		  "unsigned long" },
		{ "signed char", "short", "int", "long" },
	};
	int i = t->size == 1 ? 0 : t->size == 2 ? 1 : t->size == 4 ? 2 : 3;
	return names[t->is_signed][i];
}

static void describe(struct strbuf *sb, const struct ctype *t)
{
	switch (t->kind) {
	case CT_VOID: sb_puts(sb, "void"); return;
	case CT_INT: sb_puts(sb, int_name(t)); return;
	case CT_BOOL: sb_puts(sb, "_Bool"); return;
	case CT_STRING: sb_puts(sb, "string"); return;
	case CT_FUNC: sb_puts(sb, "function"); return;
	case CT_POINTER:
		describe(sb, t->base);
		sb_puts(sb, t->base->kind == CT_POINTER ? "*" : " *");
		return;
	case CT_ARRAY:
		describe(sb, t->base);
		sb_printf(sb, "[%llu]", (unsigned long long)t->count);
		return;
	case CT_ENUM:
	case CT_STRUCT:
	case CT_UNION:
		sb_puts(sb, t->kind == CT_ENUM ? "enum " :
			    t->kind == CT_STRUCT ? "struct " : "union ");
		sb_puts(sb, t->name ? t->name : "<anonymous>");
		return;
	}
}

char *ctype_describe(const struct ctype *t)
{
	struct strbuf sb = {0};
	describe(&sb, t);
	return sb_steal(&sb);
}
