/*
 * kprobe.function("sym") and kprobe.function("sym").return: probes on a
 * kernel function by symbol name, no debuginfo needed.  The kernel
 * resolves the name when the probe is armed; a name it does not know
 * fails the run at start with a message naming it.
 */
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "emit/emit.h"

static bool resolve_kprobe(struct rprobe *rp)
{
	struct pp_comp *fn = pp_comp_at(rp->pp, 1), *ret = pp_comp_at(rp->pp, 2);

	if (!pp_no_arg(pp_comp_at(rp->pp, 0)))
		return false;
	if (!fn || strcmp(fn->name, "function") != 0) {
		diag_error(rp->pp->loc, "not supported yet: this kprobe probe "
			   "point (expected kprobe.function(\"NAME\")[.return])");
		return false;
	}
	if (!fn->arg || fn->arg->kind != E_STR || !fn->arg->len) {
		diag_error(fn->loc, "kprobe.function needs a symbol name "
			   "string, as in kprobe.function(\"vfs_read\")");
		return false;
	}
	if (strpbrk(fn->arg->str, "*?[")) {
		diag_error(fn->arg->loc, "not supported yet: wildcards in "
			   "kprobe.function(\"%s\")", fn->arg->str);
		return false;
	}
	if (ret && (strcmp(ret->name, "return") != 0 || ret->arg ||
		    rp->pp->comps.len > 3)) {
		diag_error(ret->loc, "unexpected '.%s' in a kprobe probe point "
			   "(only .return may follow)", ret->name);
		return false;
	}
	rp->param[0] = ret != NULL;
	return true;
}

static void emit_kprobe(FILE *out, const struct vec *rps)
{
	fputs("#define STAP_HAVE_KPROBE_PROBES 1\n", out);
	fputs("static struct stap_kprobe stap_kprobes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct expr *sym = pp_comp_at(rp->pp, 1)->arg;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .symbol = ",
			rp->id);
		emit_cstring(out, sym->str, sym->len);
		fprintf(out, ", .is_return = %d },\n", (int)rp->param[0]);
	}
	fputs("};\n", out);
}

const struct probe_family kprobe_family = {
	.name = "kprobe", .resolve = resolve_kprobe, .emit_table = emit_kprobe,
};
