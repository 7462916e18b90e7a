/*
 * The probe family table: the one list of every probe family the
 * translator knows, and the small checks the families share.
 */
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"

extern const struct probe_family begin_family, end_family, error_family,
	never_family, timer_family, kprobe_family, procfs_family,
	kernel_function_family, kernel_statement_family, module_family,
	trace_family, process_family, syscall_family, netfilter_family,
	process_syscall_family;

static const struct probe_family *const families[] = {
	&begin_family,
	&end_family,
	&error_family,
	&never_family,
	&timer_family,
	&kprobe_family,
	&procfs_family,
	&kernel_function_family,
	&kernel_statement_family,
	&module_family,
	&trace_family,
	&process_family,
	&syscall_family,
	&netfilter_family,
	&process_syscall_family,
};

const char *probe_handler_type(const struct rprobe *rp)
{
	const struct probe_family *f = rp->family;

	if (f->handler_type_of)
		return f->handler_type_of(rp);
	return f->handler_type ? f->handler_type : "";
}

bool pp_always_unprivileged(const struct rprobe *rp)
{
	(void)rp;
	return true;
}

/* A family named name, or else the first one named "name.SECOND"
 * (kernel.function is a family of its own). */
const struct probe_family *probe_family_lookup(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i]->name, name) == 0)
			return families[i];
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strncmp(families[i]->name, name, n) == 0 &&
		    families[i]->name[n] == '.')
			return families[i];
	return NULL;
}

const struct probe_family *probe_family_of(const struct probe_point *pp)
{
	const struct pp_comp *first = pp_comp_at(pp, 0);
	const struct pp_comp *second = pp_comp_at(pp, 1);

	if (second) {
		char *two = xasprintf("%s.%s", first->name, second->name);
		for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
			if (strcmp(families[i]->name, two) == 0) {
				free(two);
				return families[i];
			}
		free(two);
	}
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i]->name, first->name) == 0)
			return families[i];
	return NULL;
}

char *probe_family_own_targets(int *nfamilies)
{
	char *text = NULL;

	*nfamilies = 0;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		const struct probe_family *f = families[i];
		if (!f->own_targets)
			continue;
		char *t = xasprintf("%s%s%s probes' %s", text ? text : "",
				    text ? " and " : "", f->name,
				    f->own_targets);
		free(text);
		text = t;
		++*nfamilies;
	}
	return text;
}

void probe_family_shapes(struct vec *out)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		for (const char *const *sh = families[i]->shapes; sh && *sh; sh++)
			vec_push(out, (void *)*sh);
}

void probe_family_names(struct vec *out)
{
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		vec_push(out, (void *)families[i]->name);
}

struct pp_comp *pp_comp_at(const struct probe_point *pp, size_t n)
{
	return n < pp->comps.len ? vec_at(&pp->comps, n) : NULL;
}

bool pp_num_arg(const struct pp_comp *c, int64_t lo, int64_t hi, int64_t *out)
{
	if (!c->arg || c->arg->kind != E_NUM) {
		diag_error(c->loc, "probe point '%s' needs a number argument",
			   c->name);
		return false;
	}
	if (c->arg->num < lo || c->arg->num > hi) {
		diag_error(c->arg->loc, "argument %lld of '%s' is out of range "
			   "(%lld to %lld)", (long long)c->arg->num, c->name,
			   (long long)lo, (long long)hi);
		return false;
	}
	*out = c->arg->num;
	return true;
}

bool pp_no_arg(const struct pp_comp *c)
{
	if (c->arg) {
		diag_error(c->arg->loc, "probe point '%s' takes no argument",
			   c->name);
		return false;
	}
	return true;
}
