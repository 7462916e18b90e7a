/*
 * netfilter.hook("HOOK").pf("PF")[.priority("PRIO")], also written
 * netfilter.pf("PF").hook("HOOK")[...]: a netfilter hook function run
 * on every packet that passes HOOK of protocol family PF, in every
 * network namespace.  HOOK, PF and PRIO are names from the kernel's
 * uapi headers (NF_INET_LOCAL_IN, NFPROTO_IPV4, NF_IP_PRI_FILTER) or
 * numbers, as a string or a number literal; pass 2 turns them into
 * numbers and checks the hook exists for the family, so the module
 * never names a kernel constant.
 *
 * Target variables, as upstream: $hooknum, $skb, $in, $out, $okfn (the
 * hook's arguments, longs) and $verdict (what the hook returns,
 * NF_ACCEPT unless the script sets it; setting it needs guru mode, as
 * upstream).  They are slots of the hit (TL_ARGUMENT) that the runtime,
 * runtime/linux/netfilter.c, fills.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "probes.h"
#include "util/diag.h"
#include "util/suggest.h"

/* A name of a kernel constant and its value. */
struct nf_name {
	const char *name;
	int64_t value;
};

/* The protocol families nf_register_net_hook() takes without a device
 * (NFPROTO_NETDEV and NF_INET_INGRESS need one). */
static const struct nf_name pf_names[] = {
	{ "NFPROTO_INET", 1 }, { "NFPROTO_IPV4", 2 }, { "NFPROTO_ARP", 3 },
	{ "NFPROTO_BRIDGE", 7 }, { "NFPROTO_IPV6", 10 }, { NULL, 0 },
};

static const struct nf_name inet_hooks[] = {
	{ "NF_INET_PRE_ROUTING", 0 }, { "NF_INET_LOCAL_IN", 1 },
	{ "NF_INET_FORWARD", 2 }, { "NF_INET_LOCAL_OUT", 3 },
	{ "NF_INET_POST_ROUTING", 4 },
	/* the older per-family spellings of the same hooks */
	{ "NF_IP_PRE_ROUTING", 0 }, { "NF_IP_LOCAL_IN", 1 },
	{ "NF_IP_FORWARD", 2 }, { "NF_IP_LOCAL_OUT", 3 },
	{ "NF_IP_POST_ROUTING", 4 },
	{ "NF_IP6_PRE_ROUTING", 0 }, { "NF_IP6_LOCAL_IN", 1 },
	{ "NF_IP6_FORWARD", 2 }, { "NF_IP6_LOCAL_OUT", 3 },
	{ "NF_IP6_POST_ROUTING", 4 }, { NULL, 0 },
};

static const struct nf_name arp_hooks[] = {
	{ "NF_ARP_IN", 0 }, { "NF_ARP_OUT", 1 }, { "NF_ARP_FORWARD", 2 },
	{ NULL, 0 },
};

/* NF_BR_BROUTING is not a netfilter hook list (the kernel has
 * hooks_bridge[NF_INET_NUMHOOKS]). */
static const struct nf_name bridge_hooks[] = {
	{ "NF_BR_PRE_ROUTING", 0 }, { "NF_BR_LOCAL_IN", 1 },
	{ "NF_BR_FORWARD", 2 }, { "NF_BR_LOCAL_OUT", 3 },
	{ "NF_BR_POST_ROUTING", 4 }, { NULL, 0 },
};

static const struct nf_name priority_names[] = {
	{ "NF_IP_PRI_FIRST", INT_MIN }, { "NF_IP_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP_PRI_RAW", -300 },
	{ "NF_IP_PRI_SELINUX_FIRST", -225 }, { "NF_IP_PRI_CONNTRACK", -200 },
	{ "NF_IP_PRI_MANGLE", -150 }, { "NF_IP_PRI_NAT_DST", -100 },
	{ "NF_IP_PRI_FILTER", 0 }, { "NF_IP_PRI_SECURITY", 50 },
	{ "NF_IP_PRI_NAT_SRC", 100 }, { "NF_IP_PRI_SELINUX_LAST", 225 },
	{ "NF_IP_PRI_CONNTRACK_HELPER", 300 },
	{ "NF_IP_PRI_CONNTRACK_CONFIRM", INT_MAX }, { "NF_IP_PRI_LAST", INT_MAX },
	{ "NF_IP6_PRI_FIRST", INT_MIN },
	{ "NF_IP6_PRI_RAW_BEFORE_DEFRAG", -450 },
	{ "NF_IP6_PRI_CONNTRACK_DEFRAG", -400 }, { "NF_IP6_PRI_RAW", -300 },
	{ "NF_IP6_PRI_SELINUX_FIRST", -225 }, { "NF_IP6_PRI_CONNTRACK", -200 },
	{ "NF_IP6_PRI_MANGLE", -150 }, { "NF_IP6_PRI_NAT_DST", -100 },
	{ "NF_IP6_PRI_FILTER", 0 }, { "NF_IP6_PRI_SECURITY", 50 },
	{ "NF_IP6_PRI_NAT_SRC", 100 }, { "NF_IP6_PRI_SELINUX_LAST", 225 },
	{ "NF_IP6_PRI_CONNTRACK_HELPER", 300 }, { "NF_IP6_PRI_LAST", INT_MAX },
	{ NULL, 0 },
};

/* One netfilter point, resolved to the kernel's numbers. */
struct nf_point {
	int pf;			/* NFPROTO_* */
	int hooknum;		/* of the family's hooks */
	int priority;
};

/* The hooks of protocol family pf. */
static const struct nf_name *hooks_of(int pf)
{
	switch (pf) {
	case 3:
		return arp_hooks;
	case 7:
		return bridge_hooks;
	default:
		return inet_hooks;
	}
}

/* The first name of value v in names (a family's canonical one). */
static const char *name_of(const struct nf_name *names, int64_t v)
{
	for (; names->name; names++)
		if (names->value == v)
			return names->name;
	return NULL;
}

/* "A, B, C" of the names with distinct values. */
static char *name_list(const struct nf_name *names)
{
	struct strbuf sb = {0};

	for (const struct nf_name *n = names; n->name; n++) {
		if (name_of(names, n->value) != n->name)
			continue;
		sb_printf(&sb, "%s%s", sb.len ? ", " : "", n->name);
	}
	return sb_steal(&sb);
}

/* The literal argument of c as a number: a number, a string holding a
 * decimal number, or a name of names.  what names the component in
 * messages ("hook", "protocol family"); false after an error. */
static bool nf_value(const struct pp_comp *c, const struct nf_name *names,
		     const char *what, int64_t *out)
{
	const struct expr *a = c->arg;
	char *end;

	if (!a) {
		diag_error(c->loc, "netfilter '%s' needs an argument: the %s "
			   "as a name or a number", c->name, what);
		return false;
	}
	if (a->kind == E_NUM) {
		*out = a->num;
		return true;
	}
	for (const struct nf_name *n = names; n->name; n++)
		if (!strcmp(n->name, a->str)) {
			*out = n->value;
			return true;
		}
	*out = strtoll(a->str, &end, 0);
	if (a->str[0] && !*end)
		return true;

	struct vec cands = {0};
	for (const struct nf_name *n = names; n->name; n++)
		vec_push(&cands, (void *)n->name);
	const char *near = suggest(a->str, &cands);
	char *all = name_list(names);
	diag_error(a->loc, "unknown netfilter %s \"%s\"%s%s%s: expected one "
		   "of %s, or a number", what, a->str,
		   near ? " (did you mean " : "", near ? near : "",
		   near ? "?)" : "", all);
	free(all);
	vec_free(&cands);
	return false;
}

static bool check_pf(const struct pp_comp *c, int64_t pf)
{
	if (name_of(pf_names, pf))
		return true;
	char *all = name_list(pf_names);
	diag_error(c->arg->loc, "netfilter protocol family %lld is not "
		   "supported: expected one of %s (NFPROTO_NETDEV hooks "
		   "need a device, which this probe point cannot name)",
		   (long long)pf, all);
	free(all);
	return false;
}

static bool check_hook(const struct pp_comp *c, int64_t pf, int64_t hook)
{
	const struct nf_name *hooks = hooks_of((int)pf);

	if (name_of(hooks, hook))
		return true;
	char *all = name_list(hooks);
	diag_error(c->arg->loc, "netfilter hook %lld is not a hook of "
		   "protocol family %s: expected one of %s%s", (long long)hook,
		   name_of(pf_names, pf), all, hooks == inet_hooks ?
		   " (NF_INET_INGRESS hooks need a device, which this probe "
		   "point cannot name)" : "");
	free(all);
	return false;
}

/* Resolves the components: hook and pf in either order, then an
 * optional priority. */
static bool resolve_netfilter(struct rprobe *rp)
{
	const struct pp_comp *hook = NULL, *pf = NULL, *prio = NULL;
	int64_t vpf, vhook, vprio = 0;
	size_t i;

	for (i = 1; i < 3; i++) {
		const struct pp_comp *c = pp_comp_at(rp->pp, i);
		if (c && !strcmp(c->name, "hook") && !hook)
			hook = c;
		else if (c && !strcmp(c->name, "pf") && !pf)
			pf = c;
		else
			break;
	}
	if (i == 3 && pp_comp_at(rp->pp, 3) &&
	    !strcmp(pp_comp_at(rp->pp, 3)->name, "priority"))
		prio = pp_comp_at(rp->pp, i++);
	if (!hook || !pf || pp_comp_at(rp->pp, i)) {
		const struct pp_comp *c = pp_comp_at(rp->pp, i);
		diag_error(c ? c->loc : rp->pp->loc, "%s netfilter probe "
			   "point: expected netfilter.hook(\"HOOK\").pf(\"PF\") "
			   "or netfilter.pf(\"PF\").hook(\"HOOK\"), optionally "
			   "followed by .priority(\"PRIORITY\")",
			   c ? "unexpected component in a" : "incomplete");
		return false;
	}
	if (!nf_value(pf, pf_names, "protocol family", &vpf) ||
	    !check_pf(pf, vpf) ||
	    !nf_value(hook, hooks_of((int)vpf), "hook", &vhook) ||
	    !check_hook(hook, vpf, vhook))
		return false;
	if (prio && !nf_value(prio, priority_names, "priority", &vprio))
		return false;
	if (vprio < INT_MIN || vprio > INT_MAX) {
		diag_error(prio->arg->loc, "netfilter priority %lld is out of "
			   "range (%d to %d)", (long long)vprio, INT_MIN,
			   INT_MAX);
		return false;
	}
	struct nf_point *pt = xcalloc(1, sizeof(*pt));
	pt->pf = (int)vpf;
	pt->hooknum = (int)vhook;
	pt->priority = (int)vprio;
	rp->data = pt;
	return true;
}

/* ---- target variables ------------------------------------------------ */

/* The hit's slots (runtime/linux/netfilter.c fills them in this
 * order). */
enum { SLOT_HOOKNUM, SLOT_SKB, SLOT_IN, SLOT_OUT, SLOT_OKFN, SLOT_VERDICT,
       NF_SLOTS };

static struct target_var nf_vars[NF_SLOTS];

static void init_vars(void)
{
	static const char *const names[NF_SLOTS] = {
		"$hooknum", "$skb", "$in", "$out", "$okfn", "$verdict",
	};

	if (nf_vars[0].name)
		return;
	for (int i = 0; i < NF_SLOTS; i++) {
		struct target_var *v = &nf_vars[i];
		v->name = names[i];
		v->type = ctype_int(8, true);
		v->loc.kind = TL_ARGUMENT;
		v->loc.argno = i;
		v->access = TARGET_READ;
		v->rule = "the hook's arguments are read-only";
		v->class = TV_PARAM;
		v->spelling = "long";
	}
	/* a copy the runtime returns: writable, in guru mode only (pass 2
	 * asks guru mode of any write that is not a family accessor) */
	nf_vars[SLOT_VERDICT].access = TARGET_READ | TARGET_SET;
}

static const struct target_var *nf_target(const struct rprobe *rp,
					  const char *name)
{
	(void)rp;
	init_vars();
	for (int i = 0; i < NF_SLOTS; i++)
		if (!strcmp(nf_vars[i].name, name))
			return &nf_vars[i];
	return NULL;
}

static char *nf_target_missing(const struct rprobe *rp, const char *name)
{
	(void)rp;
	(void)name;
	return xasprintf("netfilter probes provide $hooknum, $skb, $in, "
			 "$out, $okfn and $verdict (the netfilter.* tapset "
			 "aliases decode the packet: devices, addresses, "
			 "ports)");
}

/* ---- pass 3 ------------------------------------------------------------ */

static void emit_netfilter(FILE *out, const struct vec *rps)
{
	fputs("static struct stap_nf_probe stap_nf_probes[] = {\n", out);
	for (size_t i = 0; i < rps->len; i++) {
		const struct rprobe *rp = vec_at(rps, i);
		const struct nf_point *pt = rp->data;
		fprintf(out, "\t{ .info = &stap_probe_infos[%d], .pf = %d, "
			".hooknum = %d, .priority = %d },\n", rp->id, pt->pf,
			pt->hooknum, pt->priority);
	}
	fputs("};\n", out);
}

static const char *const nf_shapes[] = {
	"netfilter.hook(S).pf(S)", "netfilter.pf(S).hook(S)",
	"netfilter.hook(S).pf(S).priority(S)",
	"netfilter.pf(S).hook(S).priority(S)", NULL
};

const struct probe_family netfilter_family = {
	.name = "netfilter", .shapes = nf_shapes,
	.resolve = resolve_netfilter, .emit_table = emit_netfilter,
	.target = nf_target, .target_missing = nf_target_missing,	/* no listing: upstream's -L shows none */
	.own_targets = "$hooknum, $skb, $in, $out, $okfn and $verdict",
	.runtime = "netfilter", .arm_order = 4, .handler_type = "netfilter",
	.ops = "{ .arm = stap_nf_arm, .disarm = stap_nf_disarm, "
	       ".points = stap_nf_probes, .n = ARRAY_SIZE(stap_nf_probes) }",
};
