/*
 * Kernel addresses to names through the kernel's own symbol table
 * (kallsyms, modules included): what symdata(), the backtrace printers
 * and the error reports show.  Any context; nothing here sleeps.
 */
#include <linux/kallsyms.h>

/* "name+0xoff/0xsize [module]" for addr into out (size bytes), the
 * module being "kernel" for the kernel itself; the address in hex when
 * no symbol holds it. */
static void stap_symdata(char *out, size_t size, unsigned long addr)
{
	char buf[KSYM_SYMBOL_LEN];

	sprint_symbol(buf, addr);
	if (!strncmp(buf, "0x", 2) || strchr(buf, '['))
		strscpy(out, buf, size);
	else
		snprintf(out, size, "%s [kernel]", buf);
}

/* " 0xADDR : SYMDATA\n" for one frame of a backtrace, into sb. */
static void stap_out_frame(struct stap_sb *sb, unsigned long addr)
{
	char line[KSYM_SYMBOL_LEN + 40];
	int n = scnprintf(line, sizeof(line), " %#lx : ", addr);

	stap_symdata(line + n, sizeof(line) - n - 1, addr);
	strlcat(line, "\n", sizeof(line));
	stap_out_str(sb, line);
}
