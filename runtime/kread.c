/*
 * Fault-tolerant reads of kernel memory for the tapsets' embedded C: an
 * address a script computed may be anything, so every read goes through
 * copy_from_kernel_nofault and a fault becomes the probe's error (or the
 * caller's default), never an oops.  Any context; nothing here sleeps.
 */

/*
 * Copies the C string at kernel address src into dst (size bytes, > 0),
 * cut to size - 1 bytes, through fault-tolerant copies (the kernel does
 * not export strncpy_from_kernel_nofault to modules): chunks that never
 * cross a page, so a string ending just before an unmapped page reads
 * fine.  Returns the length copied, or -EFAULT with dst empty.  Any
 * context.
 */
static long stap_kernel_string_copy(char *dst, unsigned long src, size_t size)
{
	size_t len = 0;

	while (len < size - 1) {
		size_t chunk = min_t(size_t, size - 1 - len,
				     PAGE_SIZE - ((src + len) & ~PAGE_MASK));
		char *end;

		chunk = min_t(size_t, chunk, 64);
		if (copy_from_kernel_nofault(dst + len,
					     (const void *)(src + len), chunk)) {
			dst[0] = '\0';
			return -EFAULT;
		}
		end = memchr(dst + len, '\0', chunk);
		if (end)
			return end - dst;
		len += chunk;
	}
	dst[len] = '\0';
	return len;
}

/* Reads size bytes at addr into *v; false (with the probe's error set)
 * on a fault. */
static bool stap_kernel_read(struct context *c, unsigned long addr,
			     void *v, size_t size)
{
	if (!copy_from_kernel_nofault(v, (const void *)addr, size))
		return true;
	stap_errorf(c, NULL, "kernel %s copy fault at 0x%lx "
		    STAP_MAN_HINT("error::fault"),
		    size == 8 ? "long" : size == 4 ? "int" :
		    size == 2 ? "short" : "char", addr);
	return false;
}
