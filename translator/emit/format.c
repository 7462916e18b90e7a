/*
 * printf-style format strings, compiled at translation time.  A format
 * is split into literal runs and conversions
 *
 *	%[flags][width][.precision][length]conversion
 *
 * flags: - + space # 0; width and precision: digits or `*` (taken from
 * the next argument, a long); length modifiers (l, ll, h...) are
 * accepted and ignored, every number being 64 bits; conversions:
 * d i u x X o c p b m M (a long), s (a string), %% (no argument).
 *
 * Pass 2 (types.c) asks format_args() what type each argument must
 * have, so that a mismatch is a translation error at the script
 * location, and so that an untyped variable takes its type from the
 * format.  Pass 3 (expr.c) calls emit_format(), which evaluates the
 * arguments in order and then appends each piece to a struct stap_sb
 * through runtime/print.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "util/diag.h"

/* The runtime's STAP_FMT_MAX: the largest literal width or precision. */
#define FMT_MAX 65536

struct conv {
	char conv;
	unsigned flags;		/* runtime STAP_F_* bits */
	int width, prec;	/* -1: none */
	bool width_star, prec_star;
	size_t start, end;	/* the conversion is fmt[start, end) */
};

/* The runtime's STAP_F_* bits, in the order of this string. */
static const char flag_chars[] = "-+ #0";

/* Reads a decimal width or precision at fmt[*i].  Returns an error
 * message, or NULL. */
static const char *parse_num(const char *fmt, size_t len, size_t *i, int *v)
{
	bool big = false;

	*v = 0;
	while (*i < len && isdigit((unsigned char)fmt[*i])) {
		*v = *v * 10 + (fmt[(*i)++] - '0');
		if (*v > FMT_MAX) {
			big = true;
			*v = FMT_MAX;
		}
	}
	return big ? "format width or precision too large (at most 65536)"
		   : NULL;
}

/* Parses the conversion starting at fmt[i] == '%'.  Returns an error
 * message, or NULL; cv->end is where the conversion (or the error)
 * ends. */
static const char *parse_conv(const char *fmt, size_t len, size_t i,
			      struct conv *cv)
{
	const char *err = NULL;

	memset(cv, 0, sizeof(*cv));
	cv->width = cv->prec = -1;
	cv->start = i++;
	for (; i < len && fmt[i] && strchr(flag_chars, fmt[i]); i++)
		cv->flags |= 1u << (strchr(flag_chars, fmt[i]) - flag_chars);
	if (i < len && fmt[i] == '*') {
		cv->width_star = true;
		i++;
	} else if (i < len && isdigit((unsigned char)fmt[i])) {
		err = parse_num(fmt, len, &i, &cv->width);
	}
	if (!err && i < len && fmt[i] == '.') {
		i++;
		if (i < len && fmt[i] == '*') {
			cv->prec_star = true;
			i++;
		} else {
			err = parse_num(fmt, len, &i, &cv->prec);
		}
	}
	while (!err && i < len && fmt[i] && strchr("hlLjzt", fmt[i]))
		i++;
	cv->end = i < len ? i + 1 : len;
	if (err)
		return err;
	if (i >= len)
		return "incomplete format conversion at the end of the format";
	cv->conv = fmt[i];
	if (cv->conv == '%') {
		if (cv->end - cv->start != 2)
			return "'%' takes no flags, width or precision";
		return NULL;
	}
	if (cv->conv == 'b' && !cv->width_star && cv->width != -1 &&
	    cv->width != 1 && cv->width != 2 && cv->width != 4 &&
	    cv->width != 8)
		return "'%b' writes 1, 2, 4 or 8 bytes: use %1b, %2b, %4b, "
		       "%8b or %b";
	if (cv->conv && strchr("diuxXopcsbmM", cv->conv))
		return NULL;
	return "unknown format conversion";
}

/* Walks the format, calling lit for each literal run and conv for each
 * conversion, with the index of its first argument.  Returns false
 * after reporting (if report) an error. */
static bool walk_format(const struct expr *fmt, size_t nargs,
			void (*lit)(void *, const char *, size_t),
			void (*conv)(void *, const struct conv *, size_t),
			void *arg, bool report)
{
	const char *s = fmt->str;
	size_t len = fmt->len, start = 0, argi = 0;

	for (size_t i = 0; i < len;) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		struct conv cv;
		const char *err = parse_conv(s, len, i, &cv);
		if (err) {
			if (report)
				diag_error(fmt->loc, "%s: '%.*s'", err,
					   (int)(cv.end - i), s + i);
			return false;
		}
		if (cv.conv == '%') {
			if (lit)
				lit(arg, s + start, i + 1 - start);
			start = i = cv.end;
			continue;
		}
		if (lit && i > start)
			lit(arg, s + start, i - start);
		size_t need = 1 + cv.width_star + cv.prec_star;
		if (argi + need > nargs) {
			if (report)
				diag_error(fmt->loc, "too few arguments for the "
					   "format: '%.*s' needs argument %d",
					   (int)(cv.end - cv.start), s + cv.start,
					   (int)(argi + need));
			return false;
		}
		if (conv)
			conv(arg, &cv, argi);
		argi += need;
		start = i = cv.end;
	}
	if (lit && start < len)
		lit(arg, s + start, len - start);
	if (argi != nargs) {
		if (report)
			diag_error(fmt->loc, "too many arguments for the format "
				   "(it takes %d, %d given)", (int)argi,
				   (int)nargs);
		return false;
	}
	return true;
}

struct typer_state {
	const char *fmt;
	struct format_arg *out;
};

static void type_conv(void *p, const struct conv *cv, size_t argi)
{
	struct typer_state *ts = p;
	struct format_arg *a = ts->out + argi;
	int len = (int)(cv->end - cv->start);
	const char *text = ts->fmt + cv->start;

	if (cv->width_star) {
		a->type = TYPE_LONG;
		a->what = xasprintf("the '*' width of '%.*s'", len, text);
		a++;
	}
	if (cv->prec_star) {
		a->type = TYPE_LONG;
		a->what = xasprintf("the '*' precision of '%.*s'", len, text);
		a++;
	}
	a->type = cv->conv == 's' ? TYPE_STRING : TYPE_LONG;
	a->what = xasprintf("format conversion '%.*s'", len, text);
}

struct format_arg *format_args(const struct expr *call, bool report)
{
	const struct expr *fmt = vec_at(&call->args, 0);
	size_t n = call->args.len - 1;
	struct format_arg *out = xcalloc(n + 1, sizeof(*out));
	struct typer_state ts = { fmt->str, out };

	if (!walk_format(fmt, n, NULL, type_conv, &ts, report)) {
		format_args_free(out, n);
		return NULL;
	}
	return out;
}

void format_args_free(struct format_arg *a, size_t n)
{
	if (!a)
		return;
	for (size_t i = 0; i < n; i++)
		free(a[i].what);
	free(a);
}

struct writer {
	struct emitter *em;
	const struct expr *call;
	const char *sb;
	int id;			/* the arguments are fa<id>_<i> */
};

static void write_lit(void *p, const char *s, size_t n)
{
	struct writer *w = p;
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

static void write_conv(void *p, const struct conv *cv, size_t argi)
{
	struct writer *w = p;
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
	const struct expr *fmt = vec_at(&call->args, 0);

	for (size_t i = 1; i < call->args.len; i++) {
		const struct expr *a = vec_at(&call->args, i);
		fprintf(em->out, a->type == TYPE_STRING ? "const char *fa%d_%zu = "
							: "s64 fa%d_%zu = ",
			w.id, i - 1);
		emit_expr(em, a);
		fputs("; ", em->out);
	}
	walk_format(fmt, call->args.len - 1, write_lit, write_conv, &w, false);
}
