/*
 * cfg_kw.h: the macros the keyword tables are written with (cfg_blocks.c,
 * cfg_monitor.c): units for bounds and defaults, and one entry per
 * keyword.
 */
#ifndef CFG_KW_H
#define CFG_KW_H

#include <stddef.h>
#include <stdint.h>

#define MS(x)		((uint64_t)(x))
#define SEC(x)		((uint64_t)(x) * 1000)
#define DAY(x)		((uint64_t)(x) * 86400 * 1000)
#define KIB(x)		((uint64_t)(x) << 10)
#define MIB(x)		((uint64_t)(x) << 20)
#define GIB(x)		((uint64_t)(x) << 30)
#define TIB(x)		((uint64_t)(x) << 40)

/* A single-valued keyword. */
#define KW(name, type, flags, st, field, min, max, enums, def)		\
	{ name, type, flags, offsetof(st, field), 0, min, max, enums, def, \
	    NULL, NULL, NULL }
/* A repeatable keyword: values go to st.field[], count in st.nfield. */
#define KWM(name, type, flags, st, field, def)				\
	{ name, type, (flags) | CFG_MULTI, offsetof(st, field),		\
	    offsetof(st, n##field), 0, 0, NULL, def, NULL, NULL, NULL }
#define KW_END	{ NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL }

#endif
