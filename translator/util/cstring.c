/*
 * C string literals: how any byte string of a script (a literal, a
 * probe point's text, a file name) is written into generated C.
 * Pass 3 and the probe families' table writers share it.
 */
#include "cstring.h"

void emit_cstring(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '?')	/* no trigraphs */
			fputs("\\?", out);
		else if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, out);
		else
			fprintf(out, "\\%03o", ch);
	}
	fputc('"', out);
}
