/*
 * Script strings: NUL-terminated, at most MAXSTRINGLEN bytes including
 * the NUL.  Every operation truncates rather than overflows, and counts
 * the strings it truncated; the count is reported when the session
 * stops (core.c).  Any context; none of these sleep or allocate.
 */

static atomic_t stap_truncated_count = ATOMIC_INIT(0);

/* One more string lost bytes to MAXSTRINGLEN (or MAP_STRING_LENGTH). */
static void stap_count_truncation(void)
{
	atomic_inc(&stap_truncated_count);
}

/* The length of src cut to at most max bytes, counting the cut.  src
 * is a C string, so src[max] exists when the first max bytes are not
 * NUL. */
static size_t stap_strnlen_counted(const char *src, size_t max)
{
	size_t n = strnlen(src, max);

	if (unlikely(n == max && src[n]))
		stap_count_truncation();
	return n;
}

/* dst = src; returns dst.  src may overlap dst. */
static char *stap_strcpy(char *dst, const char *src)
{
	size_t n = stap_strnlen_counted(src, MAXSTRINGLEN - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
	return dst;
}

/* dst .= src; returns dst.  src may be dst itself. */
static char *stap_strcat(char *dst, const char *src)
{
	size_t have = strnlen(dst, MAXSTRINGLEN - 1);
	size_t n = stap_strnlen_counted(src, MAXSTRINGLEN - 1 - have);
	memmove(dst + have, src, n);
	dst[have + n] = '\0';
	return dst;
}

/* tmp = a . b; returns tmp, which may be neither a nor b. */
static char *stap_concat(char *tmp, const char *a, const char *b)
{
	stap_strcpy(tmp, a);
	return stap_strcat(tmp, b);
}

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
