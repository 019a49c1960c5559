/* Vector table and reset handler for QEMU's MPS2 boards (Cortex-M4F mps2-an386,
 * Cortex-M7 mps2-an500), with the addresses of firmware/link.ld. */
#include <stdint.h>

#include "harness.h"

extern uint32_t __stack_bottom[], __stack_top[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[], __arena_start[], __arena_end[];

int main(void);
void ts_fw_reset_handler(void) __attribute__((noreturn));
void ts_fw_systick_handler(void);
void ts_fw_paint_stack(void);

/* What stack painting writes; see ts_fw_stack_used. */
#define TS_FW_STACK_PATTERN 0x5AC3A5C3u

static void ts_fw_fault(const char* what) {
  ts_fw_puts("tessera-fw: ");
  ts_fw_puts(what);
  ts_fw_puts("\n");
  ts_fw_exit(3);
}
/* Prints the fault status registers and the stacked pc/lr, then exits with 3. `frame` is the
 * exception frame (r0-r3, r12, lr, pc, xpsr) on the main stack. */
void ts_fw_fault_report(const uint32_t* frame, uint32_t kind);
void ts_fw_fault_report(const uint32_t* frame, uint32_t kind) {
  static const char* const names[] = {"HardFault", "MemManage fault", "BusFault", "UsageFault"};
  static const char digits[] = "0123456789abcdef";
  const uint32_t regs[6] = {frame[6], frame[5], *(volatile uint32_t*)0xE000ED28u,
                            *(volatile uint32_t*)0xE000ED2Cu, *(volatile uint32_t*)0xE000ED38u,
                            *(volatile uint32_t*)0xE000ED34u};
  static const char* const labels[6] = {" pc=", " lr=", " cfsr=", " hfsr=", " bfar=", " mmfar="};
  char hex[11];
  int i, k;
  ts_fw_puts("tessera-fw: ");
  ts_fw_puts(names[kind & 3u]);
  for (i = 0; i < 6; ++i) {
    hex[0] = '0';
    hex[1] = 'x';
    for (k = 0; k < 8; ++k) hex[2 + k] = digits[(regs[i] >> (28 - 4 * k)) & 15u];
    hex[10] = '\0';
    ts_fw_puts(labels[i]);
    ts_fw_puts(hex);
  }
  ts_fw_puts("\n");
  ts_fw_exit(3);
}

#define TS_FW_FAULT_HANDLER(name, kind)                  \
  __attribute__((naked)) static void name(void) {       \
    __asm volatile("mov r0, sp\n\t"                      \
                   "movs r1, #" #kind "\n\t"             \
                   "b ts_fw_fault_report\n");           \
  }
TS_FW_FAULT_HANDLER(ts_fw_hardfault_handler, 0)
TS_FW_FAULT_HANDLER(ts_fw_memmanage_handler, 1)
TS_FW_FAULT_HANDLER(ts_fw_busfault_handler, 2)
TS_FW_FAULT_HANDLER(ts_fw_usagefault_handler, 3)
static void ts_fw_nmi_handler(void) { ts_fw_fault("NMI"); }
static void ts_fw_unexpected_handler(void) { ts_fw_fault("unexpected interrupt"); }

typedef void (*ts_fw_vector)(void);

/* 16 core exceptions, then the 32 external interrupts of the MPS2 boards. The first entry
 * is the initial main stack pointer. */
__attribute__((section(".vectors"), used)) static const ts_fw_vector ts_fw_vectors[16 + 32] = {
    (ts_fw_vector)(uintptr_t)__stack_top,
    ts_fw_reset_handler,
    ts_fw_nmi_handler,
    ts_fw_hardfault_handler,
    ts_fw_memmanage_handler,
    ts_fw_busfault_handler,
    ts_fw_usagefault_handler,
    0, 0, 0, 0,
    ts_fw_unexpected_handler, /* SVCall */
    ts_fw_unexpected_handler, /* DebugMonitor */
    0,
    ts_fw_unexpected_handler, /* PendSV */
    ts_fw_systick_handler,
    /* external interrupts: none is enabled */
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler, ts_fw_unexpected_handler,
    ts_fw_unexpected_handler, ts_fw_unexpected_handler,
};

/* Fills the stack below the current stack pointer (minus a margin for this function's
 * own frame) with TS_FW_STACK_PATTERN. Runs before anything else uses the stack. */
void ts_fw_paint_stack(void) {
  uint32_t sp;
  __asm volatile("mov %0, sp" : "=r"(sp));
  volatile uint32_t* p = __stack_bottom;
  volatile uint32_t* end = (volatile uint32_t*)(uintptr_t)((sp - 32u) & ~3u);
  while (p < end) *p++ = TS_FW_STACK_PATTERN;
}

uint32_t ts_fw_stack_size(void) {
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)__stack_bottom);
}

uint32_t ts_fw_stack_used(void) {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == TS_FW_STACK_PATTERN) ++p;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void ts_fw_reset_handler(void) {
  ts_fw_paint_stack();
#if defined(__ARM_FP)
  /* Full access to the FPU (CP10, CP11) before any floating-point instruction. */
  *(volatile uint32_t*)0xE000ED88u |= 0xFu << 20;
  __asm volatile("dsb\n\tisb" ::: "memory");
#endif
  {
    const uint32_t* src = __data_load;
    uint32_t* dst = __data_start;
    while (dst < __data_end) *dst++ = *src++;
  }
  {
    uint32_t* p = __bss_start;
    while (p < __bss_end) *p++ = 0;
  }
  {
    uint32_t* p = __arena_start;
    while (p < __arena_end) *p++ = 0;
  }
  ts_fw_exit(main());
}
