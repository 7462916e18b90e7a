/*
 * The text of pass 1's syntax errors: "expected X, saw Y", where X names
 * the tokens the grammar could take there, with the long families said
 * in one word ("expression", "statement", "operator").  parser.y's
 * yyreport_syntax_error() hands over the names bison expected.
 */
#include <string.h>
#include "parser.h"
#include "util/util.h"

/* Expected-token names that collapse into "expression", "statement" or
 * "operator" in messages: listing them all would say nothing. */
static const char *const expr_starts[] = {
	"identifier", "target variable", "number", "string",
	"embedded C code", "'@count'", "'@hist_log'", "'@cast'", "'@var'",
	"'@defined'", "'@entry'", "'@perf'", "'@const'", "'('", "'['",
	"'-'", "'+'", "'!'", "'~'", "'&'", "'++'", "'--'", NULL
};
static const char *const stmt_starts[] = {
	"'if'", "'while'", "'for'", "'foreach'", "'delete'", "'next'",
	"'break'", "'continue'", "'return'", "'try'", "'{'", "';'", NULL
};
static const char *const operators[] = {
	"'*'", "'/'", "'%'", "'+'", "'-'", "'.'", "'<<'", "'>>'", "'<'",
	"'>'", "'<='", "'>='", "'=='", "'!='", "'=~'", "'!~'", "'&'",
	"'^'", "'|'", "'&&'", "'||'", "'?'", "'in'", "'='", "'+='",
	"'-='", "'*='", "'/='", "'%='", "'<<='", "'>>='", "'&='", "'^='",
	"'|='", "'.='", "'<<<'", "'++'", "'--'", "'->'", "'['", "'('", NULL
};

static const char *const item_starts[] = {
	"'probe'", "'function'", "'global'", "'private'", "embedded C code",
	NULL
};
static const char *const closers[] = {
	"'{'", "'}'", "';'", "')'", "']'", "','", "end of input", NULL
};

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* "';'", "expression or '}'", "'probe', 'global', ... or '%{'" */
static bool has_name(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* "';'", "statement or '}'", "',', ';', 'probe', 'function' or 'global'":
 * the expected tokens, with the long families said in one word. */
static void describe_expected(struct strbuf *sb, const char *const *all,
			      int n)
{
	const char *names[(n > 0 ? n : 0) + 4];
	int k = 0;

	/* markers: tokens that only start a statement, an expression or a
	 * top-level item, or only follow an operand */
	bool stmt = has_name(all, n, "'while'");
	bool expr = has_name(all, n, "'~'");
	bool item = has_name(all, n, "'probe'");
	bool op = has_name(all, n, "'/'");

	if (stmt)
		names[k++] = "statement";
	else if (expr)
		names[k++] = "expression";
	for (int i = 0; i < n; i++) {
		const char *s = all[i];
		if ((expr && in_list(expr_starts, s)) ||
		    (stmt && in_list(stmt_starts, s)) ||
		    (item && in_list(item_starts, s)) ||
		    (op && in_list(operators, s)) || strcmp(s, "'$'") == 0)
			continue;
		if (strcmp(s, "end of file") == 0) {
			if (item)
				continue;
			s = "end of input";
		}
		names[k++] = s;
	}
	if (k > 5) {
		/* too many to be useful: keep what ends or opens a construct */
		int j = 0;
		for (int i = 0; i < k; i++)
			if (in_list(closers, names[i]))
				names[j++] = names[i];
		k = j ? j : 5;
	}
	if (item) {
		names[k++] = "'probe'";
		names[k++] = "'function'";
		names[k++] = "'global'";
	}
	if (op && k == 0)
		names[k++] = "operator";
	if (k == 0)
		names[k++] = "something else";
	for (int i = 0; i < k; i++) {
		if (i > 0)
			sb_puts(sb, i == k - 1 ? " or " : ", ");
		sb_puts(sb, names[i]);
	}
}

void syntax_error(struct parser *p, struct srcloc loc,
		  const char *const *expected, int n)
{
	struct strbuf sb = {0};

	describe_expected(&sb, expected, n);
	/* after 'private': say what it applies to */
	const char *hint = n == 3 && has_name(expected, n, "'global'") &&
			   has_name(expected, n, "'function'") &&
			   has_name(expected, n, "identifier") ?
			   " ('private' applies to globals and functions only)" :
			   "";
	diag("parse error", loc, "expected %s, saw %s%s", sb.buf,
	     token_describe(&p->last), hint);
	sb_free(&sb);
}
