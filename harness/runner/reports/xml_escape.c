/* xml_escape.c - text escaped for XML 1.0 and HTML at once, so that
 * junit.xml, junit-vectors.xml and index.html replace the same characters
 * the same way: markup characters as entities, white space an attribute
 * value would lose as character references, and what neither format may
 * carry (C0 and C1 controls, malformed UTF-8, U+FFFE, U+FFFF) as U+FFFD. */
#include "runner/reports/xml_escape.h"

/* What XML 1.0 and HTML cannot carry is replaced by U+FFFD, visibly. */
#define REPLACEMENT "\xEF\xBF\xBD"

/* Length of the UTF-8 sequence at s (at most n bytes) and its code point; 0 if malformed. */
static size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
	size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
	if (len == 0 || len > n || s[0] > 0xF4)
		return 0;
	unsigned long c = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	static const unsigned long least[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (c < least[len] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
		return 0;
	*cp = c;
	return len;
}

void kx_xml_escape(FILE *out, const char *text, size_t len, int attribute)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;
	while (i < len) {
		/* A run of bytes that stay as they are is written at once: a report is mostly such runs,
		 * and a stdio call per byte was a tenth of a PSK case's time. */
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x7F && s[run] != '&' && s[run] != '<' && s[run] != '>' &&
		       s[run] != '"' && s[run] != '\'')
			run++;
		if (run > i) {
			fwrite(s + i, 1, run - i, out);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			switch (c) {
			case '&':
				fputs("&amp;", out);
				break;
			case '<':
				fputs("&lt;", out);
				break;
			case '>':
				fputs("&gt;", out);
				break;
			case '"':
				fputs("&quot;", out);
				break;
			case '\'':
				fputs("&#39;", out);
				break;
			/* A parser turns a raw CR into LF, and raw white space in an
			 * attribute into a space: the reference keeps them. */
			case '\r':
				fputs("&#13;", out);
				break;
			case '\n':
				fputs(attribute ? "&#10;" : "\n", out);
				break;
			case '\t':
				fputs(attribute ? "&#9;" : "\t", out);
				break;
			default:
				/* C0 controls are not allowed in XML 1.0; DEL is a parse error in HTML. */
				if (c < 0x20 || c == 0x7F)
					fputs(REPLACEMENT, out);
				else
					fputc(c, out);
			}
			continue;
		}
		unsigned long cp = 0;
		size_t n = utf8_decode(s + i, len - i, &cp);
		/* C1 controls are errors in HTML; U+FFFE and U+FFFF are not XML 1.0 characters. */
		if (n == 0 || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFFFE || cp == 0xFFFF) {
			fputs(REPLACEMENT, out);
			i += n == 0 ? 1 : n;
		} else {
			fwrite(s + i, 1, n, out);
			i += n;
		}
	}
}
