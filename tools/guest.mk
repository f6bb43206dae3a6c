# The Linux guest (tools/build-guest.sh; see tools/guest/README.md).
#   make guest       build build-guest/vmlinux (cached: a rerun does nothing)
#   make guest-qemu  boot it on qemu-system-ppc -M 40p and check the shell
.PHONY: guest guest-qemu guest-clean

guest:
	tools/build-guest.sh

guest-qemu: guest
	tools/qemu-40p/run.sh --test

guest-clean:
	rm -rf build-guest
