# gdb -batch -x dwarf-expect.py VMLINUX: what dwarf.exp expects of this
# kernel build, read from its debuginfo by gdb (a reader independent of
# ours), printed as one Tcl dict:
#   vfs_read, kernel_read, ksys_read: their declaration lines;
#   lines: the first four lines of vfs_read with code (line-table rows
#     of its file, inside its address range, from its declaration on);
#   range: those of the ten lines from declaration + 11 on;
#   label, labelpat: a label of a fs/read_write.c function, as -l lists
#     it (at the label's own line) and a pattern naming it.
# (An inline-only function's declaration has no gdb name: dwarf.exp
# keeps fdget's per build.)
import gdb


def sym(name):
    return gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)


def fn_block(s):
    b = gdb.block_for_pc(int(s.value().address))
    while b is not None and b.function is None:
        b = b.superblock
    return b


def src(symtab):
    f = symtab.filename
    return f[2:] if f.startswith("./") else f


def code_lines(name):
    s = sym(name)
    b = fn_block(s)
    out = set()
    for e in s.symtab.linetable():
        if b.start <= e.pc < b.end and e.line >= s.line:
            out.add(e.line)
    return sorted(out)


def label():
    for f, l in (("vfs_copy_file_range", "done"), ("vfs_readv", "out")):
        s = sym(f)
        b = fn_block(s) if s else None
        while b is not None:
            ls = gdb.lookup_symbol(l, b, gdb.SYMBOL_LABEL_DOMAIN)[0]
            if ls is not None:
                at = 'kernel.function("%s@%s:%d")' % (f, src(s.symtab),
                                                     ls.line)
                pat = 'kernel.function("%s")' % f
                return at + '.label("%s")' % l, pat + '.label("%s")' % l
            b = b.superblock
    return "none", "none"


decl = {f: sym(f).line for f in ("vfs_read", "kernel_read", "ksys_read")}
lines = code_lines("vfs_read")
lo = decl["vfs_read"] + 11
lab, pat = label()
print("vfs_read %d kernel_read %d ksys_read %d" %
      (decl["vfs_read"], decl["kernel_read"], decl["ksys_read"]),
      "lines {%s}" % " ".join(map(str, lines[:4])),
      "range {%s}" % " ".join(str(l) for l in lines if lo <= l < lo + 10),
      "label {%s} labelpat {%s}" % (lab, pat))
