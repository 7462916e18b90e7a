/*
 * Script strings: NUL-terminated, at most MAXSTRINGLEN bytes including
 * the NUL.  Every operation truncates rather than overflows.  Any
 * context; none of these sleep or allocate.
 */

/* dst = src; returns dst.  src may overlap dst. */
static char *stap_strcpy(char *dst, const char *src)
{
	size_t n = strnlen(src, MAXSTRINGLEN - 1);
	memmove(dst, src, n);
	dst[n] = '\0';
	return dst;
}

/* dst .= src; returns dst.  src may be dst itself. */
static char *stap_strcat(char *dst, const char *src)
{
	size_t have = strnlen(dst, MAXSTRINGLEN - 1);
	size_t n = strnlen(src, MAXSTRINGLEN - 1);
	if (n > MAXSTRINGLEN - 1 - have)
		n = MAXSTRINGLEN - 1 - have;
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
