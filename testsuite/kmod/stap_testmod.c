// SPDX-License-Identifier: GPL-2.0
/*
 * stap_testmod: the testsuite's kernel module, probed through its own
 * DWARF by testsuite/stap.kmod/kmod.exp.
 *
 * A write to /proc/stap_testmod calls stm_run(), which calls each probed
 * function once with the values below (the tests expect exactly these).
 * The functions are noinline so that each has an out-of-line copy with
 * its parameters; stm_twice() is always inlined into two callers.
 *
 * Comments "MARK:NAME" tag the lines the tests look for (grep at test
 * time): never hard-code a line number of this file in a test.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/compiler.h>

enum stm_color { STM_RED = 1, STM_GREEN = 2, STM_BLUE = 7 };

/* the pointer chain: a->b->c->name, as tsk->mm->exe_file->... */
struct stm_c {
	const char *name;
	char comm[8];
	int id;
};

struct stm_b {
	struct stm_c *c;
	long weight;
};

struct stm_a {
	struct stm_b *b;
	int tag;
	int vals[4];
	enum stm_color color;
};

/* passed by value */
struct stm_pair {
	int x;
	long y;
};

union stm_u {
	unsigned int i;
	unsigned short halves[2];
};

struct stm_bits {
	unsigned int lo:3;
	unsigned int mid:5;
	int neg:4;
	unsigned int flag:1;
};

typedef int (*stm_fn)(int);

/* @var("stm_static@stap_testmod.c") and @var("stm_global@...") */
static int stm_static = 5;
int stm_global = 42;
EXPORT_SYMBOL_GPL(stm_global);
int stm_table[4] = { 10, 20, 30, 40 };

static struct stm_c stm_c0 = { .name = "chain-end", .comm = "cmd7", .id = 77 };
static struct stm_b stm_b0 = { .c = &stm_c0, .weight = -1234567890123L };
static struct stm_a stm_a0 = {
	.b = &stm_b0, .tag = 99, .vals = { 3, 1, 4, 1 }, .color = STM_GREEN,
};

/* the bad pointer stm_bad() receives: nothing is mapped there */
#define STM_BAD_PTR ((struct stm_a *)0x1000UL)

static __always_inline int stm_twice(int v) /* MARK:twice */
{
	return v * 2 + READ_ONCE(stm_static);
}

noinline int stm_double(int v)
{
	return v * 2;
}

/* returns 1000 + i + u: the tests check $return */
noinline int stm_scalars(char c, short s, int i, long l, long long ll, /* MARK:scalars */
			 unsigned int u, bool b, enum stm_color col)
{
	barrier();
	return 1000 + i + (int)u + (b ? 0 : 1) + (col == STM_BLUE ? 0 : 1) +
	       (c == 'A' ? 0 : 1) + (s == -3 ? 0 : 1) + (l == -100000L ? 0 : 1) +
	       (ll == 0x123456789LL ? 0 : 1);
}

noinline long stm_pointers(struct stm_a *a, const char *str, int *arr, /* MARK:pointers */
			   stm_fn fn)
{
	long r = a->tag + arr[1];

	barrier();
	r += fn(3);
	return r + str[0];
}

noinline int stm_aggregates(struct stm_pair p, union stm_u u, /* MARK:aggregates */
			    struct stm_bits bits)
{
	barrier();
	return p.x + (int)p.y + (int)u.i + bits.lo + bits.mid + bits.neg;
}

noinline int stm_label(int n) /* MARK:label_fn */
{
	int r = READ_ONCE(stm_global);

	if (n > 3)
		goto stm_out;
	r += n * 3;
stm_out:	/* MARK:label */
	r += READ_ONCE(stm_static);	/* MARK:after_label */
	return r;
}

noinline int stm_inline_a(int v)
{
	return stm_twice(v) + 1;
}

noinline int stm_inline_b(int v)
{
	return stm_twice(v + 10) - 1;
}

noinline int stm_locals(int n) /* MARK:locals */
{
	int sq = n * n;
	long cube = (long)sq * n;

	barrier();
	OPTIMIZER_HIDE_VAR(sq);
	OPTIMIZER_HIDE_VAR(cube);
	return sq + (int)cube;	/* MARK:locals_ret */
}

noinline int stm_bad(struct stm_a *a)
{
	barrier();
	return a == NULL;
}

static void stm_run(void)
{
	struct stm_pair p = { .x = 6, .y = 700 };
	union stm_u u = { .i = 0x01020304 };
	struct stm_bits bits = { .lo = 5, .mid = 17, .neg = -2, .flag = 1 };

	stm_scalars('A', -3, 12345, -100000L, 0x123456789LL, 4000000000U,
		    true, STM_BLUE);
	stm_pointers(&stm_a0, "hello stm", stm_table, stm_double);
	stm_aggregates(p, u, bits);
	stm_label(2);
	stm_label(9);
	stm_inline_a(1);
	stm_inline_b(2);
	stm_locals(4);
	stm_bad(STM_BAD_PTR);
}

static ssize_t stm_write(struct file *file, const char __user *buf,
			 size_t len, loff_t *off)
{
	stm_run();
	return len;
}

static const struct proc_ops stm_ops = {
	.proc_write = stm_write,
};

static struct proc_dir_entry *stm_entry;

static int __init stm_init(void) /* MARK:init */
{
	stm_entry = proc_create("stap_testmod", 0200, NULL, &stm_ops);
	return stm_entry ? 0 : -ENOMEM;
}

static void __exit stm_exit(void)
{
	proc_remove(stm_entry);
}

module_init(stm_init);
module_exit(stm_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("stap testsuite: functions to probe through DWARF");
