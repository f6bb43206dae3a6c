# The Linux guest (tools/build-guest.sh; see tools/guest/README.md).
#   make guest        build build-guest/vmlinux (cached: a rerun does nothing)
#   make guest-qemu   boot it on qemu-system-ppc -M 40p, type at the shell,
#                     check the output (tools/qemu-40p/run.sh --test)
#   make guest-run    boot it on ppcemu, console on stdio (Ctrl-A x quits)
#   make guest-run-disk  boot it from build-guest/rootfs.img (root=/dev/vda),
#                     in an SDL window when $DISPLAY is set (serial on
#                     stdio as well); the image keeps what the guest writes
#   make guest-test   boot it on ppcemu with "ppcemu.test": /init runs the
#                     self-test and resets; -no-reboot makes that exit 0
#   make run          build what is missing (emulator, boot ROM, guest) and
#                     boot the guest to its shell prompt (Ctrl-A x quits)
#   make linux-bench  boot-to-prompt and CPU-bound timings, ppcemu vs QEMU's
#                     40p (tools/linuxbench.sh; figures, not a test)
.PHONY: guest guest-qemu guest-run guest-run-disk guest-test guest-clean linux-bench

GUEST_VMLINUX := build-guest/vmlinux
# ppcemu.time: the board has no RTC; /init sets the clock from the host's
# time at start (tools/guest/init)
GUEST_APPEND = console=ttyS0,115200 ppcemu.time=$$(date +%s)
GUEST_TIMEOUT ?= 600

guest:
	tools/build-guest.sh

guest-qemu: guest
	tools/qemu-40p/run.sh --test

run: guest-run

guest-run: guest $(PPCEMU) firmware
	$(PPCEMU) -M virt -kernel $(GUEST_VMLINUX) -append "$(GUEST_APPEND)" -nographic

guest-run-disk: guest $(PPCEMU) firmware
	$(PPCEMU) -M virt -kernel $(GUEST_VMLINUX) \
	    -drive file=build-guest/rootfs.img,format=raw,if=virtio \
	    -append "root=/dev/vda rw $(GUEST_APPEND)" \
	    $$(if [ -n "$$DISPLAY" ]; then echo -display sdl -serial stdio; else echo -nographic; fi)

guest-test: guest $(PPCEMU) firmware
	@mkdir -p $(BUILD)
	timeout $(GUEST_TIMEOUT) $(PPCEMU) -M virt -kernel $(GUEST_VMLINUX) \
	    -append "$(GUEST_APPEND) ppcemu.test" -nographic -no-reboot \
	    < /dev/null | tee $(BUILD)/guest-test.log
	grep -q "fptest: PASS" $(BUILD)/guest-test.log
	grep -q "selftest: end" $(BUILD)/guest-test.log

guest-clean:
	rm -rf build-guest

# The system test's serial-line driver (tests/steps/linux.sh runs it).
LINUXDRIVE := $(BUILD)/tests/system/linuxdrive
$(LINUXDRIVE): tests/system/linuxdrive.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS_SAN)
all: $(LINUXDRIVE)

linux-bench: guest $(PPCEMU) firmware $(LINUXDRIVE)
	tools/linuxbench.sh $(BUILD)
