/* A JSON writer into a fixed buffer, for the control socket's answers and --list. */
#include <stdarg.h>
#include <stdio.h>

#include "engine.h"

void da__put(struct da_out *o, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	int n = vsnprintf(o->at, (size_t)(o->end - o->at), format, args);
	va_end(args);
	o->at = n < 0 || n >= o->end - o->at ? o->end : o->at + n;
}

void da__put_string(struct da_out *o, const char *s)
{
	da__put(o, "\"");
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == '"' || ch == '\\')
			da__put(o, "\\u%04x", ch);
		else
			da__put(o, "%c", ch);
	}
	da__put(o, "\"");
}
