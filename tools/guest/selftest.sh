# Run by /init when the kernel command line has "ppcemu.test".
echo "selftest: begin"
echo hello
uname -a
/bin/fptest
echo "selftest: end"
