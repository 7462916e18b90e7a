/*
 * BTF types in the type model (btf.h, ctype.h): the conversion of a
 * BTF type id to a struct ctype, and the lookups by name that @cast,
 * kprobe parameters and tracepoints make.  The BTF itself is read by
 * libbpf only (btf__type_by_id, btf__find_by_name_kind ...); btf.c
 * says where it comes from.
 *
 * Each id is converted once, on demand, and remembered in kbtf->types:
 * typedefs, const/volatile/restrict and type tags resolve to the type
 * they qualify; a struct or union is remembered before its members are
 * converted, so that a member pointing back to it finds it.  Module BTF
 * is split BTF: ids below its first own id are the kernel's, converted
 * by the kernel's kbtf.
 */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "btf.h"

struct kbtf {
	struct btf *btf;
	struct kbtf *base;	/* the kernel's, for module (split) BTF */
	uint32_t start_id;	/* the first id this BTF defines */
	uint32_t ntypes;	/* btf__type_cnt: ids < ntypes exist */
	const struct ctype **types;	/* by id - start_id, NULL until
					 * converted */
	/* The index of names (find_named), built on the first lookup:
	 * by_name maps a name (BTF's own string) to the lowest id of this
	 * BTF with it, same_name (by id - start_id) each id to the next one
	 * with the same name, 0 ending the chain. */
	struct hash by_name;
	uint32_t *same_name;
};

struct kbtf *kbtf_new(struct btf *btf, struct kbtf *base)
{
	struct kbtf *b = xcalloc(1, sizeof(*b));

	b->btf = btf;
	b->base = base;
	b->start_id = base ? btf__type_cnt(base->btf) : 1;
	b->ntypes = btf__type_cnt(btf);
	b->types = xcalloc(b->ntypes - b->start_id + 1, sizeof(*b->types));
	return b;
}

struct btf *kbtf_libbpf(struct kbtf *b)
{
	return b->btf;
}

static const struct ctype *convert(struct kbtf *b, uint32_t id);

static const char *name_of(struct kbtf *b, uint32_t name_off)
{
	const char *n = btf__name_by_offset(b->btf, name_off);
	return n && *n ? n : NULL;
}

static void index_names(struct kbtf *b)
{
	b->same_name = xcalloc(b->ntypes - b->start_id + 1,
			       sizeof(*b->same_name));
	for (uint32_t id = b->ntypes - 1; id >= b->start_id; id--) {
		const char *n = name_of(b, btf__type_by_id(b->btf, id)->name_off);
		if (!n)
			continue;
		b->same_name[id - b->start_id] =
			(uint32_t)(uintptr_t)hash_get(&b->by_name, n);
		hash_put(&b->by_name, n, (void *)(uintptr_t)id);
	}
}

/* The lowest id of kind `kind` named `name`, the base BTF's first, or
 * -1: what btf__find_by_name_kind answers, but that scans every type
 * (libbpf 1.1), and -L 'kernel.trace("*")' asks 1,500 times. */
static int32_t find_named(struct kbtf *b, const char *name, int kind)
{
	int32_t found = b->base ? find_named(b->base, name, kind) : -1;

	if (found > 0)
		return found;
	if (!b->same_name)
		index_names(b);
	for (uint32_t id = (uint32_t)(uintptr_t)hash_get(&b->by_name, name);
	     id; id = b->same_name[id - b->start_id])
		if ((int)btf_kind(btf__type_by_id(b->btf, id)) == kind)
			return (int32_t)id;
	return -1;
}

static const struct ctype *int_type(const struct btf_type *t)
{
	uint32_t enc = btf_int_encoding(t);

	if (enc & BTF_INT_BOOL)
		return &ctype_bool_type;
	if (t->size == 16)	/* __int128: its address, as two longs */
		return ctype_array(ctype_int(8, false), 2);
	return ctype_int(t->size, enc & BTF_INT_SIGNED);
}

/* Bits [bit_off, bit_off + bits) of the struct as ctype.h wants them:
 * the bits of the member type's storage unit that holds them. */
static void add_bitfield(struct ctype *rec, const char *name,
			 const struct ctype *type, uint64_t bit_off,
			 unsigned bits)
{
	uint64_t unit = type->size ? type->size : 8;
	uint64_t off = (bit_off / 8) & ~(unit - 1);

	if (bit_off - off * 8 + bits > unit * 8)	/* packed: straddles */
		off = bit_off / 8;
	if (bit_off - off * 8 + bits > unit * 8) {
		type = ctype_int(8, type->is_signed);
		off = bit_off / 8;
	}
	ctype_add_member(rec, name, type, off, bit_off - off * 8, bits);
}

static void add_members(struct kbtf *b, struct ctype *rec,
			const struct btf_type *t)
{
	const struct btf_member *m = btf_members(t);

	for (unsigned i = 0; i < btf_vlen(t); i++, m++) {
		const struct ctype *mt = convert(b, m->type);
		uint64_t bit_off = btf_member_bit_offset(t, i);
		unsigned bits = btf_member_bitfield_size(t, i);
		const char *name = name_of(b, m->name_off);

		if (bits)
			add_bitfield(rec, name, mt, bit_off, bits);
		else
			ctype_add_member(rec, name, mt, bit_off / 8, 0, 0);
	}
}

static const struct ctype *enum_type(struct kbtf *b, const struct btf_type *t)
{
	bool sign = btf_kflag(t);
	struct ctype *en = ctype_enum(name_of(b, t->name_off),
				      ctype_int(t->size ? t->size : 4, sign));

	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);
		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			ctype_add_enumerator(en, name_of(b, e->name_off),
					     sign ? (int64_t)e->val :
					     (int64_t)(uint32_t)e->val);
	} else {
		const struct btf_enum64 *e = btf_enum64(t);
		for (unsigned i = 0; i < btf_vlen(t); i++, e++)
			ctype_add_enumerator(en, name_of(b, e->name_off),
					     (int64_t)btf_enum64_value(e));
	}
	return en;
}

/* A forward declaration: the complete type of that name if this BTF
 * has one, else an incomplete (size 0) record. */
static const struct ctype *fwd_type(struct kbtf *b, const struct btf_type *t,
				    uint32_t id)
{
	const char *name = name_of(b, t->name_off);
	bool is_union = btf_kflag(t);
	int32_t full = name ? find_named(b, name,
			is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT) : -1;

	if (full > 0 && (uint32_t)full != id)
		return convert(b, full);
	return ctype_record(is_union ? CT_UNION : CT_STRUCT, name, 0);
}

static const struct ctype **slot(struct kbtf *b, uint32_t id)
{
	return &b->types[id - b->start_id];
}

static const struct ctype *convert_new(struct kbtf *b, uint32_t id,
				       const struct btf_type *t)
{
	struct ctype *rec;

	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		return int_type(t);
	case BTF_KIND_PTR:
		return ctype_pointer(convert(b, t->type));
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		return ctype_array(convert(b, a->type), a->nelems);
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		rec = ctype_record(btf_is_union(t) ? CT_UNION : CT_STRUCT,
				   name_of(b, t->name_off), t->size);
		*slot(b, id) = rec;
		add_members(b, rec, t);
		return rec;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return enum_type(b, t);
	case BTF_KIND_FWD:
		return fwd_type(b, t, id);
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		return convert(b, t->type);
	case BTF_KIND_FUNC_PROTO:
		return ctype_func(convert(b, t->type));
	case BTF_KIND_FUNC:
		return convert(b, t->type);
	case BTF_KIND_FLOAT:	/* no floats in scripts: the raw bits */
		return ctype_int(t->size, false);
	default:		/* VAR, DATASEC, DECL_TAG: no value */
		return &ctype_void_type;
	}
}

static const struct ctype *convert(struct kbtf *b, uint32_t id)
{
	const struct btf_type *t;
	const struct ctype *ct;

	if (id == 0)
		return &ctype_void_type;
	if (id < b->start_id)
		return b->base ? convert(b->base, id) : &ctype_void_type;
	if (id >= b->ntypes)
		return &ctype_void_type;
	if (*slot(b, id))
		return *slot(b, id);
	t = btf__type_by_id(b->btf, id);
	ct = t ? convert_new(b, id, t) : &ctype_void_type;
	*slot(b, id) = ct;
	return ct;
}

const struct ctype *kbtf_type(struct kbtf *b, uint32_t id)
{
	return convert(b, id);
}

/* ---- names ------------------------------------------------------------ */

/* A C spelling of an integer type ("unsigned long", "char", "long long
 * int", "_Bool"), or NULL. */
static const struct ctype *c_int_named(const char *name)
{
	static const char *const words[] = { "unsigned", "signed", "char",
		"short", "int", "long", NULL };
	int count[6] = {0};
	char *copy = xstrdup(name), *save = NULL;

	if (!strcmp(name, "_Bool") || !strcmp(name, "bool")) {
		free(copy);
		return &ctype_bool_type;
	}
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		int i = 0;
		while (words[i] && strcmp(words[i], w))
			i++;
		if (!words[i]) {
			free(copy);
			return NULL;
		}
		count[i]++;
	}
	free(copy);
	unsigned size = count[2] ? 1 : count[3] ? 2 : count[5] ? 8 : 4;
	/* char is unsigned in the kernel since 6.2 (-funsigned-char) and
	 * signed before; "char *" is what matters, the bytes are the same */
	return ctype_int(size, !count[0]);
}

/* The type named by a tag and name ("struct", "task_struct"); kind 0:
 * a bare name, tried as struct, union, enum, typedef, then a C integer
 * type. */
static const struct ctype *named(struct kbtf *b, int kind, const char *name)
{
	static const int bare[] = { BTF_KIND_STRUCT, BTF_KIND_UNION,
		BTF_KIND_ENUM, BTF_KIND_ENUM64, BTF_KIND_TYPEDEF };
	int32_t id;

	if (kind)
		id = find_named(b, name, kind);
	else
		for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++)
			if ((id = find_named(b, name,
							 bare[i])) > 0)
				break;
	if (kind == BTF_KIND_ENUM && id <= 0)
		id = find_named(b, name, BTF_KIND_ENUM64);
	if (id > 0)
		return convert(b, id);
	if (!kind && !strcmp(name, "void"))
		return &ctype_void_type;
	return kind ? NULL : c_int_named(name);
}

const struct ctype *kbtf_type_named(struct kbtf *b, const char *name)
{
	static const struct { const char *tag; int kind; } tags[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION },
		{ "enum ", BTF_KIND_ENUM },
	};
	char *copy = xstrdup(name), *p = copy, *end;
	int kind = 0, stars = 0;
	const struct ctype *t;

	while (*p == ' ' || *p == '\t')
		p++;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (!strncmp(p, tags[i].tag, strlen(tags[i].tag))) {
			kind = tags[i].kind;
			p += strlen(tags[i].tag);
			break;
		}
	end = p + strlen(p);
	while (end > p && (end[-1] == '*' || end[-1] == ' ' ||
			   end[-1] == '\t')) {
		stars += end[-1] == '*';
		*--end = '\0';
	}
	while (*p == ' ' || *p == '\t')
		p++;
	t = *p ? named(b, kind, p) : NULL;
	while (t && stars--)
		t = ctype_pointer(t);
	free(copy);
	return t;
}

/* ---- spellings, as upstream's -L lists types ------------------------- */

static void spell(struct kbtf *b, struct strbuf *sb, uint32_t id, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(b->btf, id) : NULL;
	const char *n = t ? name_of(b, t->name_off) : NULL;

	if (n && !*n)
		n = NULL;
	if (depth > 16) {
		sb_puts(sb, "...");
		return;
	}
	switch (t ? btf_kind(t) : BTF_KIND_UNKN) {
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPEDEF:
		sb_puts(sb, n ? n : "?");
		return;
	case BTF_KIND_STRUCT:
		sb_printf(sb, "struct %s", n ? n : "{...}");
		return;
	case BTF_KIND_UNION:
		sb_printf(sb, "union %s", n ? n : "{...}");
		return;
	case BTF_KIND_FWD:
		sb_printf(sb, "%s %s", btf_kflag(t) ? "union" : "struct",
			  n ? n : "{...}");
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		sb_printf(sb, "enum %s", n ? n : "{...}");
		return;
	case BTF_KIND_CONST:		/* "char const*", as upstream */
		spell(b, sb, t->type, depth + 1);
		sb_puts(sb, " const");
		return;
	case BTF_KIND_VOLATILE:
		spell(b, sb, t->type, depth + 1);
		sb_puts(sb, " volatile");
		return;
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		spell(b, sb, t->type, depth + 1);
		return;
	case BTF_KIND_PTR:
		spell(b, sb, t->type, depth + 1);
		sb_putc(sb, '*');
		return;
	case BTF_KIND_ARRAY:
		spell(b, sb, btf_array(t)->type, depth + 1);
		sb_puts(sb, "[]");
		return;
	default:			/* void; a function: upstream's void */
		sb_puts(sb, "void");
		return;
	}
}

static char *spelling(struct kbtf *b, uint32_t id)
{
	struct strbuf sb = {0};

	spell(b, &sb, id, 0);
	return sb_steal(&sb);
}

/* The parameters of FUNC_PROTO proto into params. */
static void proto_params(struct kbtf *b, const struct btf_type *proto,
			 const struct ctype **ret, struct vec *params)
{
	const struct btf_param *p = btf_params(proto);

	*ret = convert(b, proto->type);
	for (unsigned i = 0; i < btf_vlen(proto); i++, p++) {
		if (p->type == 0)	/* ... */
			break;
		struct kbtf_param *kp = xcalloc(1, sizeof(*kp));
		kp->name = name_of(b, p->name_off);
		kp->type = convert(b, p->type);
		kp->spelling = spelling(b, p->type);
		vec_push(params, kp);
	}
}

/* The FUNC_PROTO of kernel function func, or NULL. */
static const struct btf_type *func_proto(struct kbtf *b, const char *func)
{
	int32_t id = find_named(b, func, BTF_KIND_FUNC);
	const struct btf_type *t = id > 0 ? btf__type_by_id(b->btf, id) : NULL;

	if (t)
		t = btf__type_by_id(b->btf, t->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

bool kbtf_func(struct kbtf *b, const char *func, const struct ctype **ret,
	       struct vec *params)
{
	const struct btf_type *t = func_proto(b, func);

	if (!t)
		return false;
	proto_params(b, t, ret, params);
	return true;
}

char *kbtf_func_ret_spelling(struct kbtf *b, const char *func)
{
	const struct btf_type *t = func_proto(b, func);

	return t ? spelling(b, t->type) : NULL;
}

bool kbtf_func_typedef(struct kbtf *b, const char *typedef_name,
		       const struct ctype **ret, struct vec *params)
{
	int32_t id = find_named(b, typedef_name,
					    BTF_KIND_TYPEDEF);
	const struct btf_type *t = id > 0 ? btf__type_by_id(b->btf, id) : NULL;

	while (t && (btf_is_typedef(t) || btf_is_ptr(t) || btf_is_mod(t)))
		t = btf__type_by_id(b->btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return false;
	proto_params(b, t, ret, params);
	return true;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void kbtf_names_with_prefix(struct kbtf *b, const char *prefix,
			    struct vec *out)
{
	size_t len = strlen(prefix), first = out->len;

	for (uint32_t id = b->start_id; id < b->ntypes; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);
		const char *n;
		if (!t || !(btf_is_func(t) || btf_is_typedef(t)))
			continue;
		n = btf__name_by_offset(b->btf, t->name_off);
		if (n && !strncmp(n, prefix, len))
			vec_push(out, (void *)n);
	}
	qsort(out->items + first, out->len - first, sizeof(void *), by_str);
	size_t n = first;
	for (size_t i = first; i < out->len; i++)
		if (n == first || strcmp(vec_at(out, n - 1), vec_at(out, i)))
			out->items[n++] = out->items[i];
	out->len = n;
}
