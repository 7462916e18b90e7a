/*
 * The user's script for pass 1: -e text becomes a source named
 * "<input>", as upstream names it in messages; a file is read by the
 * parser.
 */
#include <string.h>
#include "parse.h"
#include "session.h"

/* A script with no item at all is a mistake (an empty file, the wrong
 * file, a -e '' from a shell variable): say so rather than run nothing. */
static void check_not_empty(struct file *f)
{
	if (!f || diag_errors || f->probes.len || f->aliases.len ||
	    f->functions.len || f->globals.len || f->embeds.len)
		return;
	fatal_msg("the script %s is empty: it holds no probe, function or "
		  "global (a minimal script is: probe begin { exit() })",
		  f->src->name);
	diag_errors++;
}

struct file *parse_user_script(struct session *s)
{
	struct file *f;
	if (!s->script_text) {
		f = parse_path(s, s->script_file, false);
	} else {
		struct source *src = xcalloc(1, sizeof(*src));
		src->name = xstrdup("<input>");
		src->text = xstrdup(s->script_text);
		src->len = strlen(src->text);
		f = parse_source(s, src, false);
	}
	check_not_empty(f);
	return f;
}
