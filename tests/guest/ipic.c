/*
 * The IPIC and the external interrupt (750 UM 4.5.5): UART0's THR-empty
 * interrupt (IPIC internal source 9, SIMSR_H/SIPNR_H bit 24, level) is
 * masked, then unmasked; SIVCR names the source; the external exception
 * has SRR0 = the next instruction, SRR1 = MSR bits; the level follows the
 * UART (IIR read / THR write / IER); external before decrementer when both
 * are pending.
 */
#include "rt.h"

#define SRR1_MSR_MASK 0x0000FF73u

static volatile int ext_taken;
static volatile uint32_t ext_srr0, ext_srr1, ext_sivcr;

static volatile uint32_t order[4];
static volatile int norder;

static void on_ext(ExcFrame *f)
{
    if (norder < 4)
        order[norder++] = f->vector;
    ext_taken++;
    ext_srr0 = f->srr0;
    ext_srr1 = f->srr1;
    ext_sivcr = ipic_read(IPIC_SIVCR);
    uart_reg_write(UART_IER, 0);       /* drop the level: source serviced */
}

static void on_dec(ExcFrame *f)
{
    if (norder < 4)
        order[norder++] = f->vector;
    mtspr(SPR_DEC, 0x7FFFFFFF);
}

/* ee_window: mtmsr(EE on) is at the label; the exception must come right
 * after it (SRR0 = ee_after) */
__asm__(".text\n.globl ee_window, ee_after\n"
        "ee_window: mfmsr r4\n"
        "  ori r5, r4, 0x8000\n"
        "  mtmsr r5\n"
        "ee_after: nop\n"
        "  nop\n"
        "  mtmsr r4\n"
        "  blr\n");
extern char ee_window[], ee_after[];

int main(void)
{
    uint32_t msr = mfmsr();
    exc_set_handler(0x500, on_ext);
    ipic_write(IPIC_SIMSR_H, 0);
    ipic_write(IPIC_SIMSR_L, 0);
    ipic_write(IPIC_SEMSR, 0);
    CHECK_EQ(ipic_read(IPIC_SIVCR) & 0x7F, 0, "SIVCR 0 with nothing pending");

    uart_reg_write(UART_MCR, 0x0B);    /* DTR, RTS, OUT2 */
    uart_reg_write(UART_IER, 0x02);    /* THR empty: the UART asserts its line */
    CHECK_EQ(ipic_read(IPIC_SIVCR) & 0x7F, 0, "SIVCR 0 while the source is masked");
    mtmsr(msr | MSR_EE);
    rt_delay_ticks(1000);
    mtmsr(msr);
    CHECK_EQ(ext_taken, 0, "masked source: no external interrupt");

    ipic_write(IPIC_SIMSR_H, IPIC_UART0_BIT);
    CHECK_EQ(ipic_read(IPIC_SIMSR_H), IPIC_UART0_BIT, "SIMSR_H reads back");
    CHECK(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT, "SIPNR_H shows source 9 pending");
    CHECK_EQ(ipic_read(IPIC_SIVCR) & 0x7F, UART0_IPIC_SRC, "SIVCR = 9 (UART)");
    CHECK_EQ(ext_taken, 0, "EE off: still no exception");

    ((void (*)(void))ee_window)();
    CHECK_EQ(ext_taken, 1, "external interrupt taken once EE=1");
    CHECK_EQ(ext_srr0, (uint32_t)ee_after, "external SRR0 = the instruction after mtmsr");
    CHECK_EQ(ext_srr1, (msr | MSR_EE) & SRR1_MSR_MASK, "external SRR1 = MSR bits");
    CHECK_EQ(ext_sivcr & 0x7F, UART0_IPIC_SRC, "SIVCR in the handler = 9");
    CHECK_EQ(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT, 0, "serviced: SIPNR_H clear");
    CHECK_EQ(ipic_read(IPIC_SIVCR) & 0x7F, 0, "serviced: SIVCR 0");

    /* level follows the source: IIR read clears THRE, a THR write brings
     * it back once the byte has gone */
    uart_reg_write(UART_IER, 0x02);
    CHECK(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT, "pending again with ETBEI");
    (void)uart_reg_read(UART_IIR);
    CHECK_EQ(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT, 0, "IIR read dropped the level");
    uart_reg_write(UART_THR, '.');
    int n = 0;
    while (!(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT) && ++n < 1000000)
        ;
    CHECK(ipic_read(IPIC_SIPNR_H) & IPIC_UART0_BIT, "THR empty again after a write: pending");
    ext_taken = 0;
    mtmsr(msr | MSR_EE);
    __asm__ volatile("nop; nop" ::: "memory");
    mtmsr(msr);
    CHECK_EQ(ext_taken, 1, "taken again");

    /* both pending when EE turns on: the external interrupt is taken
     * before the decrementer (750 UM 4.1.4, exception priorities) */
    exc_set_handler(0x900, on_dec);
    mtspr(SPR_DEC, 0x7FFFFFFF);
    mtspr(SPR_DEC, 0xFFFFFF00u);        /* bit 0 0 -> 1: DEC request */
    uart_reg_write(UART_IER, 0x02);     /* external request */
    norder = 0;
    mtmsr(msr | MSR_EE);
    __asm__ volatile("nop; nop; nop; nop" ::: "memory");
    mtmsr(msr);
    CHECK_EQ(norder, 2, "both interrupts taken");
    CHECK_EQ(order[0], 0x500, "external first");
    CHECK_EQ(order[1], 0x900, "then the decrementer");

    ipic_write(IPIC_SIMSR_H, 0);
    uart_reg_write(UART_IER, 0);
    uart_reg_write(UART_MCR, 0x03);
    rt_putc('\n');
    return rt_result("ipic");
}
