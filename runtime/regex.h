/*
 * The regex matcher's program and state (runtime/regex.c): the state
 * is part of each CPU's context when a script matches (STAP_NEED_REGEX,
 * which the translator defines), about 12 KB.
 */
#ifndef STAP_RUNTIME_REGEX_H
#define STAP_RUNTIME_REGEX_H

#define STAP_RE_MAX_INSTS 128	/* translator/util/regex.h: RE_MAX_INSTS */
#define STAP_RE_MAX_GROUPS 10
#define STAP_RE_UNSET 0xffff

enum { STAP_RE_CHAR, STAP_RE_ANY, STAP_RE_CLASS, STAP_RE_SPLIT, STAP_RE_JMP,
       STAP_RE_SAVE, STAP_RE_BOL, STAP_RE_EOL, STAP_RE_MATCH };

/* One instruction; set is RE_CLASS's 256-bit set. */
struct stap_re_inst {
	u8 op;
	u8 c;
	u16 x, y;
	const u8 *set;
};

struct stap_re_prog {
	const struct stap_re_inst *insts;
	u16 n;
	u16 ngroups;
};

/* A thread: where it is and its capture slots (string offsets). */
struct stap_re_thread {
	u16 pc;
	u16 cap[2 * STAP_RE_MAX_GROUPS];
};

struct stap_re_list {
	u16 n;
	struct stap_re_thread t[STAP_RE_MAX_INSTS];
};

struct stap_re_state {
	struct stap_re_list lists[2];
	struct stap_re_thread stack[2 * STAP_RE_MAX_INSTS];
	u32 mark[STAP_RE_MAX_INSTS];	/* the list generation a pc joined */
	u32 gen;
	/* the last successful match */
	char str[MAXSTRINGLEN];
	u16 cap[2 * STAP_RE_MAX_GROUPS];
	u16 ngroups;
};

#endif
