/*
 * The grammar of the SystemTap language, and parse_source() which runs
 * it.  A bison LALR(1) parser: tokens come from the preprocessor
 * (pp_next), semantic actions build the AST of ast.h through the small
 * constructors after the grammar, and each top-level item is pushed to
 * the file when it is complete, so a syntax error drops only the item
 * it occurs in ("file: file error" resynchronises at the next item).
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
#include "ast.h"
#include "preprocess.h"

struct parser;

/* global a%[10]: what follows the name */
struct gsize {
	int64_t size;
	bool array, wrap;
};

/* one foreach key: name and sort direction */
struct fekey {
	struct token name;
	int dir;
};

/* the sort suffix after a foreach array: + / - / @sum- ... */
struct fesort {
	int dir;
	const char *agg;
};
}

%code {
#include <stdlib.h>
#include <string.h>
#include "parse.h"
#include "../session.h"
#include "../util/util.h"

struct parser {
	struct pp *pp;
	struct file *file;
	struct token last;	/* the lookahead when an error is found */
	bool tapset;
};

#define YYLLOC_DEFAULT(cur, rhs, n) \
	do { (cur) = (n) ? YYRHSLOC(rhs, 1) : YYRHSLOC(rhs, 0); } while (0)

static int yylex(YYSTYPE *lval, YYLTYPE *lloc, struct parser *p);
static void yyerror(YYLTYPE *loc, struct parser *p, const char *msg);

static char *dup(const struct token *t);
static struct expr *num_expr(const struct token *t, bool negate);
static struct expr *str_expr(const struct token *t);
static struct expr *var_expr(const struct token *t);
static struct expr *binary(enum expr_kind kind, struct expr *a,
			   const struct token *op, struct expr *b);
static struct expr *unary(const struct token *op, struct expr *a);
static struct expr *incdec(const struct token *op, struct expr *a,
			   bool postfix);
static struct expr *call_expr(enum expr_kind kind, const struct token *t,
			      struct vec args);
static struct expr *in_expr(struct vec keys, const struct token *array);
static struct expr *target_expr(const struct token *t);
static struct expr *add_field(struct expr *base, const struct token *field);
static struct expr *add_index(struct expr *base, struct vec args,
			      struct srcloc loc);
static struct expr *add_suffix(struct expr *base, const struct token *t);
static struct expr *stat_expr(const struct token *op, struct expr *a,
			      struct expr *shift);
static struct expr *hist_expr(const struct token *op, struct vec args);
static struct expr *cast_expr(const struct token *at, struct expr *a,
			      const struct token *type,
			      const struct token *module);
static struct expr *atvar_expr(const struct token *at,
			       const struct token *name,
			       const struct token *module);
static struct expr *unary_at(enum expr_kind kind, const struct token *at,
			     struct expr *a);
static struct stmt *expr_stmt(struct expr *e);
static struct stmt *simple_stmt(enum stmt_kind kind, struct srcloc loc,
				struct expr *e);
static struct stmt *if_stmt(struct srcloc loc, struct expr *cond,
			    struct stmt *then, struct stmt *els);
static struct stmt *loop_stmt(enum stmt_kind kind, struct srcloc loc,
			      struct expr *e, struct stmt *body);
static struct stmt *for_stmt(struct srcloc loc, struct expr *init,
			     struct expr *cond, struct expr *step,
			     struct stmt *body);
static struct stmt *try_stmt(struct srcloc loc, struct stmt *body,
			     const struct token *var, struct stmt *handler);
static struct stmt *block_stmt(struct srcloc loc, struct vec stmts);
static struct foreach *fe_keys_new(void);
static void fe_add_key(struct foreach *fe, const struct fekey *k);
static struct stmt *foreach_stmt(struct srcloc loc, struct foreach *fe,
				 const struct token *value, int vdir,
				 struct expr *array, struct fesort sort,
				 struct expr *limit, struct stmt *body);
static struct pp_comp *pp_comp_new(struct srcloc loc, char *name,
				   struct expr *arg);
static char *pp_glue(char *name, const struct token *t);
static struct probe_point *probe_point(struct vec comps, int flag,
				       struct expr *cond);
static void add_probe(struct parser *p, struct srcloc loc, struct vec points,
		      struct stmt *body);
static void add_alias(struct parser *p, struct srcloc loc, struct vec names,
		      bool epilogue, struct vec points, struct stmt *body,
		      struct stmt *epilogue_body);
static struct param *param_new(const struct token *name, enum type t);
static void add_function(struct parser *p, struct srcloc loc,
			 const struct token *name, enum type ret,
			 struct vec params, const struct token *prio,
			 struct stmt *body, const struct token *code,
			 bool private_);
static struct global *global_new(const struct token *name, struct gsize gs,
				 struct expr *init);
static void add_globals(struct parser *p, struct vec globals, bool private_);
static void add_embed(struct parser *p, const struct token *code);
static struct vec vec1(void *item);
static struct vec vec_add(struct vec v, void *item);
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
%type <vec> stmts pp_list pp_comps params param_list global_list
%type <vec> args opt_args index_list
%type <pp> pp
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
	  pp				{ $$ = vec1($1); }
	| pp_list ',' pp		{ $$ = vec_add($1, $3); }
	;

pp:
	  pp_comps pp_flag		{ $$ = probe_point($1, $2, NULL); }
	| pp_comps pp_flag IF '(' expr ')'
					{ $$ = probe_point($1, $2, $5); }
	;

pp_flag:
	  %empty			{ $$ = 0; }
	| '?'				{ $$ = '?'; }
	| '!'				{ $$ = '!'; }
	;

pp_comps:
	  pp_comp			{ $$ = vec1($1); }
	| pp_comps '.' pp_comp		{ $$ = vec_add($1, $3); }
	;

pp_comp:
	  pp_name			{ $$ = pp_comp_new(@1, $1, NULL); }
	| pp_name '(' pp_arg ')'	{ $$ = pp_comp_new(@1, $1, $3); }
	;

/* sys_*_at: words and '*' glued together without whitespace */
pp_name:
	  pp_first			{ $$ = dup(&$1); }
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
	  %empty			{ $$ = (struct gsize){ 0, false, false }; }
	| '%'				{ $$ = (struct gsize){ 0, false, true }; }
	| '[' NUMBER ']'		{ $$ = (struct gsize){ $2.num, true, false }; }
	| '%' '[' NUMBER ']'		{ $$ = (struct gsize){ $3.num, true, true }; }
	| '[' NUMBER ']' '%'		{ $$ = (struct gsize){ $2.num, true, true }; }
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
					  $$->str = dup(&$3); $$->len = $3.len; }
	| AT_FN '(' opt_args ')'	{ $$ = call_expr(E_PROBEFN, &$1, $3); }
	| EMBEDDED			{ $$ = expr_new(E_EMBEDDED, @1);
					  $$->str = dup(&$1); $$->len = $1.len; }
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
static void describe_expected(struct strbuf *sb, const yypcontext_t *ctx)
{
	yysymbol_kind_t exp[YYNTOKENS];
	const char *all[YYNTOKENS], *names[YYNTOKENS + 4];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS), k = 0;

	for (int i = 0; i < n; i++)
		all[i] = yysymbol_name(exp[i]);
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

static int yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	struct strbuf sb = {0};

	if (p->last.kind == 0 && pp_lex_failed(p->pp))
		return 0;	/* the lexer already said what is wrong */
	describe_expected(&sb, ctx);
	diag("parse error", *yypcontext_location(ctx), "expected %s, saw %s",
	     sb.buf, token_describe(&p->last));
	sb_free(&sb);
	return 0;
}

/* ---- node builders ---- */

static char *dup(const struct token *t)
{
	return xstrndup(t->text, t->len);
}

static struct vec vec1(void *item)
{
	struct vec v = {0};
	vec_push(&v, item);
	return v;
}

static struct vec vec_add(struct vec v, void *item)
{
	vec_push(&v, item);
	return v;
}

static struct expr *num_expr(const struct token *t, bool negate)
{
	struct expr *e = expr_new(E_NUM, t->loc);
	e->num = negate ? (int64_t)(0 - (uint64_t)t->num) : t->num;
	return e;
}

static struct expr *str_expr(const struct token *t)
{
	struct expr *e = expr_new(E_STR, t->loc);
	e->str = dup(t);
	e->len = t->len;
	return e;
}

static struct expr *var_expr(const struct token *t)
{
	struct expr *e = expr_new(E_VAR, t->loc);
	e->name = dup(t);
	return e;
}

static struct expr *binary(enum expr_kind kind, struct expr *a,
			   const struct token *op, struct expr *b)
{
	struct expr *e = expr_new(kind, a->loc);
	e->op = token_spelling(op->kind);
	e->a = a;
	e->b = b;
	return e;
}

/* -N folds into a negative literal, so that -9223372036854775808 and
 * printed negative numbers read back as the same tree. */
static struct expr *unary(const struct token *op, struct expr *a)
{
	if (op->kind == '-' && a->kind == E_NUM) {
		a->num = (int64_t)(0 - (uint64_t)a->num);
		a->loc = op->loc;
		return a;
	}
	struct expr *e = expr_new(E_UNARY, op->loc);
	e->op = token_spelling(op->kind);
	e->a = a;
	return e;
}

static struct expr *incdec(const struct token *op, struct expr *a,
			   bool postfix)
{
	struct expr *e = expr_new(E_INCDEC, postfix ? a->loc : op->loc);
	e->op = token_spelling(op->kind);
	e->postfix = postfix;
	e->a = a;
	return e;
}

static struct expr *call_expr(enum expr_kind kind, const struct token *t,
			      struct vec args)
{
	struct expr *e = expr_new(kind, t->loc);
	e->name = dup(t);
	e->args = args;
	return e;
}

static struct expr *in_expr(struct vec keys, const struct token *array)
{
	struct expr *first = vec_at(&keys, 0);
	struct expr *e = expr_new(E_IN, first->loc);
	e->args = keys;
	e->base = var_expr(array);
	return e;
}

/* Splits a trailing "$" / "$$" pretty-print suffix off name (in place);
 * returns the suffix or NULL. */
static char *split_suffix(char *name, size_t min, struct srcloc loc)
{
	size_t n = strlen(name), k = 0;
	while (n - k > min && name[n - k - 1] == '$')
		k++;
	if (k == 0)
		return NULL;
	if (k > 2)
		diag("parse error", loc, "'%s' has more than two '$' at its "
		     "end", name);
	name[n - k] = '\0';
	return xstrdup(k == 1 ? "$" : "$$");
}

static struct expr *target_expr(const struct token *t)
{
	struct expr *e = expr_new(E_TARGET, t->loc);
	size_t lead = t->len > 1 && t->text[1] == '$' ? 2 : 1;
	e->name = dup(t);
	e->suffix = split_suffix(e->name, lead, t->loc);
	if (strlen(e->name) == lead) {
		diag("parse error", t->loc, "expected a name after '%s'",
		     e->name);
	} else if (lead == 2 && strcmp(e->name, "$$vars") != 0 &&
		   strcmp(e->name, "$$parms") != 0 &&
		   strcmp(e->name, "$$locals") != 0 &&
		   strcmp(e->name, "$$return") != 0) {
		diag("parse error", t->loc, "unknown context variable '%s' "
		     "(expected $$vars, $$parms, $$locals or $$return)",
		     e->name);
	}
	return e;
}

static bool has_comps(const struct expr *e)
{
	return e->kind == E_TARGET || e->kind == E_CAST ||
	       e->kind == E_ATVAR || e->kind == E_AUTOCAST;
}

/* base->field: extends a target path, or starts an autocast. */
static struct expr *add_field(struct expr *base, const struct token *field)
{
	if (!has_comps(base) || base->suffix) {
		if (base->suffix)
			diag("parse error", field->loc, "'->' after a '%s' "
			     "pretty-print suffix: the suffix must come last",
			     base->suffix);
		struct expr *e = expr_new(E_AUTOCAST, base->loc);
		e->a = base;
		base = e;
	}
	struct comp *c = xcalloc(1, sizeof(*c));
	c->kind = COMP_FIELD;
	c->loc = field->loc;
	c->field = dup(field);
	base->suffix = split_suffix(c->field, 0, field->loc);
	if (!c->field[0])
		diag("parse error", field->loc, "expected a field name "
		     "after '->'");
	vec_push(&base->comps, c);
	return base;
}

/* @cast(...)$, $x[1]$$: a pretty-print suffix after a ')' or ']'. */
static struct expr *add_suffix(struct expr *base, const struct token *t)
{
	if (!has_comps(base) || base->suffix)
		diag("parse error", t->loc, "'%s' pretty-print suffix after "
		     "something that is not a target variable", t->text);
	else
		base->suffix = dup(t);
	return base;
}

/* base[args]: an array element, a histogram bucket or a target path
 * index. */
static struct expr *add_index(struct expr *base, struct vec args,
			      struct srcloc loc)
{
	if (base->kind == E_VAR || base->kind == E_HIST) {
		struct expr *e = expr_new(E_INDEX, base->loc);
		e->base = base;
		e->args = args;
		return e;
	}
	if (!has_comps(base)) {
		diag("parse error", loc, "only arrays, histograms and target "
		     "variables can be indexed with '['");
		return base;
	}
	struct expr *ix = vec_at(&args, 0);
	if (args.len != 1 || ix->kind == E_WILDCARD)
		diag("parse error", loc, "a target variable takes a single "
		     "index expression");
	struct comp *c = xcalloc(1, sizeof(*c));
	c->loc = loc;
	if (ix->kind == E_NUM) {
		c->kind = COMP_INDEX_NUM;
		c->num = ix->num;
	} else {
		c->kind = COMP_INDEX_EXPR;
		c->index = ix;
	}
	vec_push(&base->comps, c);
	return base;
}

static struct expr *stat_expr(const struct token *op, struct expr *a,
			      struct expr *shift)
{
	struct expr *e = expr_new(E_STAT_OP, op->loc);
	e->name = dup(op);
	e->a = a;
	e->b = shift;
	if (shift && strcmp(e->name, "variance") != 0)
		diag("parse error", shift->loc, "@%s takes one argument; only "
		     "@variance takes a second (bit shift)", e->name);
	return e;
}

static struct expr *hist_expr(const struct token *op, struct vec args)
{
	struct expr *e = expr_new(E_HIST, op->loc);
	bool linear = strcmp(op->text, "hist_linear") == 0;
	e->name = dup(op);
	e->a = vec_at(&args, 0);
	for (size_t i = 1; i < args.len; i++)
		vec_push(&e->args, vec_at(&args, i));
	vec_free(&args);
	if (linear && e->args.len != 3)
		diag("parse error", op->loc, "@hist_linear takes 4 arguments "
		     "(value, start, stop, interval), %zu given",
		     e->args.len + 1);
	if (!linear && e->args.len != 0)
		diag("parse error", op->loc, "@hist_log takes 1 argument, "
		     "%zu given", e->args.len + 1);
	return e;
}

static struct expr *cast_expr(const struct token *at, struct expr *a,
			      const struct token *type,
			      const struct token *module)
{
	struct expr *e = expr_new(E_CAST, at->loc);
	e->a = a;
	e->str = dup(type);
	e->len = type->len;
	e->module = module ? dup(module) : NULL;
	return e;
}

static struct expr *atvar_expr(const struct token *at,
			       const struct token *name,
			       const struct token *module)
{
	struct expr *e = expr_new(E_ATVAR, at->loc);
	e->str = dup(name);
	e->len = name->len;
	e->module = module ? dup(module) : NULL;
	return e;
}

static struct expr *unary_at(enum expr_kind kind, const struct token *at,
			     struct expr *a)
{
	struct expr *e = expr_new(kind, at->loc);
	e->a = a;
	return e;
}

/* ---- statements ---- */

static struct stmt *expr_stmt(struct expr *e)
{
	if (e->kind == E_EMBEDDED) {
		struct stmt *st = stmt_new(S_EMBEDDED, e->loc);
		st->code = e->str;
		free(e);
		return st;
	}
	struct stmt *st = stmt_new(S_EXPR, e->loc);
	st->e = e;
	return st;
}

static struct stmt *simple_stmt(enum stmt_kind kind, struct srcloc loc,
				struct expr *e)
{
	struct stmt *st = stmt_new(kind, loc);
	st->e = e;
	return st;
}

static struct stmt *if_stmt(struct srcloc loc, struct expr *cond,
			    struct stmt *then, struct stmt *els)
{
	struct stmt *st = stmt_new(S_IF, loc);
	st->e = cond;
	st->then = then;
	st->els = els;
	return st;
}

static struct stmt *loop_stmt(enum stmt_kind kind, struct srcloc loc,
			      struct expr *e, struct stmt *body)
{
	struct stmt *st = stmt_new(kind, loc);
	st->e = e;
	st->body = body;
	return st;
}

static struct stmt *for_stmt(struct srcloc loc, struct expr *init,
			     struct expr *cond, struct expr *step,
			     struct stmt *body)
{
	struct stmt *st = loop_stmt(S_FOR, loc, cond, body);
	st->init = init ? expr_stmt(init) : NULL;
	st->step = step ? expr_stmt(step) : NULL;
	return st;
}

static struct stmt *try_stmt(struct srcloc loc, struct stmt *body,
			     const struct token *var, struct stmt *handler)
{
	struct stmt *st = stmt_new(S_TRY, loc);
	st->body = body;
	st->handler = handler;
	st->catch_var = var ? var_expr(var) : NULL;
	return st;
}

static struct stmt *block_stmt(struct srcloc loc, struct vec stmts)
{
	struct stmt *st = stmt_new(S_BLOCK, loc);
	st->stmts = stmts;
	return st;
}

static struct foreach *fe_keys_new(void)
{
	return xcalloc(1, sizeof(struct foreach));
}

static void fe_set_sort(struct foreach *fe, int key, int dir, struct srcloc loc)
{
	if (!dir)
		return;
	if (fe->sort_dir)
		diag("parse error", loc, "foreach takes at most one sort "
		     "direction ('+' or '-')");
	fe->sort_key = key;
	fe->sort_dir = dir;
}

static void fe_add_key(struct foreach *fe, const struct fekey *k)
{
	vec_push(&fe->keys, var_expr(&k->name));
	fe_set_sort(fe, (int)fe->keys.len, k->dir, k->name.loc);
}

static struct stmt *foreach_stmt(struct srcloc loc, struct foreach *fe,
				 const struct token *value, int vdir,
				 struct expr *array, struct fesort sort,
				 struct expr *limit, struct stmt *body)
{
	struct stmt *st = stmt_new(S_FOREACH, loc);
	if (value) {
		fe->value = var_expr(value);
		fe_set_sort(fe, -1, vdir, value->loc);
	}
	fe->array = array;
	fe_set_sort(fe, -1, sort.dir, array->loc);
	if (sort.agg)
		fe->sort_agg = xstrdup(sort.agg);
	fe->limit = limit;
	st->fe = fe;
	st->body = body;
	return st;
}

/* ---- probe points ---- */

static struct pp_comp *pp_comp_new(struct srcloc loc, char *name,
				   struct expr *arg)
{
	struct pp_comp *c = xcalloc(1, sizeof(*c));
	c->loc = loc;
	c->name = name;
	c->arg = arg;
	return c;
}

static char *pp_glue(char *name, const struct token *t)
{
	if (t->spaced)
		diag("parse error", t->loc, "whitespace inside probe point "
		     "component '%s%s'", name, t->text);
	char *s = xasprintf("%s%s", name, t->text);
	free(name);
	return s;
}

static struct probe_point *probe_point(struct vec comps, int flag,
				       struct expr *cond)
{
	struct probe_point *pp = xcalloc(1, sizeof(*pp));
	pp->loc = ((struct pp_comp *)vec_at(&comps, 0))->loc;
	pp->comps = comps;
	pp->optional = flag == '?';
	pp->sufficient = flag == '!';
	pp->cond = cond;
	return pp;
}

static void add_probe(struct parser *p, struct srcloc loc, struct vec points,
		      struct stmt *body)
{
	struct probe *pr = xcalloc(1, sizeof(*pr));
	pr->loc = loc;
	pr->points = points;
	pr->body = body;
	pr->privileged = p->tapset;
	vec_push(&p->file->probes, pr);
}

static void add_alias(struct parser *p, struct srcloc loc, struct vec names,
		      bool epilogue, struct vec points, struct stmt *body,
		      struct stmt *epilogue_body)
{
	struct alias *a = xcalloc(1, sizeof(*a));
	a->loc = loc;
	a->names = names;
	a->epilogue = epilogue;
	a->points = points;
	a->body = body;
	a->epilogue_body = epilogue_body;
	for (size_t i = 0; i < names.len; i++) {
		struct probe_point *pp = vec_at(&names, i);
		if (pp->cond || pp->optional || pp->sufficient)
			diag("parse error", pp->loc, "an alias name cannot be "
			     "optional or conditional");
	}
	vec_push(&p->file->aliases, a);
}

/* ---- functions, globals, embedded C ---- */

static struct param *param_new(const struct token *name, enum type t)
{
	struct param *pa = xcalloc(1, sizeof(*pa));
	pa->loc = name->loc;
	pa->name = dup(name);
	pa->type = t;
	return pa;
}

/* The PRAGMA_* markers among the comments of embedded C code. */
static unsigned pragmas(const char *code)
{
	static const struct { const char *name; unsigned bit; } known[] = {
		{ "pure", PRAGMA_PURE }, { "unprivileged", PRAGMA_UNPRIVILEGED },
		{ "myproc-unprivileged", PRAGMA_MYPROC_UNPRIVILEGED },
		{ "guru", PRAGMA_GURU }, { "stable", PRAGMA_STABLE },
		{ "unmodified-fnargs", PRAGMA_UNMODIFIED_FNARGS },
	};
	unsigned bits = 0;
	for (const char *s = strstr(code, "/*"); s; s = strstr(s, "/*")) {
		const char *end = strstr(s + 2, "*/");
		if (!end)
			break;
		const char *a = s + 2, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == (size_t)(b - a) &&
			    memcmp(known[i].name, a, (size_t)(b - a)) == 0)
				bits |= known[i].bit;
		s = end + 2;
	}
	return bits;
}

static void add_function(struct parser *p, struct srcloc loc,
			 const struct token *name, enum type ret,
			 struct vec params, const struct token *prio,
			 struct stmt *body, const struct token *code,
			 bool private_)
{
	struct function *f = xcalloc(1, sizeof(*f));
	f->loc = loc;
	f->name = dup(name);
	f->ret = ret;
	f->params = params;
	f->body = body;
	if (code) {
		f->embedded = dup(code);
		f->pragmas = pragmas(f->embedded);
	}
	if (prio->kind == NUMBER) {
		f->priority = prio->num;
		f->has_priority = true;
	}
	f->private_ = private_;
	vec_push(&p->file->functions, f);
}

static struct global *global_new(const struct token *name, struct gsize gs,
				 struct expr *init)
{
	struct global *g = xcalloc(1, sizeof(*g));
	g->loc = name->loc;
	g->name = dup(name);
	g->is_array = gs.array;
	g->maxsize = gs.size;
	g->wrap = gs.wrap;
	g->init = init;
	if (init && (gs.array || gs.wrap))
		diag("parse error", init->loc, "array '%s' cannot have an "
		     "initializer", g->name);
	return g;
}

static void add_globals(struct parser *p, struct vec globals, bool private_)
{
	for (size_t i = 0; i < globals.len; i++) {
		struct global *g = vec_at(&globals, i);
		g->private_ = private_;
		vec_push(&p->file->globals, g);
	}
	vec_free(&globals);
}

static void add_embed(struct parser *p, const struct token *code)
{
	struct embed *em = xcalloc(1, sizeof(*em));
	em->loc = code->loc;
	em->code = dup(code);
	vec_push(&p->file->embeds, em);
}

/* ---- entry points ---- */

struct file *parse_source(struct session *s, struct source *src, bool tapset)
{
	struct arena arena = {0};
	struct parser p = {0};

	p.file = file_new(src);
	p.file->tapset = tapset;
	p.tapset = tapset;
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
