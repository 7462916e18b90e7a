/*
 * Regular expression matching (`s =~ "re"`, `s !~ "re"`): a Pike VM
 * running the program the translator compiled (translator/util/
 * regex.c), in time linear in the string, with no recursion and no
 * allocation: its thread lists live in the CPU's context (struct
 * stap_re_state, present when a script matches: STAP_NEED_REGEX).  The
 * match is leftmost-longest, as POSIX wants; each group's bounds are
 * those of the highest-priority path that gave it.  After a match,
 * matched(N), matched_str() and ngroups() read the string and the
 * bounds saved here.  Any context.
 */

#include "regex.h"

/* Adds the thread at pc (captures cap) to list l at string offset pos,
 * following jumps, splits (preferred branch first), saves and anchors;
 * once per pc and generation.  best: the start of the match found, or
 * STAP_RE_UNSET: a thread that started later is dropped. */
static void stap_re_add(struct stap_re_state *st, const struct stap_re_prog *p,
			struct stap_re_list *l, u16 pc, const u16 *cap,
			const char *s, u16 pos, u16 best)
{
	struct stap_re_thread *sp = st->stack;

	sp->pc = pc;
	memcpy(sp->cap, cap, sizeof(sp->cap));
	sp++;
	while (sp > st->stack) {
		struct stap_re_thread t = *--sp;
		const struct stap_re_inst *in;

		if (t.pc >= p->n || st->mark[t.pc] == st->gen)
			continue;
		st->mark[t.pc] = st->gen;
		in = &p->insts[t.pc];
		switch (in->op) {
		case STAP_RE_JMP:
			t.pc = in->x;
			*sp++ = t;
			break;
		case STAP_RE_SPLIT:
			t.pc = in->y;	/* pushed first: taken last */
			*sp++ = t;
			t.pc = in->x;
			*sp++ = t;
			break;
		case STAP_RE_SAVE:
			if (in->x == 0 && best != STAP_RE_UNSET && pos > best)
				break;
			t.cap[in->x] = pos;
			t.pc++;
			*sp++ = t;
			break;
		case STAP_RE_BOL:
			if (pos == 0) {
				t.pc++;
				*sp++ = t;
			}
			break;
		case STAP_RE_EOL:
			if (s[pos] == '\0') {
				t.pc++;
				*sp++ = t;
			}
			break;
		default:
			if (l->n < STAP_RE_MAX_INSTS)
				l->t[l->n++] = t;
			break;
		}
	}
}

/* Whether in matches byte ch (not the NUL). */
static bool stap_re_byte(const struct stap_re_inst *in, u8 ch)
{
	switch (in->op) {
	case STAP_RE_CHAR: return ch == in->c;
	case STAP_RE_ANY: return ch != '\0';
	case STAP_RE_CLASS: return ch && (in->set[ch / 8] >> (ch % 8)) & 1;
	}
	return false;
}

/* 1 when s matches p (and the match is saved for matched()), else 0. */
static s64 stap_regex_match(struct context *c, const char *s,
			    const struct stap_re_prog *p)
{
	struct stap_re_state *st = &c->re;
	struct stap_re_list *cl = &st->lists[0], *nl = &st->lists[1], *tmp;
	u16 unset[2 * STAP_RE_MAX_GROUPS], best[2 * STAP_RE_MAX_GROUPS];
	bool found = false;
	size_t i, len = strnlen(s, MAXSTRINGLEN - 1);

	memset(unset, 0xff, sizeof(unset));
	cl->n = 0;
	st->gen++;
	stap_re_add(st, p, cl, 0, unset, s, 0, STAP_RE_UNSET);
	for (i = 0; i <= len; i++) {
		u8 ch = i < len ? s[i] : '\0';
		u16 k;

		if (!cl->n && found)
			break;
		nl->n = 0;
		st->gen++;
		for (k = 0; k < cl->n; k++) {
			const struct stap_re_thread *t = &cl->t[k];
			const struct stap_re_inst *in = &p->insts[t->pc];

			if (in->op == STAP_RE_MATCH) {
				if (!found || t->cap[0] < best[0] ||
				    (t->cap[0] == best[0] &&
				     t->cap[1] > best[1])) {
					memcpy(best, t->cap, sizeof(best));
					found = true;
				}
				continue;
			}
			if (i < len && stap_re_byte(in, ch))
				stap_re_add(st, p, nl, t->pc + 1, t->cap, s,
					    i + 1, found ? best[0] : STAP_RE_UNSET);
		}
		if (i == len)
			break;
		if (!found)	/* a match may also start at i + 1 */
			stap_re_add(st, p, nl, 0, unset, s, i + 1,
				    STAP_RE_UNSET);
		tmp = cl;
		cl = nl;
		nl = tmp;
	}
	if (!found)
		return 0;
	memcpy(st->str, s, len);
	st->str[len] = '\0';
	memcpy(st->cap, best, sizeof(best));
	st->ngroups = p->ngroups;
	return 1;
}
