/*
 * The table of builtin functions (builtins.h): what each takes and
 * returns, and the lookup by name that only pass 2 does.
 */
#include <string.h>
#include "builtins.h"

#define PRINTF_USAGE "'%s' needs a literal format string as its first argument"
#define PRINTD_USAGE "'%s' takes a literal delimiter string and two or more values"
#define PRINT_USAGE "'%s' takes one or more values"

static const struct builtin builtins[] = {
	{"print", BI_PRINT, BI_PRINT, TYPE_LONG, BI_ARGS_VALUES,
	 1, -1, false, PRINT_USAGE},
	{"println", BI_PRINTLN, BI_PRINTLN, TYPE_LONG, BI_ARGS_VALUES,
	 0, -1, false, NULL},
	{"printd", BI_PRINTD, BI_PRINTD, TYPE_LONG, BI_ARGS_VALUES,
	 3, -1, true, PRINTD_USAGE},
	{"printdln", BI_PRINTDLN, BI_PRINTDLN, TYPE_LONG, BI_ARGS_VALUES,
	 3, -1, true, PRINTD_USAGE},
	{"printf", BI_PRINTF, BI_PRINTF, TYPE_LONG, BI_ARGS_FORMAT,
	 1, -1, true, PRINTF_USAGE},
	{"sprint", BI_SPRINT, BI_PRINT, TYPE_STRING, BI_ARGS_VALUES,
	 1, -1, false, PRINT_USAGE},
	{"sprintln", BI_SPRINTLN, BI_PRINTLN, TYPE_STRING, BI_ARGS_VALUES,
	 0, -1, false, NULL},
	{"sprintd", BI_SPRINTD, BI_PRINTD, TYPE_STRING, BI_ARGS_VALUES,
	 3, -1, true, PRINTD_USAGE},
	{"sprintdln", BI_SPRINTDLN, BI_PRINTDLN, TYPE_STRING, BI_ARGS_VALUES,
	 3, -1, true, PRINTD_USAGE},
	{"sprintf", BI_SPRINTF, BI_PRINTF, TYPE_STRING, BI_ARGS_FORMAT,
	 1, -1, true, PRINTF_USAGE},
	{"exit", BI_EXIT, BI_EXIT, TYPE_LONG, BI_ARGS_NONE,
	 0, 0, false, "'%s' takes no arguments"},
	{"error", BI_ERROR, BI_ERROR, TYPE_LONG, BI_ARGS_STRING,
	 1, 1, false, "'%s' takes one argument (a message)"},
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

const struct builtin *builtin_lookup(const char *name)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

void builtin_names(struct vec *out)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		vec_push(out, (void *)builtins[i].name);
}

bool builtin_args_fit(const struct builtin *b, const struct expr *call)
{
	size_t n = call->args.len;
	const struct expr *first = n ? vec_at(&call->args, 0) : NULL;

	if (n < (size_t)b->min_args)
		return false;
	if (b->max_args >= 0 && n > (size_t)b->max_args)
		return false;
	return !b->literal_first || (first && first->kind == E_STR);
}
