/*
 * printf-style format strings, compiled at translation time.  A format
 * is split into literal runs and conversions %[flags][width][.prec]conv;
 * each conversion is checked against its argument's type here, so that
 * a mismatch is a translation error at the script location rather than
 * garbage at run time.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "util/diag.h"

struct conv {
	char conv;
	unsigned flags;		/* runtime STAP_F_* bits */
	int width, prec;
	size_t end;		/* index just past the conversion */
};

enum { F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16 };

/* Parses the conversion starting at fmt[i] == '%'.  Returns an error
 * message, or NULL. */
static const char *parse_conv(const char *fmt, size_t len, size_t i,
			      struct conv *cv)
{
	memset(cv, 0, sizeof(*cv));
	cv->width = cv->prec = -1;
	i++;
	for (; i < len; i++) {
		const char *f = strchr("-+ #0", fmt[i]);
		if (!f || !fmt[i])
			break;
		cv->flags |= 1u << (f - "-+ #0");
	}
	if (i < len && fmt[i] == '*')
		return "not supported yet: '*' width in a format";
	if (i < len && isdigit((unsigned char)fmt[i])) {
		cv->width = 0;
		while (i < len && isdigit((unsigned char)fmt[i]))
			cv->width = cv->width * 10 + (fmt[i++] - '0');
	}
	if (i < len && fmt[i] == '.') {
		i++;
		if (i < len && fmt[i] == '*')
			return "not supported yet: '*' precision in a format";
		cv->prec = 0;
		while (i < len && isdigit((unsigned char)fmt[i]))
			cv->prec = cv->prec * 10 + (fmt[i++] - '0');
	}
	while (i < len && strchr("hlLjzt", fmt[i]) && fmt[i])
		i++;		/* length modifiers: all longs are 64 bit */
	if (i >= len)
		return "incomplete conversion at the end of the format";
	cv->conv = fmt[i];
	cv->end = i + 1;
	if (strchr("diuxXopcs%", cv->conv) && cv->conv)
		return NULL;
	if (strchr("bmM", cv->conv))
		return "not supported yet: this format conversion";
	return "unknown format conversion";
}

/* Walks the format, calling visit for each literal run and conversion.
 * Returns false after reporting an error. */
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
					   (int)(cv.end ? cv.end - i : len - i),
					   s + i);
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
		if (argi >= nargs) {
			if (report)
				diag_error(fmt->loc, "too few arguments for "
					   "format conversion %d",
					   (int)argi + 1);
			return false;
		}
		if (conv)
			conv(arg, &cv, argi);
		argi++;
		start = i = cv.end;
	}
	if (lit && start < len)
		lit(arg, s + start, len - start);
	if (argi != nargs) {
		if (report)
			diag_error(fmt->loc, "too many arguments for the format "
				   "(%d conversions, %d arguments)", (int)argi,
				   (int)nargs);
		return false;
	}
	return true;
}

struct checker {
	const struct expr *call;
	bool ok;
};

static void check_conv(void *p, const struct conv *cv, size_t argi)
{
	struct checker *ck = p;
	const struct expr *a = vec_at(&ck->call->args, argi + 1);
	enum type want = cv->conv == 's' ? TYPE_STRING : TYPE_LONG;
	if (a->type != want) {
		diag_error(a->loc, "format conversion '%%%c' expects a %s, "
			   "argument %d is a %s", cv->conv, type_name(want),
			   (int)argi + 1, type_name(a->type));
		ck->ok = false;
	}
}

bool check_format(const struct expr *call)
{
	struct checker ck = { call, true };
	const struct expr *fmt = vec_at(&call->args, 0);
	if (!walk_format(fmt, call->args.len - 1, NULL, check_conv, &ck, true))
		return false;
	return ck.ok;
}

struct writer {
	struct emitter *em;
	const char *sb;
	const struct vec *args;
	size_t first;
};

static void write_lit(void *p, const char *s, size_t n)
{
	struct writer *w = p;
	fprintf(w->em->out, "stap_out_lit(%s, ", w->sb);
	emit_cstring(w->em->out, s, n);
	fprintf(w->em->out, ", %zu); ", n);
}

static void write_conv(void *p, const struct conv *cv, size_t argi)
{
	struct writer *w = p;
	FILE *out = w->em->out;
	const struct expr *a = vec_at(w->args, w->first + argi);
	bool plain = !cv->flags && cv->width < 0 && cv->prec < 0;

	if (plain && cv->conv == 's')
		fprintf(out, "stap_out_str(%s, ", w->sb);
	else if (plain && (cv->conv == 'd' || cv->conv == 'i'))
		fprintf(out, "stap_out_long(%s, ", w->sb);
	else
		fprintf(out, "stap_out_fmt_%s(%s, &(const struct stap_fmt)"
			"{ '%c', %u, %d, %d }, ",
			cv->conv == 's' ? "str" : "long", w->sb, cv->conv,
			cv->flags, cv->width, cv->prec);
	emit_expr(w->em, a);
	fputs("); ", out);
}

void emit_format(struct emitter *em, const char *sb, const struct expr *fmt,
		 const struct vec *args, size_t first)
{
	struct writer w = { em, sb, args, first };
	walk_format(fmt, args->len - first, write_lit, write_conv, &w, false);
}
