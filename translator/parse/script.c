/*
 * The user's script for pass 1: -e text becomes a source named
 * "<input>", as upstream names it in messages; a file is read by the
 * parser.
 */
#include <string.h>
#include "parse.h"
#include "session.h"

struct file *parse_user_script(struct session *s)
{
	if (!s->script_text)
		return parse_path(s, s->script_file, false);
	struct source *src = xcalloc(1, sizeof(*src));
	src->name = xstrdup("<input>");
	src->text = xstrdup(s->script_text);
	src->len = strlen(src->text);
	return parse_source(s, src, false);
}
