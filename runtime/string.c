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
