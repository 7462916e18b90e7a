/*
 * DWARF type DIEs to the type model (ctype.h), for DWARF target
 * variables and @cast.
 *
 * dwarf_ctype() converts the type a DW_AT_type names: typedefs and
 * qualifiers (const, volatile, restrict, _Atomic) are resolved to what
 * they stand for; base types become CT_INT/CT_BOOL; structs and unions
 * keep their members in order (anonymous ones with a NULL name,
 * bitfields as a unit of their declared type's size with the bits
 * counted from its least significant bit, from DW_AT_data_bit_offset
 * or the older DW_AT_bit_offset/DW_AT_byte_size form); arrays of any
 * number of dimensions become arrays of arrays; enums keep their
 * enumerators; function types stand behind pointers.  A struct, union
 * or enum that is only declared in this compilation unit is looked up
 * by name among the definitions of the whole file (the name index
 * below) and converted from there.
 *
 * The name index (types and variables by name) of a file costs a walk
 * of every CU (seconds for vmlinux): it is cached on disk per build-id
 * as <cache>/dwarf/BUILDID.names, one "KEY<TAB>OFFSET,OFFSET...\n" line
 * per name, so a later run loads it in milliseconds.
 *
 * Every conversion is cached per DIE, so a type is built once and a
 * struct pointing to itself terminates: the record is cached before
 * its members are converted.  Types live until the translator exits.
 */
#include <dwarf.h>
#include <elfutils/libdwelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dwarf_types.h"

/* The converted types, keyed "DBG:OFFSET"; and per Dwarf handle, the
 * name index of top-level type definitions ("struct file" -> DIE
 * offset) built on first need. */
static struct hash converted;
static struct hash name_indexes;

static char *die_key(Dwarf_Die *die)
{
	return xasprintf("%p:%llx", (void *)dwarf_cu_getdwarf(die->cu),
			 (unsigned long long)dwarf_dieoffset(die));
}

static const struct ctype *convert(Dwarf_Die *die);
static bool has_attr(Dwarf_Die *die, unsigned at);
static bool definition_of(Dwarf_Die *die, Dwarf_Die *out);

/* The type DIE's DW_AT_type, converted; void when it has none. */
static const struct ctype *referenced(Dwarf_Die *die)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &t))
		return &ctype_void_type;
	return convert(&t);
}

static uint64_t udata(Dwarf_Die *die, unsigned at, uint64_t dflt)
{
	Dwarf_Attribute a;
	Dwarf_Word w;

	if (!dwarf_attr_integrate(die, at, &a) || dwarf_formudata(&a, &w))
		return dflt;
	return w;
}

static bool has_attr(Dwarf_Die *die, unsigned at)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, at, &a) != NULL;
}

static const struct ctype *base_type(Dwarf_Die *die)
{
	uint64_t size = udata(die, DW_AT_byte_size, 0);
	uint64_t enc = udata(die, DW_AT_encoding, 0);

	if (enc == DW_ATE_boolean)
		return &ctype_bool_type;
	if (enc == DW_ATE_float || enc == DW_ATE_complex_float ||
	    (size != 1 && size != 2 && size != 4 && size != 8)) {
		/* no script value: a record of its size, named as C does */
		return ctype_record(CT_STRUCT, dwarf_diename(die), size);
	}
	return ctype_int(size, enc == DW_ATE_signed ||
				   enc == DW_ATE_signed_char);
}

/* ---- the name index: definitions by "struct NAME" / "NAME" ---- */

/* "struct file", "union u", "enum e", or the plain name of a typedef
 * or base type; NULL for other DIEs. */
static char *index_name(Dwarf_Die *die)
{
	const char *n = dwarf_diename(die);

	if (!n)
		return NULL;
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type: return xasprintf("struct %s", n);
	case DW_TAG_union_type: return xasprintf("union %s", n);
	case DW_TAG_enumeration_type: return xasprintf("enum %s", n);
	case DW_TAG_typedef:
	case DW_TAG_base_type: return xstrdup(n);
	default: return NULL;
	}
}

/* A global or static variable with a location: "var NAME" -> struct
 * vec * of DIE offsets (one per CU that defines one). */
static void index_variable(struct hash *h, Dwarf_Die *d)
{
	const char *n = dwarf_diename(d);

	if (!n || !has_attr(d, DW_AT_location))
		return;
	char *k = xasprintf("var %s", n);
	struct vec *v = hash_get(h, k);
	if (!v) {
		v = xcalloc(1, sizeof(*v));
		hash_put(h, k, v);
	} else {
		free(k);
	}
	vec_push(v, (void *)(uintptr_t)dwarf_dieoffset(d));
}

/* Indexes the top-level type definitions of every CU of dbg (the
 * first definition of each name wins) and its variables. */
static struct hash *build_index(Dwarf *dbg)
{
	struct hash *h = xcalloc(1, sizeof(*h));
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie, sub;

	while (dwarf_get_units(dbg, cu, &cu, NULL, NULL, &cudie, NULL) == 0) {
		if (dwarf_child(&cudie, &sub) != 0)
			continue;
		do {
			if (dwarf_tag(&sub) == DW_TAG_variable) {
				index_variable(h, &sub);
				continue;
			}
			char *k = index_name(&sub);
			if (!k)
				continue;
			if (has_attr(&sub, DW_AT_declaration) ||
			    hash_get(h, k)) {
				free(k);
				continue;
			}
			hash_put(h, k, (void *)(uintptr_t)
				 (dwarf_dieoffset(&sub) + 1));
		} while (dwarf_siblingof(&sub, &sub) == 0);
	}
	return h;
}

static const char *cache_dir;

void dwarf_types_cache(const char *dir)
{
	cache_dir = dir;
}

/* The cache file of dbg's index, or NULL (no build-id, no cache). */
static char *cache_file(Dwarf *dbg)
{
	const void *id;
	Elf *elf = dwarf_getelf(dbg);
	ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;
	struct strbuf sb = {0};

	if (!cache_dir || n <= 0)
		return NULL;
	sb_printf(&sb, "%s/dwarf/", cache_dir);
	for (ssize_t i = 0; i < n; i++)
		sb_printf(&sb, "%02x", ((const unsigned char *)id)[i]);
	sb_puts(&sb, ".names");
	return sb_steal(&sb);
}

static void save_entry(struct strbuf *sb, const char *k, const void *v)
{
	sb_printf(sb, "%s\t", k);
	if (strncmp(k, "var ", 4) != 0) {
		sb_printf(sb, "%lu\n", (unsigned long)(uintptr_t)v - 1);
		return;
	}
	const struct vec *offs = v;
	for (size_t i = 0; i < offs->len; i++)
		sb_printf(sb, "%s%lu", i ? "," : "",
			  (unsigned long)(uintptr_t)vec_at(offs, i));
	sb_putc(sb, '\n');
}

static void save_index(const struct hash *h, const char *file)
{
	struct strbuf sb = {0};
	char *dir = xstrdup(file);

	*strrchr(dir, '/') = 0;
	for (size_t i = 0; i < h->cap; i++)
		if (h->keys[i])
			save_entry(&sb, h->keys[i], h->vals[i]);
	if (mkdir_p(dir))
		write_file_atomic(file, sb.buf ? sb.buf : "", sb.len);
	free(dir);
	sb_free(&sb);
}

static struct hash *load_index(const char *file)
{
	size_t len;
	char *data = read_file(file, &len), *line, *save = NULL;

	if (!data)
		return NULL;
	struct hash *h = xcalloc(1, sizeof(*h));
	for (line = strtok_r(data, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab++ = 0;
		if (strncmp(line, "var ", 4) != 0) {
			hash_put(h, line, (void *)(uintptr_t)
				 (strtoul(tab, NULL, 10) + 1));
			continue;
		}
		struct vec *v = xcalloc(1, sizeof(*v));
		for (char *p = tab; *p; p += *p == ',')
			vec_push(v, (void *)(uintptr_t)strtoul(p, &p, 10));
		hash_put(h, line, v);
	}
	return h;	/* keys point into data, kept for the run */
}

static struct hash *index_of(Dwarf *dbg)
{
	char key[32];
	snprintf(key, sizeof(key), "%p", (void *)dbg);
	struct hash *h = hash_get(&name_indexes, key);

	if (!h) {
		char *file = cache_file(dbg);
		h = file ? load_index(file) : NULL;
		if (!h) {
			h = build_index(dbg);
			if (file)
				save_index(h, file);
		}
		free(file);
		hash_put(&name_indexes, xstrdup(key), h);
	}
	return h;
}

/* Whether CU die cu's name ends in file at a path component. */
static bool cu_is(Dwarf_Die *cu, const char *file)
{
	const char *n = dwarf_diename(cu);
	size_t ln = n ? strlen(n) : 0, lf = strlen(file);

	return n && ln >= lf && !strcmp(n + ln - lf, file) &&
	       (ln == lf || n[ln - lf - 1] == '/');
}

bool dwarf_global_lookup(Dwarf *dbg, const char *name, const char *file,
			 Dwarf_Die *out)
{
	char *k = xasprintf("var %s", name);
	const struct vec *v = hash_get(index_of(dbg), k);

	free(k);
	for (size_t i = 0; v && i < v->len; i++) {
		Dwarf_Die cu;
		if (!dwarf_offdie(dbg, (uintptr_t)vec_at(v, i), out) ||
		    !dwarf_diecu(out, &cu, NULL, NULL))
			continue;
		if (!file || cu_is(&cu, file))
			return true;
	}
	return false;
}

bool dwarf_type_lookup(Dwarf *dbg, const char *name, Dwarf_Die *out)
{
	struct hash *h = index_of(dbg);
	uintptr_t off = (uintptr_t)hash_get(h, name);
	return off && dwarf_offdie(dbg, off - 1, out) != NULL;
}

/* The definition of declared struct/union/enum die, or NULL. */
static bool definition_of(Dwarf_Die *die, Dwarf_Die *out)
{
	char *k = index_name(die);
	bool ok = k && dwarf_type_lookup(dwarf_cu_getdwarf(die->cu), k, out);
	free(k);
	return ok;
}

/* ---- records, enums, arrays ---- */

/* A member's byte offset: a constant, or the old DW_OP_plus_uconst
 * location expression. */
static uint64_t member_offset(Dwarf_Die *m)
{
	Dwarf_Attribute a;
	Dwarf_Word w;
	Dwarf_Op *ops;
	size_t n;

	if (!dwarf_attr(m, DW_AT_data_member_location, &a))
		return 0;
	if (dwarf_formudata(&a, &w) == 0)
		return w;
	if (dwarf_getlocation(&a, &ops, &n) == 0 && n == 1 &&
	    ops[0].atom == DW_OP_plus_uconst)
		return ops[0].number;
	return 0;
}

/* Adds member m of rec; a bitfield as the unit of its type's size
 * that holds it, aligned to that size when it fits there. */
static void add_member(struct ctype *rec, Dwarf_Die *m)
{
	const struct ctype *t = referenced(m);
	uint64_t bits = udata(m, DW_AT_bit_size, 0);
	uint64_t off = member_offset(m);

	if (!bits || !t->size) {
		ctype_add_member(rec, dwarf_diename(m), t, off, 0, 0);
		return;
	}
	uint64_t dbo;	/* bits from the start of rec, lsb first */
	if (has_attr(m, DW_AT_data_bit_offset)) {
		dbo = udata(m, DW_AT_data_bit_offset, 0);
	} else {
		uint64_t unit = udata(m, DW_AT_byte_size, t->size);
		uint64_t msb = udata(m, DW_AT_bit_offset, 0);
		dbo = off * 8 + unit * 8 - msb - bits;
	}
	uint64_t usz = t->size;
	uint64_t start = dbo / (usz * 8) * usz;
	if (dbo - start * 8 + bits > usz * 8)
		start = dbo / 8;	/* packed: straddles the aligned unit */
	ctype_add_member(rec, dwarf_diename(m), t, start,
			 (unsigned)(dbo - start * 8), (unsigned)bits);
}

/* Completes record t from its DIE (fill_arg): a declaration from the
 * file's definition of its name, else its own members. */
static void fill_record(struct ctype *t)
{
	Dwarf_Die *die = t->fill_arg, def, m;

	if (has_attr(die, DW_AT_declaration)) {
		if (definition_of(die, &def)) {
			const struct ctype *d = ctype_complete(convert(&def));
			t->size = d->size;
			t->items = d->items;	/* shared, read-only */
		}
		return;
	}
	if (dwarf_child(die, &m) != 0)
		return;
	do {
		if (dwarf_tag(&m) == DW_TAG_member)
			add_member(t, &m);
	} while (dwarf_siblingof(&m, &m) == 0);
}

/* A struct or union, its members (and a declaration's definition)
 * converted on first use: converting every type a struct reaches
 * would cost seconds for the kernel's. */
static const struct ctype *record(Dwarf_Die *die, const char *key)
{
	struct ctype *t = ctype_record(dwarf_tag(die) == DW_TAG_union_type
				       ? CT_UNION : CT_STRUCT,
				       dwarf_diename(die),
				       udata(die, DW_AT_byte_size, 0));
	Dwarf_Die *copy = xmalloc(sizeof(*copy));

	*copy = *die;
	t->fill = fill_record;
	t->fill_arg = copy;
	hash_put(&converted, key, t);
	return t;
}

static const struct ctype *enumeration(Dwarf_Die *die, const char *key)
{
	Dwarf_Die def, e;
	Dwarf_Attribute a;

	if (has_attr(die, DW_AT_declaration) && definition_of(die, &def))
		return convert(&def);
	const struct ctype *base = referenced(die);
	if (base->kind != CT_INT)
		base = ctype_int(udata(die, DW_AT_byte_size, 4), false);
	struct ctype *t = ctype_enum(dwarf_diename(die), base);
	hash_put(&converted, key, t);
	if (dwarf_child(die, &e) != 0)
		return t;
	do {
		Dwarf_Sword v = 0;
		if (dwarf_tag(&e) != DW_TAG_enumerator ||
		    !dwarf_attr(&e, DW_AT_const_value, &a))
			continue;
		dwarf_formsdata(&a, &v);
		if (v < 0)
			t->is_signed = true;
		ctype_add_enumerator(t, dwarf_diename(&e), v);
	} while (dwarf_siblingof(&e, &e) == 0);
	return t;
}

/* The element count of one subrange: 0 for an unknown or flexible
 * bound. */
static uint64_t subrange_count(Dwarf_Die *sr)
{
	Dwarf_Attribute a;
	Dwarf_Sword v;

	if (dwarf_attr(sr, DW_AT_count, &a) && !dwarf_formsdata(&a, &v))
		return v > 0 ? (uint64_t)v : 0;
	if (dwarf_attr(sr, DW_AT_upper_bound, &a) &&
	    !dwarf_formsdata(&a, &v))
		return v >= 0 ? (uint64_t)v + 1 : 0;
	return 0;
}

static const struct ctype *array(Dwarf_Die *die)
{
	uint64_t counts[16];
	size_t n = 0;
	Dwarf_Die sr;

	if (dwarf_child(die, &sr) == 0) {
		do {
			if (dwarf_tag(&sr) == DW_TAG_subrange_type && n < 16)
				counts[n++] = subrange_count(&sr);
		} while (dwarf_siblingof(&sr, &sr) == 0);
	}
	const struct ctype *t = referenced(die);
	if (n == 0)
		return ctype_array(t, 0);
	while (n--)
		t = ctype_array(t, counts[n]);
	return t;
}

static const struct ctype *convert(Dwarf_Die *die)
{
	char *key = die_key(die);
	const struct ctype *t = hash_get(&converted, key);

	if (t) {
		free(key);
		return t;
	}
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
		t = base_type(die);
		break;
	case DW_TAG_typedef:
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		t = referenced(die);
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type:
		t = ctype_pointer(referenced(die));
		break;
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_class_type:
		return record(die, key);	/* caches itself */
	case DW_TAG_enumeration_type:
		return enumeration(die, key);
	case DW_TAG_array_type:
		t = array(die);
		break;
	case DW_TAG_subroutine_type:
		t = ctype_func(referenced(die));
		break;
	case DW_TAG_unspecified_type:
	default:
		t = &ctype_void_type;
		break;
	}
	hash_put(&converted, key, (void *)t);
	return t;
}

const struct ctype *dwarf_ctype(Dwarf_Die *type_die)
{
	return type_die ? convert(type_die) : &ctype_void_type;
}

const struct ctype *dwarf_ctype_of(Dwarf_Die *die)
{
	return referenced(die);
}

/* ---- type names as upstream spells them ---- */

static void spell(struct strbuf *sb, Dwarf_Die *die, int depth);

static void spell_ref(struct strbuf *sb, Dwarf_Die *die, int depth)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	if (!dwarf_attr_integrate(die, DW_AT_type, &a) ||
	    !dwarf_formref_die(&a, &t))
		sb_puts(sb, "void");
	else
		spell(sb, &t, depth + 1);
}

static void spell(struct strbuf *sb, Dwarf_Die *die, int depth)
{
	const char *n = dwarf_diename(die);

	if (depth > 16) {
		sb_puts(sb, "...");
		return;
	}
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		sb_puts(sb, n ? n : "?");
		return;
	case DW_TAG_structure_type:
		sb_printf(sb, "struct %s", n ? n : "{...}");
		return;
	case DW_TAG_union_type:
		sb_printf(sb, "union %s", n ? n : "{...}");
		return;
	case DW_TAG_enumeration_type:
		sb_printf(sb, "enum %s", n ? n : "{...}");
		return;
	case DW_TAG_const_type:		/* "char const*", as upstream */
		spell_ref(sb, die, depth);
		sb_puts(sb, " const");
		return;
	case DW_TAG_volatile_type:
		spell_ref(sb, die, depth);
		sb_puts(sb, " volatile");
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		spell_ref(sb, die, depth);
		return;
	case DW_TAG_pointer_type:
		spell_ref(sb, die, depth);
		sb_putc(sb, '*');
		return;
	case DW_TAG_array_type:
		spell_ref(sb, die, depth);
		sb_puts(sb, "[]");
		return;
	case DW_TAG_subroutine_type:
		sb_puts(sb, "void");	/* upstream: a function pointer is void* */
		return;
	default:
		sb_puts(sb, "void");
		return;
	}
}

char *dwarf_type_spelling(Dwarf_Die *die)
{
	struct strbuf sb = {0};
	spell_ref(&sb, die, 0);
	return sb_steal(&sb);
}
