/*
 * printf-style formats to C.  Pass 2 parsed the format of each printf /
 * sprintf call into literal runs and conversions (elaborate/format.h)
 * and kept it on the call node; emit_format() evaluates the arguments in
 * order and then appends each piece to a struct stap_sb through
 * runtime/print.c.
 */
#include <stdlib.h>
#include "elaborate/format.h"
#include "emit.h"

struct writer {
	struct emitter *em;
	const struct expr *call;
	const char *sb;
	int id;			/* the arguments are fa<id>_<i> */
};

static void write_lit(struct writer *w, const char *s, size_t n)
{
	fprintf(w->em->out, "stap_out_lit(%s, ", w->sb);
	emit_cstring(w->em->out, s, n);
	fprintf(w->em->out, ", %zu); ", n);
}

/* The location runtime errors of this call name. */
static void write_loc(struct writer *w)
{
	char *what = xasprintf("identifier '%s'", w->call->name);
	emit_loc(w->em->out, what, w->call->loc);
	free(what);
}

static void write_conv(struct writer *w, const struct format_conv *cv,
		       size_t argi)
{
	FILE *out = w->em->out;
	bool plain = !cv->flags && cv->width < 0 && cv->prec < 0 &&
		     !cv->width_star && !cv->prec_star;
	bool may_fail = cv->width_star || cv->prec_star ||
			cv->conv == 'm' || cv->conv == 'M';

	if (plain && cv->conv == 's') {
		fprintf(out, "stap_out_str(%s, fa%d_%zu); ", w->sb, w->id, argi);
		return;
	}
	if (plain && (cv->conv == 'd' || cv->conv == 'i')) {
		fprintf(out, "stap_out_long(%s, fa%d_%zu); ", w->sb, w->id, argi);
		return;
	}
	fprintf(out, "{ struct stap_fmt f_ = { '%c', %u, %d, %d }; ",
		cv->conv, cv->flags, cv->width, cv->prec);
	if (cv->width_star) {
		fprintf(out, "stap_fmt_star(c, &f_, fa%d_%zu, false, ", w->id,
			argi++);
		write_loc(w);
		fputs("); ", out);
	}
	if (cv->prec_star) {
		fprintf(out, "stap_fmt_star(c, &f_, fa%d_%zu, true, ", w->id,
			argi++);
		write_loc(w);
		fputs("); ", out);
	}
	if (cv->width_star || cv->prec_star)
		fputs("if (!c->last_error) ", out);
	switch (cv->conv) {
	case 's':
		fprintf(out, "stap_out_fmt_str(%s, &f_, fa%d_%zu); ", w->sb,
			w->id, argi);
		break;
	case 'b':
		fprintf(out, "stap_out_bin(c, %s, &f_, fa%d_%zu, ", w->sb,
			w->id, argi);
		write_loc(w);
		fputs("); ", out);
		may_fail |= cv->width_star;
		break;
	case 'm':
	case 'M':
		fprintf(out, "stap_out_mem(c, %s, &f_, fa%d_%zu, ", w->sb,
			w->id, argi);
		write_loc(w);
		fputs("); ", out);
		break;
	default:
		fprintf(out, "stap_out_fmt_long(%s, &f_, fa%d_%zu); ", w->sb,
			w->id, argi);
		break;
	}
	if (may_fail)
		fputs("if (unlikely(c->last_error)) goto out; ", out);
	fputs("} ", out);
}

/*
 * The arguments first, in order, into fa<id>_<i>, so that output an
 * argument prints itself (a function that prints) comes before this
 * call's; then the pieces.  A string argument stays a pointer to where
 * its expression left it: a later argument that assigns the same
 * variable changes what the earlier one shows.
 */
void emit_format(struct emitter *em, const char *sb, const struct expr *call)
{
	struct writer w = { em, call, sb, em->labels++ };
	const struct format *f = call->format;

	for (size_t i = 1; i < call->args.len; i++) {
		const struct expr *a = vec_at(&call->args, i);
		fprintf(em->out, a->type == TYPE_STRING ? "const char *fa%d_%zu = "
							: "s64 fa%d_%zu = ",
			w.id, i - 1);
		emit_expr(em, a);
		fputs("; ", em->out);
	}
	for (size_t i = 0; i < f->pieces.len; i++) {
		const struct format_piece *p = vec_at(&f->pieces, i);
		if (p->literal)
			write_lit(&w, f->text + p->start, p->len);
		else
			write_conv(&w, &p->cv, p->argi);
	}
}
