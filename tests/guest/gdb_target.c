/*
 * The debuggee of tests/steps/gdb.sh (gdb-multiarch against the GDB
 * stub); on its own it simply passes.  gdb breaks at gdb_marker, steps,
 * watches `watched` being written, writes `poked` (printed as POKED at
 * the end), and keeps a breakpoint on code[0], which the guest rewrites
 * between two calls: the breakpoint is not in guest memory, so it hits
 * both versions and gdb reads the new instruction.
 */
#include "rt.h"

volatile uint32_t watched;
volatile uint32_t poked = 0x1111;
uint32_t code[2] __attribute__((aligned(32)));

#define LI_R3(n) (0x38600000u | ((n) & 0xFFFF))
#define BLR 0x4E800020u

/* gdb's first breakpoint */
__attribute__((noinline)) uint32_t gdb_marker(uint32_t x)
{
    __asm__ volatile("" ::: "memory");
    return x * 3 + 1;
}

int main(void)
{
    uint32_t (*fn)(void) = (uint32_t (*)(void))code;
    CHECK_EQ(gdb_marker(4), 13, "marker");
    watched = 5;
    code[0] = LI_R3(1);
    code[1] = BLR;
    rt_sync_icache(code, 8);
    CHECK_EQ(fn(), 1, "first version");
    code[0] = LI_R3(2);
    rt_sync_icache(code, 4);
    CHECK_EQ(fn(), 2, "rewritten version");
    rt_printf("POKED %x\n", (unsigned)poked);
    /* under -icount: the same with and without the debugger's stops */
    rt_printf("ICOUNT %u\n", (unsigned)rt_icount());
    return rt_result("gdb_target");
}
