#!/usr/bin/env python3
"""Writes tapsets/syscalls_gen.stp: syscall.NAME.return for every x86-64
system call, and syscall.NAME for those tapsets/syscalls.stp does not
write by hand (each also as nd_syscall.*).

    tapsets/gen/syscalls.py BUILD_TREE COMMON_TREE [tapsets]

writes tapsets/syscalls_gen.stp and tapsets/syscall_names.stp (the
function syscall_name: a call's name by number).

BUILD_TREE has arch/x86/include/generated/uapi/asm/unistd_64.h (the
numbers: x86-64's are ABI, so the newest kernel's list is a superset);
COMMON_TREE has include/linux/syscalls.h and arch/x86/include/asm/
syscalls.h (the prototypes: argument names and C types).  Each alias
gets a variable per argument: a `const char __user *` one quoted (NAME)
and raw (NAME_unquoted), another pointer as NAME_uaddr, an integer cut
to its C type; argstr prints them in order ("%d", "%u", "%p", quoted
strings).  A call without a prototype (an unimplemented one) is left
out.
"""
import re
import sys

# Names of C integer types and their script conversion (by width and
# signedness); any other integer is a long.
INT_TYPES = {
    "int": "__int32", "pid_t": "__int32", "key_serial_t": "__int32",
    "mqd_t": "__int32", "timer_t": "__int32", "clockid_t": "__int32",
    "key_t": "__int32", "rwf_t": "__int32", "s32": "__int32",
    "__s32": "__int32",
    "unsigned int": "__uint32", "unsigned": "__uint32", "u32": "__uint32",
    "__u32": "__uint32", "uid_t": "__uint32", "gid_t": "__uint32",
    "qid_t": "__uint32", "old_uid_t": "__uint32", "old_gid_t": "__uint32",
    "umode_t": "__ushort", "unsigned short": "__ushort",
    "short": "__short",
}
UNSIGNED_LONG = {"unsigned long", "size_t", "u64", "__u64",
                 "aio_context_t", "unsigned long long", "dev_t"}
# Script keywords and the alias's own variables an argument may not be.
RESERVED = {"name", "argstr", "retstr", "probe", "function", "global",
            "if", "else", "for", "foreach", "while", "in", "next", "return",
            "delete", "break", "continue", "try", "catch", "limit",
            "string", "long", "private", "in"}
# x86-64's own calls, which the headers do not declare (SYSCALL_DEFINE
# in arch/x86 only), and calls declared under another name.
EXTRA = {
    "arch_prctl": "int option, unsigned long arg2",
    "iopl": "unsigned int level",
    "modify_ldt": "int func, void __user *ptr, unsigned long bytecount",
    "rt_sigreturn": "void",
    "set_thread_area": "struct user_desc __user *u_info",
    "get_thread_area": "struct user_desc __user *u_info",
    "umount2": "char __user *target, int flags",
    "mmap": "unsigned long addr, unsigned long len, unsigned long prot, "
            "unsigned long flags, unsigned long fd, unsigned long off",
}
REGS = ["$arg1", "$arg2", "$arg3", "$arg4", "$arg5", "$arg6"]


def numbers(build):
    path = build + "/arch/x86/include/generated/uapi/asm/unistd_64.h"
    out = []
    for line in open(path):
        m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
        if m and m.group(1) != "syscalls":	# __NR_syscalls: the count
            out.append((m.group(1), int(m.group(2))))
    return out


def prototypes(common):
    protos = {}
    for rel in ("include/linux/syscalls.h", "arch/x86/include/asm/syscalls.h"):
        text = open(common + "/" + rel).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for m in re.finditer(r"asmlinkage\s+long\s+sys_(\w+)\s*\(([^)]*)\)",
                             text):
            protos.setdefault(m.group(1), m.group(2))
    for name, params in EXTRA.items():
        protos.setdefault(name, params)
    return protos


def parse_params(text):
    """[(name, ctype_text)] of a prototype's parameter list."""
    text = " ".join(text.split())
    if text in ("", "void"):
        return []
    params = []
    for i, p in enumerate(text.split(",")):
        p = p.strip()
        m = re.match(r"(.*?[\s*])(\w+)$", p)
        if m and m.group(1).strip() not in ("", "const", "unsigned",
                                           "struct") and \
                m.group(2) not in ("int", "long", "char", "short",
                                   "unsigned") and \
                not re.search(r"\b(struct|union)\s*$", m.group(1)):
            params.append((m.group(2), m.group(1).strip()))
        else:
            params.append(("arg%d" % (i + 1), p))
    return params


def variable(pname, ctype, reg):
    """[(var, expr, doc)], the argstr format and value of one argument."""
    is_ptr = "*" in ctype
    base = " ".join(w for w in ctype.replace("*", " ").split()
                    if w not in ("const", "__user", "volatile"))
    if is_ptr and base == "char" and "const" in ctype:
        v = pname + "_str" if pname in RESERVED else pname
        return ([(v, "user_string_quoted(%s)" % reg, "the string, quoted"),
                 (v + "_unquoted", "user_string(%s, \"\")" % reg,
                  "the string")], "%s", v)
    if is_ptr:
        v = pname + "_uaddr"
        return ([(v, reg, "the user address (%s)" % ctype)], "%p", v)
    v = pname + "_arg" if pname in RESERVED else pname
    conv = INT_TYPES.get(base)
    if conv:
        fmt = "%u" if conv.startswith("__u") else "%d"
        return ([(v, "%s(%s)" % (conv, reg), "a %s" % base)], fmt, v)
    fmt = "%u" if base in UNSIGNED_LONG else "%d"
    return ([(v, reg, "a %s" % base)], fmt, v)


# Calls that return an address: retstr in hex.
HEX_RETURNS = {"mmap", "brk", "mremap", "shmat"}


def return_alias(name, alias=None):
    alias = alias or name
    fmt = 2 if name in HEX_RETURNS else 1
    return "\n".join([
        "/**",
        " * probe syscall.%s.return - Return from %s" % (alias, name),
        " * @name: the call's name",
        " * @retstr: the return value, \"-2 (ENOENT)\" for an error",
        " */",
        "probe syscall.%s.return, nd_syscall.%s.return = "
        "__syscall(\"%s\").return" % (alias, alias, name),
        "{",
        "\tname = \"%s\"" % name,
        "\tretstr = return_str(%d, $return)" % fmt,
        "}", ""])


def alias(name, params):
    lines = ["/**",
             " * probe syscall.%s - The %s system call" % (name, name),
             " * @name: the call's name"]
    body = ["\tname = \"%s\"" % name]
    fmts, vals = [], []
    for i, (pname, ctype) in enumerate(params[:6]):
        vars_, fmt, val = variable(pname, ctype, REGS[i])
        for v, expr, doc in vars_:
            lines.append(" * @%s: %s" % (v, doc))
            body.append("\t%s = %s" % (v, expr))
        fmts.append(fmt)
        vals.append(val)
    lines.append(" * @argstr: the arguments as strace would print them")
    lines.append(" */")
    if vals:
        body.append("\targstr = sprintf(\"%s\", %s)"
                    % (", ".join(fmts), ", ".join(vals)))
    else:
        body.append("\targstr = \"\"")
    out = lines
    out.append("probe syscall.%s, nd_syscall.%s = __syscall(\"%s\")"
               % (name, name, name))
    out.append("{")
    out += body
    out.append("}")
    out.append("")
    out.append(return_alias(name))
    return "\n".join(out)


def hand_written(path):
    names = {}
    for line in open(path):
        m = re.match(r'probe syscall\.(\w+),.*= __syscall\("(\w+)"\)\s*$',
                     line)
        if m:
            names[m.group(2)] = m.group(1)
    return names


def names_file(build, nrs):
    out = ["// Generated by tapsets/gen/syscalls.py from %s: do not edit."
           % build.rstrip("/").split("/")[-1],
           "// The x86-64 system calls' names by number.", "", "%{",
           "/* x86-64's system call names (ABI: the same on every kernel). */",
           "static const char *const stap_syscall_names[] = {"]
    for name, nr in nrs:
        out.append("\t[%d] = \"%s\"," % (nr, name))
    out += ["};", "%}", "",
            "/**",
            " * sfunction syscall_name - The name of an x86-64 system call",
            " * @nr: the call's number",
            " *",
            " * Description: \"openat\" for 257; \"syscall_NR\" for a number "
            "that names",
            " * no call.",
            " */",
            "function syscall_name:string (nr:long) %{ /* pure */ "
            "/* unprivileged */",
            "\tlong n = STAP_ARG_nr;", "",
            "\tif (n >= 0 && n < (long)ARRAY_SIZE(stap_syscall_names) &&",
            "\t    stap_syscall_names[n])",
            "\t\tstrscpy(STAP_RETVALUE, stap_syscall_names[n], "
            "MAXSTRINGLEN);",
            "\telse",
            "\t\tsnprintf(STAP_RETVALUE, MAXSTRINGLEN, \"syscall_%ld\", n);",
            "%}", ""]
    return "\n".join(out)


def main():
    build, common = sys.argv[1], sys.argv[2]
    tapsets = sys.argv[3] if len(sys.argv) > 3 else "tapsets"
    protos = prototypes(common)
    skip = hand_written(tapsets + "/syscalls.stp")
    with open(tapsets + "/syscall_names.stp", "w") as f:
        f.write(names_file(build, numbers(build)))
    sys.stdout = open(tapsets + "/syscalls_gen.stp", "w")
    print("// Generated by tapsets/gen/syscalls.py from %s and %s: do not "
          "edit." % (build.rstrip("/").split("/")[-1],
                     common.rstrip("/").split("/")[-1]))
    print("// syscall.NAME.return for every x86-64 system call, and "
          "syscall.NAME\n// for those tapsets/syscalls.stp does not write "
          "by hand, with a\n// variable per argument (include/linux/"
          "syscalls.h) and argstr of them\n// in order.\n")
    for name, nr in numbers(build):
        if name in skip:
            print(return_alias(name, skip[name]))
        elif name in protos:
            print(alias(name, parse_params(protos[name])))


main()
