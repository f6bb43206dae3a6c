/* Disassembly for -d in_asm and the monitor, through capstone. */
#include <stdio.h>
#include <string.h>

#include <capstone/capstone.h>

#include "cpu/ppc.h"

static csh handle;
static int cs_state; /* 0 = not tried, 1 = open, -1 = failed */

const char *ppc_disas(uint32_t insn, uint32_t pc, char *buf, size_t len)
{
    if (cs_state == 0)
        cs_state = cs_open(CS_ARCH_PPC, CS_MODE_32 | CS_MODE_BIG_ENDIAN, &handle) == CS_ERR_OK ? 1 : -1;
    uint8_t code[4] = { (uint8_t)(insn >> 24), (uint8_t)(insn >> 16), (uint8_t)(insn >> 8), (uint8_t)insn };
    cs_insn *ci = NULL;
    if (cs_state == 1 && cs_disasm(handle, code, 4, pc, 1, &ci) == 1) {
        snprintf(buf, len, "%s %s", ci->mnemonic, ci->op_str);
        cs_free(ci, 1);
    } else {
        const PPCInsnDef *d = ppc_decode(insn, &(PPCOp){ 0 });
        snprintf(buf, len, "%s", d ? d->name : ".long 0x????????");
        if (!d)
            snprintf(buf, len, ".long 0x%08x", insn);
    }
    return buf;
}
