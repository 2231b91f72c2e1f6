/* xml_escape.h - text escaped for XML 1.0 and HTML at once (the JUnit views
 * and the HTML report), so that every view replaces the same characters the
 * same way. */
#ifndef KX_XML_ESCAPE_H
#define KX_XML_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Writes len bytes of UTF-8 text to out escaped for XML 1.0 and HTML, as an attribute value when
 * attribute is set. */
void kx_xml_escape(FILE *out, const char *text, size_t len, int attribute);

#endif
