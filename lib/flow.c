/* flow.c: stop reading one side while the other side's output is full. */
#include "ev.h"
#include "flow.h"

/* Arm the write callback at the low-water mark. */
void
flow_watch(struct bufferevent *dst, const struct flow_limits *fl)
{
	bufferevent_setwatermark(dst, EV_WRITE, fl->low, 0);
}

/* Tell whether out is at or above the high-water mark. */
int
flow_full(struct evbuffer *out, const struct flow_limits *fl)
{
	return (evbuffer_get_length(out) >= fl->high);
}

/* Stop reading src while out is full. */
int
flow_gate(struct bufferevent *src, struct evbuffer *out,
    const struct flow_limits *fl)
{
	if (!flow_full(out, fl))
		return (0);
	if (src != NULL)
		bufferevent_disable(src, EV_READ);
	return (1);
}

/* Read src again. */
void
flow_resume(struct bufferevent *src)
{
	if (src != NULL)
		bufferevent_enable(src, EV_READ);
}

/* Stop reading src while its own input holds cap bytes or more. */
int
flow_hold(struct bufferevent *src, size_t cap)
{
	if (evbuffer_get_length(bufferevent_get_input(src)) < cap)
		return (0);
	bufferevent_disable(src, EV_READ);
	return (1);
}

/* Have libevent read src only while its input is below cap. */
void
flow_cap_input(struct bufferevent *src, size_t cap)
{
	bufferevent_setwatermark(src, EV_READ, 0, cap);
}
