/*
 * netfilter probes: one netfilter hook function (struct nf_hook_ops)
 * per netfilter.hook("H").pf("P") point, registered with
 * nf_register_net_hook() in every network namespace: arming registers
 * a pernet subsystem whose init registers the hooks in a namespace
 * (the ones that exist now, and any created while the session runs),
 * and whose exit unregisters them; disarming unregisters the
 * subsystem, then waits for an RCU grace period, since hook lists are
 * walked under rcu_read_lock() and a packet may still be in our hook.
 *
 * The hook runs where the packet is: soft irq (receive), or the
 * sender's process context with bottom halves on or off (local out),
 * always under rcu_read_lock(); stap_run_probe_data() copes with all.
 * The hit's c->probe_data is the u64 slots the translator's
 * TL_ARGUMENT target variables read: $hooknum, $skb, $in, $out,
 * $okfn, $verdict.  $verdict starts as NF_ACCEPT; what the script left
 * there is the hook's verdict when it is NF_DROP, NF_ACCEPT or
 * NF_QUEUE (with its queue number and flags); anything else (NF_STOLEN
 * would leak the packet, NF_REPEAT could loop) is NF_ACCEPT.
 *
 * The module includes this file before its handlers; its table is
 * stap_nf_probes[], which arm and disarm get from stap_families[].
 */
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/net_namespace.h>

/* One netfilter point: what the translator resolved, and the ops
 * registered in every namespace (ops.priv points back here). */
struct stap_nf_probe {
	const struct stap_probe_info *info;
	u8 pf;			/* NFPROTO_* */
	u8 hooknum;
	int priority;
	struct nf_hook_ops ops;
};

/* The table, set by arm for the pernet hooks; under the core's mutex
 * (arm, disarm) or the kernel's pernet lock (init, exit). */
static struct stap_nf_probe *stap_nf_points;
static size_t stap_nf_n;
static bool stap_nf_armed;
static int stap_nf_failed = -1;	/* the point init_net refused, for
				 * the message */

enum { STAP_NF_HOOKNUM, STAP_NF_SKB, STAP_NF_IN, STAP_NF_OUT,
       STAP_NF_OKFN, STAP_NF_VERDICT, STAP_NF_SLOTS };

/* The verdict to return for what the script left in $verdict. */
static unsigned int stap_nf_verdict(u64 v)
{
	switch ((unsigned int)v & NF_VERDICT_MASK) {
	case NF_DROP:
	case NF_ACCEPT:
	case NF_QUEUE:
		return (unsigned int)v;
	default:
		return NF_ACCEPT;
	}
}

/* Any context a packet passes the hook in, under rcu_read_lock(). */
static unsigned int stap_nf_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct stap_nf_probe *p = priv;
	u64 slot[STAP_NF_SLOTS] = {
		[STAP_NF_HOOKNUM] = state->hook,
		[STAP_NF_SKB] = (unsigned long)skb,
		[STAP_NF_IN] = (unsigned long)state->in,
		[STAP_NF_OUT] = (unsigned long)state->out,
		[STAP_NF_OKFN] = (unsigned long)state->okfn,
		[STAP_NF_VERDICT] = NF_ACCEPT,
	};

	stap_run_probe_data(p->info, STAP_SESSION_RUNNING, slot);
	return stap_nf_verdict(slot[STAP_NF_VERDICT]);
}

/* Process context, the pernet lock held.  All or nothing. */
static int stap_nf_net_init(struct net *net)
{
	size_t i;
	int rc;

	for (i = 0; i < stap_nf_n; i++) {
		rc = nf_register_net_hook(net, &stap_nf_points[i].ops);
		if (rc) {
			if (net_eq(net, &init_net))
				stap_nf_failed = i;
			while (i--)
				nf_unregister_net_hook(net,
						       &stap_nf_points[i].ops);
			return rc;
		}
	}
	return 0;
}

/* Process context, the pernet lock held. */
static void stap_nf_net_exit(struct net *net)
{
	size_t i;

	for (i = 0; i < stap_nf_n; i++)
		nf_unregister_net_hook(net, &stap_nf_points[i].ops);
}

static struct pernet_operations stap_nf_pernet = {
	.init = stap_nf_net_init,
	.exit = stap_nf_net_exit,
};

/* Process context. */
static int stap_nf_arm(void *points, size_t n)
{
	struct stap_nf_probe *p = points;
	char line[200];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		p[i].ops.hook = stap_nf_hook;
		p[i].ops.priv = &p[i];
		p[i].ops.pf = p[i].pf;
		p[i].ops.hooknum = p[i].hooknum;
		p[i].ops.priority = p[i].priority;
	}
	stap_nf_points = p;
	stap_nf_n = n;
	stap_nf_failed = -1;
	rc = register_pernet_subsys(&stap_nf_pernet);
	if (rc) {
		int k = stap_nf_failed;
		int len = k < 0 ? scnprintf(line, sizeof(line), "ERROR: "
				"cannot register the netfilter hooks: error "
				"%d\n", rc)
			: scnprintf(line, sizeof(line), "ERROR: cannot "
				"register netfilter hook %u of protocol "
				"family %u (%s): error %d\n", p[k].hooknum,
				p[k].pf, p[k].info->pp, rc);
		stap_data_write(STAP_STREAM_STDERR, line, len);
		return rc;
	}
	stap_nf_armed = true;
	return 0;
}

/* Process context; waits for hooks still running. */
static void stap_nf_disarm(void *points, size_t n)
{
	if (!stap_nf_armed)
		return;
	unregister_pernet_subsys(&stap_nf_pernet);
	synchronize_net();
	stap_nf_armed = false;
}
