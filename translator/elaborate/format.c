/*
 * The printf format parser of pass 2 (format.h): parse_conv() reads one
 * conversion, format_parse() splits a whole format into pieces and
 * checks it against the number of arguments, reporting the first error
 * at the format's location.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "format.h"
#include "util/diag.h"

/* The runtime's STAP_FMT_MAX: the largest literal width or precision. */
#define FMT_MAX 65536

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
			      struct format_conv *cv)
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

static void add_literal(struct format *f, size_t start, size_t len)
{
	struct format_piece *p = xcalloc(1, sizeof(*p));
	p->literal = true;
	p->start = start;
	p->len = len;
	vec_push(&f->pieces, p);
}

/* Adds conversion cv taking the arguments from argi on. */
static void add_conv(struct format *f, const struct format_conv *cv,
		     size_t argi)
{
	struct format_piece *p = xcalloc(1, sizeof(*p));
	p->cv = *cv;
	p->argi = argi;
	vec_push(&f->pieces, p);
	if (cv->width_star)
		f->arg_types[argi++] = TYPE_LONG;
	if (cv->prec_star)
		f->arg_types[argi++] = TYPE_LONG;
	f->arg_types[argi] = cv->conv == 's' ? TYPE_STRING : TYPE_LONG;
}

static void format_free(struct format *f)
{
	for (size_t i = 0; i < f->pieces.len; i++)
		free(vec_at(&f->pieces, i));
	vec_free(&f->pieces);
	free(f->arg_types);
	free(f);
}

/* Splits the format into f's pieces.  Returns false after reporting
 * (if report) an error. */
static bool split_format(struct format *f, const struct expr *fmt,
			 bool report)
{
	const char *s = fmt->str;
	size_t len = fmt->len, start = 0, argi = 0, nargs = f->nargs;

	for (size_t i = 0; i < len;) {
		if (s[i] != '%') {
			i++;
			continue;
		}
		struct format_conv cv;
		const char *err = parse_conv(s, len, i, &cv);
		if (err) {
			if (report)
				diag_error(fmt->loc, "%s: '%.*s'", err,
					   (int)(cv.end - i), s + i);
			return false;
		}
		if (cv.conv == '%') {
			add_literal(f, start, i + 1 - start);
			start = i = cv.end;
			continue;
		}
		if (i > start)
			add_literal(f, start, i - start);
		size_t need = 1 + cv.width_star + cv.prec_star;
		if (argi + need > nargs) {
			if (report)
				diag_error(fmt->loc, "too few arguments for the "
					   "format: '%.*s' needs argument %d",
					   (int)(cv.end - cv.start), s + cv.start,
					   (int)(argi + need));
			return false;
		}
		add_conv(f, &cv, argi);
		argi += need;
		start = i = cv.end;
	}
	if (start < len)
		add_literal(f, start, len - start);
	if (argi != nargs) {
		if (report)
			diag_error(fmt->loc, "too many arguments for the format "
				   "(it takes %d, %d given)", (int)argi,
				   (int)nargs);
		return false;
	}
	return true;
}

struct format *format_parse(const struct expr *fmt, size_t nargs,
			    bool report)
{
	struct format *f = xcalloc(1, sizeof(*f));
	f->text = fmt->str;
	f->nargs = nargs;
	f->arg_types = xcalloc(nargs + 1, sizeof(*f->arg_types));
	if (!split_format(f, fmt, report)) {
		format_free(f);
		return NULL;
	}
	return f;
}

char *format_arg_what(const struct format *f, size_t argi)
{
	for (size_t i = 0; i < f->pieces.len; i++) {
		const struct format_piece *p = vec_at(&f->pieces, i);
		const struct format_conv *cv = &p->cv;
		int len = (int)(cv->end - cv->start);
		const char *text = f->text + cv->start;
		size_t a = p->argi;

		if (p->literal || argi < a)
			continue;
		if (cv->width_star && argi == a++)
			return xasprintf("the '*' width of '%.*s'", len, text);
		if (cv->prec_star && argi == a++)
			return xasprintf("the '*' precision of '%.*s'", len,
					 text);
		if (argi == a)
			return xasprintf("format conversion '%.*s'", len, text);
	}
	return xstrdup("the format");
}
