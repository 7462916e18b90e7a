/*
 * Module parameters for script globals: stap -G NAME=VALUE and staprun
 * MODULE.ko NAME=VALUE set a scalar global before the session starts.
 * The generated module declares one parameter per scalar global, named
 * as the global, holding the global's initial value (its initializer,
 * or what the loader gave); stap_globals_init() copies it into the
 * global when the session starts.  Numbers use stap_param_ops_s64
 * below (parmtype "long", as the kernel's own long parameters, so that
 * staprun can check a value before loading); strings are the kernel's
 * string parameters, bounded by MAXSTRINGLEN (parmtype "string").
 */
#include <linux/moduleparam.h>
#include <linux/kernel.h>

/* Process context (module load); may sleep.  Base 0: 10, 0x10, 010. */
static int stap_param_set_s64(const char *val, const struct kernel_param *kp)
{
	s64 v;
	int rc = kstrtoll(val ? val : "", 0, &v);

	if (rc)
		return rc;
	*(s64 *)kp->arg = v;
	return 0;
}

static int stap_param_get_s64(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%lld\n", *(s64 *)kp->arg);
}

static const struct kernel_param_ops stap_param_ops_s64 = {
	.set = stap_param_set_s64,
	.get = stap_param_get_s64,
};

/* A number global NAME whose initial value is in VAR (an s64). */
#define STAP_PARAM_S64(name, var) \
	module_param_cb(name, &stap_param_ops_s64, &var, 0); \
	__MODULE_PARM_TYPE(name, "long"); \
	MODULE_PARM_DESC(name, "script global (number)")

/* A string global NAME whose initial value is in VAR (char[MAXSTRINGLEN]). */
#define STAP_PARAM_STRING(name, var) \
	module_param_string(name, var, MAXSTRINGLEN, 0); \
	MODULE_PARM_DESC(name, "script global (string)")
