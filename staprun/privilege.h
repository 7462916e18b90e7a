/*
 * Who may do what with staprun (see "PRIVILEGES" in staprun(8)):
 * root may load any module; members of group stapdev may load any
 * module; members of stapusr only the modules under
 * /lib/modules/$(uname -r)/systemtap/; everybody else is refused.
 */
#ifndef STAPRUN_PRIVILEGE_H
#define STAPRUN_PRIVILEGE_H

enum privilege {
	PRIV_NONE,		/* refused */
	PRIV_STAPUSR,		/* modules of the systemtap directory only */
	PRIV_STAPDEV,		/* any module */
	PRIV_ROOT,
};

/* The caller's privilege (real uid and groups; /etc/group read by hand,
 * no NSS: staprun is also linked statically).  Prints why on PRIV_NONE. */
enum privilege caller_privilege(void);

/*
 * Checks the module file opened as fd (path as given) against priv:
 * for stapusr, its real path must be in the systemtap directory, which
 * must be owned by root and writable by root only; for every non-root
 * caller, the module must be a regular file, not in a directory others
 * may write to unless that is root's and sticky (like /tmp).  0, or -1
 * after saying why.
 */
int check_module_file(enum privilege priv, int fd, const char *path);

/* /lib/modules/RELEASE/systemtap, where MODULE names without a '/' or
 * ".ko" are looked up (as upstream). */
const char *systemtap_module_dir(void);

#endif
