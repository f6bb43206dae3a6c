# The Linux guest (tools/build-guest.sh; see tools/guest/README.md).
#   make guest        build build-guest/vmlinux (cached: a rerun does nothing)
#   make guest-qemu   boot it on qemu-system-ppc -M 40p, type at the shell,
#                     check the output (tools/qemu-40p/run.sh --test)
#   make guest-run    boot it on ppcemu, console on stdio (Ctrl-A x quits)
#   make guest-test   boot it on ppcemu with "ppcemu.test": /init runs the
#                     self-test and resets; -no-reboot makes that exit 0
.PHONY: guest guest-qemu guest-run guest-test guest-clean

GUEST_VMLINUX := build-guest/vmlinux
GUEST_APPEND := console=ttyS0,115200
GUEST_TIMEOUT ?= 600

guest:
	tools/build-guest.sh

guest-qemu: guest
	tools/qemu-40p/run.sh --test

guest-run: guest $(PPCEMU)
	$(PPCEMU) -M virt -kernel $(GUEST_VMLINUX) -append "$(GUEST_APPEND)" -nographic

guest-test: guest $(PPCEMU)
	@mkdir -p $(BUILD)
	timeout $(GUEST_TIMEOUT) $(PPCEMU) -M virt -kernel $(GUEST_VMLINUX) \
	    -append "$(GUEST_APPEND) ppcemu.test" -nographic -no-reboot \
	    < /dev/null | tee $(BUILD)/guest-test.log
	grep -q "fptest: PASS" $(BUILD)/guest-test.log
	grep -q "selftest: end" $(BUILD)/guest-test.log

guest-clean:
	rm -rf build-guest
