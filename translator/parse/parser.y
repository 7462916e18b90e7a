/*
 * The grammar of the SystemTap language, and parse_source() which runs
 * it.  A bison LALR(1) parser: tokens come from the preprocessor
 * (pp_next), semantic actions build the AST of ast.h through the node
 * builders of nodes.c (declared in grammar.h), and each top-level item
 * is pushed to the file when it is complete, so a syntax error drops
 * only the item it occurs in ("file: file error" resynchronises at the
 * next item).  errors.c words the syntax errors.
 *
 * Reading order: declarations (precedence follows upstream: assignment
 * < ?: < || < && < | < ^ < & < in < comparisons and =~ < shifts < '.'
 * < + - < * / % < unary < postfix), then top-level items, probe points,
 * functions, globals, statements, foreach, expressions.  Statements
 * need no ';' between them, as in upstream; the STMT_END precedence
 * makes "x = 1 -y" continue the expression instead of starting a new
 * statement.
 */

%code requires {
#include "grammar.h"
}

%code {
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "session.h"
#include "util/util.h"

#define YYLLOC_DEFAULT(cur, rhs, n) \
	do { (cur) = (n) ? YYRHSLOC(rhs, 1) : YYRHSLOC(rhs, 0); } while (0)

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct parser *p);
static void yyerror(YYLTYPE *loc, struct parser *p, const char *msg);
}

%define api.pure full
%define api.location.type {struct srcloc}
%define parse.error custom
%define parse.lac full
%locations
%param {struct parser *p}

%union {
	struct token tok;
	struct expr *expr;
	struct stmt *stmt;
	struct vec vec;
	struct probe_point *pp;
	struct pp_comp *ppc;
	struct foreach *fe;
	struct fekey fk;
	struct fesort fs;
	struct global *glob;
	struct param *param;
	struct gsize gs;
	char *str;
	int num;
	enum type type;
}

/* Token aliases are what "expected X" says. */
%token <tok> IDENT "identifier" TARGET "target variable"
%token <tok> SUFFIX "'$'"
%token <tok> NUMBER "number" STRING "string" EMBEDDED "embedded C code"
%token <tok> AT_STAT "'@count'" AT_HIST "'@hist_log'" AT_CAST "'@cast'"
%token <tok> AT_VAR "'@var'" AT_DEFINED "'@defined'" AT_ENTRY "'@entry'"
%token <tok> AT_PERF "'@perf'" AT_FN "'@const'"
/* keywords: keep PROBE first and LONG_KW last (token_describe) */
%token <tok> PROBE "'probe'" GLOBAL "'global'" FUNCTION "'function'"
%token <tok> IF "'if'" ELSE "'else'" FOR "'for'" FOREACH "'foreach'"
%token <tok> IN "'in'" LIMIT "'limit'" RETURN "'return'" DELETE "'delete'"
%token <tok> WHILE "'while'" BREAK "'break'" CONTINUE "'continue'"
%token <tok> NEXT "'next'" TRY "'try'" CATCH "'catch'" PRIVATE "'private'"
%token <tok> STRING_KW "'string'" LONG_KW "'long'"
%token <tok> ARROW "'->'" INC "'++'" DEC "'--'" ANDAND "'&&'" OROR "'||'"
%token <tok> EQ "'=='" NE "'!='" LE "'<='" GE "'>='" LSHIFT "'<<'"
%token <tok> RSHIFT "'>>'" MATCH "'=~'" NOMATCH "'!~'" STATADD "'<<<'"
%token <tok> ADDEQ "'+='" SUBEQ "'-='" MULEQ "'*='" DIVEQ "'/='"
%token <tok> MODEQ "'%='" LSHIFTEQ "'<<='" RSHIFTEQ "'>>='" ANDEQ "'&='"
%token <tok> XOREQ "'^='" OREQ "'|='" CONCATEQ "'.='"
%token <tok> '+' '-' '*' '/' '%' '&' '|' '^' '~' '!' '<' '>' '=' '?' ':'
%token <tok> ',' ';' '.' '(' ')' '[' ']' '{' '}'
/* seen only by the preprocessor */
%token AT_IDENT "'@name'" ARG_NUM "'$N'" ARG_STR "'@N'" ARG_COUNT "'$#'"
%token ARG_COUNT_STR "'@#'" PP_OPEN "'%('" PP_THEN "'%?'" PP_ELSE "'%:'"
%token PP_CLOSE "'%)'"

%precedence STMT_END
%precedence ';'
%precedence THEN
%precedence ELSE
%precedence IDENT TARGET NUMBER STRING EMBEDDED AT_STAT AT_HIST AT_CAST
	AT_VAR AT_DEFINED AT_ENTRY AT_PERF AT_FN '!' '~'
%right '=' ADDEQ SUBEQ MULEQ DIVEQ MODEQ LSHIFTEQ RSHIFTEQ ANDEQ XOREQ
	OREQ CONCATEQ STATADD
%right '?' ':'
%left OROR
%left ANDAND
%left '|'
%left '^'
%left '&'
%precedence IN
%left '<' '>' LE GE EQ NE MATCH NOMATCH
%left LSHIFT RSHIFT
%left '.'
%left '+' '-'
%left '*' '/' '%'

%precedence INC DEC
%precedence '(' '['

%type <expr> expr unary crement postfix primary index opt_expr pp_arg literal
%type <expr> fe_array fe_limit hist
%type <stmt> stmt simple block fbody_block
%type <vec> stmts pp_list pp pp_pattern pp_elem pp_alts pp_alt
%type <vec> params param_list global_list
%type <vec> args opt_args index_list
%type <ppc> pp_comp
%type <str> pp_name
%type <tok> any_word keyword pp_first pp_glue assign_op fbody_code
%type <tok> opt_prio compare_op
%type <num> pp_flag fe_dir
%type <type> opt_type
%type <param> param
%type <glob> global_item
%type <gs> gsize
%type <fe> fe_keys fe_keylist
%type <fk> fe_key
%type <fs> fe_sort
%type <stmt> opt_epilogue

%%

file:
	  %empty
	| file item
	| file error item		{ yyerrok; }
	;

item:
	  probe_decl
	| function_decl
	| global_decl
	| EMBEDDED			{ add_embed(p, &$1); }
	;

/* ---- probes and aliases ---- */

probe_decl:
	  PROBE pp_list block		{ add_probe(p, @1, $2, $3); }
	| PROBE pp_list '=' pp_list block opt_epilogue
					{ add_alias(p, @1, $2, false, $4, $5, $6); }
	| PROBE pp_list ADDEQ pp_list block
					{ add_alias(p, @1, $2, true, $4, $5, NULL); }
	;

opt_epilogue:
	  %empty			{ $$ = NULL; }
	| ',' block			{ $$ = $2; }
	;

pp_list:
	  pp				{ $$ = $1; }
	| pp_list ',' pp		{ $$ = vec_concat($1, $3); }
	;

/* Each a vec of struct probe_point *: what a pattern with braces
 * expands to (pp_expand.c). */
pp:
	  pp_pattern pp_flag		{ $$ = pp_finish($1, $2, NULL); }
	| pp_pattern pp_flag IF '(' expr ')'
					{ $$ = pp_finish($1, $2, $5); }
	;

pp_flag:
	  %empty			{ $$ = 0; }
	| '?'				{ $$ = '?'; }
	| '!'				{ $$ = '!'; }
	;

pp_pattern:
	  pp_elem			{ $$ = $1; }
	| pp_pattern '.' pp_elem	{ $$ = pp_product($1, $3); }
	;

/* {a,b.c!}: brace expansion, nested at will */
pp_elem:
	  pp_comp			{ $$ = pp_single($1); }
	| '{' pp_alts '}'		{ $$ = $2; }
	;

pp_alts:
	  pp_alt			{ $$ = $1; }
	| pp_alts ',' pp_alt		{ $$ = vec_concat($1, $3); }
	;

pp_alt:
	  pp_pattern pp_flag		{ $$ = pp_flagged($1, $2); }
	;

pp_comp:
	  pp_name			{ $$ = pp_comp_new(@1, $1, NULL); }
	| pp_name '(' pp_arg ')'	{ $$ = pp_comp_new(@1, $1, $3); }
	;

/* sys_*_at: words and '*' glued together without whitespace */
pp_name:
	  pp_first			{ $$ = tok_dup(&$1); }
	| pp_name pp_glue		{ $$ = pp_glue($1, &$2); }
	;

pp_first: any_word | '*' ;
pp_glue: IDENT | NUMBER | '*' ;

pp_arg: literal ;

literal:
	  NUMBER			{ $$ = num_expr(&$1, false); }
	| '-' NUMBER			{ $$ = num_expr(&$2, true);
					  $$->loc = @1; }
	| STRING			{ $$ = str_expr(&$1); }
	;

any_word: IDENT | keyword ;

keyword:
	  PROBE | GLOBAL | FUNCTION | IF | ELSE | FOR | FOREACH | IN | LIMIT
	| RETURN | DELETE | WHILE | BREAK | CONTINUE | NEXT | TRY | CATCH
	| PRIVATE | STRING_KW | LONG_KW
	;

/* ---- functions ---- */

function_decl:
	  FUNCTION IDENT opt_type '(' params ')' opt_prio fbody_block
			{ add_function(p, @1, &$2, $3, $5, &$7, $8, NULL, false); }
	| FUNCTION IDENT opt_type '(' params ')' opt_prio fbody_code
			{ add_function(p, @1, &$2, $3, $5, &$7, NULL, &$8, false); }
	| PRIVATE FUNCTION IDENT opt_type '(' params ')' opt_prio fbody_block
			{ add_function(p, @1, &$3, $4, $6, &$8, $9, NULL, true); }
	| PRIVATE FUNCTION IDENT opt_type '(' params ')' opt_prio fbody_code
			{ add_function(p, @1, &$3, $4, $6, &$8, NULL, &$9, true); }
	;

fbody_block: block ;
fbody_code: EMBEDDED ;

opt_type:
	  %empty			{ $$ = TYPE_UNKNOWN; }
	| ':' LONG_KW			{ $$ = TYPE_LONG; }
	| ':' STRING_KW			{ $$ = TYPE_STRING; }
	;

opt_prio:
	  %empty			{ memset(&$$, 0, sizeof($$)); }
	| ':' NUMBER			{ $$ = $2; }
	;

params:
	  %empty			{ $$ = (struct vec){0}; }
	| param_list
	;

param_list:
	  param				{ $$ = vec1($1); }
	| param_list ',' param		{ $$ = vec_add($1, $3); }
	;

param:
	  IDENT opt_type		{ $$ = param_new(&$1, $2); }
	;

/* ---- globals ---- */

global_decl:
	  GLOBAL global_list opt_semi	{ add_globals(p, $2, false); }
	| PRIVATE GLOBAL global_list opt_semi
					{ add_globals(p, $3, true); }
	| PRIVATE global_list opt_semi	{ add_globals(p, $2, true); }
	;

opt_semi: %empty | ';' ;

global_list:
	  global_item			{ $$ = vec1($1); }
	| global_list ',' global_item	{ $$ = vec_add($1, $3); }
	;

global_item:
	  IDENT gsize			{ $$ = global_new(&$1, $2, NULL); }
	| IDENT gsize '=' literal	{ $$ = global_new(&$1, $2, $4); }
	;

gsize:
	  %empty			{ $$ = (struct gsize){ @$, 0, false, false }; }
	| '%'				{ $$ = (struct gsize){ @1, 0, false, true }; }
	| '[' NUMBER ']'		{ $$ = (struct gsize){ @2, $2.num, true, false }; }
	| '%' '[' NUMBER ']'		{ $$ = (struct gsize){ @3, $3.num, true, true }; }
	| '[' NUMBER ']' '%'		{ $$ = (struct gsize){ @2, $2.num, true, true }; }
	;

/* ---- statements ---- */

block:
	  '{' stmts '}'			{ $$ = block_stmt(@1, $2); }
	;

stmts:
	  %empty			{ $$ = (struct vec){0}; }
	| stmts stmt			{ $$ = vec_add($1, $2); }
	;

stmt:
	  block
	| ';'				{ $$ = stmt_new(S_NULL, @1); }
	| simple %prec STMT_END
	| simple ';'
	| IF '(' expr ')' stmt %prec THEN
					{ $$ = if_stmt(@1, $3, $5, NULL); }
	| IF '(' expr ')' stmt ELSE stmt
					{ $$ = if_stmt(@1, $3, $5, $7); }
	| WHILE '(' expr ')' stmt	{ $$ = loop_stmt(S_WHILE, @1, $3, $5); }
	| FOR '(' opt_expr ';' opt_expr ';' opt_expr ')' stmt
					{ $$ = for_stmt(@1, $3, $5, $7, $9); }
	| FOREACH '(' fe_keys IN fe_array fe_sort fe_limit ')' stmt
			{ $$ = foreach_stmt(@1, $3, NULL, 0, $5, $6, $7, $9); }
	| FOREACH '(' IDENT fe_dir '=' fe_keys IN fe_array fe_sort fe_limit ')'
	  stmt
			{ $$ = foreach_stmt(@1, $6, &$3, $4, $8, $9, $10, $12); }
	| TRY block CATCH block		{ $$ = try_stmt(@1, $2, NULL, $4); }
	| TRY block CATCH '(' IDENT ')' block
					{ $$ = try_stmt(@1, $2, &$5, $7); }
	;

/* statements that may be followed by an optional ';' */
simple:
	  expr %prec STMT_END		{ $$ = expr_stmt($1); }
	| DELETE expr %prec STMT_END	{ $$ = simple_stmt(S_DELETE, @1, $2); }
	| NEXT				{ $$ = simple_stmt(S_NEXT, @1, NULL); }
	| BREAK				{ $$ = simple_stmt(S_BREAK, @1, NULL); }
	| CONTINUE			{ $$ = simple_stmt(S_CONTINUE, @1, NULL); }
	| RETURN %prec STMT_END		{ $$ = simple_stmt(S_RETURN, @1, NULL); }
	| RETURN expr %prec STMT_END	{ $$ = simple_stmt(S_RETURN, @1, $2); }
	;

opt_expr:
	  %empty			{ $$ = NULL; }
	| expr
	;

/* ---- foreach ---- */

fe_keys:
	  fe_key			{ $$ = fe_keys_new(); fe_add_key($$, &$1); }
	| '[' fe_keylist ']'		{ $$ = $2; }
	;

fe_keylist:
	  fe_key			{ $$ = fe_keys_new(); fe_add_key($$, &$1); }
	| fe_keylist ',' fe_key		{ $$ = $1; fe_add_key($$, &$3); }
	;

fe_key:
	  IDENT fe_dir			{ $$ = (struct fekey){ $1, $2 }; }
	;

fe_dir:
	  %empty			{ $$ = 0; }
	| '+'				{ $$ = 1; }
	| '-'				{ $$ = -1; }
	;

fe_array:
	  IDENT				{ $$ = var_expr(&$1); }
	| IDENT '[' index_list ']'	{ $$ = add_index(var_expr(&$1), $3, @2); }
	| hist
	;

fe_sort:
	  fe_dir			{ $$ = (struct fesort){ $1, NULL }; }
	| AT_STAT '+'			{ $$ = (struct fesort){ 1, $1.text }; }
	| AT_STAT '-'			{ $$ = (struct fesort){ -1, $1.text }; }
	;

fe_limit:
	  %empty			{ $$ = NULL; }
	| LIMIT expr			{ $$ = $2; }
	;

/* ---- expressions ---- */

expr:
	  unary
	| expr assign_op expr %prec '='	{ $$ = binary(E_ASSIGN, $1, &$2, $3); }
	| expr STATADD expr		{ $$ = binary(E_STAT_ADD, $1, &$2, $3); }
	| expr '?' expr ':' expr	{ $$ = expr_new(E_TERNARY, $1->loc);
					  $$->a = $1; $$->b = $3; $$->c = $5; }
	| expr OROR expr		{ $$ = binary(E_LOGICAL, $1, &$2, $3); }
	| expr ANDAND expr		{ $$ = binary(E_LOGICAL, $1, &$2, $3); }
	| expr '|' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '^' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '&' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr IN IDENT %prec IN	{ $$ = in_expr(vec1($1), &$3); }
	| expr compare_op expr %prec EQ	{ $$ = binary(E_COMPARE, $1, &$2, $3); }
	| expr MATCH STRING %prec MATCH	{ $$ = binary(E_REGEX, $1, &$2, str_expr(&$3)); }
	| expr NOMATCH STRING %prec MATCH
					{ $$ = binary(E_REGEX, $1, &$2, str_expr(&$3)); }
	| expr LSHIFT expr		{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr RSHIFT expr		{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '.' expr			{ $$ = binary(E_CONCAT, $1, &$2, $3); }
	| expr '+' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '-' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '*' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '/' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	| expr '%' expr			{ $$ = binary(E_BINARY, $1, &$2, $3); }
	;

assign_op:
	  '=' | ADDEQ | SUBEQ | MULEQ | DIVEQ | MODEQ | LSHIFTEQ | RSHIFTEQ
	| ANDEQ | XOREQ | OREQ | CONCATEQ
	;

compare_op: '<' | '>' | LE | GE | EQ | NE ;

unary:
	  crement
	| '-' unary			{ $$ = unary(&$1, $2); }
	| '+' unary			{ $$ = unary(&$1, $2); }
	| '!' unary			{ $$ = unary(&$1, $2); }
	| '~' unary			{ $$ = unary(&$1, $2); }
	| '&' unary			{ $$ = expr_new(E_ADDROF, @1); $$->a = $2; }
	;

/* one ++/-- at most, on a postfix expression: "i-- ++j" and
 * "++i --j" are two statements each */
crement:
	  postfix %prec STMT_END
	| postfix INC			{ $$ = incdec(&$2, $1, true); }
	| postfix DEC			{ $$ = incdec(&$2, $1, true); }
	| INC postfix			{ $$ = incdec(&$1, $2, false); }
	| DEC postfix			{ $$ = incdec(&$1, $2, false); }
	;

postfix:
	  primary
	| postfix ARROW any_word	{ $$ = add_field($1, &$3); }
	| postfix '[' index_list ']'	{ $$ = add_index($1, $3, @2); }
	| postfix SUFFIX		{ $$ = add_suffix($1, &$2); }
	;

primary:
	  NUMBER			{ $$ = num_expr(&$1, false); }
	| STRING			{ $$ = str_expr(&$1); }
	| IDENT				{ $$ = var_expr(&$1); }
	| IDENT '(' opt_args ')'	{ $$ = call_expr(E_CALL, &$1, $3); }
	| TARGET			{ $$ = target_expr(&$1); }
	| '(' expr ')'			{ $$ = $2; }
	| '[' index_list ']' IN IDENT	{ $$ = in_expr($2, &$5); $$->loc = @1; }
	| AT_STAT '(' expr ')'		{ $$ = stat_expr(&$1, $3, NULL); }
	| AT_STAT '(' expr ',' expr ')'	{ $$ = stat_expr(&$1, $3, $5); }
	| hist
	| AT_CAST '(' expr ',' STRING ')'
					{ $$ = cast_expr(&$1, $3, &$5, NULL); }
	| AT_CAST '(' expr ',' STRING ',' STRING ')'
					{ $$ = cast_expr(&$1, $3, &$5, &$7); }
	| AT_VAR '(' STRING ')'		{ $$ = atvar_expr(&$1, &$3, NULL); }
	| AT_VAR '(' STRING ',' STRING ')'
					{ $$ = atvar_expr(&$1, &$3, &$5); }
	| AT_DEFINED '(' expr ')'	{ $$ = unary_at(E_DEFINED, &$1, $3); }
	| AT_ENTRY '(' expr ')'		{ $$ = unary_at(E_ENTRY, &$1, $3); }
	| AT_PERF '(' STRING ')'	{ $$ = unary_at(E_PERF, &$1, NULL);
					  $$->str = tok_dup(&$3); $$->len = $3.len; }
	| AT_FN '(' opt_args ')'	{ $$ = probefn_expr(p, &$1, $3); }
	| EMBEDDED			{ guru_only(p, @1, "a statement or expression");
					  $$ = expr_new(E_EMBEDDED, @1);
					  $$->str = tok_dup(&$1); $$->len = $1.len; }
	;

hist:
	  AT_HIST '(' args ')'		{ $$ = hist_expr(&$1, $3); }
	;

opt_args:
	  %empty			{ $$ = (struct vec){0}; }
	| args
	;

args:
	  expr				{ $$ = vec1($1); }
	| args ',' expr			{ $$ = vec_add($1, $3); }
	;

index_list:
	  index				{ $$ = vec1($1); }
	| index_list ',' index		{ $$ = vec_add($1, $3); }
	;

index:
	  expr
	| '*'				{ $$ = expr_new(E_WILDCARD, @1); }
	;

%%

/* ---- the token interface ---- */

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct parser *p)
{
	pp_next(p->pp, &lval->tok);
	*lloc = lval->tok.loc;
	p->last = lval->tok;
	return lval->tok.kind ? lval->tok.kind : YYEOF;
}

static void yyerror(YYLTYPE *loc, struct parser *p, const char *msg)
{
	diag("parse error", *loc, "%s", msg);
}

/* parse.error custom: bison's expected tokens, by name, to errors.c. */
static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	yysymbol_kind_t exp[YYNTOKENS];
	const char *names[YYNTOKENS];
	int n;

	if (p->last.kind == 0 && pp_lex_failed(p->pp))
		return 0;	/* the lexer already said what is wrong */
	n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	for (int i = 0; i < n; i++)
		names[i] = yysymbol_name(exp[i]);
	syntax_error(p, *yypcontext_location(ctx), names, n);
	return 0;
}

/* ---- entry points ---- */

/* A binary file passed by mistake (stap /bin/ls) would make thousands
 * of lexer errors: a NUL byte, which no script holds, stops it at once
 * with one message.  Returns false for such a source. */
static bool is_text(const struct source *src)
{
	const char *nul = memchr(src->text, '\0', src->len);
	if (!nul)
		return true;
	int line = 1;
	for (const char *q = src->text; q < nul; q++)
		line += *q == '\n';
	fatal_msg("%s is not a script: it holds binary data (a NUL byte at "
		  "line %d, offset %zu); give stap a .stp file or -e 'SCRIPT'",
		  src->name, line, (size_t)(nul - src->text));
	diag_errors++;
	return false;
}

struct file *parse_source(struct session *s, struct source *src, bool tapset)
{
	struct arena arena = {0};
	struct parser p = {0};

	if (!is_text(src))
		return NULL;

	p.file = file_new(src);
	p.file->tapset = tapset;
	p.tapset = tapset;
	p.guru = s->guru;
	p.pp = pp_new(s, src, &arena);
	yyparse(&p);
	pp_free(p.pp);
	arena_free(&arena);
	return p.file;
}

struct file *parse_path(struct session *s, const char *path, bool tapset)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		fatal_msg("cannot read script '%s': %m", path);
		diag_errors++;
		return NULL;
	}
	struct source *src = xcalloc(1, sizeof(*src));
	src->name = xstrdup(strcmp(path, "-") == 0 ? "<stdin>" : path);
	src->text = text;
	src->len = len;
	return parse_source(s, src, tapset);
}
