/*
 * Escaping a string for display, for text_str, text_strn and
 * string_quoted (tapsets/string.stp): printable ASCII stays, \ " and
 * the C control characters become \\ \" \n \t..., a valid UTF-8
 * sequence becomes \uXXXX or \UXXXXXXXX, any other byte \ooo.  Quoted
 * output is wrapped in double quotes, and a cut one ends in "...
 * after the closing quote; an escape is never cut in half.
 *
 * Any context: no allocation, loops bounded by MAXSTRINGLEN.
 */
#ifndef STAP_TEXT_C
#define STAP_TEXT_C

/* The code point of the UTF-8 sequence at s (n bytes left), its length
 * in *len; a byte that starts no valid, shortest-form sequence is
 * itself with length 1. */
static u32 stap_utf8_decode(const unsigned char *s, size_t n, int *len)
{
	int need, i;
	u32 c;

	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		c = s[0] & 0x07;
	} else {
		goto one;
	}
	if ((size_t)need > n)
		goto one;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto one;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || c < 0x80 ||
	    (need == 3 && c < 0x800) || (need == 4 && c < 0x10000))
		goto one;
	*len = need;
	return c;
one:
	*len = 1;
	return s[0];
}

/* The escape of one character into esc (at most 10 bytes); its length. */
static int stap_text_escape(char *esc, u32 c, int len)
{
	static const char named[] = "\aa\bb\ff\nn\rr\tt\vv\"\"\\\\";
	static const char hex[] = "0123456789abcdef";
	int i, n;

	if (len > 1) {
		n = c <= 0xffff ? 4 : 8;
		esc[0] = '\\';
		esc[1] = c <= 0xffff ? 'u' : 'U';
		for (i = 0; i < n; i++)
			esc[2 + i] = hex[(c >> (4 * (n - 1 - i))) & 15];
		return n + 2;
	}
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
		esc[0] = c;
		return 1;
	}
	for (i = 0; named[i]; i += 2)
		if ((u8)named[i] == c) {
			esc[0] = '\\';
			esc[1] = named[i + 1];
			return 2;
		}
	esc[0] = '\\';
	esc[1] = '0' + ((c >> 6) & 3);
	esc[2] = '0' + ((c >> 3) & 7);
	esc[3] = '0' + (c & 7);
	return 4;
}

/*
 * out = in escaped, at most outlen bytes of text (0 or more than
 * MAXSTRINGLEN - 1: MAXSTRINGLEN - 1), quoted if asked.  out holds
 * MAXSTRINGLEN bytes.
 */
static void stap_text_str(char *out, const char *in, s64 outlen, bool quoted)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t inlen = strnlen(in, MAXSTRINGLEN - 1), room, pos = 0;
	size_t cut_at = 0, cut_len = 0;	/* the first escape a cut to
					 * make room for "... could split */
	char esc[10];
	int len, n;
	u32 c;

	if (outlen <= 0 || outlen > MAXSTRINGLEN - 1)
		outlen = MAXSTRINGLEN - 1;
	room = outlen;
	if (quoted) {
		room = (outlen < 5 ? 5 : outlen) - 2;
		out[pos++] = '"';
	}
	while (inlen) {
		c = stap_utf8_decode(p, inlen, &len);
		n = stap_text_escape(esc, c, len);
		if (quoted && !cut_at && n > 1 && (int)room - 3 < n)
			cut_at = pos, cut_len = n;
		if ((size_t)n > room)
			break;
		memcpy(out + pos, esc, n);
		pos += n;
		room -= n;
		p += len;
		inlen -= len;
	}
	if (quoted) {
		if (inlen) {	/* cut: make room for "... */
			size_t end = pos - 3 + room;
			if (cut_at && cut_at < end && end < cut_at + cut_len)
				end = cut_at;
			if (end > pos)
				end = pos;
			pos = end;
			memcpy(out + pos, "\"...", 4);
			pos += 4;
		} else {
			out[pos++] = '"';
		}
	}
	out[pos] = '\0';
}

#endif
