/*
 * The framebuffer as a guest finds it: the simple-framebuffer node of the
 * device tree (r3) gives reg, width, height, stride and format; the
 * program checks them, checks the region reads back what it wrote (word,
 * halfword and byte stores), draws
 *     pixel(x, y) = 0x5A000000 | (x * 7 & 255) << 16 | (y * 3 & 255) << 8 | ((x ^ y) & 255)
 * (the top byte is ignored by the display) and idles with "FB-READY"
 * printed.  tests/steps/fb.sh then takes screendumps through the monitor
 * and compares their pixels with the same formula; guest.sh runs it as a
 * .hang program (drawn without an exception, still running).
 * With no framebuffer node the program says so and idles too.
 */
#include "rt.h"

extern uint32_t rt_boot_regs[7];

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

typedef struct {
    uint32_t reg, size, width, height, stride;
    const char *format;
    int found;
} FbNode;

static int starts(const char *s, const char *p)
{
    while (*p)
        if (*s++ != *p++)
            return 0;
    return 1;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Walk the structure block for the framebuffer@ node (devicetree spec
 * 5.4); properties of that node only */
static void find_fb(const uint8_t *fdt, FbNode *fb)
{
    const uint32_t *h = (const uint32_t *)fdt;
    const uint32_t *p = (const uint32_t *)(fdt + h[2]);
    const char *strings = (const char *)fdt + h[3];
    int depth = 0, in_fb = -1;
    for (;;) {
        uint32_t tok = *p++;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            depth++;
            if (starts(name, "framebuffer@")) {
                in_fb = depth;
                fb->found = 1;
            }
            uint32_t n = 0;
            while (name[n])
                n++;
            p += (n + 4) / 4;
        } else if (tok == FDT_END_NODE) {
            if (depth == in_fb)
                in_fb = -1;
            depth--;
        } else if (tok == FDT_PROP) {
            uint32_t len = p[0];
            const char *pname = strings + p[1];
            const uint32_t *v = p + 2;
            if (in_fb == depth) {
                if (streq(pname, "reg")) {
                    fb->reg = v[0];
                    fb->size = v[1];
                } else if (streq(pname, "width")) {
                    fb->width = v[0];
                } else if (streq(pname, "height")) {
                    fb->height = v[0];
                } else if (streq(pname, "stride")) {
                    fb->stride = v[0];
                } else if (streq(pname, "format")) {
                    fb->format = (const char *)v;
                }
            }
            p += 2 + (len + 3) / 4;
        } else if (tok == FDT_NOP) {
            continue;
        } else {
            break;
        }
    }
}

static uint32_t pattern(uint32_t x, uint32_t y)
{
    return 0x5A000000u | (x * 7 & 255) << 16 | (y * 3 & 255) << 8 | ((x ^ y) & 255);
}

/* the decrementer only pushes itself far away again */
static void dec_far(ExcFrame *f)
{
    (void)f;
    dec_write(0x7FFFFFFFu);
}

/* Sleep for good: MSR[POW] with EE on (the core idles until an interrupt,
 * 750 UM 10.2), the DEC the only source and ~a minute apart */
static void idle_forever(void)
{
    exc_set_handler(0x900, dec_far);
    dec_write(0x7FFFFFFFu);
    for (;;)
        mtmsr(mfmsr() | MSR_EE | MSR_POW);
}

int main(void)
{
    FbNode fb = { 0 };
    find_fb((const uint8_t *)rt_boot_regs[1], &fb);
    if (!fb.found) {
        rt_printf("EXPECT: NO-FB\nNO-FB\n");
        idle_forever();
    }
    rt_printf("fb: reg %x size %x %ux%u stride %u format %s\n", fb.reg, fb.size, fb.width,
              fb.height, fb.stride, fb.format ? fb.format : "?");
    CHECK_EQ(fb.reg, 0xA0000000u, "framebuffer at 0xA0000000");
    CHECK_EQ(fb.stride, fb.width * 4, "stride = width * 4");
    CHECK(fb.size >= fb.stride * fb.height, "reg covers the frame");
    CHECK(fb.format && streq(fb.format, "x8r8g8b8"), "format x8r8g8b8");

    volatile uint32_t *w = (volatile uint32_t *)fb.reg;
    volatile uint16_t *hw = (volatile uint16_t *)fb.reg;
    volatile uint8_t *b = (volatile uint8_t *)fb.reg;
    w[0] = 0x11223344u;
    CHECK_EQ(w[0], 0x11223344u, "word read back");
    CHECK_EQ(b[1], 0x22, "bytes big-endian");
    hw[1] = 0xABCD;
    CHECK_EQ(w[0], 0x1122ABCDu, "halfword store");
    b[0] = 0x99;
    CHECK_EQ(w[0], 0x9922ABCDu, "byte store");
    /* the region is 16 MiB: its last word is memory too */
    volatile uint32_t *last = (volatile uint32_t *)(fb.reg + 0x01000000u - 4);
    *last = 0xCAFEF00Du;
    CHECK_EQ(*last, 0xCAFEF00Du, "last word of the 16 MiB region");
    if (rt_failures)
        return rt_result("fb_pattern");

    for (uint32_t y = 0; y < fb.height; y++)
        for (uint32_t x = 0; x < fb.width; x++)
            w[y * (fb.stride / 4) + x] = pattern(x, y);
    unsigned bad = 0;
    for (uint32_t y = 0; y < fb.height; y += 7)
        for (uint32_t x = 0; x < fb.width; x += 5)
            bad += w[y * (fb.stride / 4) + x] != pattern(x, y);
    CHECK_EQ(bad, 0, "pattern reads back");
    if (rt_failures)
        return rt_result("fb_pattern");
    rt_printf("EXPECT: FB-READY %ux%u\nFB-READY %ux%u\n", fb.width, fb.height, fb.width, fb.height);
    idle_forever();
    return 0;
}
