/*
 * Self-modifying code (PEM 5.1.5.2: store, dcbst, sync, icbi, sync, isync):
 * code written into a buffer and called, rewritten and called again many
 * times; and an instruction later in the very block that modifies it.
 */
#include "rt.h"

static uint32_t code[64] __attribute__((aligned(32)));

/* smc_inline(w): stores w over smc_target, then runs it (li r3,N) */
__asm__(".text\n.globl smc_inline\n"
        "smc_inline:\n"
        "  lis r4, smc_target@ha\n"
        "  addi r4, r4, smc_target@l\n"
        "  stw r3, 0(r4)\n"
        "  dcbst 0, r4\n"
        "  sync\n"
        "  icbi 0, r4\n"
        "  sync\n"
        "  isync\n"
        "smc_target:\n"
        "  li r3, 1\n"
        "  blr\n");
uint32_t smc_inline(uint32_t insn);

#define LI_R3(n) (0x38600000u | ((n) & 0xFFFF))
#define BLR 0x4E800020u

int main(void)
{
    uint32_t (*fn)(void) = (uint32_t (*)(void))code;
    int bad = 0;
    for (uint32_t i = 0; i < 200; i++) {
        code[0] = LI_R3(i);
        code[1] = BLR;
        rt_sync_icache(code, 8);
        if (fn() != i)
            bad++;
    }
    CHECK_EQ(bad, 0, "rewritten function returns the new value each time");

    /* a longer function whose middle instruction changes */
    for (int i = 0; i < 16; i++)
        code[i] = 0x38630001;            /* addi r3,r3,1 */
    code[16] = BLR;
    code[0] = LI_R3(0);
    rt_sync_icache(code, 17 * 4);
    CHECK_EQ(fn(), 15, "16 instructions: li + 15 addi");
    code[8] = 0x38630064;                /* addi r3,r3,100 */
    rt_sync_icache(&code[8], 4);
    CHECK_EQ(fn(), 114, "middle instruction replaced");

    CHECK_EQ(smc_inline(LI_R3(2)), 2, "instruction modified ahead in the same block");
    CHECK_EQ(smc_inline(LI_R3(3)), 3, "... and again");
    CHECK_EQ(smc_inline(LI_R3(7)), 7, "... and again");
    return rt_result("smc");
}
