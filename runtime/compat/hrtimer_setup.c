/* STAP_HAVE_HRTIMER_SETUP: hrtimer_setup() replaced hrtimer_init() +
 * assigning .function (6.13+). */
#include <linux/hrtimer.h>

static enum hrtimer_restart fn(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

void stap_compat_probe(struct hrtimer *t);
void stap_compat_probe(struct hrtimer *t)
{
	hrtimer_setup(t, fn, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
}
